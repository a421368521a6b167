"""The sandbox's building blocks on their own: sliding-window limits, the idempotency cache,
conforming values to schemas, and path-template kinds and matching."""

from __future__ import annotations

import socket
from typing import Any

from generator.diagnostics import Diagnostics
from generator.sandbox import build_spec
from generator.sandbox.idempotency import IN_PROGRESS, NEW, CachedResponse, IdempotencyCache, IdempotencyKey
from generator.sandbox.limits import RateLimiter, subject_for
from generator.sandbox.routes import Kind, RouteTable
from generator.sandbox.schemas import Shaper
from generator.sandbox.server import bind
from generator.sandbox.testing import FakeClock
from generator.spec.refs import Refs


def test_sliding_window_admits_limit_requests_per_period() -> None:
    clock = FakeClock(0.0)
    limiter = RateLimiter(clock)
    verdicts = []
    for at in (0, 4, 5, 10, 11, 14):
        clock.now = at
        decision = limiter.hit("bucket", 2, 10)
        verdicts.append((at, decision.allowed, decision.retry_after))
    # t=5: [0, 4] full, 0 leaves at 10; t=10: 0 left; t=11: [4, 10] full, 4 leaves at 14
    assert verdicts == [(0, True, 0), (4, True, 0), (5, False, 5), (10, True, 0), (11, False, 3), (14, True, 0)]


def test_buckets_are_independent() -> None:
    limiter = RateLimiter(FakeClock())
    assert limiter.hit("a", 1, 60).allowed
    assert not limiter.hit("a", 1, 60).allowed
    assert limiter.hit("b", 1, 60).allowed


def test_scope_subjects() -> None:
    tokens = {"CalendarAuthToken": "cal"}  # secrets of the schemes other than the API key
    assert subject_for("workspace", "k", tokens, {"id": "1"}) == ("key", "k")
    assert subject_for("calendar_user", "k", tokens, {}) == ("calendar_user", "cal")
    assert subject_for("calendar_user", "k", {}, {}) == ("key", "k")
    assert subject_for("bot", "k", tokens, {"id": "1"}) != subject_for("bot", "k", tokens, {"id": "2"})


def test_idempotency_cache_lifecycle() -> None:
    clock = FakeClock(0.0)
    cache = IdempotencyCache(clock)
    key = IdempotencyKey("k", "POST", "/x/", "abc")
    response = CachedResponse(201, (("content-type", "application/json"),), b'{"id": 1}')
    assert cache.begin(key) == NEW
    assert cache.begin(key) == IN_PROGRESS
    cache.complete(key, response)
    clock.now = 3599.9
    assert cache.begin(key) == response
    clock.now = 3600.0
    assert cache.begin(key) == NEW
    cache.abandon(key)
    assert cache.begin(key) == NEW


SCHEMAS: dict[str, Any] = {
    "openapi": "3.1.0",
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "url": {"type": "string", "format": "uri"},
                    "zoom": {"anyOf": [{"$ref": "#/components/schemas/Zoom"}, {"type": "null"}]},
                    "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                    "when": {"type": "string", "format": "date-time"},
                },
                "required": ["id", "url"],
            },
            "Zoom": {
                "type": "object",
                "properties": {"link": {"type": "string", "format": "uri"}, "n": {"type": "integer"}},
            },
        }
    },
}
THING = "/components/schemas/Thing"


def test_conform_repairs_members_and_keeps_valid_siblings() -> None:
    shaper = Shaper(Refs(SCHEMAS))
    value = {
        "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "url": "string",
        "zoom": {"link": "not a uri", "n": 3},
        "tags": ["a", "z", "b"],
        "when": "yesterday",
        "extra": True,
    }
    fixed = shaper.conform(value, THING, shaper.fallback(THING))
    assert shaper.refs.is_valid(fixed, THING)
    assert fixed == {
        "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "url": "https://example.com/",
        "zoom": {"n": 3},
        "tags": ["a", "b"],
        "extra": True,
    }


def test_valid_values_are_returned_unchanged_and_synthesis_is_valid() -> None:
    shaper = Shaper(Refs(SCHEMAS))
    synthesized = shaper.synthesize(THING)
    assert shaper.refs.is_valid(synthesized, THING)
    assert set(synthesized) == {"id", "url"}
    assert shaper.conform(synthesized, THING, None) is synthesized


def _spec(paths: dict[str, dict[str, Any]]) -> Any:
    ok = {"200": {"description": "OK"}}
    listed = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "array"}}}}}
    document = {
        "openapi": "3.1.0",
        "paths": {
            path: {m: {"responses": listed if kind == "list" else ok} for m, kind in methods.items()}
            for path, methods in paths.items()
        },
    }
    spec = build_spec(document, "t.yaml", Diagnostics())
    assert spec is not None
    return spec


def test_route_kinds_and_literal_precedence() -> None:
    table = RouteTable(
        _spec(
            {
                "/v1/bot/{id}/": {"get": "one"},
                "/v1/bot/{id}/leave_call/": {"post": "one"},
                "/v1/bot/{bot_id}/screenshots/": {"get": "list"},
                "/v1/meetings/{id}/": {"get": "one"},
                "/v1/meetings/refresh/": {"post": "one"},
                "/v1/calendar/user/": {"get": "one"},
                "/v1/users/": {"get": "list"},
            }
        )
    )
    kinds = {t: (r.kind, r.related) for t, r in table.routes.items()}
    assert kinds["/v1/bot/{id}/"] == (Kind.ITEM, "/v1/bot/")
    assert kinds["/v1/bot/"] == (Kind.COLLECTION, "/v1/bot/")  # implied by its item path
    assert kinds["/v1/bot/{id}/leave_call/"] == (Kind.ACTION, "/v1/bot/{id}/")
    assert kinds["/v1/bot/{bot_id}/screenshots/"] == (Kind.COLLECTION, "/v1/bot/{bot_id}/screenshots/")
    assert kinds["/v1/meetings/refresh/"] == (Kind.ACTION, "/v1/meetings/")
    assert kinds["/v1/calendar/user/"] == (Kind.SINGLETON, None)
    assert kinds["/v1/users/"] == (Kind.COLLECTION, "/v1/users/")
    refresh = table.match("/v1/meetings/refresh/")
    assert refresh is not None and refresh[0].template == "/v1/meetings/refresh/"
    item = table.match("/v1/meetings/abc/")
    assert item is not None and (item[0].template, item[1]) == ("/v1/meetings/{id}/", {"id": "abc"})
    assert table.match("/v1/meetings/abc") is None
    assert table.match("/v1/meetings/a/b/") is None


def test_listening_socket_disables_nagle() -> None:
    """Accepted connections inherit TCP_NODELAY: no ~40 ms delayed-ACK stall per response."""
    sock = bind()
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()
