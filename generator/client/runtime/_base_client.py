"""The request machinery shared by the sync and async clients.

:class:`BaseAPIClient` turns an :class:`~._operation.Operation` and the method's arguments into a
request (credentials, path encoding, query, JSON body, idempotency key, then the caller's
``extra_query``/``extra_body``/``extra_headers``) and a response into a result or an exception;
:class:`SyncAPIClient` and :class:`AsyncAPIClient` run the attempt loop (a slot of the process-wide
rate limiter, send, the retry policy of :mod:`._retry`) on ``httpx.Client`` / ``httpx.AsyncClient``.
The spec's facts (security schemes, error classes, retry statuses, secret headers, user agent) are
class attributes the generated clients set; time comes from the client's :class:`~._clock.Clock`.

Headers merge as ``httpx.Headers`` do: names compare case-insensitively and a later source replaces
an earlier one, in this order: ``Accept`` and ``User-Agent``, ``default_headers``, credentials,
header parameters, ``Content-Type``, ``Idempotency-Key``, ``extra_headers`` (where ``None`` removes
a header).
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import ssl
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

import httpx

from ._clock import SYSTEM_CLOCK, Clock
from ._config import SecurityScheme, auth_headers
from ._defaults import ALWAYS_SECRET_HEADERS, IDEMPOTENCY_HEADER, UNSAFE_METHODS
from ._exceptions import APIConnectionError, APIStatusError, APITimeoutError, status_error
from ._logging import logger, redact, redact_headers
from ._operation import Operation, encode_json, query_items, scalar, to_jsonable
from ._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from ._ratelimit import RateLimiter, bucket_key, credential_digest, limiter_for
from ._response import APIResponse
from ._retry import RetryDecision, RetryPolicy, decide_retry
from ._types import NOT_GIVEN, Body, Headers, NotGiven, Query, TimeoutTypes

__all__ = ["AsyncAPIClient", "BaseAPIClient", "SyncAPIClient"]

T = TypeVar("T")
_NO_PARAMS: Mapping[str, object] = {}
#: A header set: lower-case name -> (name as given, value).
_HeaderSet = dict[str, tuple[str, str]]


@dataclass(slots=True)
class _Prepared:
    """One request as every attempt sends it (the idempotency key may change after a 507)."""

    op: Operation[Any]
    url: str
    params: list[tuple[str, str]] | None
    headers: _HeaderSet
    content: bytes | None
    timeout: TimeoutTypes
    retryable: bool
    caller_key: bool
    rate_key: Hashable | None


class BaseAPIClient:
    """Configuration and request/response translation shared by both clients (no I/O)."""

    #: The spec's security schemes by name (the first is the API key); set by the generated client.
    _schemes: ClassVar[Mapping[str, SecurityScheme]] = {}
    #: Documented error statuses -> exception class.
    _status_errors: ClassVar[Mapping[int, type[APIStatusError]]] = {}
    #: Which statuses are retried and how (``x-retry``).
    _retry_policy: ClassVar[RetryPolicy] = RetryPolicy()
    #: Header names (lower case) whose values are never logged.
    _secret_headers: ClassVar[frozenset[str]] = ALWAYS_SECRET_HEADERS
    _user_agent: ClassVar[str] = "recall-client"
    _owns_http: bool

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str | None],
        timeout: TimeoutTypes,
        max_retries: int,
        rate_limit: bool,
        strict_responses: bool,
        default_headers: Headers | None,
        clock: Clock | None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.strict_responses = strict_responses
        self.clock: Clock = clock if clock is not None else SYSTEM_CLOCK
        self._limiter: RateLimiter | None = limiter_for(self.clock) if rate_limit else None
        self._set_credentials({name: value for name, value in credentials.items() if value})
        headers: _HeaderSet = {"accept": ("Accept", "application/json"), "user-agent": ("User-Agent", self._user_agent)}
        _merge(headers, default_headers)
        self._headers = headers

    def _set_credentials(self, credentials: dict[str, str]) -> None:
        self._credentials = credentials
        self._digests = {name: credential_digest(secret) for name, secret in credentials.items()}
        self._primary = next(iter(self._schemes), None)
        self._auth: dict[str, _HeaderSet] = {}  # operationId -> its credential headers (computed once)

    def _auth_headers(self, op: Operation[Any]) -> _HeaderSet:
        found = self._auth.get(op.operation_id)
        if found is None:
            sent = auth_headers(op, self._credentials, self._schemes, type(self).__name__)
            found = self._auth[op.operation_id] = {name.lower(): (name, value) for name, value in sent.items()}
        return found

    def _copy(
        self, credentials: Mapping[str, str | None], timeout: TimeoutTypes | NotGiven, max_retries: int | NotGiven
    ) -> Self:
        clone = copy.copy(self)
        merged = {**self._credentials}
        for name, value in credentials.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        clone._set_credentials(merged)
        clone._owns_http = False
        if not isinstance(timeout, NotGiven):
            clone.timeout = timeout
        if not isinstance(max_retries, NotGiven):
            clone.max_retries = max_retries
        return clone

    def __repr__(self) -> str:
        secrets = ", ".join(
            f"{scheme.argument}={redact(self._credentials.get(name))!r}" for name, scheme in self._schemes.items()
        )
        return f"{type(self).__name__}(base_url={self.base_url!r}, {secrets})"

    def _prepare(
        self,
        op: Operation[Any],
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        cookies: Mapping[str, object] | None = None,
        body: object = NOT_GIVEN,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> _Prepared:
        """The request of one call (the keyword arguments of :meth:`SyncAPIClient.request_raw`)."""
        send: _HeaderSet = self._headers.copy()
        send.update(self._auth_headers(op))
        if headers:
            for name, value in headers.items():
                if value is not None and not isinstance(value, NotGiven):
                    send[name.lower()] = (name, scalar(value))
        if cookies:
            pairs = [f"{n}={scalar(v)}" for n, v in cookies.items() if v is not None and not isinstance(v, NotGiven)]
            if pairs:
                send["cookie"] = ("Cookie", "; ".join(pairs))
        content = _content(op, body, extra_body)
        if content is not None:
            send["content-type"] = ("Content-Type", op.content_type if op.body != "none" else "application/json")
        if op.idempotency_header:
            key = idempotency_key if isinstance(idempotency_key, str) else _new_key()
            send[op.idempotency_header.lower()] = (op.idempotency_header, key)
        caller_key = isinstance(idempotency_key, str)
        if extra_headers:
            caller_key = caller_key or any(name.lower() == IDEMPOTENCY_HEADER for name in extra_headers)
            _merge(send, extra_headers)
        params = query_items(query) if query else None
        if extra_query:
            replaced = {str(name) for name in extra_query}
            params = [pair for pair in params or () if pair[0] not in replaced] + query_items(extra_query)
        rate_key = None
        limit = op.rate_limit
        if limit is not None and self._limiter is not None:
            path_value = scalar((path or _NO_PARAMS).get(limit.key_path_param, "")) if limit.key_path_param else None
            rate_key = bucket_key(self.base_url, op.operation_id, limit, self._digests, self._primary, path_value)
        return _Prepared(
            op=op,
            url=self.base_url + op.url_path(path or _NO_PARAMS),
            params=params,
            headers=send,
            content=content,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            retryable=op.method not in UNSAFE_METHODS or IDEMPOTENCY_HEADER in send,
            caller_key=caller_key,
            rate_key=rate_key,
        )

    def _follow(self, prepared: _Prepared, link: str) -> _Prepared:
        """The request of the page at ``link`` (a page's ``next``): same headers, rate limit and
        timeout. The link is resolved against the current page and always sent to this client's
        base URL's origin, so credentials never go to another host."""
        target = httpx.URL(prepared.url).join(link)
        base = httpx.URL(self.base_url)
        if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
            target = target.copy_with(scheme=base.scheme, host=base.host, port=base.port)
        headers = {name: pair for name, pair in prepared.headers.items() if name != "content-type"}
        return replace(prepared, url=str(target), params=None, headers=headers, content=None)

    def _wait_log(self, prepared: _Prepared, delay: float) -> None:
        if logger.isEnabledFor(logging.INFO):
            limit = prepared.op.rate_limit
            scope = limit.scope if limit is not None else ""
            logger.info("rate limit of %s (%s): waiting %.2f s", prepared.op.operation_id, scope, delay)

    def _release(self, prepared: _Prepared) -> None:
        if prepared.rate_key is not None and self._limiter is not None:
            self._limiter.release(prepared.rate_key)

    def _acquire(self, prepared: _Prepared) -> float:
        """Hold a rate-limit slot (0.0), or the seconds to wait before asking again."""
        limit = prepared.op.rate_limit
        if prepared.rate_key is None or self._limiter is None or limit is None:
            return 0.0
        return self._limiter.acquire(prepared.rate_key, limit.limit, limit.period)

    def _build(self, http: httpx.Client | httpx.AsyncClient, prepared: _Prepared) -> httpx.Request:
        request = http.build_request(
            prepared.op.method,
            prepared.url,
            params=None if prepared.params is None else tuple(prepared.params),
            headers=list(prepared.headers.values()),
            content=prepared.content,
            timeout=prepared.timeout,
        )
        if logger.isEnabledFor(logging.DEBUG):
            shown = redact_headers(request.headers.items(), self._secret_headers)
            logger.debug("request %s %s headers=%s", request.method, request.url, shown)
        return request

    def _decide(self, prepared: _Prepared, response: httpx.Response | None, retries: int) -> RetryDecision | None:
        decision = decide_retry(
            self._retry_policy,
            status=None if response is None else response.status_code,
            headers=None if response is None else response.headers,
            retries_taken=retries,
            max_retries=self.max_retries,
            retryable=prepared.retryable,
            caller_key=prepared.caller_key,
            now=self.clock.time(),
        )
        if decision is not None:
            if decision.new_idempotency_key and IDEMPOTENCY_HEADER in prepared.headers:
                name = prepared.headers[IDEMPOTENCY_HEADER][0]
                prepared.headers[IDEMPOTENCY_HEADER] = (name, _new_key())
            if logger.isEnabledFor(logging.INFO):
                cause = "connection error" if response is None else f"status {response.status_code}"
                logger.info(
                    "retrying %s %s in %.2f s after %s (%d of %d)",
                    prepared.op.method,
                    prepared.url,
                    decision.delay,
                    cause,
                    retries + 1,
                    self.max_retries,
                )
        return decision

    def _result(self, op: Operation[T], response: httpx.Response, retries: int) -> APIResponse[T]:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("response %s %s -> %d", response.request.method, response.request.url, response.status_code)
        if response.is_success:
            return APIResponse(
                response, op.decoder, operation_id=op.operation_id, retries_taken=retries, strict=self.strict_responses
            )
        raise status_error(response, self._status_errors, self.clock.time())

    @staticmethod
    def _transport_error(request: httpx.Request, exc: httpx.TransportError) -> APIConnectionError:
        kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        return kind(f"{request.method} {request.url}: {type(exc).__name__}: {exc}", request=request)


def _merge(headers: _HeaderSet, extra: Headers | None) -> None:
    """Merge ``extra`` into ``headers`` (case-insensitive; ``None`` removes)."""
    for name, value in (extra or {}).items():
        if value is None:
            headers.pop(name.lower(), None)
        else:
            headers[name.lower()] = (name, value)


def _content(op: Operation[Any], body: object, extra_body: Body | None) -> bytes | None:
    """The request body: the operation's (fields or value) with ``extra_body`` merged over it."""
    if op.body == "fields" and isinstance(body, Mapping):
        fields = {k: v for k, v in body.items() if not isinstance(v, NotGiven)}
        if extra_body:
            fields.update(extra_body)
        return encode_json(fields) if fields or op.body_required else None
    if op.body == "value" and not isinstance(body, NotGiven):
        if not extra_body:
            return body if isinstance(body, bytes) else encode_json(body)
        data = to_jsonable(body)
        if not isinstance(data, dict):
            raise TypeError(f"{op.operation_id}: extra_body= needs a JSON object body, got {type(data).__name__}")
        return encode_json({**data, **extra_body})
    if extra_body:
        return encode_json(extra_body)
    return None


#: The variant digit of a UUID (RFC 9562: ``10xx``) for each hex digit of random bits.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _new_key() -> str:
    """A new idempotency key: a random (version 4) UUID, as text."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """The TLS context of the HTTP clients this package creates: httpx's default (certifi's CA
    bundle), made once per process. Loading the bundle takes about 25 ms, which every client
    object would otherwise pay again; an ``SSLContext`` is safe to share between connections."""
    return httpx.create_ssl_context()


class SyncAPIClient(BaseAPIClient):
    """Runs requests on an ``httpx.Client`` (closed by :meth:`close` when the client created it)."""

    def __init__(self, *, http_client: httpx.Client | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client(verify=default_ssl_context())

    def request(self, op: Operation[T], **arguments: Any) -> T:
        """Send ``op`` and parse the success response (the arguments of :meth:`request_raw`)."""
        response: APIResponse[T] = self._send(self._prepare(op, **arguments))
        return response.parse()

    def request_raw(
        self,
        op: Operation[T],
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        cookies: Mapping[str, object] | None = None,
        body: object = NOT_GIVEN,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> APIResponse[T]:
        """Send ``op`` with retries; returns the unparsed success response or raises ``APIError``."""
        prepared = self._prepare(
            op,
            path=path,
            query=query,
            headers=headers,
            cookies=cookies,
            body=body,
            idempotency_key=idempotency_key,
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return self._send(prepared)

    def request_page(self, op: Operation[Any], **arguments: Any) -> SyncCursorPage[Any]:
        """Send a paginated list operation (the arguments of :meth:`request_raw`): the first page,
        which fetches the next ones on demand."""
        return self._page(self._prepare(op, **arguments))

    def _page(self, prepared: _Prepared) -> SyncCursorPage[Any]:
        return SyncCursorPage(self._send(prepared), lambda link: self._page(self._follow(prepared, link)))

    def _send(self, prepared: _Prepared) -> APIResponse[Any]:
        retries = 0
        while True:
            request = self._build(self._http, prepared)  # before the slot: building may fail
            delay = self._acquire(prepared)
            while delay > 0:
                self._wait_log(prepared, delay)
                self.clock.sleep(delay)
                delay = self._acquire(prepared)
            failure: httpx.TransportError | None = None
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                failure = exc
            finally:
                self._release(prepared)
            if failure is not None:
                decision = self._decide(prepared, None, retries)
                if decision is None:
                    raise self._transport_error(request, failure) from failure
            else:
                if response.is_success:
                    return self._result(prepared.op, response, retries)
                decision = self._decide(prepared, response, retries)
                if decision is None:
                    return self._result(prepared.op, response, retries)
                response.close()
            self.clock.sleep(decision.delay)
            retries += 1

    def close(self) -> None:
        """Close the connection pool (only when this client created it)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncAPIClient(BaseAPIClient):
    """Runs requests on an ``httpx.AsyncClient`` (closed by :meth:`close` when the client created it)."""

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient(verify=default_ssl_context())

    async def request(self, op: Operation[T], **arguments: Any) -> T:
        """Send ``op`` and parse the success response (the arguments of :meth:`request_raw`)."""
        response: APIResponse[T] = await self._send(self._prepare(op, **arguments))
        return response.parse()

    async def request_raw(
        self,
        op: Operation[T],
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        cookies: Mapping[str, object] | None = None,
        body: object = NOT_GIVEN,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> APIResponse[T]:
        """Send ``op`` with retries; returns the unparsed success response or raises ``APIError``."""
        prepared = self._prepare(
            op,
            path=path,
            query=query,
            headers=headers,
            cookies=cookies,
            body=body,
            idempotency_key=idempotency_key,
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return await self._send(prepared)

    def request_page(self, op: Operation[Any], **arguments: Any) -> AsyncPaginator[Any]:
        """A paginated list operation (the arguments of :meth:`request_raw`): await it for the first
        page, or ``async for`` over every item of every page."""
        return AsyncPaginator(lambda: self._page(self._prepare(op, **arguments)))

    async def _page(self, prepared: _Prepared) -> AsyncCursorPage[Any]:
        return AsyncCursorPage(await self._send(prepared), lambda link: self._page(self._follow(prepared, link)))

    async def _send(self, prepared: _Prepared) -> APIResponse[Any]:
        retries = 0
        while True:
            request = self._build(self._http, prepared)  # before the slot: building may fail
            delay = self._acquire(prepared)
            while delay > 0:
                self._wait_log(prepared, delay)
                await self.clock.async_sleep(delay)
                delay = self._acquire(prepared)
            failure: httpx.TransportError | None = None
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                failure = exc
            finally:
                self._release(prepared)
            if failure is not None:
                decision = self._decide(prepared, None, retries)
                if decision is None:
                    raise self._transport_error(request, failure) from failure
            else:
                if response.is_success:
                    return self._result(prepared.op, response, retries)
                decision = self._decide(prepared, response, retries)
                if decision is None:
                    return self._result(prepared.op, response, retries)
                await response.aclose()
            await self.clock.async_sleep(decision.delay)
            retries += 1

    async def close(self) -> None:
        """Close the connection pool (only when this client created it)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
