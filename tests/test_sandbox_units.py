"""The sandbox's building blocks on their own: sliding-window limits, the idempotency cache,
conforming values to schemas, and path-template kinds and matching."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.diagnostics import Diagnostics
from generator.sandbox import build_spec
from generator.sandbox.bounds import OutOfBounds, RequestLimits, _outside_strings, parse_json
from generator.sandbox.idempotency import IN_PROGRESS, NEW, CachedResponse, IdempotencyCache, IdempotencyKey
from generator.sandbox.limits import RateLimiter, subject_for
from generator.sandbox.resources import Parsed, dumps
from generator.sandbox.routes import Kind, RouteTable
from generator.sandbox.schemas import Shaper
from generator.sandbox.server import bind
from generator.sandbox.testing import FakeClock
from generator.spec.checks import Checks
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


# -- request bounds (generator.sandbox.bounds) -------------------------------------------------------
def test_bounds_accept_up_to_the_limits_and_refuse_one_more() -> None:
    limits = RequestLimits(max_depth=4, max_values=10, max_string_chars=5, max_number_chars=3)
    assert parse_json(b"[[[[]]]]", limits) == [[[[]]]]
    assert parse_json(b'{"a": [1, 2, "12345", 999]}', limits) == {"a": [1, 2, "12345", 999]}
    for body, message in [
        (b"[[[[[]]]]]", "nests deeper than 4"),
        (b"[" + b",".join([b"1"] * 10) + b"]", "more than 10 values"),
        (b'["123456"]', "longer than 5 characters"),
        (b'{"123456": 1}', "longer than 5 characters"),
        (b"[1000]", "more than 3 characters"),
    ]:
        with pytest.raises(OutOfBounds, match=message):
            parse_json(body, limits)
    with pytest.raises(OutOfBounds, match="out of range"):
        parse_json(b"[1e999]", RequestLimits())


def test_value_count_skips_structural_characters_inside_strings() -> None:
    limits = RequestLimits(max_values=6)  # the bound counts 3 colons, 2 commas and the root; 4 values
    tricky = b'{"a,b:c": "[x], {y}", "q": "\\\\", "r": "\\"[,]\\""}'
    assert parse_json(tricky, limits) == {"a,b:c": "[x], {y}", "q": "\\", "r": '"[,]"'}
    assert _outside_strings(tricky) == b"{:,:,:}"


def test_too_large_body_is_413() -> None:
    with pytest.raises(OutOfBounds) as raised:
        parse_json(b"[" + b" " * 100 + b"]", RequestLimits(max_body_bytes=50))
    assert (raised.value.status, raised.value.code) == (413, "request_too_large")


# -- compiled checks (generator.spec.checks) agree with jsonschema ------------------------------
def _seed_schemas() -> tuple[Refs, list[str]]:
    from generator.sandbox.spec import load_spec

    spec = load_spec(Path(__file__).resolve().parents[1] / "spec" / "openapi.yaml", Diagnostics())
    assert spec is not None
    pointers = [f"/components/schemas/{name}" for name in spec.schemas]
    return spec.refs, pointers


_REFS, _POINTERS = _seed_schemas()
_CHECKS = Checks(_REFS)
#: Schemas small enough for hypothesis-jsonschema to draw from quickly (the large ones are covered above).
_SMALL = [p for p in _POINTERS if len(str(_REFS.bundle(_REFS.at(p)))) < 1500]
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from([1.0, 2.5, -0.0])
    | st.sampled_from(["", "string", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "2025-06-10T19:00:33.746Z", "processing",
                       "https://example.com/", "not a uri"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["id", "metadata", "status", "code", "data", "created_at", "detail", "x"]), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(pointer=st.sampled_from(_POINTERS), value=_VALUES)
def test_compiled_checks_give_jsonschemas_verdict(pointer: str, value: Any) -> None:
    assert _CHECKS.is_valid(value, pointer) == _REFS.validator(pointer).is_valid(value)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_compiled_checks_agree_on_what_hypothesis_jsonschema_generates(data: st.DataObject) -> None:
    from hypothesis_jsonschema import from_schema

    pointer = data.draw(st.sampled_from(_SMALL))
    value = data.draw(from_schema(_REFS.bundle(_REFS.at(pointer))))
    assert _CHECKS.is_valid(value, pointer) == _REFS.validator(pointer).is_valid(value)


def test_compiled_checks_on_keyword_corner_cases() -> None:
    refs = Refs(
        {
            "openapi": "3.1.0",
            "components": {
                "schemas": {
                    "Int": {"type": "integer", "minimum": 0, "exclusiveMaximum": 10},
                    "Tree": {"type": "object", "additionalProperties": False,
                             "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}},
                    "One": {"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 2}]},
                    "Odd": {"not": {"type": "string"}},
                    "Enum": {"enum": ["a", 1]},
                    "Pat": {"type": "string", "pattern": "^x+$", "minLength": 2},
                    "All": {"allOf": [{"type": "string"}, {"minLength": 2}, {"maxLength": 3}, {"pattern": "^a"}]},
                    "Any": {"anyOf": [{"type": "integer"}, {"type": "string", "minLength": 2}, {"type": "null"}]},
                    "Many": {"type": ["string", "null", "array"], "minLength": 1, "maxLength": 3, "pattern": "^a",
                             "items": {"type": "integer", "minimum": 0, "maximum": 3}, "maxItems": 2},
                }
            },
        }
    )  # fmt: skip
    checks = Checks(refs)
    cases = [
        ("Int", [0, 9, 10, -1, 1.0, 9.5, True, "1", None]),
        ("Tree", [{}, {"kids": [{"kids": []}]}, {"kids": [{"x": 1}]}, {"y": 1}, []]),
        ("One", ["abc", "ab", 1]),
        ("Odd", ["s", 1, None]),
        ("Enum", ["a", 1, 1.0, True, "b"]),
        ("Pat", ["xx", "x", "xy", "xxx", 5]),
        ("All", ["ab", "abc", "a", "abcd", "bc", 1, None]),
        ("Any", [1, "ab", "a", None, 1.5, [], True]),
        ("Many", ["a", "abc", "", "abcd", "ba", None, [], [0, 3], [4], [1, 2, 3], [None], 1, {}]),
    ]
    for name, values in cases:
        for value in values:
            pointer = f"/components/schemas/{name}"
            assert checks.is_valid(value, pointer) == refs.validator(pointer).is_valid(value), (name, value)


def test_rate_limit_buckets_with_empty_windows_are_dropped() -> None:
    clock = FakeClock(0.0)
    limiter = RateLimiter(clock)
    for n in range(100):
        limiter.hit(("op", "bot", n), 5, 10)
    assert len(limiter) == 100
    clock.advance(61)
    limiter.hit(("op", "bot", "new"), 5, 10)
    assert len(limiter) == 1


def test_idempotency_cache_forgets_the_oldest_over_its_byte_budget() -> None:
    clock = FakeClock(0.0)
    cache = IdempotencyCache(clock, kept_bytes=250)
    keys = [IdempotencyKey("w", "POST", "/x/", str(n)) for n in range(3)]
    for key in keys:
        assert cache.begin(key) == NEW
        cache.complete(key, CachedResponse(201, (), b"x" * 100))
    assert cache.begin(keys[0]) == NEW  # forgotten: the three bodies were over 250 bytes
    assert isinstance(cache.begin(keys[1]), CachedResponse)
    assert isinstance(cache.begin(keys[2]), CachedResponse)


@settings(max_examples=200, deadline=None)
@given(
    before=st.dictionaries(st.text(max_size=5), _VALUES, max_size=6),
    body=st.dictionaries(st.text(max_size=5), _VALUES, max_size=3),
)
def test_member_texts_are_reused_into_the_same_text_json_writes(before: dict[str, Any], body: dict[str, Any]) -> None:
    after = {**before, **body}
    text, parsed = Parsed(before).text_with(after)
    assert text == dumps(after)
    assert parsed.text_with({**after, "z": 1})[0] == dumps({**after, "z": 1})
