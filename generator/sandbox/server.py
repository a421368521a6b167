"""Running the sandbox over HTTP with uvicorn: in the foreground (CLI) or in a background thread.

For other test suites (the conformance suite, the peer judge)::

    from generator.sandbox import start_sandbox

    with start_sandbox("spec/openapi.yaml") as running:   # free loopback port, in-memory store
        httpx.get(running.base_url + "/api/v1/...", headers=running.auth_headers())
    # or: running = start_sandbox(...); ...; running.stop()

The socket is bound before the thread starts (port 0 picks a free port), so ``base_url`` is
known at once; :func:`start_sandbox` returns when uvicorn reports it is serving.

uvicorn runs with its fastest HTTP parser (httptools) and event loop (uvloop) when installed, else
h11 and asyncio. A request the parser cannot read (an unknown method token, a malformed request
line or header) is answered by the protocol itself, before the app: here with a JSON ``Error``
body (``{"detail", "code": "parse_error"}``, 400, ``Connection: close``) and an ``X-Request-Id``
instead of uvicorn's plain text (:class:`JsonErrorsHttpTools`, :class:`JsonErrorsH11`).

Bound to an address that is not loopback while the default credentials are accepted, the
sandbox warns on stderr (:func:`exposure_warning`): anyone who can reach it can use them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from generator.diagnostics import Diagnostics
from generator.sandbox.app import REQUEST_ID, SandboxApp, SandboxConfig, create_app, request_id
from generator.sandbox.auth import DEFAULT_API_KEY, DEFAULT_CALENDAR_TOKEN, Credentials, credential_headers
from generator.sandbox.spec import load_spec
from generator.spec.model import Spec


class SandboxStartError(RuntimeError):
    """The spec cannot be served or the server did not come up; the message lists the diagnostics."""


@dataclass
class RunningSandbox:
    """A sandbox serving in a background thread; ``base_url`` is ``http://127.0.0.1:<port>``."""

    base_url: str
    app: SandboxApp
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


def _bad_request(default_headers: list[tuple[bytes, bytes]], message: str) -> bytes:
    """A whole 400 response on the wire with an ``Error`` body (for requests the parser refused)."""
    detail = f"Invalid HTTP request: {message}"
    body = json.dumps({"detail": detail, "code": "parse_error"}, separators=(",", ":")).encode()
    lines = [b"HTTP/1.1 400 Bad Request"]
    lines += [name + b": " + value for name, value in default_headers]
    lines += [
        b"content-type: application/json",
        b"content-length: " + str(len(body)).encode(),
        REQUEST_ID.lower().encode() + b": " + request_id().encode(),
        b"connection: close",
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class CoalescingTransport:
    """A transport that gathers the writes made in one turn of the event loop into one ``write``.

    uvicorn writes a response's head and body with two writes; with ``TCP_NODELAY`` (see
    :func:`bind`) each becomes a packet and a system call. Gathered, a small response leaves in
    one. Everything else is delegated to the wrapped transport; ``close`` and ``abort`` flush or
    drop what is pending first.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Queue ``data``; the queue is written once the current callbacks have run."""
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def flush(self) -> None:
        """Write what is queued (if the transport is still open)."""
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        """Flush, then close."""
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        """Drop what is queued and abort."""
        self._pending.clear()
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        """Bytes queued here and in the wrapped transport."""
        return sum(len(p) for p in self._pending) + self._transport.get_write_buffer_size()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class JsonErrorsH11(H11Protocol):
    """uvicorn's h11 protocol, answering unreadable requests with a JSON ``Error`` body."""

    def send_400_response(self, msg: str) -> None:
        """The 400 for a request h11 cannot parse (then the connection is closed)."""
        self.transport.write(_bad_request(self.server_state.default_headers, msg))
        self.transport.close()


def _protocol() -> type[H11Protocol] | type[object]:
    """The HTTP protocol class: httptools when installed (much faster), else h11; both with JSON 400s."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a dependency
        return JsonErrorsH11

    class JsonErrorsHttpTools(HttpToolsProtocol):
        """uvicorn's httptools protocol, answering unreadable requests with a JSON ``Error`` body,
        writing each response at once (:class:`CoalescingTransport`)."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            """Serve the connection through a :class:`CoalescingTransport`."""
            super().connection_made(CoalescingTransport(transport))  # type: ignore[arg-type]

        def send_400_response(self, msg: str) -> None:
            """The 400 for a request llhttp cannot parse (then the connection is closed)."""
            self.transport.write(_bad_request(self.server_state.default_headers, msg))
            self.transport.close()

    return JsonErrorsHttpTools


def _config(app: SandboxApp, log_level: str, access_log: bool = False) -> uvicorn.Config:
    """uvicorn's settings: no lifespan, no access log, no ``X-Forwarded-*`` rewriting (nothing sits in
    front of a sandbox), no ``Server`` header; the protocol of :func:`_protocol`."""
    return uvicorn.Config(
        app,
        log_level=log_level,
        lifespan="off",
        access_log=access_log,
        http=_protocol(),  # type: ignore[arg-type]
        proxy_headers=False,
        server_header=False,
    )


def exposure_warning(host: str, credentials: Credentials) -> str | None:
    """A warning when ``host`` is not a loopback address and the default API key or calendar token
    is accepted (anyone who can reach the address can use them); None otherwise."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    defaults = [s for s in (DEFAULT_API_KEY, DEFAULT_CALENDAR_TOKEN) if s in credentials.secrets()]
    if loopback or not defaults:
        return None
    return (
        f"the sandbox listens on {host}, which is not a loopback address, and accepts the default "
        f"credentials ({', '.join(defaults)}): anyone who can reach it can use them; pass your own "
        "--api-key and --calendar-token, or bind 127.0.0.1"
    )


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
    config = config or SandboxConfig()
    warning = exposure_warning(host, config.credentials)
    if warning:
        print(f"WARNING: {warning}", file=sys.stderr, flush=True)
    app = create_app(_spec_of(spec), config)
    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app, "warning"))
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


#: The interpreter's thread switch interval while serving in the foreground (seconds; Python's
#: default is 0.005). A large request is validated in a worker thread; with a shorter interval the
#: event loop gets the interpreter back sooner, so small requests wait less behind it.
SWITCH_INTERVAL = 0.0005


def serve_forever(app: SandboxApp, host: str, port: int, on_ready: str = "") -> None:
    """Serve ``app`` in the foreground until interrupted (Ctrl-C); prints ``on_ready`` with the URL.

    The process's thread switch interval is set to :data:`SWITCH_INTERVAL` (this call owns the
    process: it is the CLI's server)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    sock = bind(host, port)
    if on_ready:
        print(on_ready.format(url=f"http://{host}:{sock.getsockname()[1]}"), flush=True)
    server = uvicorn.Server(_config(app, "info"))
    try:
        server.run(sockets=[sock])
    finally:
        app.state.sandbox.close()
