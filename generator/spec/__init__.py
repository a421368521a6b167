"""The normalized spec as a file: read, validate and write OpenAPI documents; the overlay.

Entry points: :func:`load_document`, :func:`dump_yaml`, :func:`write_atomic`,
:func:`validate_document` (:mod:`.document`), :func:`load_overlay` and :func:`apply_overlay`
(:mod:`.overlay`, OpenAPI Overlay 1.0). Nothing here imports the normalizer.
"""

from generator.spec.document import dump_yaml, load_document, validate_document, write_atomic
from generator.spec.overlay import Overlay, apply_overlay, load_overlay

__all__ = [
    "Overlay",
    "apply_overlay",
    "dump_yaml",
    "load_document",
    "load_overlay",
    "validate_document",
    "write_atomic",
]
