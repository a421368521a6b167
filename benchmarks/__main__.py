"""Run every ``benchmarks/bench_*.py`` module and print one table (``make bench``).

To add a benchmark, add a module ``bench_<name>.py`` with ``run() -> list[Result]``
(:class:`benchmarks._common.Result`). Exit code 1 when a result misses its target.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks._common import Result


def main() -> int:
    """Run the benchmark modules named on the command line (default: all); print the table."""
    names = sys.argv[1:] or sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")
    )
    table = Table(title="recallgen benchmarks")
    for column in ("module", "benchmark", "value", "target", "ok", "note"):
        table.add_column(column)
    failed = False
    for name in names:
        results: list[Result] = importlib.import_module(f"benchmarks.{name}").run()
        for r in results:
            value = f"{r.value:,.0f} {r.unit}" if r.value >= 100 else f"{r.value:.2f} {r.unit}"
            ok = "-" if r.ok is None else "yes" if r.ok else "NO"
            failed |= r.ok is False
            table.add_row(name, r.name, value, r.target, ok, r.note)
    Console(width=max(Console().width, 150)).print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
