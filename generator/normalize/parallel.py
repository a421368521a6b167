"""Per-page work of the normalize job on every core: reading pages and reconciling each one.

Pages are independent until their operations are settled, so :func:`map_pages` runs a function
over them in worker processes (``fork``: the workers inherit the parsed pages and everything read
before, nothing is sent to them but indexes) and returns the results in page order, each with the
diagnostics it gave, which are added to the run's in that order: the output and the diagnostics
are exactly those of a serial run (a test holds them byte-identical). What the workers inherit is
frozen out of the garbage collector first (``gc.freeze``): a collection in a worker would touch
every inherited object and so copy the parent's memory into each worker.

:class:`Held` does two such maps in the same workers, the second over what the first made, which
stays in the worker that made it: ``normalize`` reads each page where it then reconciles it, and
only what the parent needs of a page (``keep``) comes back, never the whole page.

Serial when there is one core, few pages, no ``fork`` (Windows), or ``RECALLGEN_JOBS=1``
(``RECALLGEN_JOBS=N`` sets the number of workers).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any, Generic, TypeVar

from generator.diagnostics import Diagnostic, Diagnostics

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K")
U = TypeVar("U")

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
    return _gather(done, diags)


def _gather(done: list[list[tuple[Any, list[Diagnostic]]]], diags: Diagnostics) -> list[Any]:
    """The results of chunks in order, their diagnostics added to ``diags`` in the same order."""
    results: list[Any] = []
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


class Held(Generic[T, R]):
    """Two maps over ``items`` in the same workers: :meth:`first` makes a result per item, which
    the worker keeps and of which only ``keep(result)`` comes back; :meth:`second` maps over those
    results where they are. Each item's diagnostics are added in item order, as in a serial run.

    The first map hands out chunks of :data:`CHUNK` items to whichever worker is free; the second
    gives each chunk to the worker that holds it. Serial (results kept in this process) when
    :func:`jobs` says 1. Use as a context manager: the workers end on leaving it.
    """

    def __init__(self, items: Sequence[T]) -> None:
        self.items = items
        self.workers = jobs(len(items))
        self.chunks = [(start, min(start + CHUNK, len(items))) for start in range(0, len(items), CHUNK)]
        self.owner = [0] * len(self.chunks)
        self.kept: list[R] = []  # serial: the first map's results
        self.conns: list[Connection] = []
        self.processes: list[Any] = []

    def __enter__(self) -> Held[T, R]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()
        for process in self.processes:
            if kind is not None:
                process.terminate()
            process.join()

    def first(self, func: Callable[[T, Diagnostics], R], keep: Callable[[R], K], diags: Diagnostics) -> list[K]:
        """``[keep(func(item, diags)) for item in items]``; the ``func`` results stay for :meth:`second`."""
        if self.workers == 1:
            self.kept = [func(item, diags) for item in self.items]
            return [keep(result) for result in self.kept]
        self._fork()
        return self._run(("first", func, keep), None, diags)

    def second(self, func: Callable[[R, Diagnostics], U], diags: Diagnostics) -> list[U]:
        """``[func(result, diags) for result in the first map's results]``, each where it is."""
        if self.workers == 1:
            kept, self.kept = self.kept, []
            return [func(result, diags) for result in kept]
        return self._run(("second", func, None), self.owner, diags)

    def _fork(self) -> None:
        context = multiprocessing.get_context("fork")
        gc.freeze()  # the workers' collector never walks (and so never copies) what they inherit
        try:
            for _ in range(self.workers):
                mine, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(theirs, self.items), daemon=True)
                process.start()
                theirs.close()
                self.conns.append(mine)
                self.processes.append(process)
        finally:
            gc.unfreeze()

    def _run(self, task: tuple[str, Any, Any], owner: list[int] | None, diags: Diagnostics) -> list[Any]:
        """Send ``task`` to every worker, then the chunks (to ``owner[chunk]``, or to whoever is
        free), two in flight per worker; the results in item order, diagnostics added."""
        queues: list[deque[int]] = [deque() for _ in self.conns]
        shared: deque[int] = deque(range(len(self.chunks)))
        if owner is not None:
            for chunk, worker in enumerate(owner):
                queues[worker].append(chunk)
        flying: list[deque[int]] = [deque() for _ in self.conns]
        done: list[Any] = [None] * len(self.chunks)

        def feed(worker: int) -> None:
            queue = queues[worker] if owner is not None else shared
            if queue:
                chunk = queue.popleft()
                self.owner[chunk] = worker
                flying[worker].append(chunk)
                self.conns[worker].send(self.chunks[chunk])

        for worker, conn in enumerate(self.conns):
            conn.send(task)
            feed(worker)
            feed(worker)
        with collector_paused():
            while any(flying):
                for ready in wait([self.conns[w] for w in range(len(self.conns)) if flying[w]]):
                    worker = self.conns.index(ready)  # type: ignore[arg-type]
                    try:
                        reply = self.conns[worker].recv()
                    except EOFError:
                        raise RuntimeError("a worker process died") from None
                    if isinstance(reply, BaseException):
                        raise reply
                    done[flying[worker].popleft()] = reply
                    feed(worker)
        return _gather(done, diags)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector off while this process reads what the workers send back, and what it
    made then moved to the oldest generation.

    Unpickling the operations of 10,000 pages makes millions of objects: a youngest-generation
    collection came every 100,000 of them and walked them all, and the middle generation walked
    the survivors again (about 100 collections, 3.5 s of this process's CPU, while the workers
    needed the cores). What is received is trees of plain data (pages' heads, schema nodes,
    diagnostics), no reference cycles, kept until the run ends: it goes to the oldest generation
    (``gc.freeze`` then ``gc.unfreeze``: the objects frozen before the workers were forked are
    already back there), which only a full collection walks, and cycles would still be found there.
    The collector is enabled again on leaving if it was before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def _serve(conn: Connection, items: Sequence[Any]) -> None:
    """A :class:`Held` worker: tasks and chunks in, each chunk's results and diagnostics out."""
    held: dict[int, Any] = {}
    kind, func, keep = "", None, None
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        if isinstance(message[0], str):
            kind, func, keep = message
            continue
        start, end = message
        try:
            out: Any = []
            for index in range(start, end):
                said = Diagnostics()
                if kind == "first":
                    held[index] = result = func(items[index], said)  # type: ignore[misc]
                    out.append((keep(result), said.items))  # type: ignore[misc]
                else:
                    out.append((func(held.pop(index), said), said.items))  # type: ignore[misc]
        except Exception as exc:  # raised in this process's parent
            out = exc
        conn.send(out)
