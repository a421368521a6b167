"""Stage 2: a normalized spec -> the installable typed client package.

:mod:`.ir` (the intermediate representation templates see), :mod:`.build` (resource groups and
method signatures), :mod:`.meta` (credentials, servers, error classes), :mod:`.docs` (docstrings
and README examples), :mod:`.pytypes` (type hints from the models), :mod:`.literals` (escaped
strings), :mod:`.render` (templates, datamodel-code-generator, ruff, atomic swap). Entry point:
:func:`render_package`.
"""

from generator.client.render import render_package

__all__ = ["render_package"]
