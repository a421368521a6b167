"""The client of all pages (the committed ``generated/`` package): pagination and the README's promises, sync and async.

The package and ``spec/openapi.yaml`` are the product (``make check`` holds both to a fresh
regeneration from ``spec/pages``), so they are used as committed. List operations that answer
``{next, previous, results}`` return pages that follow ``next`` lazily through the client (each page
rate limited, credentials never sent to another host); responses are lenient, strict on demand;
enum-typed arguments take any string; escape hatches; the client against the sandbox serving the
same spec (2N requests of the smallest limits, no 429; pages parsed strictly).
"""

from __future__ import annotations

import asyncio
import importlib
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import respx
import yaml

from conformance_tests.fakes import FakeTime
from conformance_tests.stateful import SyncASGITransport
from generator.sandbox import DEFAULT_API_KEY, DEFAULT_CALENDAR_TOKEN, SandboxConfig, create_app
from generator.spec.model import Spec

SPEC = Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml"
BASE = "https://us-east-1.recall.ai"
UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
BOTS = "/api/v1/bot/"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return loaded


@pytest.fixture(scope="module")
def api() -> ModuleType:
    """The whole-API client package, ``recall_client`` of ``generated/``."""
    return importlib.import_module("recall_client")


def bot(number: int) -> dict[str, Any]:
    return {"id": f"3fa85f64-5717-4562-b3fc-{number:012d}", "status_changes": [], "recordings": [], "meeting_url": None}


def page(numbers: range, next_link: str | None) -> dict[str, Any]:
    return {"count": 99, "next": next_link, "previous": None, "results": [bot(n) for n in numbers]}


PAGES = {
    None: page(range(0, 3), f"{BASE}{BOTS}?cursor=c2&status=ready"),
    "c2": page(range(3, 5), f"{BOTS}?cursor=c3"),  # a relative link
    "c3": page(range(5, 6), None),
}


def by_cursor(request: httpx.Request) -> httpx.Response:
    """The page of :data:`PAGES` the request's ``cursor`` names."""
    return httpx.Response(200, json=PAGES[request.url.params.get("cursor")])


def number(item: Any) -> int:
    """The number :func:`bot` put in an item's id."""
    return int(str(item.id)[-12:])


def client_classes(api: ModuleType) -> tuple[Any, Any]:
    """(sync, async) client classes of the package (named after it: ``WholeapiClient``)."""
    name = next(n for n in api.__all__ if n.endswith("Client") and not n.startswith("Async"))
    return getattr(api, name), getattr(api, f"Async{name}")


def client(api: ModuleType, **options: Any) -> Any:
    return client_classes(api)[0](api_key="k", clock=options.pop("clock", FakeTime()), **options)


def aclient(api: ModuleType, **options: Any) -> Any:
    return client_classes(api)[1](api_key="k", clock=options.pop("clock", FakeTime()), **options)


def test_list_operations_are_paginated(api: ModuleType, document: dict[str, Any]) -> None:
    operations = importlib.import_module("recall_client.resources").OPERATIONS
    paged = sorted(op_id for op_id, op in operations.items() if op.paginated)
    expected = sorted(
        op["operationId"]
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method == "get" and path.endswith("/") and op["operationId"].endswith("_list") and "{" not in path
        and "next" in json.dumps(op["responses"]["200"]["content"]["application/json"].get("example", {}))
    )  # fmt: skip
    assert "bot_list" in paged and set(expected) <= set(paged), set(expected) - set(paged)


def test_the_readme_documents_pagination(api: ModuleType) -> None:
    readme = (Path(api.__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "## Pagination" in readme and "`client.bot.list`" in readme and "async for" in readme


def test_iterating_a_page_follows_next_lazily(api: ModuleType) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get(BOTS).mock(side_effect=by_cursor)
        first = client(api).bot.list(status=["ready", "a_status_newer_than_the_spec"], extra_headers={"X-T": "1"})
        assert route.call_count == 1
        assert isinstance(first, api.SyncCursorPage) and [number(b) for b in first.results] == [0, 1, 2]
        assert first.next == PAGES[None]["next"] and first.previous is None and first.page.count == 99
        assert first.has_next_page() and first.response.status_code == 200
        items = iter(first)
        assert [number(next(items)) for _ in range(3)] == [0, 1, 2] and route.call_count == 1
        assert number(next(items)) == 3 and route.call_count == 2  # the next page only now
        assert [number(b) for b in items] == [4, 5] and route.call_count == 3
    sent = [call.request for call in route.calls]
    assert sent[0].url.params.get_list("status") == ["ready", "a_status_newer_than_the_spec"]
    assert str(sent[1].url) == PAGES[None]["next"] and str(sent[2].url) == f"{BASE}{BOTS}?cursor=c3"
    assert all(r.headers["authorization"] == "Token k" and r.headers["x-t"] == "1" for r in sent)
    assert all(isinstance(b, api.models.Bot) for b in first.results)


def test_pages_one_at_a_time(api: ModuleType) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get(BOTS).mock(side_effect=by_cursor)
        first = client(api).bot.list()
        second = first.get_next_page()
        assert [number(b) for b in second.results] == [3, 4] and second.next == f"{BOTS}?cursor=c3"
        last = second.get_next_page()
        assert not last.has_next_page()
        with pytest.raises(LookupError):
            last.get_next_page()
        pages = list(client(api).bot.list().iter_pages())
    assert [len(p.results) for p in pages] == [3, 2, 1]


def test_next_links_never_leave_the_base_url(api: ModuleType) -> None:
    """A ``next`` on another host is followed on the client's own base URL: the key goes nowhere else."""
    elsewhere = page(range(0, 1), "https://attacker.example.com/api/v1/bot/?cursor=x")
    with respx.mock(base_url=BASE) as mock:  # a request to any other host would fail: it is not mocked
        route = mock.get(BOTS).mock(
            side_effect=[httpx.Response(200, json=elsewhere), httpx.Response(200, json=PAGES["c3"])]
        )
        assert [number(b) for b in client(api).bot.list()] == [0, 5]
    assert str(route.calls[1].request.url) == f"{BASE}{BOTS}?cursor=x"


def test_a_next_link_to_the_same_page_ends_the_iteration(api: ModuleType) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get(BOTS).respond(200, json=page(range(0, 2), f"{BASE}{BOTS}"))
        assert len(list(client(api).bot.list())) == 2
    assert route.call_count == 1


def test_every_page_goes_through_the_rate_limiter(api: ModuleType) -> None:
    """bot_list: 60 per 60 s per workspace; 61 pages make the 61st request wait a full window."""
    chain = [page(range(n, n + 1), f"{BOTS}?cursor={n + 1}") for n in range(60)] + [page(range(60, 61), None)]
    clock = FakeTime()
    with respx.mock(base_url=BASE) as mock:
        mock.get(BOTS).mock(side_effect=[httpx.Response(200, json=p) for p in chain])
        assert len(list(client(api, clock=clock).bot.list())) == 61
    assert clock.sleeps == [60.0]


def test_async_pages(api: ModuleType) -> None:
    async def run() -> tuple[list[int], int, list[int], int]:
        async with aclient(api) as async_client:
            paginator = async_client.bot.list()
            before = route.call_count  # nothing is sent before the paginator is awaited or iterated
            items = [number(b) async for b in paginator]
            first = await async_client.bot.list()
            sizes = [len(p.results) async for p in first.iter_pages()]
            return items, before, sizes, len((await first.get_next_page()).results)

    with respx.mock(base_url=BASE) as mock:
        route = mock.get(BOTS).mock(side_effect=by_cursor)
        items, before, sizes, second = asyncio.run(run())
    assert (items, before, sizes, second) == ([0, 1, 2, 3, 4, 5], 0, [3, 2, 1], 2)


def test_raw_list_response_is_the_page_model(api: ModuleType) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get(BOTS).respond(200, json=PAGES[None], headers={"x-request-id": "rid-list"})
        raw = client(api).with_raw_response.bot.list()
    assert raw.request_id == "rid-list" and isinstance(raw.parse(), api.models.PaginatedBotList)


def test_strict_pages_and_lenient_pages(api: ModuleType) -> None:
    newer = page(range(0, 1), None)
    newer["results"][0]["status_changes"] = [{"code": "x", "message": "m", "created_at": "2025-01-01T00:00:00Z"}]
    with respx.mock(base_url=BASE) as mock:
        mock.get(BOTS).respond(200, json=newer)
        assert client(api).bot.list().results[0].status_changes[0].code == "x"
        with pytest.raises(api.ResponseValidationError):
            client(api, strict_responses=True).bot.list()  # status_changes[0].sub_code is missing


def test_enum_typed_arguments_take_any_string(api: ModuleType) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/api/v2/calendars/").respond(201, json={"id": UUID, "platform": "yahoo_calendar"})
        made = client(api).calendars.create(
            oauth_client_id="i", oauth_client_secret="s", oauth_refresh_token="r", platform="yahoo_calendar"
        )
    assert json.loads(route.calls[0].request.content)["platform"] == "yahoo_calendar"
    assert made.platform == "yahoo_calendar" and not api.is_known(made.platform)


def test_escape_hatches_and_request_ids_on_the_whole_api(api: ModuleType) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get(f"{BOTS}{UUID}/").respond(404, json={"detail": "gone"}, headers={"x-request-id": "r-1"})
        with pytest.raises(api.NotFoundError) as info:
            client(api).bot.retrieve(UUID, extra_query={"expand": "x"}, extra_headers={"accept": "text/plain"})
    request = route.calls[0].request
    assert info.value.request_id == "r-1" and request.url.params["expand"] == "x"
    assert request.headers.get_list("accept") == ["text/plain"]


# -- against the sandbox serving the same spec -------------------------------------------------------


def sandbox_client(api: ModuleType, document: dict[str, Any], clock: FakeTime, use_async: bool = False) -> Any:
    app = create_app(Spec.from_document(document), SandboxConfig(clock=clock, check_responses=True))
    options = {"api_key": DEFAULT_API_KEY, "calendar_auth_token": DEFAULT_CALENDAR_TOKEN, "clock": clock}
    options |= {"base_url": "http://sandbox", "max_retries": 0, "strict_responses": True}
    sync_class, async_class = client_classes(api)
    if use_async:
        return async_class(http_client=httpx.AsyncClient(transport=httpx.ASGITransport(app=app)), **options)
    return sync_class(http_client=httpx.Client(transport=SyncASGITransport(app)), **options)


def test_pages_of_the_sandbox_parse_strictly(api: ModuleType, document: dict[str, Any]) -> None:
    with sandbox_client(api, document, FakeTime()) as sandbox:
        bots = list(sandbox.bot.list())
        recordings = list(sandbox.recording.list())
        first = sandbox.bot.list()
    assert bots and all(isinstance(b, api.models.Bot) for b in bots)
    assert recordings and all(isinstance(r, api.models.Recording) for r in recordings)
    assert first.response.request_id and len(first.response.request_id) == 36  # the sandbox's X-Request-Id


def test_the_sandbox_request_id_reaches_errors_and_raw_responses(api: ModuleType, document: dict[str, Any]) -> None:
    with sandbox_client(api, document, FakeTime()) as sandbox:
        raw = sandbox.with_raw_response.bot.list()
        with pytest.raises(api.NotFoundError) as info:
            sandbox.bot.retrieve("00000000-0000-4000-8000-000000000000")
    assert raw.request_id and info.value.request_id and raw.request_id != info.value.request_id


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_2n_requests_of_the_smallest_limits_get_no_429(
    api: ModuleType, document: dict[str, Any], use_async: bool
) -> None:
    """billing_usage_retrieve (5 per 60 s per workspace) and recording_create_transcript_create
    (5 per 60 s per bot): 10 requests each through the limiter, none refused."""
    clock = FakeTime()
    sandbox = sandbox_client(api, document, clock, use_async)
    calls = [lambda: sandbox.with_raw_response.billing.usage_retrieve()] * 10
    calls += [lambda: sandbox.with_raw_response.recording.create_transcript_create(UUID, provider={})] * 10

    async def run_async() -> list[int]:
        return [await _status(call) for call in calls]

    statuses = asyncio.run(run_async()) if use_async else [_sync_status(call) for call in calls]
    assert 429 not in statuses and len(statuses) == 20, statuses
    assert clock.sleeps == [60.0, 60.0]  # one window each (the second starts a period after the first)


def _sync_status(call: Any) -> int:
    try:
        return int(call().status_code)
    except Exception as exc:  # an APIStatusError (404 for an unknown recording): its status
        return int(exc.status_code)  # type: ignore[attr-defined]


async def _status(call: Any) -> int:
    try:
        return int((await call()).status_code)
    except Exception as exc:
        return int(exc.status_code)  # type: ignore[attr-defined]
