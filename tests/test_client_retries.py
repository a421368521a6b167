"""Errors, retries, Retry-After and idempotency keys (time injected).

Sleeps are recorded, never taken: every client is given the suites' one fake clock
(``clock=``, :mod:`conformance_tests.fakes`), which the fake sleep advances; nothing is patched.
The error classes are the documented table (``conformance_tests.adapter.ERROR_CLASSES``,
generated/README.md "Errors"). Rate limiting is in ``test_client_ratelimit.py``.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import recall_client
import respx
import yaml
from recall_client import AsyncRecallClient, RecallClient
from recall_client._retry import parse_retry_after

from conformance_tests.adapter import ERROR_CLASSES
from conformance_tests.fakes import FakeTime

SPEC = yaml.safe_load((Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml").read_text())
BASE = "https://us-east-1.recall.ai"
UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
REC_PATH = f"/api/v1/recording/{UUID}/"
REC_SAMPLE = SPEC["paths"]["/api/v1/recording/{id}/"]["patch"]["responses"]["200"]["content"]["application/json"][
    "example"
]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTime]:
    monkeypatch.setattr("random.random", lambda: 0.0)  # no jitter: exact backoff values
    yield FakeTime()


def documented_statuses() -> set[int]:
    return {
        int(code)
        for item in SPEC["paths"].values()
        for op in item.values()
        for code in op["responses"]
        if int(code) >= 400
    }


def test_every_documented_status_has_its_class() -> None:
    assert documented_statuses() == set(ERROR_CLASSES)
    for status, name in ERROR_CLASSES.items():
        cls = getattr(recall_client, name)
        assert issubclass(cls, recall_client.APIStatusError)
        assert issubclass(cls, recall_client.ServerError) == (status >= 500)


@pytest.mark.parametrize(("status", "name"), sorted(ERROR_CLASSES.items()))
def test_error_status_raises_its_class_with_context(clock: FakeTime, status: int, name: str) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(REC_PATH).respond(
            status, json={"detail": f"failed {status}"}, headers={"x-request-id": "rid-1", "Retry-After": "1"}
        )
        client = RecallClient(api_key="k", clock=clock, max_retries=0)
        with pytest.raises(recall_client.APIStatusError) as info:
            client.recording.partial_update(UUID, metadata={"a": "b"})
    error = info.value
    assert type(error).__name__ == name
    assert error.status_code == status
    assert error.method == "PATCH"
    assert error.url == BASE + REC_PATH
    assert error.body == {"detail": f"failed {status}"}
    assert error.request_id == "rid-1"
    assert error.retry_after == 1.0
    assert f"failed {status}" in str(error)
    assert route.call_count == 1
    assert clock.sleeps == []


def test_undocumented_statuses_fall_back_to_base_classes(clock: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).mock(side_effect=[httpx.Response(418, text="nope"), httpx.Response(500)])
        client = RecallClient(api_key="k", clock=clock, max_retries=0)
        with pytest.raises(recall_client.APIStatusError) as not_found:
            client.recording.partial_update(UUID)
        with pytest.raises(recall_client.ServerError) as server:
            client.recording.partial_update(UUID)
    assert type(not_found.value) is recall_client.APIStatusError and not_found.value.body == "nope"
    assert type(server.value) is recall_client.ServerError


def test_html_403_body_is_kept_as_text(clock: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).respond(403, text="<BODY>Request blocked.</BODY>", headers={"content-type": "text/html"})
        with pytest.raises(recall_client.ForbiddenError) as info:
            RecallClient(api_key="k", clock=clock).recording.partial_update(UUID)
    assert info.value.body == "<BODY>Request blocked.</BODY>"


HTTP_DATE_IN_20_S = email.utils.formatdate(1_700_000_020, usegmt=True)

# (responses in order, max_retries, expected sleeps, expected outcome: status code or "ok")
RETRY_TABLE: list[tuple[str, list[tuple[int, dict[str, str]]], int, list[float], int | str]] = [
    ("429 Retry-After seconds", [(429, {"Retry-After": "3"}), (200, {})], 2, [3.0], "ok"),
    ("429 Retry-After of 60 s is waited", [(429, {"Retry-After": "60"}), (200, {})], 2, [60.0], "ok"),
    ("429 Retry-After over 60 s is raised, not waited", [(429, {"Retry-After": "3600"}), (200, {})], 2, [], 429),
    ("503 Retry-After over 60 s is raised", [(503, {"Retry-After": "61"}), (200, {})], 2, [], 503),
    ("503 Retry-After within 60 s wins", [(503, {"Retry-After": "7"}), (200, {})], 2, [7.0], "ok"),
    ("429 without Retry-After: backoff", [(429, {}), (429, {}), (200, {})], 2, [0.5, 1.0], "ok"),
    ("429 Retry-After garbage: backoff", [(429, {"Retry-After": "soon"}), (200, {})], 2, [0.5], "ok"),
    ("409 backoff", [(409, {}), (200, {})], 2, [0.5], "ok"),
    ("502 503 504 backoff doubles", [(502, {}), (503, {}), (504, {}), (200, {})], 3, [0.5, 1.0, 2.0], "ok"),
    ("backoff capped at 8 s", [(503, {})] * 7, 6, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0], 503),
    ("max_retries exhausted", [(503, {})] * 3, 2, [0.5, 1.0], 503),
    ("max_retries=0 never retries", [(503, {})], 0, [], 503),
    ("507 waits 30 s", [(507, {}), (200, {})], 2, [30.0], "ok"),
    ("400 is final", [(400, {})], 2, [], 400),
    ("401 is final", [(401, {})], 2, [], 401),
]


@pytest.mark.parametrize(
    ("responses", "max_retries", "sleeps", "outcome"), [r[1:] for r in RETRY_TABLE], ids=[r[0] for r in RETRY_TABLE]
)
def test_retry_table(
    clock: FakeTime,
    responses: list[tuple[int, dict[str, str]]],
    max_retries: int,
    sleeps: list[float],
    outcome: int | str,
) -> None:
    replies = [httpx.Response(s, headers=h, json=REC_SAMPLE if s == 200 else {"detail": "x"}) for s, h in responses]
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(REC_PATH).mock(side_effect=replies)
        client = RecallClient(api_key="k", clock=clock, max_retries=max_retries, rate_limit=False)
        if outcome == "ok":
            raw = client.with_raw_response.recording.partial_update(UUID)
            assert raw.retries_taken == len(sleeps)
        else:
            with pytest.raises(recall_client.APIStatusError) as info:
                client.recording.partial_update(UUID)
            assert info.value.status_code == outcome
    assert clock.sleeps == pytest.approx(sleeps)
    assert route.call_count == len(sleeps) + 1
    keys = {call.request.headers["idempotency-key"] for call in route.calls}
    expected_keys = 1 + sum(1 for s, _ in responses[: len(sleeps)] if s == 507)
    assert len(keys) == expected_keys


def test_retry_after_http_date(clock: FakeTime) -> None:
    clock.wall = 1_700_000_000.0
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": HTTP_DATE_IN_20_S}),
                httpx.Response(200, json=REC_SAMPLE),
            ]
        )
        RecallClient(api_key="k", clock=clock, rate_limit=False).recording.partial_update(UUID)
    assert clock.sleeps == [20.0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        ("-3", 0.0),
        ("nan", None),
        ("soon", None),
        (None, None),
        (email.utils.formatdate(1_000_000_010, usegmt=True), 10.0),
        (email.utils.formatdate(999_999_990, usegmt=True), 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=1_000_000_000.0) == expected


def test_jitter_takes_off_at_most_a_quarter(monkeypatch: pytest.MonkeyPatch) -> None:
    from recall_client._retry import backoff_delay

    monkeypatch.setattr("random.random", lambda: 0.999999)
    assert 0.375 <= backoff_delay(0) < 0.5
    assert 6.0 <= backoff_delay(10) < 8.0


def test_idempotency_key_is_reused_across_retries_and_caller_key_wins(clock: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(REC_PATH).mock(
            side_effect=[httpx.Response(503), httpx.Response(503), httpx.Response(200, json=REC_SAMPLE)] * 2
        )
        client = RecallClient(api_key="k", clock=clock, rate_limit=False)
        client.recording.partial_update(UUID)
        client.recording.partial_update(UUID, idempotency_key="mine")
    keys = [call.request.headers["idempotency-key"] for call in route.calls]
    assert len(set(keys[:3])) == 1 and keys[0] != "mine"
    assert keys[3:] == ["mine"] * 3


def test_507_with_caller_key_is_not_retried(clock: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(REC_PATH).respond(507, json={"detail": "no bots"})
        with pytest.raises(recall_client.BotPoolExhaustedError):
            RecallClient(api_key="k", clock=clock).recording.partial_update(UUID, idempotency_key="mine")
    assert route.call_count == 1 and clock.sleeps == []


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_unsafe_method_without_idempotency_key_is_not_retried(clock: FakeTime, method: str) -> None:
    """A 503 then a 200: without an Idempotency-Key the request goes once and the 503 is raised;
    with one (here via extra_headers) the same replies are retried and succeed."""
    from recall_client._operation import Operation
    from recall_client._response import JSONDecoder

    op = Operation(operation_id="plain", method=method, path="/plain/", decoder=JSONDecoder())
    with respx.mock(base_url=BASE) as mock:
        route = mock.route(method=method, path="/plain/")
        route.side_effect = [httpx.Response(503), httpx.Response(200, json=[1])]
        with pytest.raises(recall_client.ServiceUnavailableError):
            RecallClient(api_key="k", clock=clock).request(op)
        assert route.call_count == 1 and clock.sleeps == []
        assert "idempotency-key" not in route.calls[0].request.headers
        route.side_effect = [httpx.Response(503), httpx.Response(200, json=[1])]
        assert RecallClient(api_key="k", clock=clock).request(op, extra_headers={"Idempotency-Key": "given"}) == [1]
    assert route.call_count == 1 + 2
    assert clock.sleeps == [0.5]


def test_get_is_retried_without_a_key(clock: FakeTime) -> None:
    from recall_client._operation import Operation
    from recall_client._response import JSONDecoder

    op = Operation(operation_id="plain_get", method="GET", path="/plain/", decoder=JSONDecoder())
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/plain/").mock(side_effect=[httpx.Response(502), httpx.Response(200, json=[1])])
        assert RecallClient(api_key="k", clock=clock).request(op) == [1]
    assert route.call_count == 2 and "idempotency-key" not in route.calls[0].request.headers


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (httpx.ConnectError("refused"), recall_client.APIConnectionError),
        (httpx.ReadTimeout("slow"), recall_client.APITimeoutError),
    ],
)
def test_connection_errors_are_retried_then_raised(clock: FakeTime, exc: Exception, error: type) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(REC_PATH).mock(side_effect=exc)
        with pytest.raises(error) as info:
            RecallClient(api_key="k", clock=clock, max_retries=2, rate_limit=False).recording.partial_update(UUID)
    assert route.call_count == 3
    assert clock.sleeps == [0.5, 1.0]
    assert info.value.status_code is None and info.value.url == BASE + REC_PATH


def test_connection_error_then_success(clock: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(REC_PATH).mock(side_effect=[httpx.ConnectError("x"), httpx.Response(200, json=REC_SAMPLE)])
        result = RecallClient(api_key="k", clock=clock).recording.partial_update(UUID)
    assert isinstance(result, recall_client.models.Recording)
    keys = {call.request.headers["idempotency-key"] for call in route.calls}
    assert len(keys) == 1


def test_retry_after_beyond_the_cap_raises_the_rate_limit_error_with_retry_after(clock: FakeTime) -> None:
    """The server asks for a longer wait than the client sleeps: raise (with ``retry_after``), never retry early."""
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(REC_PATH).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "120", "x-request-id": "rid-429"}, json={"detail": "slow"}),
                httpx.Response(200, json=REC_SAMPLE),
            ]
        )
        with pytest.raises(recall_client.RateLimitError) as info:
            RecallClient(api_key="k", clock=clock, rate_limit=False).recording.partial_update(UUID)
    assert route.call_count == 1 and clock.sleeps == []
    assert info.value.retry_after == 120.0 and info.value.request_id == "rid-429"


def test_retry_after_date_beyond_the_cap_raises_too(clock: FakeTime) -> None:
    later = email.utils.formatdate(clock.wall + 600, usegmt=True)
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).respond(429, headers={"Retry-After": later})
        with pytest.raises(recall_client.RateLimitError) as info:
            RecallClient(api_key="k", clock=clock, rate_limit=False).recording.partial_update(UUID)
    assert info.value.retry_after == 600.0 and clock.sleeps == []


def test_body_that_is_not_json_raises_response_validation_error(clock: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).mock(side_effect=[httpx.Response(200, text="<html>"), httpx.Response(200, json=[1, 2])])
        client = RecallClient(api_key="k", clock=clock)
        for _ in range(2):  # not JSON; JSON but not an object
            with pytest.raises(recall_client.ResponseValidationError) as info:
                client.recording.partial_update(UUID)
            assert info.value.status_code == 200 and info.value.method == "PATCH"


def test_invalid_success_body_is_kept_leniently_and_refused_strictly(clock: FakeTime) -> None:
    """A value that does not fit its type is kept as sent (lenient, the default); ``strict_responses``
    refuses it."""
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).respond(200, json={**REC_SAMPLE, "id": "not-a-uuid"}, headers={"x-request-id": "r-9"})
        lenient = RecallClient(api_key="k", clock=clock).recording.partial_update(UUID)
        assert lenient.id == "not-a-uuid"  # type: ignore[comparison-overlap]  # kept as sent
        with pytest.raises(recall_client.ResponseValidationError) as info:
            RecallClient(api_key="k", clock=clock, strict_responses=True).recording.partial_update(UUID)
    assert info.value.status_code == 200 and info.value.request_id == "r-9"


def test_async_retries_use_asyncio_sleep(clock: FakeTime) -> None:
    async def run() -> Any:
        async with AsyncRecallClient(api_key="k", clock=clock, rate_limit=False) as client:
            return await client.recording.partial_update(UUID)

    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).mock(
            side_effect=[httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200, json=REC_SAMPLE)]
        )
        result = asyncio.run(run())
    assert isinstance(result, recall_client.models.Recording)
    assert clock.sleeps == [2.0]
