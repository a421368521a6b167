"""Compare two normalized specs: changes, breaking changes, changelog (``recallgen diff``).

Entry points: :func:`diff_specs`, :func:`to_markdown`, :func:`to_json` (:mod:`.changes`).
"""

from generator.diff.changes import Change, diff_specs, to_json, to_markdown

__all__ = ["Change", "diff_specs", "to_json", "to_markdown"]
