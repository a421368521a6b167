"""Per-page work of the normalize job on every core: reading pages and reconciling each one.

Pages are independent until their operations are settled, so :func:`map_pages` runs a function
over them in worker processes (``fork``: the workers inherit the parsed pages and everything read
before, nothing is sent to them but indexes) and returns the results in page order, each with the
diagnostics it gave, which are added to the run's in that order: the output and the diagnostics
are exactly those of a serial run (a test holds them byte-identical). What the workers inherit is
frozen out of the garbage collector first (``gc.freeze``): a collection in a worker would touch
every inherited object and so copy the parent's memory into each worker.

Serial when there is one core, few pages, no ``fork`` (Windows), or ``RECALLGEN_JOBS=1``
(``RECALLGEN_JOBS=N`` sets the number of workers).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from generator.diagnostics import Diagnostic, Diagnostics

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this are handled in this process (starting workers costs more).
MIN_PARALLEL_ITEMS = 48
#: Items a worker takes at a time (few round trips, and the load still evens out).
CHUNK = 16

#: What the workers read: set before they are forked, cleared after.
_WORK: list[Any] = []


def jobs(items: int) -> int:
    """How many worker processes for ``items`` items (1: none)."""
    wanted = os.environ.get("RECALLGEN_JOBS", "")
    affinity = getattr(os, "sched_getaffinity", None)  # the cores this process may use (Linux)
    cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    count = int(wanted) if wanted.isdigit() and int(wanted) > 0 else cores
    if items < MIN_PARALLEL_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(count, items // CHUNK))


def map_pages(func: Callable[[T, Diagnostics], R], items: Sequence[T], diags: Diagnostics) -> list[R]:
    """``[func(item, diags) for item in items]``, on every core when it is worth it (module docstring)."""
    workers = jobs(len(items))
    if workers == 1:
        return [func(item, diags) for item in items]
    _WORK[:] = [func, items]
    gc.freeze()  # the workers' collector never walks (and so never copies) what they inherit
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            chunks = [(start, min(start + CHUNK, len(items))) for start in range(0, len(items), CHUNK)]
            done = list(pool.map(_run_chunk, chunks))
    finally:
        gc.unfreeze()
        _WORK.clear()
    results: list[R] = []
    for chunk in done:
        for result, said in chunk:
            diags.extend(said)
            results.append(result)
    return results


def _run_chunk(bounds: tuple[int, int]) -> list[tuple[Any, list[Diagnostic]]]:
    """In a worker: the results of items ``start:end`` and each one's diagnostics."""
    func, items = _WORK
    out = []
    for index in range(*bounds):
        said = Diagnostics()
        out.append((func(items[index], said), said.items))
    return out
