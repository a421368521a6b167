"""Stage 1: reference pages -> a normalized OpenAPI 3.1 document (plain data).

Modules, in flow order: :mod:`.pages` and :mod:`.samples` (parse a page), :mod:`.rowtypes`
(interpret a table row), :mod:`.infer` (sample value -> schema), :mod:`.operation` and
:mod:`.operations` (reconcile one page), :mod:`.rows` and :mod:`.placement` (place table rows),
:mod:`.components` (name and share schemas), :mod:`.examples` and :mod:`.pipeline` (assemble the
document, apply the overlay). Entry points: :func:`normalize` (files or folders) and
:func:`normalize_pages` (already parsed pages).
"""

from generator.normalize.pipeline import NormalizeResult, discover, normalize, normalize_pages, read_pages

__all__ = ["NormalizeResult", "discover", "normalize", "normalize_pages", "read_pages"]
