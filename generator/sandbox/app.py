"""The Starlette application: one catch-all endpoint that routes by the spec's path templates.

Each request goes through, in order (each step may answer early):

1. route: unknown path -> 404; known path, undeclared method -> 405 with ``Allow``;
2. authentication -> 401 (:mod:`generator.sandbox.auth`, authentication page);
3. the operation's rate limit -> 429 with ``Retry-After`` (:mod:`generator.sandbox.limits`, errors page);
4. request validation -> 400 (:mod:`generator.sandbox.validation`, errors page);
5. ``Idempotency-Key`` on PUT/POST/PATCH -> 409 while in progress, or the replayed first response
   (:mod:`generator.sandbox.idempotency`, idempotency page);
6. the resource handler (:mod:`generator.sandbox.resources`), run in a worker thread.

Error bodies have the spec's ``Error`` shape, ``{"detail": ..., "code": ...}`` (conformed to the
operation's declared error schema when it differs). With ``check_responses`` every body is
validated against the schema declared for its status on the way out and a mismatch raises
:class:`ResponseSchemaError` (a bug in the sandbox or an unsatisfiable schema).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from generator.sandbox.auth import Credentials, api_key_scheme, authenticate
from generator.sandbox.idempotency import IN_PROGRESS, CachedResponse, IdempotencyCache, IdempotencyKey
from generator.sandbox.limits import RateLimiter, subject_for
from generator.sandbox.resources import Reply, ResourceModel, not_found
from generator.sandbox.routes import Route, RouteTable
from generator.sandbox.schemas import Shaper
from generator.sandbox.spec import schema_of
from generator.sandbox.store import ResourceStore
from generator.sandbox.validation import RequestInvalid, validate_request
from generator.spec.model import Operation, Spec
from generator.spec.rules import METHODS

#: Every method the app answers (undeclared ones with 405): the Path Item methods, and CONNECT.
_ALL_METHODS = [m.upper() for m in METHODS] + ["CONNECT"]


class ResponseSchemaError(AssertionError):
    """The sandbox was about to send a body that fails the schema declared for its status."""


@dataclass(frozen=True)
class SandboxConfig:
    """How a sandbox behaves.

    ``credentials``: accepted API keys and header tokens; ``db``: SQLite file (None: in memory);
    ``clock``: monotonic seconds for rate limits and idempotency; ``check_responses``: validate
    every outgoing body (debug/test mode).
    """

    credentials: Credentials = field(default_factory=Credentials)
    db: Path | None = None
    clock: Callable[[], float] = time.monotonic
    check_responses: bool = False


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

    async def handle(self, request: Request) -> Response:
        """Answer one HTTP request (see the module docstring for the order of checks)."""
        found = self._route(request)
        if isinstance(found, Response):
            return found
        op, route, params = found
        headers = {k.lower(): v for k, v in request.headers.items()}
        auth = authenticate(op.security, headers, self.config.credentials, self.identity)
        if not auth.ok:
            return self._send(op, Reply(401, {"detail": auth.detail, "code": auth.code}))
        throttled = self._throttle(op, auth.api_key, auth.tokens, params)
        if throttled is not None:
            return self._send(op, throttled)
        body = await request.body()
        query = {key: request.query_params.getlist(key) for key in request.query_params}
        try:
            valid = validate_request(self.spec.refs, op, params, query, headers, body, headers.get("content-type", ""))
        except RequestInvalid as exc:
            return self._send(op, Reply(400, {"detail": exc.detail, "code": exc.code}))
        key_header = headers.get("idempotency-key")
        if not op.is_unsafe or key_header is None:
            return self._send(op, await run_in_threadpool(self.resources.handle, op, route, params, valid.body))
        key = IdempotencyKey(auth.api_key, op.method, request.url.path, key_header)
        return await self._idempotent(key, op, route, params, valid.body)

    def _route(self, request: Request) -> Response | tuple[Operation, Route, dict[str, str]]:
        """The operation, route and decoded path parameters, or the 404/405 response."""
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        matched = self.routes.match(raw_path.decode("latin-1").split("?")[0])
        if matched is None:
            return self._send(None, not_found(f"No endpoint at {request.url.path}."))
        route, raw_params = matched
        op = self.spec.route(request.method, route.template)
        if op is None:
            allowed = ", ".join(o.method for o in self.spec.operations if o.path == route.template)
            detail = f'Method "{request.method}" not allowed.'
            return self._send(
                None, Reply(405, {"detail": detail, "code": "method_not_allowed"}, headers={"Allow": allowed})
            )
        return op, route, {name: unquote(value) for name, value in raw_params.items()}

    def _throttle(self, op: Operation, api_key: str, tokens: Mapping[str, str], params: dict[str, str]) -> Reply | None:
        """The 429 reply when the operation's rate limit is exhausted for this caller, else None."""
        if op.rate_limit is None:
            return None
        limit = op.rate_limit
        subject = subject_for(limit.scope, api_key, tokens, params)
        decision = self.limiter.hit((op.operation_id, limit.scope, subject), limit.limit, limit.period)
        if decision.allowed:
            return None
        detail = f"Request was throttled. Expected available in {decision.retry_after} seconds."
        return Reply(429, {"detail": detail, "code": "throttled"}, headers={"Retry-After": str(decision.retry_after)})

    async def _idempotent(
        self, key: IdempotencyKey, op: Operation, route: Route, params: dict[str, str], body: Any
    ) -> Response:
        """Run the request under ``key``: 409 while a twin runs, the kept response within the hour."""
        claimed = self.idempotency.begin(key)
        if claimed == IN_PROGRESS:
            detail = "A request with this Idempotency-Key is still being processed; retry later."
            return self._send(op, Reply(409, {"detail": detail, "code": "idempotency_in_progress"}))
        if isinstance(claimed, CachedResponse):
            replay = Response(claimed.body, claimed.status, headers=dict(claimed.headers))
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = self._send(op, await run_in_threadpool(self.resources.handle, op, route, params, body))
        except BaseException:
            self.idempotency.abandon(key)
            raise
        kept = tuple((k, v) for k, v in response.headers.items() if k.lower() != "content-length")
        self.idempotency.complete(key, CachedResponse(response.status_code, kept, bytes(response.body)))
        return response

    def _send(self, op: Operation | None, reply: Reply) -> Response:
        body = reply.body
        schema = schema_of(op.response(reply.status)) if op is not None else None
        if schema is not None and reply.status >= 400:
            body = self.shaper.conform(body, schema, self.shaper.fallback(schema))
        if self.config.check_responses and op is not None and reply.has_body:
            self._check(op, reply.status, body, schema)
        if not reply.has_body:
            return Response(status_code=reply.status, headers=reply.headers)
        content = json.dumps(body, separators=(",", ":")).encode()
        return Response(content, reply.status, headers=reply.headers, media_type="application/json")

    def _check(self, op: Operation, status: int, body: Any, schema: str | None) -> None:
        if op.response(status) is None and status != 404:
            raise ResponseSchemaError(f"{op.operation_id}: status {status} is not declared")
        if schema is not None and not self.spec.refs.is_valid(body, schema):
            problems = "; ".join(self.spec.refs.errors(body, schema))
            raise ResponseSchemaError(f"{op.operation_id}: {status} body fails its schema: {problems}")

    def close(self) -> None:
        """Release the database connection."""
        self.store.close()


def create_app(spec: Spec, config: SandboxConfig | None = None) -> Starlette:
    """A Starlette app serving ``spec`` (from :func:`generator.sandbox.spec.load_spec` or
    :func:`~generator.sandbox.spec.build_spec`, which report what it cannot serve); the
    :class:`Sandbox` is ``app.state.sandbox``.

    Raises :class:`generator.sandbox.store.StoreError` when ``config.db`` cannot be used.
    """
    sandbox = Sandbox(spec, config or SandboxConfig())
    app = Starlette(routes=[StarletteRoute("/{path:path}", sandbox.handle, methods=_ALL_METHODS)])
    app.state.sandbox = sandbox
    return app
