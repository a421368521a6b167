"""Behaviour of the committed client for every operation of the seed spec (respx, no network).

Each case states what the wire must carry (method, path, auth and idempotency headers, JSON
body) and what the call must return (the spec's sample response parsed into the right model).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import recall_client
import respx
import yaml
from recall_client import AsyncRecallClient, CredentialsError, RecallClient, models

SPEC = yaml.safe_load((Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml").read_text())
BASE = "https://us-east-1.recall.ai"
UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def sample(path: str, method: str) -> Any:
    """The success response example of an operation of the seed spec."""
    responses = SPEC["paths"][path][method]["responses"]
    code = min(c for c in responses if str(c).startswith("2"))
    return responses[code]["content"]["application/json"]["example"]


@dataclass
class Case:
    operation_id: str
    group: str
    method_name: str
    http_method: str
    path: str
    wire_path: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    body: Any
    result: type
    is_list: bool = False
    calendar: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case(
        "recording_partial_update",
        "recording",
        "partial_update",
        "PATCH",
        "/api/v1/recording/{id}/",
        f"/api/v1/recording/{UUID}/",
        (UUID,),
        {"metadata": {"team": "sales"}},
        {"metadata": {"team": "sales"}},
        models.Recording,
    ),
    Case(
        "participant_events_partial_update",
        "participant_events",
        "partial_update",
        "PATCH",
        "/api/v1/participant_events/{id}/",
        f"/api/v1/participant_events/{UUID}/",
        (UUID,),
        {"metadata": {"k": "v"}},
        {"metadata": {"k": "v"}},
        models.ParticipantEvent,
    ),
    Case(
        "calendar_user_update",
        "calendar",
        "user_update",
        "PUT",
        "/api/v1/calendar/user/",
        "/api/v1/calendar/user/",
        (),
        {"external_id": "u-1", "preferences": models.UserPreferencesRequest(record_external=False)},
        {"external_id": "u-1", "preferences": {"record_external": False}},
        models.CalendarUser,
        calendar=True,
    ),
    Case(
        "calendar_meetings_refresh_create",
        "calendar",
        "meetings_refresh_create",
        "POST",
        "/api/v1/calendar/meetings/refresh/",
        "/api/v1/calendar/meetings/refresh/",
        (),
        {},
        None,
        models.CalendarMeeting,
        is_list=True,
        calendar=True,
    ),
]
IDS = [c.operation_id for c in CASES]


def test_cases_are_operations_of_the_whole_api() -> None:
    spec_ids = {op["operationId"] for item in SPEC["paths"].values() for op in item.values()}
    assert set(IDS) <= spec_ids and len(spec_ids) >= 100


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_descriptor_names_the_method_and_its_wire_names(case: Case) -> None:
    """``resources.OPERATIONS`` says how the client exposes the operation, as the call below uses it."""
    from recall_client.resources import OPERATIONS

    op = OPERATIONS[case.operation_id]
    assert (op.method, op.path, op.group, op.method_name) == (
        case.http_method,
        case.path,
        case.group,
        case.method_name,
    )
    path_arguments = [a for a in op.arguments if a.location == "path"]
    assert [a.wire_name for a in path_arguments] == (["id"] if case.args else [])
    body = {a.python_name: a.wire_name for a in op.arguments if a.location == "body"}
    assert {body[name] for name in case.kwargs} == set(case.body or {})  # keyword -> property sent
    assert all(a.wire_name == a.python_name for a in op.arguments)  # the seed's names need no sanitizing


def _client(**options: Any) -> RecallClient:
    return RecallClient(api_key="secret-key", calendar_auth_token="cal-token", rate_limit=False, **options)


def _check_request(case: Case, request: httpx.Request) -> None:
    assert request.method == case.http_method
    assert request.url.raw_path.decode() == case.wire_path
    if case.calendar:  # per-user calendar V1 operations: the calendar token alone (spec `security`)
        assert request.headers["x-recallcalendarauthtoken"] == "cal-token"
        assert "authorization" not in request.headers
    else:
        assert request.headers["authorization"] == "Token secret-key"
        assert "x-recallcalendarauthtoken" not in request.headers
    key = request.headers.get("idempotency-key")
    assert key and len(key) == 36
    if case.body is None:
        assert request.content == b""
        assert "content-type" not in request.headers
    else:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == case.body


def _check_result(case: Case, result: Any) -> None:
    example = sample(case.path, case.http_method.lower())
    if case.is_list:
        assert isinstance(result, list) and len(result) == len(example)
        assert all(isinstance(item, case.result) for item in result)
        assert result[0].id.hex == example[0]["id"].replace("-", "")
    else:
        assert isinstance(result, case.result)
        assert str(result.id) == example["id"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sync_call_sends_the_documented_request_and_parses_the_sample(case: Case) -> None:
    with respx.mock(base_url=BASE, assert_all_called=True) as mock:
        route = mock.route(method=case.http_method, path=case.wire_path).respond(
            200, json=sample(case.path, case.http_method.lower())
        )
        with _client() as client:
            result = getattr(getattr(client, case.group), case.method_name)(*case.args, **case.kwargs)
    assert route.call_count == 1
    _check_request(case, route.calls[0].request)
    _check_result(case, result)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_async_call_matches_sync(case: Case) -> None:
    async def run() -> Any:
        async with AsyncRecallClient(api_key="secret-key", calendar_auth_token="cal-token") as client:
            return await getattr(getattr(client, case.group), case.method_name)(*case.args, **case.kwargs)

    with respx.mock(base_url=BASE) as mock:
        route = mock.route(method=case.http_method, path=case.wire_path).respond(
            200, json=sample(case.path, case.http_method.lower())
        )
        result = asyncio.run(run())
    _check_request(case, route.calls[0].request)
    _check_result(case, result)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_raw_response_gives_status_headers_and_parse(case: Case) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.route(method=case.http_method, path=case.wire_path).respond(
            200, json=sample(case.path, case.http_method.lower()), headers={"x-request-id": "req-7"}
        )
        raw = getattr(getattr(_client().with_raw_response, case.group), case.method_name)(*case.args, **case.kwargs)
    assert raw.status_code == 200
    assert raw.request_id == "req-7"
    assert raw.retries_taken == 0
    _check_result(case, raw.parse())
    assert raw.parse() is raw.parse()


@pytest.mark.parametrize("case", [c for c in CASES if c.calendar], ids=[c.operation_id for c in CASES if c.calendar])
def test_missing_calendar_token_fails_before_any_request(case: Case) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route(method=case.http_method, path=case.wire_path).respond(200, json={})
        client = RecallClient(api_key="secret-key")
        with pytest.raises(CredentialsError, match="calendar_auth_token") as info:
            getattr(getattr(client, case.group), case.method_name)(*case.args, **case.kwargs)
    assert route.call_count == 0
    assert info.value.missing == ("calendar_auth_token",)


def test_missing_api_key_fails_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECALL_API_KEY", raising=False)
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.patch(f"/api/v1/recording/{UUID}/").respond(200, json={})
        with pytest.raises(CredentialsError, match="api_key"):
            RecallClient().recording.partial_update(UUID)
    assert route.call_count == 0


def test_api_key_from_environment_and_per_user_token_via_with_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECALL_API_KEY", "env-key")
    client = RecallClient(rate_limit=False)
    with respx.mock(base_url=BASE) as mock:
        route = mock.put("/api/v1/calendar/user/").respond(200, json=sample("/api/v1/calendar/user/", "put"))
        client.with_options(calendar_auth_token="user-a").calendar.user_update()
        client.with_options(calendar_auth_token="user-b").calendar.user_update()
    tokens = [call.request.headers["x-recallcalendarauthtoken"] for call in route.calls]
    assert tokens == ["user-a", "user-b"]
    assert "authorization" not in route.calls[0].request.headers  # the per-user token alone
    with pytest.raises(CredentialsError):
        client.calendar.user_update()


def test_prefixed_key_is_not_prefixed_twice() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(f"/api/v1/recording/{UUID}/").respond(200, json=sample("/api/v1/recording/{id}/", "patch"))
        RecallClient(api_key="Token abc", rate_limit=False).recording.partial_update(UUID)
    assert route.calls[0].request.headers["authorization"] == "Token abc"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "https://us-east-1.recall.ai"),
        ({"region": "us-west-2"}, "https://us-west-2.recall.ai"),
        ({"region": "eu-central-1"}, "https://eu-central-1.recall.ai"),
        ({"region": "ap-northeast-1"}, "https://ap-northeast-1.recall.ai"),
        ({"base_url": "http://localhost:8000/"}, "http://localhost:8000"),
    ],
)
def test_regions_and_base_url(options: dict[str, Any], expected: str) -> None:
    with respx.mock() as mock:
        route = mock.patch(f"{expected}/api/v1/recording/{UUID}/").respond(
            200, json=sample("/api/v1/recording/{id}/", "patch")
        )
        RecallClient(api_key="k", **options).recording.partial_update(UUID)
    assert route.call_count == 1


@pytest.mark.parametrize("options", [{"region": "mars-1"}, {"region": "us-west-2", "base_url": "http://x"}])
def test_bad_region_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RecallClient(api_key="k", **options)


@pytest.mark.parametrize(("value", "encoded"), [("a/b c", "a%2Fb%20c"), ("ü?#", "%C3%BC%3F%23"), ("x..y", "x..y")])
def test_path_parameters_are_percent_encoded(value: str, encoded: str) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(url__regex=r".*/api/v1/recording/.*").respond(
            200, json=sample("/api/v1/recording/{id}/", "patch")
        )
        _client().recording.partial_update(value)
    assert route.calls[0].request.url.raw_path.decode() == f"/api/v1/recording/{encoded}/"


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_empty_or_dot_path_parameter_is_refused_before_any_request(value: str) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().respond(200, json={})
        with pytest.raises(ValueError, match="must not be empty"):
            _client().recording.partial_update(value)
    assert route.call_count == 0


def test_unknown_response_fields_are_kept() -> None:
    body = {**sample("/api/v1/recording/{id}/", "patch"), "brand_new_field": {"x": 1}}
    body["status"] = {**body["status"], "extra_status_info": "kept"}
    with respx.mock(base_url=BASE) as mock:
        mock.patch(f"/api/v1/recording/{UUID}/").respond(200, json=body)
        result = _client().recording.partial_update(UUID)
    assert result.model_extra == {"brand_new_field": {"x": 1}}
    assert result.status is not None and result.status.model_extra == {"extra_status_info": "kept"}


def test_caller_idempotency_key_and_extra_headers_are_sent() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.patch(f"/api/v1/recording/{UUID}/").respond(200, json=sample("/api/v1/recording/{id}/", "patch"))
        _client().recording.partial_update(UUID, idempotency_key="my-key", extra_headers={"X-Trace": "t1"})
    assert route.calls[0].request.headers["idempotency-key"] == "my-key"
    assert route.calls[0].request.headers["x-trace"] == "t1"


def test_timeouts_per_client_and_per_call() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json=sample("/api/v1/recording/{id}/", "patch"))

    with respx.mock(base_url=BASE) as mock:
        mock.patch(f"/api/v1/recording/{UUID}/").mock(side_effect=handler)
        client = _client(timeout=httpx.Timeout(7.0, connect=2.0))
        client.recording.partial_update(UUID)
        client.recording.partial_update(UUID, timeout=1.5)
        client.with_options(timeout=3.0).recording.partial_update(UUID)
    assert seen[0] == {"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 7.0}
    assert seen[1] == {"connect": 1.5, "read": 1.5, "write": 1.5, "pool": 1.5}
    assert seen[2]["read"] == 3.0


def test_default_timeout_has_separate_connect_and_read() -> None:
    assert recall_client.DEFAULT_TIMEOUT.connect == 5.0
    assert recall_client.DEFAULT_TIMEOUT.read == 60.0


def test_secrets_are_redacted_in_repr_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    client = RecallClient(api_key="super-secret-key", calendar_auth_token="very-secret-token")
    assert "super-secret" not in repr(client) and "very-secret" not in repr(client)
    assert "api_key='<redacted>'" in repr(client)
    caplog.set_level(logging.DEBUG, logger="recall_client")
    with respx.mock(base_url=BASE) as mock:
        mock.put("/api/v1/calendar/user/").respond(200, json=sample("/api/v1/calendar/user/", "put"))
        client.calendar.user_update(external_id="x")
    text = caplog.text
    assert "PUT https://us-east-1.recall.ai/api/v1/calendar/user/" in text
    assert "super-secret" not in text and "very-secret" not in text
    assert text.count("<redacted>") >= 1  # the calendar token header (the API key is not sent here)


def test_optional_arguments_not_given_are_not_sent_but_none_is() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.put("/api/v1/calendar/user/").respond(200, json=sample("/api/v1/calendar/user/", "put"))
        client = _client()
        client.calendar.user_update()
        client.calendar.user_update(preferences=models.UserPreferencesRequest(bot_name="Bot"))
    assert route.calls[0].request.content == b""
    assert json.loads(route.calls[1].request.content) == {"preferences": {"bot_name": "Bot"}}
