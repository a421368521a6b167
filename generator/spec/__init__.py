"""The normalized spec as a file: read, validate and write OpenAPI documents; the overlay.

Entry points: :func:`load_spec` and :class:`Spec` (:mod:`.model`: one typed model of a normalized
spec, ``$ref``s resolved by :mod:`.refs`, API-wide rules from :mod:`.rules`), :func:`load_document`,
:func:`dump_yaml`, :func:`write_atomic`,
:func:`validate_document` (:mod:`.document`), :func:`load_overlay` and :func:`apply_overlay`
(:mod:`.overlay`, OpenAPI Overlay 1.0). Nothing here imports the normalizer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.spec.document import dump_yaml, load_document, validate_document, write_atomic
    from generator.spec.model import Operation, Problem, Spec, SpecError, load_spec
    from generator.spec.overlay import Overlay, apply_overlay, load_overlay

#: Where each name lives: imported when first used, so that importing one module of the package
#: (``generator.spec.model`` for ``diff``) does not import the others (the overlay's JSONPath).
_HOMES = {
    "dump_yaml": "document",
    "load_document": "document",
    "validate_document": "document",
    "write_atomic": "document",
    "Operation": "model",
    "Problem": "model",
    "Spec": "model",
    "SpecError": "model",
    "load_spec": "model",
    "Overlay": "overlay",
    "apply_overlay": "overlay",
    "load_overlay": "overlay",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


__all__ = [
    "Operation",
    "Overlay",
    "Problem",
    "Spec",
    "SpecError",
    "apply_overlay",
    "dump_yaml",
    "load_document",
    "load_overlay",
    "load_spec",
    "validate_document",
    "write_atomic",
]
