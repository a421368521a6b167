"""Compare two normalized specs (``recallgen diff``): changes with stable ids and levels, reports.

Entry points: :func:`diff_specs` and :class:`Change` (:mod:`.changes`), the id table
:data:`CHANGES` (:mod:`.codes`), the report formats (:mod:`.formats`).
"""

from generator.diff.changes import Change, diff_specs
from generator.diff.codes import CHANGES, Level

__all__ = ["CHANGES", "Change", "Level", "diff_specs"]
