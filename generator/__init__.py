"""recallgen: reference pages -> OpenAPI 3.1 -> typed client -> conformance suite."""

__version__ = "0.1.0"
