"""Escape hatches (generated/README.md "Escape hatches", "Regions"), sync and async.

``extra_headers``, ``extra_query`` and ``extra_body`` on every method; headers merged as
``httpx.Headers`` merges them (case-insensitive, one value per name, ``None`` removes); the base URL
from ``RECALL_BASE_URL`` like the key from ``RECALL_API_KEY``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import recall_client
import respx
from recall_client import AsyncRecallClient, RecallClient

from conformance_tests.fakes import FakeTime
from tests.test_client_responses import RECORDING, UUID

BASE = "https://us-east-1.recall.ai"
REC_PATH = f"/api/v1/recording/{UUID}/"


def send(use_async: bool, method: str = "partial_update", *args: Any, options: Any = None, **kwargs: Any) -> Any:
    """Call ``client.recording.<method>`` (or the calendar group's) once; returns the request sent."""
    options = {"api_key": "k", "calendar_auth_token": "t", "clock": FakeTime(), **(options or {})}
    group = "calendar" if method in ("user_update", "meetings_refresh_create") else "recording"
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route().respond(200, json=RECORDING if group == "recording" else [])
        if use_async:

            async def run() -> None:
                async with AsyncRecallClient(**options) as client:
                    await getattr(getattr(client, group), method)(*args, **kwargs)

            asyncio.run(run())
        else:
            with RecallClient(**options) as client:
                getattr(getattr(client, group), method)(*args, **kwargs)
    assert route.call_count == 1
    return route.calls[0].request


def names(request: httpx.Request) -> list[str]:
    """Header names as sent, lower case, repeats kept."""
    return [name.decode().lower() for name, _ in request.headers.raw]


SYNC_ASYNC = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])


@SYNC_ASYNC
def test_extra_headers_replace_case_insensitively_and_none_removes(use_async: bool) -> None:
    request = send(
        use_async,
        "partial_update",
        UUID,
        extra_headers={"idempotency-key": "mine", "ACCEPT": "application/vnd.x+json", "User-Agent": None, "X-T": "1"},
    )
    sent = names(request)
    assert sent.count("idempotency-key") == 1 and request.headers["idempotency-key"] == "mine"
    assert sent.count("accept") == 1 and request.headers["accept"] == "application/vnd.x+json"
    assert request.headers["x-t"] == "1"
    assert "recall-client" not in request.headers.get("user-agent", "")  # removed ours (httpx adds its own)


@SYNC_ASYNC
def test_default_headers_merge_the_same_way(use_async: bool) -> None:
    request = send(use_async, "partial_update", UUID, options={"default_headers": {"accept": "text/plain", "x-a": "1"}})
    assert names(request).count("accept") == 1 and request.headers["accept"] == "text/plain"
    request = send(
        use_async, "partial_update", UUID, options={"default_headers": {"x-a": "1"}}, extra_headers={"X-A": "2"}
    )
    assert request.headers.get_list("x-a") == ["2"]


def test_an_idempotency_key_in_extra_headers_is_the_callers_key() -> None:
    """It is reused on every retry and, like ``idempotency_key=``, a 507 is not retried with it."""
    clock = FakeTime()
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(REC_PATH).mock(
            side_effect=[httpx.Response(503), httpx.Response(200, json=RECORDING), httpx.Response(507)]
        )
        client = RecallClient(api_key="k", clock=clock, rate_limit=False)
        client.recording.partial_update(UUID, extra_headers={"Idempotency-Key": "given"})
        with pytest.raises(recall_client.BotPoolExhaustedError):
            client.recording.partial_update(UUID, extra_headers={"Idempotency-Key": "given"})
    assert [c.request.headers.get_list("idempotency-key") for c in route.calls] == [["given"]] * 3


@SYNC_ASYNC
def test_extra_query_adds_and_replaces_parameters(use_async: bool) -> None:
    request = send(use_async, "partial_update", UUID, extra_query={"expand": "bot", "tag": ["a", "b"]})
    assert request.url.params.get_list("tag") == ["a", "b"] and request.url.params["expand"] == "bot"


@SYNC_ASYNC
def test_extra_body_merges_over_the_body(use_async: bool) -> None:
    request = send(use_async, "partial_update", UUID, metadata={"a": "b"}, extra_body={"new_flag": True})
    assert json.loads(request.content) == {"metadata": {"a": "b"}, "new_flag": True}
    request = send(use_async, "partial_update", UUID, metadata={"a": "b"}, extra_body={"metadata": None})
    assert json.loads(request.content) == {"metadata": None}
    request = send(use_async, "meetings_refresh_create", extra_body={"force": True})  # an operation without a body
    assert json.loads(request.content) == {"force": True}
    assert request.headers["content-type"] == "application/json"


@SYNC_ASYNC
def test_no_extra_nothing_extra(use_async: bool) -> None:
    request = send(use_async, "meetings_refresh_create")
    assert request.content == b"" and "content-type" not in request.headers and not request.url.params


def test_a_value_body_takes_extra_body_only_when_it_is_an_object() -> None:
    from recall_client._operation import Operation
    from recall_client._response import JSONDecoder

    op = Operation(operation_id="value_body", method="POST", path="/v/", decoder=JSONDecoder(), body="value")
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/v/").respond(200, json={})
        client = RecallClient(api_key="k", clock=FakeTime())
        client.request(op, body={"a": 1}, extra_body={"b": 2})
        with pytest.raises(TypeError, match="JSON object"):
            client.request(op, body=[1], extra_body={"b": 2})
    assert json.loads(route.calls[0].request.content) == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    ("environment", "options", "expected"),
    [
        ({"RECALL_BASE_URL": "http://localhost:8123/"}, {}, "http://localhost:8123"),
        ({"RECALL_BASE_URL": "http://localhost:8123"}, {"base_url": "http://other:1"}, "http://other:1"),
        ({"RECALL_BASE_URL": "http://localhost:8123"}, {"region": "eu-central-1"}, "https://eu-central-1.recall.ai"),
        ({"RECALL_BASE_URL": ""}, {}, "https://us-east-1.recall.ai"),
        ({}, {}, "https://us-east-1.recall.ai"),
    ],
)
def test_base_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], options: dict[str, str], expected: str
) -> None:
    monkeypatch.delenv("RECALL_BASE_URL", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for client_class in (RecallClient, AsyncRecallClient):
        assert client_class(api_key="k", **options).base_url == expected  # type: ignore[arg-type]


def test_environment_key_and_base_url_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECALL_API_KEY", "env-key")
    monkeypatch.setenv("RECALL_BASE_URL", "http://sandbox.test:9000")
    with respx.mock(base_url="http://sandbox.test:9000") as mock:
        route = mock.patch(REC_PATH).respond(200, json=RECORDING)
        RecallClient(clock=FakeTime()).recording.partial_update(UUID)
    assert route.calls[0].request.headers["authorization"] == "Token env-key"


def test_clients_share_one_tls_context_that_still_verifies() -> None:
    """Client objects made one after another load the CA bundle once; certificates and host names
    are still checked (the default of httpx)."""
    import ssl

    from recall_client._base_client import default_ssl_context

    context = default_ssl_context()
    assert context is default_ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0
    with RecallClient(api_key="k") as first, RecallClient(api_key="k") as second:
        assert first._http is not second._http  # each owns its connection pool
