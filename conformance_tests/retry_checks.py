"""The retry policy of generated/README.md "Retries", as check functions (respx, the fake clock).

- :func:`retry_conformance`: random reply scripts never get more than ``max_retries`` retries;
  the client waits ``Retry-After``, otherwise the documented backoff; a ``Retry-After`` over 60 s
  is not waited for (the error is raised with its ``retry_after``); the same ``Idempotency-Key``
  goes on every retry (a new one only after a 507); nothing final is retried;
- :func:`unkeyed_retry_conformance`: a POST/PUT/PATCH sent without an ``Idempotency-Key`` is never
  retried (``idempotency`` page), while the same script with the key the client sends is retried.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import respx
from hypothesis import note
from hypothesis import strategies as st

from conformance_tests.adapter import (
    BOT_POOL_DELAY,
    ERROR_CLASSES,
    INITIAL_BACKOFF,
    MAX_BACKOFF,
    MAX_RETRY_AFTER,
    Call,
    ClientOperation,
    ainvoke,
    descriptor,
    invoke,
)
from conformance_tests.arguments import calls, idempotency_keys, minimal_call
from conformance_tests.fakes import NOW, FakeTime
from conformance_tests.instances import instance
from conformance_tests.request_checks import BASE, TLS
from conformance_tests.response_checks import sync_client
from generator.spec.rules import UNSAFE_METHODS

RETRIED = (409, 429, 502, 503, 504, 507)
FINAL = (400, 401, 402, 403, 404, 405)


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
            from conformance_tests import speclib

            schema = cop.spec.success_schema
            body = None if schema is None else instance(schema.node, speclib.resolve)
            return httpx.Response(self.status, json=body, headers=headers)
        return httpx.Response(self.status, json={"detail": f"scripted {self.status}"}, headers=headers)


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
    final = draw(st.sampled_from([cop.spec.success_status, *FINAL]), label="final status")
    return [*replies, Reply(final)], max_retries


async def _async_raw_call(cop: ClientOperation, call: Call, max_retries: int, clock: FakeTime) -> Any:
    from recall_client import AsyncRecallClient

    async with httpx.AsyncClient(verify=TLS) as http:
        client = AsyncRecallClient(
            base_url=BASE, api_key="k", calendar_auth_token="t", rate_limit=False, http_client=http,
            max_retries=max_retries, clock=clock, strict_responses=True,
        )  # fmt: skip
        return await ainvoke(client, cop, call, raw=True)


def expected_attempts(replies: list[Reply], max_retries: int, caller_key: bool) -> int:
    """How many requests the README's policy sends for this script."""
    for attempt, reply in enumerate(replies):
        retryable = reply.status is None or reply.status in RETRIED
        if reply.status == 507 and caller_key:
            retryable = False
        if reply.status not in (None, 507) and reply.retry_after is not None and reply.retry_after > MAX_RETRY_AFTER:
            retryable = False  # README: a longer Retry-After is raised, not waited for
        if not retryable or attempt >= max_retries:
            return attempt + 1
    return len(replies)


def assert_wait(where: str, reply: Reply, retries_taken: int, slept: float) -> None:
    """The wait before a retry, by the rule for the reply that caused it."""
    if reply.status == 507:
        assert slept == BOT_POOL_DELAY, f"{where}: waited {slept} s after 507, README says {BOT_POOL_DELAY}"
    elif reply.retry_after is not None and reply.status is not None:
        wanted = float(reply.retry_after)
        assert wanted <= MAX_RETRY_AFTER, f"{where}: waited for a Retry-After of {wanted} s, over the cap"
        assert slept >= wanted, f"{where}: waited {slept} s, Retry-After asked {reply.retry_after} s"
        assert slept == pytest.approx(wanted), f"{where}: waited {slept} s for Retry-After {reply.retry_after}"
    else:
        ceiling = min(INITIAL_BACKOFF * 2.0**retries_taken, MAX_BACKOFF)
        assert 0.75 * ceiling <= slept <= ceiling, f"{where}: backoff {slept} s outside [{0.75 * ceiling}, {ceiling}]"


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


def retry_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """Random reply scripts: attempts, waits and idempotency keys follow the documented policy (sync or async)."""
    import recall_client

    replies, max_retries = data.draw(scripts(cop), label="script")
    call = data.draw(calls(cop, keys=False), label="call")
    if cop.idempotent and data.draw(st.booleans(), label="caller key"):
        call.idempotency_key = data.draw(idempotency_keys(), label="idempotency_key")
    caller_key = call.idempotency_key is not None
    note(f"operation {cop.spec.operation_id}; max_retries={max_retries}; replies {replies}")
    use_async = data.draw(st.booleans(), label="async client")
    clock = FakeTime()
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        route = router.route().mock(side_effect=[r.response(cop) for r in replies])
        try:
            if use_async:
                outcome: Any = asyncio.run(_async_raw_call(cop, call, max_retries, clock))
            else:
                with sync_client(max_retries=max_retries, clock=clock) as client:
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
        if last.retry_after is not None and last.status != 507:
            assert outcome.retry_after == float(last.retry_after), f"{where}: retry_after {outcome.retry_after}"
    if cop.http_method in UNSAFE_METHODS:
        assert_keys(where, [c.request.headers.get("idempotency-key") for c in route.calls], replies, call)


def _send_script(op: Any, cop: ClientOperation, script: list[Reply], max_retries: int, use_async: bool) -> Any:
    """Send descriptor ``op`` once against ``script``: (outcome or exception, respx route, fake clock)."""
    import recall_client

    path = minimal_call(cop).path
    clock = FakeTime()
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        route = router.route().mock(side_effect=[reply.response(cop) for reply in script])
        try:
            if use_async:
                from recall_client import AsyncRecallClient

                async def run() -> Any:
                    async with httpx.AsyncClient(verify=TLS) as http:
                        client = AsyncRecallClient(
                            base_url=BASE, api_key="k", calendar_auth_token="t", rate_limit=False,
                            http_client=http, max_retries=max_retries, clock=clock,
                        )  # fmt: skip
                        return await client.request_raw(op, path=path)

                outcome: Any = asyncio.run(run())
            else:
                with sync_client(max_retries=max_retries, clock=clock) as client:
                    outcome = client.request_raw(op, path=path)
        except recall_client.APIError as exc:
            outcome = exc
    return outcome, route, clock


def unkeyed_retry_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """A retryable failure (status or connection error) then a success: sent without an
    ``Idempotency-Key`` the request goes once and the failure is raised; sent with the key the
    client adds, the same script is retried and succeeds (so the key is what decides).

    The generated methods always send a key, so the request without one is the operation's own
    descriptor with ``idempotency_header=None`` (what the generator emits for an operation that
    declares no ``Idempotency-Key``).
    """
    import recall_client

    failure = data.draw(st.sampled_from([*RETRIED, None]), label="failure (None: connection error)")
    max_retries = data.draw(st.integers(1, 4), label="max_retries")
    use_async = data.draw(st.booleans(), label="async client")
    script = [Reply(failure, retry_after=1), Reply(cop.spec.success_status)]
    keyed = descriptor(cop.spec.operation_id)
    assert keyed.idempotency_header, f"{cop.spec.operation_id}: the client sends no Idempotency-Key"
    where = f"{cop.spec.operation_id}: unkeyed_retry_conformance: {failure or 'connection error'}"

    outcome, route, clock = _send_script(
        dataclasses.replace(keyed, idempotency_header=None), cop, script, max_retries, use_async
    )
    assert route.call_count == 1, f"{where}: {route.call_count} requests without an Idempotency-Key (README: 1)"
    assert "idempotency-key" not in route.calls[0].request.headers, f"{where}: a key was sent anyway"
    expected = recall_client.APIConnectionError if failure is None else getattr(recall_client, ERROR_CLASSES[failure])
    assert type(outcome) is expected, f"{where}: got {outcome!r}, expected {expected.__name__} raised"
    assert clock.sleeps == [], f"{where}: waited {clock.sleeps} although nothing is retried"

    outcome, route, _ = _send_script(keyed, cop, script, max_retries, use_async)
    assert route.call_count == 2, f"{where}: with its Idempotency-Key the request went {route.call_count} times, not 2"
    assert isinstance(outcome, recall_client.APIResponse), f"{where}: with its key: {outcome!r}"
