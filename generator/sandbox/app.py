"""The ASGI application: one callable that authenticates, routes by the spec's path templates and answers.

Each request goes through, in order (each step may answer early, always with the spec's ``Error``
body ``{"detail", "code"}`` and an ``X-Request-Id``):

1. the request target is at most ``max_url_bytes`` -> 414 (:mod:`generator.sandbox.bounds`);
2. authentication -> 401 (:mod:`generator.sandbox.auth`, authentication page), *before* routing,
   as a real API does: an unauthenticated caller learns nothing about which paths or methods exist.
   The credentials checked are the operation's, the path's first operation's for an undeclared
   method, and the spec's top-level ``security`` for an unknown path;
3. route: unknown path -> 404; known path, undeclared method -> 405 with ``Allow`` (any method
   token, ``OPTIONS``, ``TRACE`` and unknown ones alike). ``HEAD`` on a path with a GET is that GET
   without a body (RFC 9110 section 9.3.2: same status and headers, ``Content-Length`` included);
4. the operation's rate limit -> 429 with ``Retry-After`` (:mod:`generator.sandbox.limits`, errors page);
5. the body size (``Content-Length``, then while reading) -> 413, answered without reading the
   rest (the server discards it, so the client can read the answer and reuse the connection);
6. request validation -> 400 (:mod:`generator.sandbox.validation`, sizes bounded first by
   :mod:`generator.sandbox.bounds`);
7. ``Idempotency-Key`` on PUT/POST/PATCH -> 409 while in progress, or the replayed first response
   (:mod:`generator.sandbox.idempotency`, idempotency page);
8. the resource handler (:mod:`generator.sandbox.resources`) for the caller's owner (tenancy).

Steps 6 and 8 run on the event loop for bodies up to :data:`INLINE_BODY_BYTES` (their cost is then
a fraction of a millisecond) and in a worker thread for larger ones, one at a time and paced
(:meth:`Sandbox._run`), so a large request never holds the loop; no lock is held while a request
is validated (the store's writes are compare-and-set). Every response carries ``X-Request-Id``
(a fresh uuid4, as the real API sends a request id on every response, issue 8), replays included.

Error bodies are conformed to the operation's declared schema for the status, else to the spec's
``Error`` component. With ``check_responses`` every body is validated against the schema declared
for its status on the way out (a body already judged valid for the same schema, byte for byte, is
not judged again) and a mismatch raises :class:`ResponseSchemaError` (a bug in the sandbox or an
unsatisfiable schema). Otherwise an unexpected exception is logged and answered 500
with an ``Error`` body.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qsl, unquote

from generator.sandbox.auth import AuthResult, Credentials, api_key_scheme, authenticate, owner_of
from generator.sandbox.bounds import OutOfBounds, RequestLimits, too_large
from generator.sandbox.idempotency import IN_PROGRESS, CachedResponse, IdempotencyCache, IdempotencyKey
from generator.sandbox.limits import RateLimiter, subject_for
from generator.sandbox.resources import ANNOTATIONS, PLAIN_OBJECT, Reply, ResourceModel, canonical_id, not_found
from generator.sandbox.routes import Route, RouteTable
from generator.sandbox.schemas import Shaper
from generator.sandbox.spec import schema_of
from generator.sandbox.store import ResourceStore
from generator.sandbox.validation import RequestInvalid, validate_request
from generator.spec.model import Operation, SecurityScheme, Spec
from generator.spec.rules import METHODS

#: Bodies up to this many bytes are validated and handled on the event loop; larger ones in a worker.
INLINE_BODY_BYTES = 64 * 1024
#: After a large request's work, the worker rests this many times the CPU time it took (:meth:`Sandbox._run`).
HEAVY_REST = 1.0
#: With ``check_responses``: how many verdicts of valid bodies are kept (then all are forgotten).
VALID_BODIES_KEPT = 4096
#: The response header carrying the request id.
REQUEST_ID = "X-Request-Id"
#: Statuses the sandbox itself answers on any operation (README), whether or not the operation
#: declares them: bad request, credentials, unknown id, method, conflict, sizes, rate limit.
SANDBOX_STATUSES = frozenset({400, 401, 404, 405, 409, 413, 414, 429})

_log = logging.getLogger("recallgen.sandbox")
_P = ParamSpec("_P")
_T = TypeVar("_T")
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ResponseSchemaError(AssertionError):
    """The sandbox was about to send a body that fails the schema declared for its status."""


class _Answer(Exception):
    """Stops handling with this reply (raised by the steps of :meth:`Sandbox.handle`)."""

    def __init__(self, reply: Reply, op: Operation | None = None) -> None:
        super().__init__(reply.status)
        self.reply = reply
        self.op = op


@dataclass(frozen=True)
class _Kept:
    """A response under an ``Idempotency-Key``: the first one (``replayed`` False) or its replay."""

    response: CachedResponse
    replayed: bool


@dataclass(frozen=True)
class SandboxConfig:
    """How a sandbox behaves.

    ``credentials``: accepted API keys and header tokens; ``db``: SQLite file (None: in memory);
    ``clock``: monotonic seconds for rate limits and idempotency; ``check_responses``: validate
    every outgoing body (debug/test mode); ``limits``: request size bounds (413/414/400).
    """

    credentials: Credentials = field(default_factory=Credentials)
    db: Path | None = None
    clock: Callable[[], float] = time.monotonic
    check_responses: bool = False
    limits: RequestLimits = field(default_factory=RequestLimits)


def _error(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"detail": detail, "code": code}, headers=headers or {})


class Sandbox:
    """The state behind one app: spec, shaper, routes, store, limiter, idempotency cache, resources."""

    def __init__(self, spec: Spec, config: SandboxConfig) -> None:
        self.spec = spec
        self.config = config
        self.shaper = Shaper(spec.refs)
        key_scheme = api_key_scheme(spec)  # reads the caller's key where an operation names no scheme
        self.identity = (key_scheme,) if key_scheme is not None else ()
        self.routes = RouteTable(spec)
        self.store = ResourceStore(config.db)
        self.limiter = RateLimiter(config.clock)
        self.idempotency = IdempotencyCache(config.clock)
        self.resources = ResourceModel(spec, self.shaper, self.routes, self.store)
        self.resources.seed()
        self._heavy = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-heavy")
        self._heavy_turn = asyncio.Lock()
        self._ops: dict[tuple[str, str], Operation] = {(op.method, op.path): op for op in spec.operations}
        self._path_ops: dict[str, list[Operation]] = {}
        for op in sorted(spec.operations, key=lambda o: METHODS.index(o.method.lower())):
            self._path_ops.setdefault(op.path, []).append(op)
        self._error_schema = "/components/schemas/Error" if "Error" in spec.schemas else None
        self._plain_errors: dict[str, bool] = {}
        #: ``check_responses``: (schema pointer, digest of the body) of bodies already judged valid.
        self._valid_bodies: set[tuple[str, bytes]] = set()

    # -- the request ----------------------------------------------------------------------------
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request (see the module docstring for the order of checks)."""
        head = scope["method"] == "HEAD"
        op: Operation | None = None
        try:
            op, reply = await self._answer(scope, receive)
        except _Answer as answer:
            op, reply = answer.op, answer.reply
        except Exception:
            if self.config.check_responses:
                raise
            _log.exception("sandbox: unexpected error on %s %s", scope["method"], scope.get("path"))
            reply = _error(500, "server_error", "The sandbox failed on this request; see its log.")
        if isinstance(reply, _Kept):
            headers = [*reply.response.headers, ("Content-Length", str(len(reply.response.body)))]
            headers.append((REQUEST_ID, request_id()))
            if reply.replayed:
                headers.append(("Idempotent-Replayed", "true"))
            await _send(send, reply.response.status, b"" if head else reply.response.body, headers)
            return
        status, content, headers = self._render(op, reply)
        await _send(send, status, b"" if head else content, headers)

    async def _answer(self, scope: Scope, receive: Receive) -> tuple[Operation, Reply | _Kept]:
        limits = self.config.limits
        method = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        raw_path = raw_path.split(b"?", 1)[0]
        query_string: bytes = scope.get("query_string") or b""
        if len(raw_path) + len(query_string) > limits.max_url_bytes:
            detail = f"the request target is longer than {limits.max_url_bytes} bytes"
            raise _Answer(_error(414, "uri_too_long", detail))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = raw_path.decode("latin-1")
        matched = self.routes.match(path)
        route: Route | None = matched[0] if matched else None
        op = self._operation(method, route)
        auth = authenticate(self._security(op, route), headers, self.config.credentials, self.identity)
        if not auth.ok:
            raise _Answer(_error(401, auth.code, auth.detail), op)
        if matched is None or route is None:
            raise _Answer(not_found(f"No endpoint at {_shown(path)}."))
        if op is None:
            raise _Answer(self._not_allowed(method, route.template))
        params = {name: canonical_id(unquote(value)) for name, value in matched[1].items()}
        throttled = self._throttle(op, auth, params)
        if throttled is not None:
            raise _Answer(throttled, op)
        body = await self._read_body(headers, receive, limits)
        query: dict[str, list[str]] = {}
        for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            query.setdefault(key, []).append(value)
        content_type = headers.get("content-type", "")
        try:
            valid = await self._run(
                len(body), validate_request, self.shaper.checks, op, params, query, headers, body, content_type, limits
            )
        except RequestInvalid as exc:
            raise _Answer(_error(400, exc.code, exc.detail), op) from None
        except OutOfBounds as exc:
            raise _Answer(_error(exc.status, exc.code, exc.detail), op) from None
        owner = self._owner(auth)
        key_header = headers.get("idempotency-key")
        if not op.is_unsafe or key_header is None:
            return op, await self._run(len(body), self.resources.handle, op, route, params, valid.body, owner)
        caller = f"{owner_of('workspace', auth.api_key)}|{owner}"
        claim = IdempotencyKey(caller, op.method, path, key_header)
        return op, await self._idempotent(claim, op, route, params, valid.body, owner, len(body))

    def _operation(self, method: str, route: Route | None) -> Operation | None:
        if route is None:
            return None
        found = self._ops.get((method, route.template))
        if found is None and method == "HEAD":
            found = self._ops.get(("GET", route.template))
        return found

    def _security(self, op: Operation | None, route: Route | None) -> tuple[tuple[SecurityScheme, ...], ...]:
        """What must authenticate the request: the operation's requirements, else the path's first
        operation's (undeclared method), else the spec's top-level ``security`` (unknown path)."""
        if op is not None:
            return op.security
        ops = self._path_ops.get(route.template, []) if route is not None else []
        return ops[0].security if ops else self.spec.security

    def _owner(self, auth: AuthResult) -> str:
        """Who the request acts for: the calendar user when the operation takes a calendar token,
        else the workspace (API key)."""
        token = next((secret for _, secret in sorted(auth.tokens.items())), None)
        return owner_of("calendar_user", token) if token else owner_of("workspace", auth.api_key)

    def _not_allowed(self, method: str, template: str) -> Reply:
        allowed = [op.method for op in self._path_ops.get(template, [])]
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.insert(allowed.index("GET") + 1, "HEAD")
        detail = f'Method "{_shown(method, 40)}" not allowed.'
        return _error(405, "method_not_allowed", detail, {"Allow": ", ".join(allowed)})

    async def _read_body(self, headers: Mapping[str, str], receive: Receive, limits: RequestLimits) -> bytes:
        """The whole body, at most ``limits.max_body_bytes`` (else 413)."""
        declared = headers.get("content-length", "")
        if declared and (not declared.isdigit() or len(declared) > 18 or int(declared) > limits.max_body_bytes):
            raise _Answer(_too_large(limits))
        chunks = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Answer(_error(400, "parse_error", "the client closed the connection before the body ended"))
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limits.max_body_bytes:
                raise _Answer(_too_large(limits))
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _run(self, size: int, func: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """``func(*args)`` on the loop for a small request; for a large one in the worker thread,
        one large request at a time, each followed by a rest of :data:`HEAVY_REST` times the CPU
        time it took before the next may start.

        The worker shares the interpreter lock with the loop, and the C parts of a large request
        (parsing or writing a megabyte of JSON) hold it for milliseconds: without the rests, a few
        clients sending large bodies would take the lock from the small requests for as long as
        they keep sending. With them, large requests get at most ``1 / (1 + HEAVY_REST)`` of the
        process's time and small ones wait for at most one C call of a large one."""
        if size <= INLINE_BODY_BYTES:
            return func(*args, **kwargs)
        spent = 0.0

        def timed() -> _T:
            nonlocal spent
            start = time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                spent = time.thread_time() - start

        async with self._heavy_turn:
            try:
                return await asyncio.get_running_loop().run_in_executor(self._heavy, timed)
            finally:
                await asyncio.sleep(spent * HEAVY_REST)

    def _throttle(self, op: Operation, auth: AuthResult, params: dict[str, str]) -> Reply | None:
        """The 429 reply when the operation's rate limit is exhausted for this caller, else None."""
        if op.rate_limit is None:
            return None
        limit = op.rate_limit
        subject = subject_for(limit.scope, auth.api_key, auth.tokens, params)
        decision = self.limiter.hit((op.operation_id, limit.scope, subject), limit.limit, limit.period)
        if decision.allowed:
            return None
        detail = f"Request was throttled. Expected available in {decision.retry_after} seconds."
        return _error(429, "throttled", detail, {"Retry-After": str(decision.retry_after)})

    async def _idempotent(
        self,
        key: IdempotencyKey,
        op: Operation,
        route: Route,
        params: dict[str, str],
        body: Any,
        owner: str,
        size: int,
    ) -> Reply | _Kept:
        """Run the request under ``key``: 409 while a twin runs, the kept response within the hour."""
        claimed = self.idempotency.begin(key)
        if claimed == IN_PROGRESS:
            detail = "A request with this Idempotency-Key is still being processed; retry later."
            return _error(409, "idempotency_in_progress", detail)
        if isinstance(claimed, CachedResponse):
            return _Kept(claimed, True)
        try:
            reply = await self._run(size, self.resources.handle, op, route, params, body, owner)
            status, content, headers = self._render(op, reply)
        except BaseException:
            self.idempotency.abandon(key)
            raise
        kept = tuple((k, v) for k, v in headers if k.lower() not in ("content-length", REQUEST_ID.lower()))
        self.idempotency.complete(key, CachedResponse(status, kept, content))
        return _Kept(CachedResponse(status, kept, content), False)

    # -- the response -----------------------------------------------------------------------------
    def _render(self, op: Operation | None, reply: Reply) -> tuple[int, bytes, list[tuple[str, str]]]:
        """Status, body bytes and headers of ``reply`` (error bodies conformed to their schema)."""
        headers = [(k, v) for k, v in reply.headers.items()]
        if reply.status >= 400 and reply.has_body:
            reply = Reply(reply.status, self._error_body(op, reply.status, reply.value()), True, reply.headers)
        content = reply.content() if reply.has_body else b""
        if self.config.check_responses and reply.has_body:
            self._check(op, reply, content)
        if reply.has_body:
            headers.append(("Content-Type", "application/json"))
        headers += [("Content-Length", str(len(content))), (REQUEST_ID, request_id())]
        return reply.status, content, headers

    def _error_body(self, op: Operation | None, status: int, body: Any) -> Any:
        """``body`` conformed to the schema declared for ``status`` (else the ``Error`` component);
        kept as it is when that schema takes any ``{"detail": str, "code": str}``."""
        schema = schema_of(op.response(status)) if op is not None else None
        schema = schema or self._error_schema
        if schema is None:
            return body
        if self._takes_any_error(schema) and _is_error(body):
            return body
        return self.shaper.conform(body, schema, self.shaper.fallback(schema))

    def _takes_any_error(self, schema: str) -> bool:
        found = self._plain_errors.get(schema)
        if found is None:
            ptr, node = self.spec.refs.deref(schema)
            found = self.resources.members_valid(schema, {}, {}) and self.shaper.is_valid({}, schema)
            properties = node.get("properties") or {} if isinstance(node, Mapping) else {}
            for name in ("detail", "code"):
                if name in properties:
                    _, sub = self.spec.refs.deref(f"{ptr}/properties/{name}")
                    found = found and isinstance(sub, Mapping) and set(sub) <= ANNOTATIONS | {"type"}
                    found = found and sub.get("type") in ("string", ["string"], None)
                else:
                    extra = node.get("additionalProperties", True) if isinstance(node, Mapping) else False
                    found = found and extra is True
            found = found and isinstance(node, Mapping) and set(node) <= PLAIN_OBJECT
            self._plain_errors[schema] = found
        return found

    def _check(self, op: Operation | None, reply: Reply, content: bytes) -> None:
        """``check_responses``: the status is declared and ``content`` (``reply``'s body) is valid
        for its schema. A body judged valid once for a schema is not judged again (the same bytes
        are the same JSON value): a sandbox sends a stored resource or a 404's ``Error`` many times."""
        status = reply.status
        if op is None:
            return
        if op.response(status) is None and status not in SANDBOX_STATUSES:
            raise ResponseSchemaError(f"{op.operation_id}: status {status} is not declared")
        schema = schema_of(op.response(status)) or (self._error_schema if status >= 400 else None)
        if schema is None:
            return
        key = (schema, hashlib.blake2b(content, digest_size=16).digest())
        if key in self._valid_bodies:
            return
        body = reply.value()
        if not self.shaper.is_valid(body, schema):
            problems = "; ".join(self.spec.refs.errors(body, schema))
            raise ResponseSchemaError(f"{op.operation_id}: {status} body fails its schema: {problems}")
        if len(self._valid_bodies) >= VALID_BODIES_KEPT:
            self._valid_bodies.clear()
        self._valid_bodies.add(key)

    def close(self) -> None:
        """Release the database connection and the worker pool."""
        self._heavy.shutdown(wait=False)
        self.store.close()


_ids = random.Random(os.urandom(32))


def request_id() -> str:
    """A fresh version-4 UUID (RFC 9562 section 5.4) for ``X-Request-Id``. Its random bits come from
    a generator seeded once from the OS: a request id names a request, it is no secret, and this
    way no system call (which would hand the interpreter lock to a busy worker) is made per
    response."""
    return str(uuid.UUID(int=_ids.getrandbits(128), version=4))


def _too_large(limits: RequestLimits) -> Reply:
    exc = too_large(limits)
    return _error(exc.status, exc.code, exc.detail)


def _is_error(body: Any) -> bool:
    return isinstance(body, dict) and all(isinstance(v, str) for v in body.values())


def _shown(text: str, limit: int = 200) -> str:
    """``text`` for an error message: at most ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


async def _send(send: Send, status: int, content: bytes, headers: list[tuple[str, str]]) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1", "replace")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})


class SandboxApp:
    """An ASGI 3 application serving one :class:`Sandbox` (``state.sandbox``); lifespan events are
    acknowledged, websocket connections refused."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.state = SimpleNamespace(sandbox=sandbox)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point."""
        if scope["type"] == "http":
            await self.sandbox.handle(scope, receive, send)
        elif scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1003})


def create_app(spec: Spec, config: SandboxConfig | None = None) -> SandboxApp:
    """An ASGI app serving ``spec`` (from :func:`generator.sandbox.spec.load_spec` or
    :func:`~generator.sandbox.spec.build_spec`, which report what it cannot serve); the
    :class:`Sandbox` is ``app.state.sandbox``.

    Raises :class:`generator.sandbox.store.StoreError` when ``config.db`` cannot be used.
    """
    return SandboxApp(Sandbox(spec, config or SandboxConfig()))
