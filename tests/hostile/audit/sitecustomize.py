"""Installed by ``tests/test_hostile.py`` (``PYTHONPATH``) into each ``python -m generator.cli`` run.

With ``RECALLGEN_AUDIT_LOG`` set, a :func:`sys.addaudithook` hook appends one line to that file for
every ``open`` of a path listed in ``RECALLGEN_CANARIES`` (``os.pathsep``-separated, resolved) and for
every ``socket.connect``: the test then knows whether a hostile spec made the toolkit read a file
outside the spec's folder or reach the network. Without the variable it does nothing.
"""

from __future__ import annotations

import os
import sys

_LOG = os.environ.get("RECALLGEN_AUDIT_LOG")
if _LOG:
    _FD = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    _CANARIES = {os.path.realpath(p) for p in os.environ.get("RECALLGEN_CANARIES", "").split(os.pathsep) if p}

    def _hook(event: str, args: tuple[object, ...]) -> None:
        if event == "open" and args and isinstance(args[0], (str, bytes)):
            path = os.fsdecode(args[0])
            if os.path.realpath(path) in _CANARIES:
                os.write(_FD, f"read {path}\n".encode())
        elif event == "socket.connect":
            os.write(_FD, f"connect {args[1:]!r}\n".encode())

    sys.addaudithook(_hook)
