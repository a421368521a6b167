"""The conformance summary: subjects (operations or components) x checks, passed/failed/skipped.

Tests declare what they check with ``@pytest.mark.conformance("request_conformance", subject="cop")``:
``subject`` names the parametrize argument holding the operation/component (its ``operation_id``
or its text is the row), or is a literal row name when no such argument exists; ``family``
(default ``operations``) picks the table. At collection the plugin stores the family, subject and
check in each item's ``user_properties``, so they travel with the reports (through pytest-xdist,
into ``--junitxml`` as ``<property>`` elements); :meth:`ConformanceReport.pytest_runtest_logreport`
aggregates them and :meth:`ConformanceReport.pytest_terminal_summary` prints one rich table per family.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

FAMILY = "conformance_family"
SUBJECT = "conformance_subject"
CHECK = "conformance_check"
OUTCOMES = ("passed", "failed", "skipped")
_RANK = {"passed": 0, "skipped": 1, "failed": 2}

Cells = dict[tuple[str, str], dict[str, int]]


def subject_of(item: pytest.Item, subject: str) -> str:
    """The row for ``item``: the operation id / text of parameter ``subject``, else ``subject`` itself."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    if subject in params:
        value = params[subject]
        spec = getattr(value, "spec", value)
        return str(getattr(spec, "operation_id", value))
    return subject


def tag_items(items: list[pytest.Item]) -> None:
    """Store family, subject and check of every item marked ``conformance`` in its ``user_properties``."""
    for item in items:
        marker = item.get_closest_marker("conformance")
        if marker is None:
            continue
        item.user_properties.append((FAMILY, str(marker.kwargs.get("family", "operations"))))
        item.user_properties.append((SUBJECT, subject_of(item, str(marker.kwargs.get("subject", "client")))))
        item.user_properties.append((CHECK, str(marker.args[0])))


class ConformanceReport:
    """Collects the outcome of each tagged test (worst phase wins) and prints the matrices."""

    def __init__(self) -> None:
        self.outcomes: dict[str, tuple[str, str, str, str]] = {}  # nodeid -> (family, subject, check, outcome)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Record the outcome of one phase of a tagged test."""
        props = dict(report.user_properties)
        if CHECK not in props:
            return
        if report.when != "call" and report.passed:
            return
        outcome = "skipped" if report.skipped else "failed" if report.failed else "passed"
        previous = self.outcomes.get(report.nodeid)
        if previous is None or _RANK[outcome] > _RANK[previous[3]]:
            self.outcomes[report.nodeid] = (str(props[FAMILY]), str(props[SUBJECT]), str(props[CHECK]), outcome)

    def matrices(self) -> dict[str, Cells]:
        """family -> (subject, check) -> counts by outcome."""
        out: dict[str, Cells] = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(OUTCOMES, 0)))
        for family, subject, check, outcome in self.outcomes.values():
            out[family][(subject, check)][outcome] += 1
        return out

    def render(self, width: int = 160) -> str:
        """The tables as text (empty when no tagged test ran)."""
        matrices = self.matrices()
        if not matrices:
            return ""
        buffer = io.StringIO()
        for family in sorted(matrices, key=lambda f: f == "operations"):  # operations last, nearest the prompt
            cells = matrices[family]
            checks = sorted({check for _, check in cells})
            subjects = sorted({subject for subject, _ in cells})
            table = Table()
            table.add_column(family, no_wrap=True)
            for check in checks:
                table.add_column(check.removesuffix("_conformance"), justify="center")
            for subject in subjects:
                table.add_row(subject, *(_cell(cells.get((subject, check))) for check in checks))
            wanted = max(len(s) for s in subjects) + sum(max(len(c) - 12, 10) + 3 for c in checks) + 4
            console = Console(file=buffer, width=max(width, wanted), force_terminal=False, color_system=None)
            console.print(f"conformance summary ({family} x checks; each cell passed/failed/skipped)")
            console.print(table)
        totals = {k: sum(c[k] for cells in matrices.values() for c in cells.values()) for k in OUTCOMES}
        buffer.write(
            f"conformance: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped\n"
        )
        return buffer.getvalue()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Print the matrices after pytest's own summary."""
        text = self.render(max(terminalreporter._tw.fullwidth, 100))
        if text:
            terminalreporter.write_line("")
            terminalreporter.write(text)


def _cell(counts: dict[str, int] | None) -> str:
    if counts is None:
        return ""
    return "/".join(str(counts[k]) for k in OUTCOMES) + (" FAIL" if counts["failed"] else "")
