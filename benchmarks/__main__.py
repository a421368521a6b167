"""Run every ``benchmarks/bench_*.py`` module, print one table and write ``build/bench.json`` (``make bench``).

To add a benchmark, add a module ``bench_<name>.py`` with ``run() -> list[Result]``
(:class:`benchmarks._common.Result`; :func:`benchmarks._common.compare` for a row with a peer).
``python -m benchmarks bench_diff bench_scale`` runs only those. Exit code 1 when a row misses
its target.
"""

from __future__ import annotations

import compileall
import importlib
import json
import math
import os
import pkgutil
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks._common import BUILD, Result, load_average


def number(value: float | None, unit: str = "") -> str:
    """``value`` for the table: thousands separated from 100 up, two decimals below."""
    if value is None:
        return "-"
    if math.isinf(value) or math.isnan(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        text = f"{int(value):,}"
    else:
        text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"
    return f"{text} {unit}".strip()


def row(module: str, result: Result) -> dict[str, object]:
    """One row of ``build/bench.json``."""
    return {
        "module": module,
        "measure": result.name,
        "ours": result.value,
        "peer": result.peer,
        "peer_name": result.peer_name,
        "unit": result.unit,
        "ratio": result.ratio,
        "target": result.target,
        "ok": result.ok,
        "note": result.note,
    }


#: The project's own packages, compiled before timing (:func:`compile_bytecode`).
OWN_PACKAGES = ("generator", "generated", "conformance_tests", "benchmarks")


def compile_bytecode() -> None:
    """Compile the project's modules to bytecode before anything is timed.

    ``make install`` installs the toolkit in editable mode, so nothing compiled it, and a shell
    with ``PYTHONDONTWRITEBYTECODE=1`` (this machine's) would have every timed process compile
    every module again. pip compiled the peers' modules when it installed them into their own
    virtual environments, as it compiles any wheel it installs; this gives ours the same start.
    """
    root = Path(__file__).resolve().parent.parent
    for package in OWN_PACKAGES:
        if (root / package).is_dir():
            compileall.compile_dir(root / package, quiet=1, workers=1)


def main() -> int:
    """Run the benchmark modules named on the command line (default: all); print the table."""
    names = sys.argv[1:] or sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")
    )
    compile_bytecode()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = load_average()
    table = Table(title=f"recallgen benchmarks, {started}, {load_before} at the start")
    for column in ("measure", "ours", "peer", "ratio", "target", "ok", "note"):
        table.add_column(column, overflow="fold")
    rows: list[dict[str, object]] = []
    failed = False
    for name in names:
        start = time.perf_counter()
        results: list[Result] = importlib.import_module(f"benchmarks.{name}").run()
        seconds = time.perf_counter() - start
        table.add_section()
        for r in results:
            ok = "-" if r.ok is None else "yes" if r.ok else "NO"
            failed |= r.ok is False
            peer = f"{number(r.peer, r.unit)} ({r.peer_name})" if r.peer is not None else "-"
            ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
            table.add_row(r.name, number(r.value, r.unit), peer, ratio, r.target, ok, r.note)
            rows.append(row(name, r))
        print(f"{name}: {seconds:.0f} s", file=sys.stderr, flush=True)
    Console(width=max(Console().width, 200)).print(table)
    BUILD.mkdir(exist_ok=True)
    meta = {"date": started, "load_at_start": load_before, "load_at_end": load_average(), "cores": os.cpu_count()}
    (BUILD / "bench.json").write_text(json.dumps({**meta, "rows": rows}, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
