"""The checks can fail: each is run against a deliberately wrong fake (respx, offline) and must fail,
and against a right one and must pass, so that a pass means something.

- ``unkeyed_retry_conformance`` against a client patched to retry POST/PUT/PATCH without a key;
- ``client_rate_limit_conformance`` against a client patched to limit nothing (its own sandbox);
- the live checks against fake servers in-process (respx answers the generated client and plain
  httpx alike): a server that keeps to the spec and one that breaks it (a body against its schema,
  an undocumented status) after conforming answers, a server that replays and one that does not,
  one that answers every request with the same example (a stateless mock such as Prism: the
  idempotency check is inconclusive, so skipped), one that accepts any credentials, one without
  rate limits.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import respx
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from conformance_tests import speclib
from conformance_tests.adapter import all_operations
from conformance_tests.fakes import FakeTime
from conformance_tests.live import LiveTarget
from conformance_tests.live_checks import (
    auth_conformance,
    client_rate_limit_conformance,
    idempotency_conformance,
    rate_limit_conformance,
    server_response_conformance,
)
from conformance_tests.retry_checks import unkeyed_retry_conformance

BASE = "http://fake-server.test"
KEY = "the-right-key"
OP = next(c for c in all_operations() if c.spec.operation_id == "recording_partial_update")
#: How the spec puts the API key on the wire (``Authorization: Token <key>``).
API_KEY = speclib.spec().security_schemes["RecallApiKey"].format


@dataclass
class FakeServer:
    """Answers ``recording_partial_update`` with its documented example (metadata taken from the
    request when ``reflect``); ``replay``: a repeated ``Idempotency-Key`` gets the first answer;
    ``check_key``: only the API key :data:`KEY` is accepted (else any ``Authorization``); ``limit``: 429
    after that many requests; ``broken_after``: after that many requests, answers ``broken``
    (``"schema"``: a success body whose ``id`` is not a string; ``"status"``: an undocumented 418)."""

    reflect: bool = True
    replay: bool = True
    check_key: bool = True
    limit: int | None = None
    broken_after: int | None = None
    broken: str = "schema"
    seen: dict[str, Any] = field(default_factory=dict)
    requests: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        authorization = request.headers.get("authorization")
        if authorization is None or (self.check_key and API_KEY.decode(authorization) != KEY):
            return httpx.Response(401, json={"detail": "Invalid token."})
        if self.limit is not None and self.requests > self.limit:
            return httpx.Response(429, json={"detail": "Slow down."}, headers={"Retry-After": "60"})
        broken = self.broken_after is not None and self.requests > self.broken_after
        if broken and self.broken == "status":
            return httpx.Response(418, json={"detail": "I'm a teapot."})
        key = request.headers.get("idempotency-key", "")
        if self.replay and key in self.seen:
            return httpx.Response(200, json=self.seen[key])
        success = OP.spec.success
        assert success is not None and success.json is not None
        body = copy.deepcopy(success.json.example)
        sent = json.loads(request.content) if request.content else {}
        if self.reflect and "metadata" in sent:
            body["metadata"] = sent["metadata"]
        if broken:
            body["id"] = 12345
        self.seen[key] = body
        return httpx.Response(200, json=body)


@pytest.fixture
def target() -> Iterator[LiveTarget]:
    """A ``--base-url --live-unsafe`` target at :data:`BASE`; while it is in use the checks' own
    Hypothesis runs do not shrink (a failure is expected, its minimal example is not needed)."""
    settings.register_profile("checks-can-fail", settings(settings.default, phases=[Phase.explicit, Phase.generate]))
    settings.load_profile("checks-can-fail")
    try:
        clock = FakeTime()  # the client's rate limiter waits without sleeping while Hypothesis shrinks a failure
        yield LiveTarget(BASE, {"RecallApiKey": KEY}, unsafe=True, limit_secrets={"RecallApiKey": KEY}, clock=clock)
    finally:
        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@contextlib.contextmanager
def serve(server: FakeServer) -> Iterator[None]:
    """``server`` answers every request to :data:`BASE` (the target's clients run on its fake clock)."""
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.route().mock(side_effect=server)
        yield


def test_server_response_passes_on_a_conforming_server(target: LiveTarget) -> None:
    with serve(FakeServer(reflect=False)):
        server_response_conformance(OP, target)


@pytest.mark.parametrize(("broken", "symptom"), [("schema", "response_schema_conformance"),
                                                 ("status", "status_code_conformance")])  # fmt: skip
def test_server_response_fails_on_a_server_that_breaks_the_spec(target: LiveTarget, broken: str, symptom: str) -> None:
    """The first answers conform (the same body each time: the check judges those bytes once), then
    the server breaks the spec, and the check fails."""
    with serve(FakeServer(reflect=False, broken_after=3, broken=broken)), pytest.raises(AssertionError, match=symptom):
        server_response_conformance(OP, target)


def test_idempotency_passes_on_a_replaying_server(target: LiveTarget) -> None:
    with serve(FakeServer()):
        idempotency_conformance(OP, target)


def test_idempotency_fails_on_a_server_that_does_not_replay(target: LiveTarget) -> None:
    with serve(FakeServer(replay=False)), pytest.raises(AssertionError, match="idempotency_conformance"):
        idempotency_conformance(OP, target)


def test_idempotency_is_inconclusive_on_a_server_that_answers_alike(target: LiveTarget) -> None:
    """Prism's case: the same example for every request passes "replay == first" without replaying."""
    with serve(FakeServer(reflect=False, replay=False)), pytest.raises(pytest.skip.Exception, match="inconclusive"):
        idempotency_conformance(OP, target)


def test_auth_passes_on_a_server_that_checks_the_key(target: LiveTarget) -> None:
    with serve(FakeServer()):
        auth_conformance(OP, target)


def test_auth_fails_on_a_server_that_accepts_any_key(target: LiveTarget) -> None:
    with serve(FakeServer(check_key=False)), pytest.raises(AssertionError, match="wrong credentials -> 200"):
        auth_conformance(OP, target)


def test_rate_limit_passes_on_a_server_that_limits(target: LiveTarget) -> None:
    rate_limit = OP.spec.rate_limit
    assert rate_limit is not None
    with serve(FakeServer(limit=rate_limit.limit)):
        rate_limit_conformance(OP, target)


def test_rate_limit_fails_on_a_server_without_limits(target: LiveTarget) -> None:
    server = FakeServer()
    with serve(server), pytest.raises(AssertionError, match="no 429"):
        rate_limit_conformance(OP, target)
    assert OP.spec.rate_limit is not None and server.requests == OP.spec.rate_limit.limit + 1  # and no more


def test_unkeyed_retry_fails_on_a_client_that_retries_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated runtime decides "retryable" from its UNSAFE_METHODS; emptied, it retries anything."""
    from recall_client import _base_client

    assert hasattr(_base_client, "UNSAFE_METHODS"), "the client runtime changed: update this test"
    monkeypatch.setattr(_base_client, "UNSAFE_METHODS", frozenset())

    @settings(max_examples=5, phases=[Phase.explicit, Phase.generate])
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        unkeyed_retry_conformance(OP, data)

    with pytest.raises(AssertionError, match="without an Idempotency-Key"):
        check()


def test_client_rate_limit_fails_on_a_client_that_does_not_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a bucket per request (the runtime's ``bucket_key``), the sandbox refuses half of the 2N."""
    from recall_client import _base_client

    assert hasattr(_base_client, "bucket_key"), "the client runtime changed: update this test"
    monkeypatch.setattr(_base_client, "bucket_key", lambda *args: None)
    sandbox = LiveTarget("http://unused.test", {}, unsafe=True, sandbox=object())
    cop = next(c for c in all_operations() if c.spec.operation_id == "calendar_user_update")
    with pytest.raises(AssertionError, match="120 of 240 requests got 429"):
        client_rate_limit_conformance(cop, sandbox)
