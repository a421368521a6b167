"""response_conformance: what the client makes of every response the spec allows (respx, time patched).

- success: a valid body drawn from the success schema parses to the type the README promises
  (the model named by the ``$ref``, ``list[...]`` for arrays, ``None`` without a body) and the
  model's dump is valid against the same schema with no field lost or invented;
- errors: every documented error status raises its exception class (generated/README.md "Errors"),
  carrying the status, the parsed body and ``Retry-After`` (``errors`` page);
- retries: the policy of generated/README.md "Retries" holds for random response sequences: never
  more than ``max_retries`` retries, waits at least ``Retry-After`` (capped at 60 s), otherwise the
  documented backoff, the same ``Idempotency-Key`` on every retry (a new one only after a 507),
  nothing retried that is final, and no POST/PUT/PATCH retried without an idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from unittest import mock

import httpx
import pytest
import respx
from hypothesis import given, note
from hypothesis import strategies as st

from conformance_tests import speclib
from conformance_tests.adapter import (
    BOT_POOL_DELAY,
    ERROR_CLASSES,
    INITIAL_BACKOFF,
    MAX_BACKOFF,
    MAX_RETRY_AFTER,
    UNSAFE_METHODS,
    Call,
    ClientOperation,
    ainvoke,
    all_operations,
    documented_statuses,
    invoke,
    judge,
    response_schema,
    result_model_name,
)
from conformance_tests.arguments import calls, idempotency_keys, success_bodies
from conformance_tests.strategies import component_strategy

OPS = all_operations()
IDS = [c.spec.operation_id for c in OPS]
BASE = "https://conformance.example.com"
TLS = ssl.create_default_context()
NOW = 1_700_000_000.0
RETRIED = (409, 429, 502, 503, 504, 507)
FINAL = (400, 401, 402, 403, 404, 405)


@contextlib.contextmanager
def _client(**options: Any) -> Iterator[Any]:
    """A sync client on a pool of its own (closed afterwards), client-side rate limiting off."""
    from recall_client import RecallClient

    with httpx.Client(verify=TLS) as http:
        yield RecallClient(
            base_url=BASE, api_key="k", calendar_auth_token="t", rate_limit=False, http_client=http, **options
        )


def _raw_call(cop: ClientOperation, replies: list[httpx.Response | Exception], **options: Any) -> Any:
    """Call ``cop`` once (sync, raw) against ``replies``; returns (APIResponse or exception, route)."""
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        route = router.route().mock(side_effect=replies)
        try:
            with _client(**options) as client:
                outcome: Any = invoke(client, cop, _minimal_call(cop), raw=True)
        except Exception as exc:  # the error under test
            outcome = exc
    return outcome, route


def _minimal_call(cop: ClientOperation) -> Call:
    return Call(path={p.name: "3fa85f64-5717-4562-b3fc-2c963f66afa6" for p in cop.path_params})


# -- success bodies ---------------------------------------------------------------------------------
def assert_parsed_conforms(cop: ClientOperation, body: Any, result: Any) -> None:
    """``result`` has the type the spec names and dumps back to a schema-valid body."""
    from recall_client import models

    where = f"{cop.spec.operation_id}: response_conformance"
    _, schema = cop.spec.success
    kind, name = result_model_name(schema)
    if kind == "none":
        assert result is None, f"{where}: a response without body parsed to {result!r}, README says None"
        return
    assert schema is not None
    if kind == "model":
        model = getattr(models, name or "")
        assert type(result) is model, f"{where}: parsed to {type(result).__name__}, spec names {name}"
        dumped: Any = result.model_dump(mode="json", by_alias=True, exclude_unset=True)
        assert set(dumped) == set(body), f"{where}: fields lost/invented: {set(dumped) ^ set(body)}"
    elif kind == "list":
        assert isinstance(result, list) and len(result) == len(body), f"{where}: expected a list of {len(body)}"
        if name is not None:
            model = getattr(models, name)
            bad = [type(item).__name__ for item in result if type(item) is not model]
            assert not bad, f"{where}: list items parsed to {bad}, spec names {name}"
        dumped = [item.model_dump(mode="json", by_alias=True, exclude_unset=True) for item in result]
        for item, sent in zip(dumped, body, strict=True):
            assert set(item) == set(sent), f"{where}: fields lost/invented in an item: {set(item) ^ set(sent)}"
    else:
        dumped = result
    standalone = judge(schema)
    assert speclib.is_valid(dumped, standalone), (
        f"{where}: the dump fails the schema: {speclib.errors(dumped, standalone)}"
    )


@pytest.mark.conformance("response_conformance", subject="cop")
@pytest.mark.parametrize("cop", OPS, ids=IDS)
@given(data=st.data())
def test_response_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """A valid success body parses to the declared type; its dump is valid again (sync or async)."""
    status, schema = cop.spec.success
    body = data.draw(success_bodies(schema), label="success body")
    standalone = judge(schema) if schema is not None else None
    assert standalone is None or speclib.is_valid(body, standalone), speclib.errors(body, standalone or {})
    use_async = data.draw(st.booleans(), label="async client")
    note(f"operation {cop.spec.operation_id}: {status} {json.dumps(body)[:2000]}")
    reply = httpx.Response(int(status), json=body) if schema is not None else httpx.Response(int(status))
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.route().mock(return_value=reply)
        if use_async:
            from recall_client import AsyncRecallClient

            async def run() -> Any:
                async with httpx.AsyncClient(verify=TLS) as http:
                    client = AsyncRecallClient(base_url=BASE, api_key="k", calendar_auth_token="t", http_client=http)
                    return await ainvoke(client, cop, _minimal_call(cop))

            result = asyncio.run(run())
        else:
            with _client() as client:
                result = invoke(client, cop, _minimal_call(cop))
    assert_parsed_conforms(cop, body, result)


# -- error statuses ---------------------------------------------------------------------------------
def error_cases(cop: ClientOperation) -> list[int]:
    """The error statuses ``cop`` documents."""
    return sorted(s for s in documented_statuses(cop.spec) if s >= 400)


def test_every_documented_error_status_has_a_class() -> None:
    """The README's error table covers every status the spec documents (a new status needs a class)."""
    import recall_client

    documented = {status for cop in OPS for status in error_cases(cop)}
    missing = documented - set(ERROR_CLASSES)
    assert not missing, f"statuses documented by the spec without an exception class in the README: {missing}"
    for status in documented:
        cls = getattr(recall_client, ERROR_CLASSES[status])
        assert issubclass(cls, recall_client.APIStatusError), ERROR_CLASSES[status]
        assert issubclass(cls, recall_client.ServerError) == (status >= 500), f"{cls.__name__}: 5xx is ServerError"


@pytest.mark.conformance("error_status_conformance", subject="cop")
@pytest.mark.parametrize("cop", OPS, ids=IDS)
@given(data=st.data())
def test_error_status_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """Each documented error status raises its class with status, body and Retry-After (one attempt)."""
    import recall_client

    status = data.draw(st.sampled_from(error_cases(cop)), label="status")
    html = response_schema(cop.spec, status, "text/html") is not None and data.draw(st.booleans(), label="html")
    headers = {"x-request-id": data.draw(st.uuids().map(str), label="request id")}
    if status == 429:
        headers["Retry-After"] = str(data.draw(st.integers(0, 3600), label="Retry-After"))
    body: Any
    if html:
        text = data.draw(st.text(st.characters(codec="ascii", min_codepoint=32)), label="html text")
        body = f"<html><body>{text}</body></html>"  # the WAF's block page (Forbidden: "the body may be HTML")
        reply = httpx.Response(status, text=body, headers={**headers, "content-type": "text/html"})
    else:
        body = data.draw(component_strategy("Error"), label="error body")
        schema = response_schema(cop.spec, status)
        assert schema is not None and speclib.is_valid(body, judge(schema))  # the judge first
        reply = httpx.Response(status, json=body, headers=headers)
    note(f"operation {cop.spec.operation_id}: {status} {body!r}")
    outcome, route = _raw_call(cop, [reply], max_retries=0)
    where = f"{cop.spec.operation_id}: error_status_conformance: {status}"
    expected = getattr(recall_client, ERROR_CLASSES[status])
    assert type(outcome) is expected, f"{where}: raised {type(outcome).__name__}, README says {expected.__name__}"
    assert outcome.status_code == status and route.call_count == 1, where
    assert outcome.body == body, f"{where}: body {outcome.body!r} is not the body sent"
    assert outcome.request_id == headers["x-request-id"], f"{where}: request_id"
    if status == 429:
        assert outcome.retry_after == float(headers["Retry-After"]), f"{where}: retry_after"


# -- the retry policy -------------------------------------------------------------------------------
@dataclass
class FakeTime:
    """Sleeps are recorded, not taken; ``monotonic`` advances with them; ``time()`` is fixed at NOW."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        """Record a wait of ``seconds`` and advance the clock."""
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        """``asyncio.sleep`` replacement: like :meth:`sleep`."""
        self.sleep(seconds)

    def monotonic(self) -> float:
        """The fake monotonic time in seconds."""
        return self.now


@contextlib.contextmanager
def patched_time() -> Iterator[FakeTime]:
    """Patch ``time.sleep``, ``time.monotonic``, ``time.time`` and ``asyncio.sleep`` (tests/test_client_retries.py)."""
    fake = FakeTime()
    with (
        mock.patch.object(time, "sleep", fake.sleep),
        mock.patch.object(time, "monotonic", fake.monotonic),
        mock.patch.object(time, "time", lambda: NOW),
        mock.patch.object(asyncio, "sleep", fake.async_sleep),
    ):
        yield fake


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a status (None: connection error) and its ``Retry-After`` in seconds."""

    status: int | None
    retry_after: int | None = None
    as_date: bool = False

    def response(self, cop: ClientOperation) -> httpx.Response | Exception:
        """The scripted answer for ``cop``: a response (success body from the schema) or a ConnectError."""
        if self.status is None:
            return httpx.ConnectError("connection refused")
        headers = {}
        if self.retry_after is not None:
            value = NOW + self.retry_after
            headers["Retry-After"] = (
                email.utils.formatdate(value, usegmt=True) if self.as_date else str(self.retry_after)
            )
        if 200 <= self.status < 300:
            _, schema = cop.spec.success
            body = _success_example(schema)
            return httpx.Response(self.status, json=body, headers=headers)
        return httpx.Response(self.status, json={"detail": f"scripted {self.status}"}, headers=headers)


def _success_example(schema: dict[str, Any] | None) -> Any:
    from conformance_tests.instances import instance

    return None if schema is None else instance(schema, speclib.resolve)


@st.composite
def scripts(draw: st.DrawFn, cop: ClientOperation) -> tuple[list[Reply], int]:
    """(replies, max_retries): retryable failures with or without Retry-After, then a final answer
    (success or a status that is never retried), so the script covers every attempt the client makes."""
    max_retries = draw(st.integers(0, 4), label="max_retries")
    failure = st.builds(
        Reply,
        st.sampled_from([*RETRIED, 429, None]),  # 429 twice: Retry-After is the subtle rule
        st.one_of(st.none(), st.integers(0, 120)),
        st.booleans(),
    )
    replies = draw(st.lists(failure, max_size=max_retries + 2), label="failures")
    success = int(cop.spec.success[0])
    final = draw(st.sampled_from([success, *FINAL]), label="final status")
    return [*replies, Reply(final)], max_retries


async def _async_raw_call(cop: ClientOperation, call: Call, max_retries: int) -> Any:
    from recall_client import AsyncRecallClient

    async with httpx.AsyncClient(verify=TLS) as http:
        client = AsyncRecallClient(
            base_url=BASE, api_key="k", calendar_auth_token="t", rate_limit=False, http_client=http,
            max_retries=max_retries,
        )  # fmt: skip
        return await ainvoke(client, cop, call, raw=True)


def expected_attempts(replies: list[Reply], max_retries: int, caller_key: bool) -> int:
    """How many requests the README's policy sends for this script."""
    for attempt, reply in enumerate(replies):
        retryable = reply.status is None or reply.status in RETRIED
        if reply.status == 507 and caller_key:
            retryable = False
        if not retryable or attempt >= max_retries:
            return attempt + 1
    return len(replies)


def assert_wait(where: str, reply: Reply, retries_taken: int, slept: float) -> None:
    """The wait before a retry, by the rule for the reply that caused it."""
    if reply.status == 507:
        assert slept == BOT_POOL_DELAY, f"{where}: waited {slept} s after 507, README says {BOT_POOL_DELAY}"
    elif reply.retry_after is not None and reply.status is not None:
        wanted = min(float(reply.retry_after), MAX_RETRY_AFTER)
        assert slept >= wanted, f"{where}: waited {slept} s, Retry-After asked {reply.retry_after} s"
        assert slept == pytest.approx(wanted), f"{where}: waited {slept} s for Retry-After {reply.retry_after}"
    else:
        ceiling = min(INITIAL_BACKOFF * 2.0**retries_taken, MAX_BACKOFF)
        assert 0.75 * ceiling <= slept <= ceiling, f"{where}: backoff {slept} s outside [{0.75 * ceiling}, {ceiling}]"


@pytest.mark.conformance("retry_conformance", subject="cop")
@pytest.mark.parametrize("cop", OPS, ids=IDS)
@given(data=st.data())
def test_retry_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """Random reply scripts: attempts, waits and idempotency keys follow the documented policy (sync or async)."""
    import recall_client

    replies, max_retries = data.draw(scripts(cop), label="script")
    call = data.draw(calls(cop, keys=False), label="call")
    if cop.idempotent and data.draw(st.booleans(), label="caller key"):
        call.idempotency_key = data.draw(idempotency_keys(), label="idempotency_key")
    caller_key = call.idempotency_key is not None
    note(f"operation {cop.spec.operation_id}; max_retries={max_retries}; replies {replies}")
    use_async = data.draw(st.booleans(), label="async client")
    with patched_time() as clock, respx.mock(base_url=BASE, assert_all_called=False) as router:
        route = router.route().mock(side_effect=[r.response(cop) for r in replies])
        try:
            if use_async:
                outcome: Any = asyncio.run(_async_raw_call(cop, call, max_retries))
            else:
                with _client(max_retries=max_retries) as client:
                    outcome = invoke(client, cop, call, raw=True)
        except recall_client.APIError as exc:
            outcome = exc
    where = f"{cop.spec.operation_id}: retry_conformance"
    attempts = expected_attempts(replies, max_retries, caller_key)
    assert route.call_count <= max_retries + 1, f"{where}: {route.call_count} attempts with max_retries={max_retries}"
    assert route.call_count == attempts, f"{where}: {route.call_count} attempts, the policy gives {attempts}"
    assert len(clock.sleeps) == attempts - 1, f"{where}: {len(clock.sleeps)} waits for {attempts} attempts"
    for retries_taken, slept in enumerate(clock.sleeps):
        assert_wait(f"{where}: wait {retries_taken + 1}", replies[retries_taken], retries_taken, slept)
    last = replies[attempts - 1]
    if last.status is not None and 200 <= last.status < 300:
        assert isinstance(outcome, recall_client.APIResponse), f"{where}: expected success, got {outcome!r}"
        assert outcome.retries_taken == attempts - 1, f"{where}: retries_taken"
    elif last.status is None:
        assert isinstance(outcome, recall_client.APIConnectionError), f"{where}: expected APIConnectionError"
    else:
        assert isinstance(outcome, recall_client.APIStatusError) and outcome.status_code == last.status, where
    if cop.http_method in UNSAFE_METHODS:
        assert_keys(where, [c.request.headers.get("idempotency-key") for c in route.calls], replies, call)


def assert_keys(where: str, keys: list[str | None], replies: list[Reply], call: Call) -> None:
    """The same key on every retry; a new one only after a 507; the caller's key when given."""
    assert all(keys), f"{where}: an attempt without Idempotency-Key: {keys}"
    if call.idempotency_key is not None:
        assert set(keys) == {call.idempotency_key}, f"{where}: caller key {call.idempotency_key!r}, sent {keys}"
    for attempt in range(1, len(keys)):
        if replies[attempt - 1].status == 507:
            assert keys[attempt] not in keys[:attempt], f"{where}: after a 507 the key must be new (README)"
        else:
            assert keys[attempt] == keys[attempt - 1], f"{where}: retry {attempt} changed the key: {keys}"


UNSAFE_OPS = [c for c in OPS if c.http_method in UNSAFE_METHODS]


@pytest.mark.conformance("unkeyed_retry_conformance", subject="cop")
@pytest.mark.parametrize("cop", UNSAFE_OPS, ids=[c.spec.operation_id for c in UNSAFE_OPS])
@given(status=st.sampled_from([*RETRIED, None]), max_retries=st.integers(1, 4))
def test_unkeyed_unsafe_request_is_not_retried(cop: ClientOperation, status: int | None, max_retries: int) -> None:
    """A POST/PUT/PATCH sent without an Idempotency-Key is never retried (``idempotency`` page).

    The generated methods always send a key (one per call), so a caller cannot send one without it;
    the rule is checked on the operation's descriptor with the header removed (what the generator
    emits for an operation that declares no ``Idempotency-Key``) and on the retry decision itself.
    """
    import recall_client
    from recall_client._operation import Operation
    from recall_client._response import JSONDecoder
    from recall_client._retry import decide_retry

    where = f"{cop.spec.operation_id}: unkeyed_retry_conformance"
    op = Operation(cop.spec.operation_id, cop.http_method, cop.spec.path, JSONDecoder(), idempotency_header=None)
    op = replace(op, security=())
    path = {p.name: "3fa85f64-5717-4562-b3fc-2c963f66afa6" for p in cop.path_params}
    reply = Reply(status, retry_after=1)
    with patched_time() as clock, respx.mock(base_url=BASE, assert_all_called=False) as router:
        route = router.route().mock(side_effect=[reply.response(cop)] * (max_retries + 1))
        with _client(max_retries=max_retries) as client, pytest.raises(recall_client.APIError):
            client.request(op, path=path)
    assert route.call_count == 1, f"{where}: {route.call_count} attempts without a key after {status}"
    assert "idempotency-key" not in route.calls[0].request.headers, where
    assert clock.sleeps == [], where
    headers = httpx.Headers({"Retry-After": "1"})
    for caller_key in (False, True):
        decision = decide_retry(
            status=status, headers=headers, retries_taken=0, max_retries=max_retries, retryable=False,
            caller_key=caller_key,
        )  # fmt: skip
        assert decision is None, f"{where}: decide_retry retries an unkeyed {cop.http_method} after {status}"
