"""Running the sandbox over HTTP with uvicorn: in the foreground (CLI) or in a background thread.

For other test suites (the conformance suite, the peer judge)::

    from generator.sandbox import start_sandbox

    with start_sandbox("spec/openapi.yaml") as running:   # free loopback port, in-memory store
        httpx.get(running.base_url + "/api/v1/...", headers=running.auth_headers())
    # or: running = start_sandbox(...); ...; running.stop()

The socket is bound before the thread starts (port 0 picks a free port), so ``base_url`` is
known at once; :func:`start_sandbox` returns when uvicorn reports it is serving.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from generator.diagnostics import Diagnostics
from generator.sandbox.app import SandboxConfig, create_app
from generator.sandbox.auth import credential_headers
from generator.sandbox.spec import load_spec
from generator.spec.model import Spec


class SandboxStartError(RuntimeError):
    """The spec cannot be served or the server did not come up; the message lists the diagnostics."""


@dataclass
class RunningSandbox:
    """A sandbox serving in a background thread; ``base_url`` is ``http://127.0.0.1:<port>``."""

    base_url: str
    app: Starlette
    server: uvicorn.Server
    thread: threading.Thread

    def auth_headers(self, calendar: bool = True) -> dict[str, str]:
        """Headers with the first accepted API key in the spec's credential format
        (``Authorization: Token <key>``) and, unless ``calendar=False``, the first accepted token in
        every other header scheme the spec uses (``x-recallcalendarauthtoken``)."""
        sandbox = self.app.state.sandbox
        return credential_headers(sandbox.spec, sandbox.config.credentials, calendar)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit, wait up to ``timeout`` seconds for the thread, close the store."""
        self.server.should_exit = True
        self.thread.join(timeout)
        self.app.state.sandbox.close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening-ready TCP socket on ``host:port`` (port 0: a free one). Raises OSError.

    ``TCP_NODELAY`` is set on the listening socket so that accepted connections inherit it: uvicorn
    writes a response's head and body separately, and with Nagle's algorithm the body waits for the
    client's delayed ACK (~40 ms per request on Linux loopback).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def _spec_of(spec: Spec | Path | str) -> Spec:
    if isinstance(spec, Spec):
        return spec
    diags = Diagnostics()
    loaded = load_spec(Path(spec), diags)
    if loaded is None:
        raise SandboxStartError("\n".join(d.format() for d in diags.sorted()))
    return loaded


def start_sandbox(
    spec: Spec | Path | str,
    config: SandboxConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout: float = 10.0,
) -> RunningSandbox:
    """Serve ``spec`` (a :class:`generator.spec.model.Spec` or a path to YAML/JSON) in a daemon thread.

    Returns once serving (waits at most ``timeout`` seconds). Raises :class:`SandboxStartError`
    for an unusable spec or a server that did not start, OSError when the port is taken, and
    :class:`generator.sandbox.store.StoreError` for an unusable ``config.db``.
    """
    app = create_app(_spec_of(spec), config)
    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="recallgen-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            app.state.sandbox.close()
            raise SandboxStartError(f"the sandbox did not start on {host}:{bound_port}")
        time.sleep(0.01)
    shown = f"[{host}]" if ":" in host else host
    return RunningSandbox(f"http://{shown}:{bound_port}", app, server, thread)


def serve_forever(app: Starlette, host: str, port: int, on_ready: str = "") -> None:
    """Serve ``app`` in the foreground until interrupted (Ctrl-C); prints ``on_ready`` with the URL."""
    sock = bind(host, port)
    if on_ready:
        print(on_ready.format(url=f"http://{host}:{sock.getsockname()[1]}"), flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="info", lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        app.state.sandbox.close()
