"""OpenAPI validation on every core, in processes started before the document exists.

Validation (:mod:`generator.spec.validation`) reads every node of the document: a process forked
once the document is built ends up with its own copy of it (reading writes reference counts), and
at 10,000 pages two such processes went over 2 GiB. :func:`prestart_validation` forks the workers
when a run starts, while this process is small (the validator imported first, once for all); they
build its schemas while the pages are read. :func:`validate_beside` then hands them the document as ``marshal``
bytes (JSON-like data: what the pages made) and returns the validation errors while this process
does something else (writes the YAML):

- a document of fewer than :data:`SPLIT_PATHS` paths goes whole to one worker, which returns its
  errors: the validator's, in its order (a ``marshal`` copy keeps which objects are shared); so
  does one that may not be split (below), up to :data:`WHOLE_PATHS` paths, or else it is validated here;
- a larger one goes in pieces, one per share of its paths (up to :data:`CHUNKS_PER_WORKER` per worker):
  the document's other members, those paths and its components, checked against the OpenAPI 3.1
  schema (the components in one piece only) and by the keyword validators over those paths (the
  components' own walk, and the tags', in that one piece). The pieces give a verdict: when each
  finds nothing, the whole document has no error, and the answer is ``[]``; otherwise (or when a
  worker fails) the document is validated whole here, so the errors reported are always the
  validator's own, in its order.

Why no error escapes the pieces. The schema check is per path and per component (``paths`` and
the component maps are ``patternProperties`` with ``unevaluatedProperties: false``; the other
members are in every piece). The keyword validators visit paths in order and report an error of a
schema on its first visit only (visited schemas are remembered by identity): the piece holding the
path of that first visit visits the schema there too and no earlier (its earlier paths come earlier
in the document too), with the same arguments, so it reports what the whole document reports
there; the components piece visits every component the way the whole document's last walk
visits those no path reached. Only duplicate operationIds span paths: they are checked here before
splitting (a document with one, or with a ``$ref`` for a path item or an operation, is not split).
A piece may find more than the whole document (a schema met again in another piece), never less.

Nothing is started without ``fork``, on one core or with ``RECALLGEN_JOBS=1``; without workers,
:func:`validate_beside` validates here.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

T = TypeVar("T")

#: Documents with at least this many paths are validated in pieces (fewer: whole, in one worker).
SPLIT_PATHS = 40
#: A document that may not be split goes whole to a worker only below this many paths (a larger one
#: is validated here: a worker's copy of it would add the document's size to the run's memory).
WHOLE_PATHS = 1000
#: Pieces of paths per worker: a worker is sent the next piece when it answers, so the workers end
#: at most a piece apart (10,000 pages: a piece is about 2 s of work)...
CHUNKS_PER_WORKER = 8
#: ... and paths per piece at least (each piece costs a little: the whole-API spec is two pieces).
PIECE_PATHS = 32
#: The fields of a path item that are operations (``PathValidator.OPERATIONS`` upstream).
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: ``(where, message)`` of a validation error, as :func:`generator.spec.document.validation_errors` gives it.
Error = tuple[str, str]


def workers_wanted() -> int:
    """How many workers :func:`prestart_validation` starts (0: none)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    wanted = os.environ.get("RECALLGEN_JOBS", "")
    affinity = getattr(os, "sched_getaffinity", None)  # the cores this process may use (Linux)
    cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    count = int(wanted) if wanted.isdigit() and int(wanted) > 0 else cores
    return count if count > 1 else 0


#: The workers :func:`prestart_validation` started, until :func:`stop_validation`.
PRESTARTED: list[_Worker] = []


def prestart_validation() -> None:
    """Fork the validation workers now (see the module docstring); :func:`stop_validation` ends them."""
    if PRESTARTED:
        return
    count = workers_wanted()
    if count:
        import generator.spec.validation  # noqa: F401 (imported once, here, for all of them)

        gc.freeze()  # their collector never walks (and so never copies) what they inherit
        try:
            PRESTARTED.extend(_Worker() for _ in range(count))
        finally:
            gc.unfreeze()


def stop_validation() -> None:
    """End the workers :func:`prestart_validation` started."""
    while PRESTARTED:
        PRESTARTED.pop().close()


def validate_beside(document: dict[str, Any], work: Callable[[], T]) -> tuple[T, list[Error]]:
    """``work()`` and the validation errors of ``document`` (exactly those of
    :func:`generator.spec.document.validation_errors`), found by the prestarted workers while
    ``work`` runs here; by this process when there are none. ``work`` must not change ``document``."""
    from generator.spec.document import validation_errors

    job = _Job(document, list(PRESTARTED)) if PRESTARTED else None
    if job is None or not job.start():
        return work(), validation_errors(document, (0, 1))
    try:
        result = work()
    finally:
        answer = job.finish()
    return result, answer if answer is not None else validation_errors(document, (0, 1))


def pieces(document: dict[str, Any], count: int) -> list[dict[str, Any]] | None:
    """The paths of ``document`` in ``count`` shares of consecutive paths, or None when it may not
    be split (module docstring: a path item or an operation that is a ``$ref`` or not a mapping,
    an operationId that is not a string or is used twice, components that are not a mapping)."""
    paths = document.get("paths")
    if type(paths) is not dict or ("components" in document and type(document["components"]) is not dict):
        return None
    seen: set[str] = set()
    for item in paths.values():
        if type(item) is not dict or "$ref" in item:
            return None
        for name in OPERATIONS:
            if name not in item:
                continue
            operation = item[name]
            if type(operation) is not dict or "$ref" in operation:
                return None
            if "operationId" in operation:
                operation_id = operation["operationId"]
                if type(operation_id) is not str or operation_id in seen:
                    return None
                seen.add(operation_id)
    items = list(paths.items())
    size = -(-len(items) // count)
    return [dict(items[start : start + size]) for start in range(0, len(items), size)]


class _Job:
    """One document handed to the workers by a thread of this process (:meth:`start`, :meth:`finish`)."""

    def __init__(self, document: dict[str, Any], workers: list[_Worker]) -> None:
        self.document = document
        self.workers = workers
        self.answer: list[Error] | None = None
        self.thread: threading.Thread | None = None
        #: A worker failed: the others may still owe answers, so none of them is used again.
        self.broken = False

    def start(self) -> bool:
        """Start handing out the document; False when it cannot be (not ``marshal`` data)."""
        document = self.document
        paths = document.get("paths")
        shares = None
        if type(paths) is dict and len(paths) >= SPLIT_PATHS and len(self.workers) > 1:
            count = min(len(self.workers) * CHUNKS_PER_WORKER, max(len(self.workers), len(paths) // PIECE_PATHS))
            shares = pieces(document, count)
        if shares is None and type(paths) is dict and len(paths) >= WHOLE_PATHS:
            return False
        try:
            if shares is None:
                messages = [[marshal.dumps(("whole", document))]]
            else:
                top = {key: value for key, value in document.items() if key not in ("paths", "components")}
                components = document.get("components")
                base = marshal.dumps(("base", top, components))
                messages = [[base] for _ in self.workers]
        except (ValueError, RecursionError):  # not marshal data: validated here
            return False
        if shares is None:
            self.thread = threading.Thread(target=self._whole, args=(messages[0],), daemon=True)
        else:
            # One piece walks the document's root (tags, components): its own, when there are components.
            chunks: list[tuple[dict[str, Any], bool]] = [(share, False) for share in shares]
            if "components" in document:
                chunks.insert(0, ({}, True))
            else:
                chunks[0] = (chunks[0][0], True)
            self.thread = threading.Thread(target=self._split, args=(messages, chunks), daemon=True)
        self.thread.start()
        return True

    def finish(self) -> list[Error] | None:
        """The errors (None: the workers could not tell; the caller validates here)."""
        assert self.thread is not None
        self.thread.join()
        if self.broken:
            for worker in self.workers:
                if worker in PRESTARTED:
                    PRESTARTED.remove(worker)
                worker.close()
        return self.answer

    def _whole(self, messages: list[bytes]) -> None:
        worker = self.workers[0]
        try:
            for message in messages:
                worker.conn.send_bytes(message)
            reply = marshal.loads(worker.conn.recv_bytes())
        except (OSError, EOFError, ValueError):
            self.broken = True
            return
        if reply[0] == "errors":
            self.answer = [(where, message) for where, message in reply[1]]

    def _split(self, bases: list[list[bytes]], chunks: list[tuple[dict[str, Any], bool]]) -> None:
        pending = deque(range(len(chunks)))
        flying = [0] * len(self.workers)
        conns = [worker.conn for worker in self.workers]
        try:
            for conn, messages in zip(conns, bases, strict=True):
                for message in messages:
                    conn.send_bytes(message)

            ahead: list[bytes] = []  # the next piece, written while the workers work

            def feed(index: int) -> None:
                if pending:
                    share, walk = chunks[pending.popleft()]
                    conns[index].send_bytes(ahead.pop() if ahead else marshal.dumps(("piece", share, walk)))
                    flying[index] += 1

            for index in range(len(conns)):
                feed(index)
            clean = True
            while any(flying):
                if pending and not ahead:
                    share, walk = chunks[pending[0]]
                    ahead.append(marshal.dumps(("piece", share, walk)))
                for ready in wait([conns[i] for i in range(len(conns)) if flying[i]]):
                    index = conns.index(ready)  # type: ignore[arg-type]
                    reply = marshal.loads(conns[index].recv_bytes())
                    flying[index] -= 1
                    if reply != ("valid",):
                        clean = False
                        pending.clear()  # the rest would not change the answer
                        ahead.clear()
                    feed(index)
        except (OSError, EOFError, ValueError):
            self.broken = True
            return
        if clean:
            self.answer = []


class _Worker:
    """A forked process that validates documents and pieces sent to it (:func:`_serve`)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send_bytes(marshal.dumps(("stop",)))
        self.conn.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


def _serve(conn: Connection) -> None:
    """In a worker: build the validator, then answer each message until ``stop`` or the end of the pipe."""
    from generator.spec import validation

    validation.warm()
    top: dict[str, Any] = {}
    components: Any = None
    while True:
        try:
            message = marshal.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        kind = message[0]
        if kind == "stop":
            return
        if kind == "base":
            top, components = message[1], message[2]
            continue
        try:
            if kind == "whole":
                from generator.spec.document import validation_errors

                reply: tuple[Any, ...] = ("errors", validation_errors(message[1], (0, 1)))
            else:
                reply = ("valid",) if validation.piece_is_valid(top, components, message[1], message[2]) else ("no",)
        except Exception:  # e.g. a $ref into another piece: the whole document is validated by the caller
            reply = ("failed",)
        conn.send_bytes(marshal.dumps(reply))
        del message
