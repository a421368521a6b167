"""The normalized spec as a file: read, validate and write OpenAPI documents; the overlay.

Entry points: :func:`load_spec` and :class:`Spec` (:mod:`.model`: one typed model of a normalized
spec, ``$ref``s resolved by :mod:`.refs`, API-wide rules from :mod:`.rules`), :func:`load_document`,
:func:`dump_yaml`, :func:`write_atomic`,
:func:`validate_document` (:mod:`.document`), :func:`load_overlay` and :func:`apply_overlay`
(:mod:`.overlay`, OpenAPI Overlay 1.0). Nothing here imports the normalizer.
"""

from generator.spec.document import dump_yaml, load_document, validate_document, write_atomic
from generator.spec.model import Operation, Problem, Spec, SpecError, load_spec
from generator.spec.overlay import Overlay, apply_overlay, load_overlay

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
