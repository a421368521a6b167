"""Read YAML specs fast with yaml-rs, and confirm each reading with libyaml in a second process.

libyaml through PyYAML (:func:`generator.spec.document.load_yaml_text`) is the toolkit's reader:
YAML 1.1 as PyYAML resolves it, within the limits of :func:`~generator.spec.document.check_limits`.
It spends most of its time making one Python object per parser event (about 0.1 s for the 1.2 MB
whole-API spec). yaml-rs, a YAML 1.2 reader written in Rust, builds the same data about five times
faster, but YAML 1.2 reads some plain scalars differently (``1e3``, ``0o17``, ``017``, ``yes``,
``12:30``...) and accepts some texts libyaml refuses.

:func:`read_checked` therefore reads with yaml-rs at once and, meanwhile, in a forked process,
with the toolkit's reader. The caller works with yaml-rs's data, keeps what it would print, and
asks :meth:`CheckedRead.confirmed` before printing anything: the two readings are compared by a
digest of their marshal (format 2) bytes, which tells apart every value JSON can hold (``1`` from
``True`` and ``1.0``, key order included). When they differ, or either reader fails, the caller
starts again with the toolkit's reader, so the result, diagnostics included, is always the one
:func:`~generator.spec.document.load_yaml_text` gives. The second process uses the second core
(the machine has two); where processes cannot be forked (no ``os.fork``, threads running) or
yaml-rs is missing, :func:`read_checked` returns None and the caller reads the usual way.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import signal
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

#: Digest size (bytes) of one reading; a reading that failed is :data:`_FAILED`.
_DIGEST = 16
_FAILED = b"\0" * _DIGEST


def _digest(data: Any) -> bytes:
    """A digest of ``data`` that differs for different JSON-compatible values (marshal format 2
    has no back-references, so equal data shared differently gives the same bytes)."""
    return hashlib.blake2b(marshal.dumps(data, 2), digest_size=_DIGEST).digest()


def _rust_loads() -> Any:
    """``yaml_rs.loads``, or None when yaml-rs is not installed."""
    try:
        from yaml_rs import loads
    except ImportError:  # pragma: no cover - a platform without its wheel
        return None
    return loads


#: A line starting with 512 indentation or indicator characters: yaml-rs recurses once per
#: nesting level and overflows its stack somewhere past 10,000 levels; the toolkit refuses more
#: than :data:`~generator.spec.document.MAX_DEPTH` anyway (such a text is read the usual way).
_DEEP_LINE = re.compile(r"\n[ \t?-]{512}")
#: A block mapping key that may be an integer (``200:``): yaml-rs keeps it an int, the toolkit's
#: reader makes it a string (:func:`string_keys` does the same); flow mappings are not looked at
#: (their integer keys make the readings differ: the text is then read the usual way).
_INT_KEY = re.compile(r"\n[ \t]*+(?:[-?][ \t]++)*+[-+]?[0-9][0-9_xXoObBa-fA-F]*[ \t]*:(?:[ \t]|\n)")


def string_keys(data: Any) -> Any:
    """``data`` (as yaml-rs builds it) with integer mapping keys made strings, as the toolkit's
    reader makes them (``200:`` is ``"200"``); None when a key would then be there twice."""
    stack: list[Any] = [data] if type(data) is dict or type(data) is list else []
    while stack:
        node = stack.pop()
        if type(node) is dict:
            if not all(type(key) is str for key in node):
                fixed = {str(key) if type(key) is int else key: value for key, value in node.items()}
                if len(fixed) != len(node):
                    return None
                node.clear()
                node.update(fixed)
            values: Any = node.values()
        else:
            values = node
        stack.extend([value for value in values if type(value) is dict or type(value) is list])
    return data


def _rust_read(loads: Any, text: str) -> Any:
    """yaml-rs's reading of ``text``, integer keys made strings; ValueError for a text it refuses
    or that is nested too deep for it."""
    lines = "\n" + text
    if _DEEP_LINE.search(lines):
        raise ValueError("nested too deep for yaml-rs")
    data = loads(text, parse_datetime=False)
    if _INT_KEY.search(lines):
        data = string_keys(data)
        if data is None:
            raise ValueError("a key twice once integer keys are strings")
    return data


class CheckedRead:
    """yaml-rs's reading of some texts (:attr:`documents`), with a forked process reading them
    with :func:`~generator.spec.document.load_yaml_text` meanwhile.

    Use it as a context manager (the process is reaped, killed if still running, on exit) and call
    :meth:`confirmed` before anything built from :attr:`documents` is shown.
    """

    def __init__(self, documents: list[Any], digests: bytes, pid: int, pipe: int) -> None:
        self.documents = documents
        self._digests = digests
        self._pid = pid
        self._pipe = pipe
        self._verdict: bool | None = None

    def confirmed(self) -> bool:
        """True when libyaml read every text as yaml-rs did (waits for the second process)."""
        if self._verdict is None:
            answer = b""
            while chunk := os.read(self._pipe, 4096):
                answer += chunk
            self._reap(kill=False)
            self._verdict = answer == self._digests
        return self._verdict

    def _reap(self, kill: bool) -> None:
        if self._pid:
            if kill:
                with contextlib.suppress(ProcessLookupError):  # it had ended
                    os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            os.close(self._pipe)
            self._pid = 0

    def __enter__(self) -> CheckedRead:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._reap(kill=self._verdict is None)


def read_checked(texts: Sequence[str], accept: Callable[[Any], bool] | None = None) -> CheckedRead | None:
    """Read ``texts`` (YAML documents) with yaml-rs, and start a forked process reading them with
    :func:`~generator.spec.document.load_yaml_text` (see the module docstring).

    ``accept``, when given, is also run in that process on each document it read: a document it
    returns False for is not confirmed either (work the caller would otherwise do itself, done on
    the second core while the caller works with yaml-rs's data).

    None when that cannot be done or would not give the toolkit's data at once: no ``os.fork``
    (Windows), threads running (forking them is unsafe), yaml-rs not installed, a text yaml-rs
    refuses. The caller then reads the usual way.
    """
    loads = _rust_loads()
    if loads is None or not hasattr(os, "fork") or threading.active_count() > 1:
        return None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the second process: the toolkit's reading of every text, as digests
        code = 1
        try:
            os.close(read)
            from generator.spec.document import load_yaml_text  # PyYAML, imported here only

            answer = b""
            for text in texts:
                try:
                    data = load_yaml_text(text)
                    answer += _digest(data) if accept is None or accept(data) else _FAILED
                except Exception:  # refused or unreadable: never the digest of a reading
                    answer += _FAILED
            os.write(write, answer)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    try:
        documents = [_rust_read(loads, text) for text in texts]
        digests = b"".join(_digest(data) for data in documents)
    except Exception:  # yaml-rs refused the text, or built what the toolkit's reader would not
        CheckedRead([], b"", pid, read)._reap(kill=True)
        return None
    return CheckedRead(documents, digests, pid, read)
