"""Calendar V1 with the per-user token alone (issue 7, item 1), black box, sync and async.

The calendar V1 guide has integrators keep the API key on their server and call the per-user
calendar endpoints from the browser with ``x-recallcalendarauthtoken`` alone. The whole-API spec
says so in ``security``; here the generated client is built with only a calendar token
(``RECALL_API_KEY`` unset) and used against respx and against the sandbox serving the whole API
(in-process ASGI): per-user operations send the token and nothing else, operations that need the
API key raise ``CredentialsError`` before anything is sent, and the sandbox accepts the token
alone where the spec says so and nowhere else.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml
from recall_client import AsyncRecallClient, CredentialsError, RecallClient, models

from generator.diagnostics import Diagnostics
from generator.sandbox import SandboxConfig, create_app, load_spec
from generator.sandbox.auth import DEFAULT_API_KEY, DEFAULT_CALENDAR_TOKEN
from generator.sandbox.testing import FakeClock

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "spec" / "openapi.yaml"
SPEC = yaml.load(SPEC_PATH.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
BASE = "https://us-east-1.recall.ai"
TOKEN = "cal-token-of-user-42"
UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

#: Per-user calendar V1 operations (token alone) -> (group, method, positional args, keyword args).
PER_USER: dict[str, tuple[str, str, tuple[Any, ...], dict[str, Any]]] = {
    "calendar_user_retrieve": ("calendar", "user_retrieve", (), {}),
    "calendar_user_update": (
        "calendar",
        "user_update",
        (),
        {"preferences": models.UserPreferencesRequest(record_external=True, record_internal=False)},
    ),
    "calendar_user_destroy": ("calendar", "user_destroy", (), {}),
    "calendar_user_disconnect_create": ("calendar", "user_disconnect_create", (), {"platform": "google"}),
    "calendar_meetings_list": ("calendar", "meetings_list", (), {}),
    "calendar_meetings_retrieve": ("calendar", "meetings_retrieve", (UUID,), {}),
    "calendar_meetings_update": ("calendar", "meetings_update", (UUID,), {"override_should_record": True}),
    "calendar_meetings_refresh_create": ("calendar", "meetings_refresh_create", (), {}),
}
#: Operations that need the API key, called with a calendar token only.
API_KEY_ONLY: dict[str, tuple[str, str, tuple[Any, ...], dict[str, Any]]] = {
    "calendar_authenticate_create": ("calendar", "authenticate_create", (), {"user_id": "user-42"}),
    "calendar_users_list": ("calendar", "users_list", (), {}),
    "bot_list": ("bot", "list", (), {}),
    "bot_retrieve": ("bot", "retrieve", (UUID,), {}),
}


def _operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (method, path, op) for path, item in SPEC["paths"].items() for method, op in item.items()
    }


OPERATIONS = _operations()


@pytest.fixture(autouse=True)
def _no_api_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECALL_API_KEY", raising=False)


def test_the_spec_says_which_calendar_operations_take_the_token_alone() -> None:
    token_alone = {oid for oid, (_, _, op) in OPERATIONS.items() if op.get("security") == [{"CalendarAuthToken": []}]}
    assert token_alone == set(PER_USER)
    assert SPEC["security"] == [{"RecallApiKey": []}]
    for oid in API_KEY_ONLY:  # account-wide: the root security, the API key
        assert "security" not in OPERATIONS[oid][2], oid


def _wire_path(path: str) -> str:
    return re.sub(r"\{[^{}]+\}", UUID, path)


def _reply(operation_id: str) -> httpx.Response:
    """The success status and example body the spec documents for the operation."""
    _, _, op = OPERATIONS[operation_id]
    status = min(code for code in op["responses"] if code.startswith("2"))
    content = op["responses"][status].get("content", {}).get("application/json")
    return httpx.Response(int(status), json=content["example"]) if content else httpx.Response(int(status))


def _call_sync(client: RecallClient, call: tuple[str, str, tuple[Any, ...], dict[str, Any]]) -> Any:
    group, method, args, kwargs = call
    return getattr(getattr(client, group), method)(*args, **kwargs)


def _call_async(client: AsyncRecallClient, call: tuple[str, str, tuple[Any, ...], dict[str, Any]]) -> Any:
    group, method, args, kwargs = call

    async def run() -> Any:
        async with client:
            return await getattr(getattr(client, group), method)(*args, **kwargs)

    return asyncio.run(run())


CALLERS: dict[str, Callable[[], tuple[Any, Callable[[Any, Any], Any]]]] = {
    "sync": lambda: (RecallClient(calendar_auth_token=TOKEN, rate_limit=False), _call_sync),
    "async": lambda: (AsyncRecallClient(calendar_auth_token=TOKEN, rate_limit=False), _call_async),
}


@pytest.mark.parametrize("mode", sorted(CALLERS))
@pytest.mark.parametrize("operation_id", sorted(PER_USER))
def test_a_client_with_only_a_calendar_token_sends_it_alone(mode: str, operation_id: str) -> None:
    method, path, _ = OPERATIONS[operation_id]
    client, call = CALLERS[mode]()
    with respx.mock(base_url=BASE, assert_all_called=True) as mock:
        route = mock.route(method=method.upper(), path=_wire_path(path)).mock(return_value=_reply(operation_id))
        call(client, PER_USER[operation_id])
    request = route.calls[0].request
    assert request.headers["x-recallcalendarauthtoken"] == TOKEN
    assert "authorization" not in request.headers


@pytest.mark.parametrize("mode", sorted(CALLERS))
@pytest.mark.parametrize("operation_id", sorted(API_KEY_ONLY))
def test_an_api_key_operation_without_a_key_raises_before_sending(mode: str, operation_id: str) -> None:
    client, call = CALLERS[mode]()
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().respond(200, json={})
        with pytest.raises(CredentialsError) as info:
            call(client, API_KEY_ONLY[operation_id])
    assert route.call_count == 0
    assert info.value.missing == ("api_key",) and info.value.operation_id == operation_id


def test_the_token_goes_per_user_with_with_options_and_the_key_is_added_later() -> None:
    client = RecallClient(calendar_auth_token=TOKEN, rate_limit=False)
    with respx.mock(base_url=BASE) as mock:
        user = mock.get("/api/v1/calendar/user/").mock(return_value=_reply("calendar_user_retrieve"))
        bots = mock.get("/api/v1/bot/").mock(return_value=_reply("bot_list"))
        client.with_options(calendar_auth_token="another-user").calendar.user_retrieve()
        client.with_options(api_key="server-key").bot.list()
    assert user.calls[0].request.headers["x-recallcalendarauthtoken"] == "another-user"
    assert bots.calls[0].request.headers["authorization"] == "Token server-key"
    assert "x-recallcalendarauthtoken" not in bots.calls[0].request.headers


# --- against the sandbox serving the whole API ------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    spec = load_spec(SPEC_PATH, Diagnostics())
    assert spec is not None
    sandbox_app = create_app(spec, SandboxConfig(clock=FakeClock(), check_responses=True))
    yield sandbox_app
    sandbox_app.state.sandbox.close()


class _SyncASGI(httpx.BaseTransport):
    """``httpx.Client`` requests served by the ASGI app in-process (one event loop per request)."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def run() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            return httpx.Response(response.status_code, headers=response.headers, content=await response.aread())

        return asyncio.run(run())


def _http(app: Any) -> httpx.Client:
    return httpx.Client(transport=_SyncASGI(app), base_url="http://sandbox.test")


def _sync_client(app: Any, **credentials: str) -> RecallClient:
    return RecallClient(
        base_url="http://sandbox.test", http_client=_http(app), rate_limit=False, max_retries=0, **credentials
    )


def test_the_sandbox_serves_the_calendar_user_with_the_token_alone_sync(app: Any) -> None:
    client = _sync_client(app, calendar_auth_token=DEFAULT_CALENDAR_TOKEN)
    user = client.calendar.user_update(external_id="user-42")
    assert isinstance(user, models.CalendarUser) and user.external_id == "user-42"
    assert client.calendar.user_retrieve().external_id == "user-42"
    meetings = client.calendar.meetings_list()
    assert meetings and all(isinstance(m, models.CalendarMeeting) for m in meetings)
    one = client.calendar.meetings_retrieve(str(meetings[0].id))
    assert one.id == meetings[0].id
    with pytest.raises(CredentialsError):
        client.bot.list()


def test_the_sandbox_serves_the_calendar_user_with_the_token_alone_async(app: Any) -> None:
    async def run() -> None:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        async with AsyncRecallClient(
            calendar_auth_token=DEFAULT_CALENDAR_TOKEN,
            base_url="http://sandbox.test",
            http_client=http,
            rate_limit=False,
            max_retries=0,
        ) as client:
            meetings = await client.calendar.meetings_list()
            assert all(isinstance(m, models.CalendarMeeting) for m in meetings)
            updated = await client.calendar.meetings_update(str(meetings[0].id), override_should_record=False)
            assert updated.override_should_record is False
            assert isinstance(await client.calendar.user_retrieve(), models.CalendarUser)
            with pytest.raises(CredentialsError):
                await client.calendar.users_list()

    asyncio.run(run())


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"x-recallcalendarauthtoken": DEFAULT_CALENDAR_TOKEN}, 200),
        ({"x-recallcalendarauthtoken": DEFAULT_CALENDAR_TOKEN, "authorization": f"Token {DEFAULT_API_KEY}"}, 200),
        ({"authorization": f"Token {DEFAULT_API_KEY}"}, 401),
        ({"x-recallcalendarauthtoken": "not-a-token"}, 401),
        ({}, 401),
    ],
)
def test_the_sandbox_reads_the_per_user_security_of_the_spec(app: Any, headers: dict[str, str], status: int) -> None:
    assert _http(app).get("/api/v1/calendar/user/", headers=headers).status_code == status


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"authorization": f"Token {DEFAULT_API_KEY}"}, 200),
        ({"x-recallcalendarauthtoken": DEFAULT_CALENDAR_TOKEN}, 401),
    ],
)
def test_the_sandbox_wants_the_api_key_for_account_wide_calendar_operations(
    app: Any, headers: dict[str, str], status: int
) -> None:
    assert _http(app).get("/api/v1/calendar/users/", headers=headers).status_code == status
