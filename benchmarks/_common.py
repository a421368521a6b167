"""What a benchmark module returns, and the helpers benchmarks share.

A row of the table is a :class:`Result`: the measure, our value, the peer's value and the ratio
when there is a peer, the target and whether it is met. The constructor of the first table,
``Result(name, value, unit, target, ok, note)``, still works (positionally or by keyword): such a
row has no peer. :func:`compare` makes a row from our value and the peer's.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
BUILD = ROOT / "build"
CORPUS = ROOT.parent / "shared" / "corpus" / "recall-docs"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))


@dataclass(frozen=True)
class Result:
    """One row: ``value`` (ours) in ``unit``; ``ok`` says whether it meets ``target`` (text; None:
    informational). With a peer: ``peer`` (same unit), ``peer_name`` and ``ratio`` (ours / peer
    unless the row says otherwise in ``target``)."""

    name: str
    value: float
    unit: str
    target: str
    ok: bool | None
    note: str = ""
    peer: float | None = None
    peer_name: str = ""
    ratio: float | None = None

    @property
    def ours(self) -> float:
        return self.value


def compare(
    name: str,
    ours: float,
    peer: float,
    unit: str,
    *,
    peer_name: str,
    at_most: float | None = None,
    at_least: float | None = None,
    note: str = "",
) -> Result:
    """A row comparing ``ours`` with ``peer``: ratio ours / peer, met when it is ``<= at_most``
    (times, memory) or ``>= at_least`` (rates); informational without either."""
    ratio = ours / peer if peer else float("inf")
    if at_most is not None:
        target, ok = f"<= {at_most:g}x", ratio <= at_most
    elif at_least is not None:
        target, ok = f">= {at_least:g}x", ratio >= at_least
    else:
        target, ok = "info", None
    return Result(name, ours, unit, target, ok if peer else False, note, peer, peer_name, ratio)


def per_second(func: Callable[[], object], *, rounds: int = 5, min_time: float = 0.2) -> float:
    """Calls of ``func`` per second: the best of ``rounds`` rounds of at least ``min_time`` seconds each."""
    n = 1
    while True:  # calibrate the batch size
        start = time.perf_counter()
        for _ in range(n):
            func()
        if time.perf_counter() - start >= min_time / 5:
            break
        n *= 2
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            func()
        best = max(best, n / (time.perf_counter() - start))
    return best


@dataclass(frozen=True)
class Timed:
    """One process run: wall seconds, CPU seconds (user + system, its children included), peak
    resident memory of the process tree in bytes (sampled), exit code."""

    wall: float
    cpu: float
    peak_rss: int
    code: int


def run_timed(command: Sequence[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> Timed:
    """Run ``command`` as a fresh process (output discarded): what a user waits for, interpreter
    start and imports included. CPU time from ``wait4``; memory: the largest sum of the
    proportional set sizes of the process and its descendants, sampled every 50 ms, every 0.5 s
    after two seconds (Linux
    ``/proc``), and at least the process's own peak resident set (``wait4``)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )  # fmt: skip
    peak = 0
    while True:
        waited = os.wait4(process.pid, os.WNOHANG)
        if waited[0] == process.pid:
            _, status, usage = waited
            break
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.05 if time.perf_counter() - start < 2 else 0.5)  # reading PSS walks the page tables
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return Timed(wall, usage.ru_utime + usage.ru_stime, max(peak, usage.ru_maxrss * 1024), process.returncode)


def _tree_rss(pid: int) -> int:
    """Memory of ``pid`` and its descendants in bytes (0 when /proc cannot tell): the sum of their
    proportional set sizes, so that pages forked workers share with their parent count once."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                total += next(int(line.split()[1]) * 1024 for line in handle if line.startswith("Pss:"))
            with open(f"/proc/{current}/task/{current}/children") as handle:
                pending.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError, StopIteration):
            continue
    return total


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def load_average() -> str:
    """The 1-minute load average and the core count, for the notes."""
    try:
        one = os.getloadavg()[0]
    except OSError:
        return "load unknown"
    return f"load {one:.1f} on {os.cpu_count()} cores"
