"""Rate limits that hold against the server (generated/README.md "Rate limiting"), sync and async.

- the one window (:class:`generator.client.runtime._window.SlidingWindow`): never more than N events
  in any ``period`` seconds; a client that holds a slot from before it sends until its answer
  arrived is never refused by a server counting arrivals in the same window, whatever the latency
  and concurrency (simulated, property-based);
- the client: request N+1 of a burst waits until the first left the window (a full period, not
  ``period / N``), the windows are shared by every client of the process with the same credential
  and base URL (sync and async, ``with_options`` copies), not across credentials or base URLs;
- against the sandbox: 2N requests of an operation limited to N, no 429 (in-process with one fake
  clock for both; and over loopback in real time with a small limit), while the same requests with
  the limiter off collect 429s.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import heapq
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from recall_client import AsyncRecallClient, RecallClient
from recall_client._ratelimit import RateLimit, limiter_for
from recall_client.resources import OPERATIONS

from conformance_tests.fakes import FakeTime
from conformance_tests.stateful import SyncASGITransport
from generator.client.runtime._window import SlidingWindow
from generator.sandbox import DEFAULT_API_KEY, DEFAULT_CALENDAR_TOKEN, SandboxConfig, create_app, start_sandbox
from generator.spec.model import Spec
from tests.test_client_responses import RECORDING, UUID

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://us-east-1.recall.ai"
REC_PATH = f"/api/v1/recording/{UUID}/"
CALENDAR_USER = yaml.safe_load((ROOT / "spec" / "openapi.yaml").read_text())["paths"]["/api/v1/calendar/user/"]["put"]
USER_BODY = CALENDAR_USER["responses"]["200"]["content"]["application/json"]["example"]


# -- the window ---------------------------------------------------------------------------------------


def test_window_counts_an_event_until_period_after_it() -> None:
    window = SlidingWindow(2, 10.0)
    assert window.admit(100.0) == 0.0 and window.admit(101.0) == 0.0
    assert window.admit(105.0) == 5.0  # refused: the first leaves at 110
    assert window.admit(110.0) == 0.0  # at t + period it has left
    assert window.admit(110.5) == 0.5 and len(window) == 2
    assert not window.idle(115.0) and window.idle(120.0)


def test_held_slots_count_until_period_after_release() -> None:
    window = SlidingWindow(1, 10.0)
    assert window.hold(0.0) == 0.0
    assert window.hold(50.0) == 10.0  # in flight for 50 s: at least a period after its release
    window.release(50.0)
    assert window.hold(59.9) == pytest.approx(0.1) and window.hold(60.0) == 0.0
    with pytest.raises(RuntimeError):
        SlidingWindow(1, 1.0).release(0.0)
    with pytest.raises(ValueError):
        SlidingWindow(0, 1.0)


def _simulate(limit: int, period: float, workers: int, latencies: list[tuple[float, float, float]]) -> int:
    """``workers`` clients share one window and send ``len(latencies)`` requests (each: think time,
    time to reach the server, time for the answer); a server counts arrivals in the same window.
    Returns the number of requests the server refused."""
    client, server = SlidingWindow(limit, period), SlidingWindow(limit, period)
    queue: list[tuple[float, int, str, int]] = [(0.0, i, "acquire", i) for i in range(min(workers, len(latencies)))]
    next_request, refused, order = len(queue), 0, len(queue)
    while queue:
        now, _, kind, request = heapq.heappop(queue)
        order += 1
        if kind == "acquire":
            wait = client.hold(now)
            if wait > 0:
                heapq.heappush(queue, (now + wait, order, "acquire", request))
            else:
                heapq.heappush(queue, (now + latencies[request][1], order, "arrive", request))
        elif kind == "arrive":
            refused += server.admit(now) > 0
            heapq.heappush(queue, (now + latencies[request][2], order, "done", request))
        else:
            client.release(now)
            if next_request < len(latencies):
                heapq.heappush(queue, (now + latencies[next_request][0], order, "acquire", next_request))
                next_request += 1
    return refused


LATENCY = st.floats(0.0, 3.0, allow_nan=False)


@settings(max_examples=200)
@given(
    limit=st.integers(1, 5),
    period=st.sampled_from([1.0, 2.5, 10.0]),
    workers=st.integers(1, 6),
    latencies=st.lists(st.tuples(LATENCY, LATENCY, LATENCY), min_size=1, max_size=40),
)
def test_a_client_following_the_window_is_never_refused(
    limit: int, period: float, workers: int, latencies: list[tuple[float, float, float]]
) -> None:
    assert _simulate(limit, period, workers, latencies) == 0


def test_a_refilling_bucket_would_be_refused() -> None:
    """What issue 8 saw: a bucket refilled at N / period lets request N+1 go out period / N after a
    burst of N; the server's window refuses it. The window waits a whole period."""
    server = SlidingWindow(300, 60.0)
    for _ in range(300):
        server.admit(0.0)
    assert server.admit(0.2) > 0  # the bucket's request N+1
    client = SlidingWindow(300, 60.0)
    for _ in range(300):
        client.hold(0.0)
        client.release(0.0)
    assert client.hold(0.2) == pytest.approx(59.8)


# -- the client against respx: waits and sharing -----------------------------------------------------


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


def _burst(client: Any, count: int) -> None:
    for _ in range(count):
        client.with_raw_response.recording.partial_update(UUID)


def test_request_n_plus_one_waits_for_the_first_to_leave_the_window(clock: FakeTime) -> None:
    """recording_partial_update: 300 per 60 s per workspace; no time passes while the burst is sent."""
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).respond(200, json=RECORDING)
        client = RecallClient(api_key="k", clock=clock)
        _burst(client, 300)
        assert clock.sleeps == []
        _burst(client, 1)
        assert clock.sleeps == [60.0]
        _burst(client, 299)  # the rest of the second window
        assert clock.sleeps == [60.0]
        clock.advance(30.0)
        _burst(client, 1)
        assert clock.sleeps == [60.0, 30.0]


@pytest.mark.parametrize("second", ["another client", "with_options", "async client"])
def test_clients_with_the_same_key_and_base_url_share_the_window(clock: FakeTime, second: str) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).respond(200, json=RECORDING)
        first = RecallClient(api_key="k", clock=clock)
        _burst(first, 300)
        if second == "async client":

            async def run() -> None:
                async with AsyncRecallClient(api_key="k", clock=clock) as client:
                    await client.recording.partial_update(UUID)

            asyncio.run(run())
        else:
            other = RecallClient(api_key="k", clock=clock) if second == "another client" else first.with_options()
            _burst(other, 1)
    assert clock.sleeps == [60.0]


@pytest.mark.parametrize(
    "options", [{"api_key": "other-key"}, {"api_key": "k", "base_url": "http://sandbox.test"}], ids=["key", "base_url"]
)
def test_other_credentials_or_base_urls_have_their_own_window(clock: FakeTime, options: dict[str, str]) -> None:
    with respx.mock(assert_all_called=False) as mock:
        mock.patch(url__regex=r".*/api/v1/recording/.*").respond(200, json=RECORDING)
        _burst(RecallClient(api_key="k", clock=clock), 300)
        _burst(RecallClient(clock=clock, **options), 300)
    assert clock.sleeps == []


def test_calendar_user_scope_is_per_calendar_token(clock: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.put("/api/v1/calendar/user/").respond(200, json=USER_BODY)
        client = RecallClient(api_key="k", clock=clock)
        alice, bob = client.with_options(calendar_auth_token="a"), client.with_options(calendar_auth_token="b")
        for user in (alice, bob):
            for _ in range(120):
                user.with_raw_response.calendar.user_update()
        assert clock.sleeps == []
        RecallClient(api_key="other", calendar_auth_token="a", clock=clock).with_raw_response.calendar.user_update()
        assert clock.sleeps == [60.0]  # the same calendar user through another workspace key: the same window


def test_async_client_waits_with_its_clock(clock: FakeTime) -> None:
    async def run() -> None:
        async with AsyncRecallClient(api_key="k", clock=clock) as client:
            await asyncio.gather(*(client.recording.partial_update(UUID) for _ in range(301)))

    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).respond(200, json=RECORDING)
        asyncio.run(run())
    assert clock.sleeps == [60.0]


def test_rate_limiting_can_be_turned_off(clock: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).respond(200, json=RECORDING)
        _burst(RecallClient(api_key="k", clock=clock, rate_limit=False), 400)
    assert clock.sleeps == []


def test_a_failed_attempt_counts_too(clock: FakeTime) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).mock(side_effect=[httpx.ConnectError("down")] * 300 + [httpx.Response(200, json={})])
        client = RecallClient(api_key="k", clock=clock, max_retries=0)
        for _ in range(300):
            with pytest.raises(Exception, match="down"):
                client.recording.partial_update(UUID)
        client.with_raw_response.recording.partial_update(UUID)
    assert clock.sleeps == [60.0]


def test_idle_windows_are_dropped(clock: FakeTime) -> None:
    with respx.mock(assert_all_called=False) as mock, httpx.Client() as http:
        mock.patch(url__regex=r".*/api/v1/recording/.*").respond(200, json=RECORDING)
        for key in range(50):
            RecallClient(api_key=f"key-{key}", clock=clock, http_client=http).recording.partial_update(UUID)
    limiter = limiter_for(clock)
    assert len(limiter) == 50
    clock.advance(121.0)
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).respond(200, json=RECORDING)
        RecallClient(api_key="key-0", clock=clock).recording.partial_update(UUID)
    assert len(limiter) == 1


# -- against the sandbox ------------------------------------------------------------------------------


def _sandbox_client(clock: FakeTime, rate_limit: bool, use_async: bool) -> Any:
    app = create_app(Spec.from_document(yaml.safe_load((ROOT / "spec" / "openapi.yaml").read_text())),
                     SandboxConfig(clock=clock))  # fmt: skip
    options = {"api_key": DEFAULT_API_KEY, "calendar_auth_token": DEFAULT_CALENDAR_TOKEN, "clock": clock}
    options |= {"base_url": "http://sandbox", "rate_limit": rate_limit, "max_retries": 0}
    if use_async:
        return AsyncRecallClient(http_client=httpx.AsyncClient(transport=httpx.ASGITransport(app=app)), **options)
    return RecallClient(http_client=httpx.Client(transport=SyncASGITransport(app)), **options)


def _statuses(client: Any, count: int) -> list[int]:
    """Send ``count`` calendar_user_update (120 per 60 s per calendar user); the status of each."""

    async def one() -> int:
        return (await client.with_raw_response.calendar.user_update(external_id="x")).status_code  # type: ignore[no-any-return]

    statuses = []
    for _ in range(count):
        try:
            if isinstance(client, AsyncRecallClient):
                statuses.append(asyncio.run(one()))
            else:
                statuses.append(client.with_raw_response.calendar.user_update(external_id="x").status_code)
        except Exception as exc:  # an APIStatusError: its status
            statuses.append(exc.status_code)  # type: ignore[attr-defined]
    return statuses


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_2n_requests_to_the_sandbox_get_no_429(use_async: bool) -> None:
    """The client and the in-process sandbox share one fake clock: the client's waits are the
    sandbox's time passing, so its window is checked exactly against the server's."""
    clock = FakeTime()
    statuses = _statuses(_sandbox_client(clock, True, use_async), 240)
    assert statuses == [200] * 240
    assert clock.sleeps == [60.0]  # one full window, no more


def test_without_the_limiter_the_sandbox_refuses_the_extra_requests() -> None:
    """The check above can fail: the same 2N requests with the limiter off get N 429s."""
    statuses = _statuses(_sandbox_client(FakeTime(), False, False), 240)
    assert statuses.count(429) == 120


@pytest.fixture(scope="module")
def small_limit_sandbox() -> Iterator[tuple[str, RateLimit]]:
    """A sandbox over loopback, real time, whose recording_partial_update allows 3 requests per 0.5 s."""
    document = copy.deepcopy(yaml.safe_load((ROOT / "spec" / "openapi.yaml").read_text()))
    limit = RateLimit(3, 0.5, "workspace")
    operation = document["paths"]["/api/v1/recording/{id}/"]["patch"]
    operation["x-rate-limit"] = {"limit": limit.limit, "period": limit.period, "scope": limit.scope}
    running = start_sandbox(Spec.from_document(document))
    try:
        yield running.base_url, limit
    finally:
        running.stop()


def test_in_real_time_over_loopback_concurrent_clients_get_no_429(small_limit_sandbox: tuple[str, RateLimit]) -> None:
    """Two threads with a client each (the same key: one shared window) send 2N requests each; the
    client's descriptor carries the sandbox's small limit."""
    base_url, limit = small_limit_sandbox
    op = dataclasses.replace(OPERATIONS["recording_partial_update"], rate_limit=limit)
    statuses: list[int] = []

    def worker() -> None:
        with RecallClient(api_key=DEFAULT_API_KEY, base_url=base_url, max_retries=0) as client:
            for _ in range(2 * limit.limit):
                try:
                    statuses.append(client.request_raw(op, path={"id": UUID}, body={}).status_code)
                except Exception as exc:  # an APIStatusError (404 for an unknown id): its status
                    statuses.append(exc.status_code)  # type: ignore[attr-defined]

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert len(statuses) == 12 and 429 not in statuses, statuses
    assert elapsed >= 3 * limit.period  # 12 requests, 3 a window: three more windows after the first
