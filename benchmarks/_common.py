"""What a benchmark module returns, and a small timer (best of several rounds)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))


@dataclass(frozen=True)
class Result:
    """One measured number: ``value`` in ``unit``; ``ok`` says whether it meets ``target`` (text)."""

    name: str
    value: float
    unit: str
    target: str
    ok: bool | None
    note: str = ""


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
