"""The sandbox's behaviour on a small inline spec: auth, validation, rate limits, idempotency, state.

The inline spec has the shapes the normalized spec uses (a collection with a paginated list and a
201 create, an item with GET/PATCH/PUT/DELETE, an action under the item, a calendar singleton
with two security schemes) and small rate limits, so every rule is exercised in a few requests.
Time is a FakeClock: nothing sleeps.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generator.diagnostics import Diagnostics
from generator.sandbox import SandboxConfig, build_spec, create_app
from generator.sandbox.app import ResponseSchemaError
from generator.sandbox.auth import Credentials, owner_of
from generator.sandbox.idempotency import IdempotencyKey
from generator.sandbox.resources import Reply
from generator.sandbox.testing import AsgiClient, FakeClock

SEED_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
OTHER_ID = "5b0f3a5e-9d1f-4c4e-8a36-0a4b0f4b2c11"
KEY = {"Authorization": "Token key-a"}
CAL = {"x-recallcalendarauthtoken": "cal-a"}
ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "409": {"$ref": "#/components/responses/Conflict"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
}
IDEM = {"$ref": "#/components/parameters/IdempotencyKey"}
PATH_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
WIDGET = {"id": SEED_ID, "name": "first", "kind": "round", "metadata": {"team": "a"}}


def _json(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"application/json": media}


def _op(op_id: str, status: str, schema: dict[str, Any] | None, example: Any = None, **extra: Any) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK"}
    if schema is not None:
        ok["content"] = _json(schema, example)
    limit = extra.pop("limit", (300, "workspace"))
    return {
        "operationId": op_id,
        "responses": {status: ok, **ERRORS},
        "x-rate-limit": {"limit": limit[0], "period": 60, "scope": limit[1]},
        **extra,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(name: str, required: bool = False) -> dict[str, Any]:
    return {"content": _json(_ref(name)), "required": required}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": _json(_ref("Error"))}
    if headers:
        out["headers"] = headers
    return out


MINI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "mini", "version": "1"},
    "security": [{"Key": []}],
    "paths": {
        "/api/v1/widget/": {
            "get": _op(
                "widget_list", "200", _ref("PaginatedWidgetList"),
                {"next": None, "previous": None, "results": [WIDGET]}, limit=(3, "workspace"),
                parameters=[
                    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["round", "square"]}},
                    {"name": "page_size", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                ],
            ),
            "post": _op(
                "widget_create", "201", _ref("Widget"), WIDGET, parameters=[IDEM],
                requestBody=_body("WidgetRequest", required=True),
            ),
        },
        "/api/v1/widget/{id}/": {
            # the item example breaks its own enum: the sandbox must still answer schema-valid bodies
            "get": _op("widget_retrieve", "200", _ref("Widget"), {**WIDGET, "kind": "triangle"}, parameters=[PATH_ID]),
            "patch": _op(
                "widget_partial_update", "200", _ref("Widget"), WIDGET, parameters=[PATH_ID, IDEM],
                requestBody=_body("PatchedWidgetRequest"),
            ),
            "put": _op(
                "widget_update", "200", _ref("Widget"), WIDGET, parameters=[PATH_ID, IDEM],
                requestBody=_body("WidgetRequest", required=True),
            ),
            "delete": _op("widget_destroy", "204", None, parameters=[PATH_ID]),
        },
        "/api/v1/widget/{id}/spin/": {
            "post": _op("widget_spin_create", "200", _ref("Widget"), WIDGET,
                        parameters=[PATH_ID, IDEM], limit=(2, "bot")),
        },
        "/api/v1/prefs/": {
            "get": _op("prefs_retrieve", "200", _ref("Prefs"), {"id": SEED_ID, "bot_name": "Notetaker"},
                       limit=(3, "calendar_user"), security=[{"Key": [], "Cal": []}]),
            "put": _op("prefs_update", "200", _ref("Prefs"), {"id": SEED_ID, "bot_name": "Notetaker"},
                       parameters=[IDEM], requestBody=_body("PrefsRequest"), security=[{"Key": [], "Cal": []}]),
            "delete": _op("prefs_destroy", "204", None, security=[{"Key": [], "Cal": []}]),
        },
    },
    "components": {
        "securitySchemes": {
            "Key": {"type": "apiKey", "in": "header", "name": "Authorization", "x-credential-prefix": "Token "},
            "Cal": {"type": "apiKey", "in": "header", "name": "x-recallcalendarauthtoken"},
        },
        "parameters": {
            "IdempotencyKey": {
                "name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            },
        },
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 0}}},
        "responses": {
            "BadRequest": _error("bad request"),
            "Unauthorized": _error("no key"),
            "Conflict": _error("conflict"),
            "TooManyRequests": _error("slow down", {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}),
        },
        "schemas": {
            "Error": {"type": "object", "properties": {"detail": {"type": "string"}, "code": {"type": "string"}}},
            "Kind": {"type": "string", "enum": ["round", "square"]},
            "Metadata": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
            "Widget": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "name": {"type": "string"},
                    "kind": _ref("Kind"),
                    "metadata": _ref("Metadata"),
                },
                "required": ["id", "name", "kind"],
            },
            "WidgetRequest": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "kind": _ref("Kind"), "metadata": _ref("Metadata")},
                "required": ["name"],
            },
            "PatchedWidgetRequest": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "kind": _ref("Kind"), "metadata": _ref("Metadata")},
            },
            "PaginatedWidgetList": {
                "type": "object",
                "properties": {
                    "next": {"type": ["string", "null"]},
                    "previous": {"type": ["string", "null"]},
                    "results": {"type": "array", "items": _ref("Widget")},
                },
            },
            "Prefs": {
                "type": "object",
                "properties": {"id": {"type": "string", "format": "uuid"}, "bot_name": {"type": "string"},
                               "record_external": {"type": "boolean"}},
                "required": ["id"],
            },
            "PrefsRequest": {
                "type": "object",
                "properties": {"bot_name": {"type": "string"}, "record_external": {"type": "boolean"}},
            },
        },
    },
}  # fmt: skip


def make_app(clock: FakeClock | None = None, db: Path | None = None) -> Any:
    """The mini spec served with responses checked against their schemas."""
    diags = Diagnostics()
    spec = build_spec(copy.deepcopy(MINI), "mini.yaml", diags)
    assert spec is not None, [d.format() for d in diags]
    creds = Credentials(frozenset({"key-a", "key-b"}), frozenset({"cal-a", "cal-b"}))
    config = SandboxConfig(credentials=creds, db=db, clock=clock or FakeClock(), check_responses=True)
    return create_app(spec, config)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> AsgiClient:
    return AsgiClient(make_app(clock), headers={**KEY, **CAL})


# -- authentication (authentication page) ---------------------------------------------------------
def test_missing_api_key_is_401_with_error_body(client: AsgiClient) -> None:
    response = client.request("GET", f"/api/v1/widget/{SEED_ID}/", headers={"Authorization": None})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "Authorization" in response.json()["detail"]


@pytest.mark.parametrize("value", ["Token wrong-key", "Bearer key-a", "key-a", "Token "])
def test_wrong_api_key_is_401(client: AsgiClient, value: str) -> None:
    response = client.request("GET", f"/api/v1/widget/{SEED_ID}/", headers={"Authorization": value})
    assert response.status_code == 401
    assert response.json()["code"] in ("authentication_failed", "not_authenticated")


def test_token_scheme_word_is_case_insensitive(client: AsgiClient) -> None:
    assert (
        client.request("GET", f"/api/v1/widget/{SEED_ID}/", headers={"Authorization": "token key-b"}).status_code == 200
    )


def test_calendar_operation_needs_the_calendar_token_too(client: AsgiClient) -> None:
    missing = client.request("GET", "/api/v1/prefs/", headers={"x-recallcalendarauthtoken": None})
    wrong = client.request("GET", "/api/v1/prefs/", headers={"x-recallcalendarauthtoken": "cal-z"})
    key_missing = client.request("GET", "/api/v1/prefs/", headers={"Authorization": None})
    assert (missing.status_code, wrong.status_code, key_missing.status_code) == (401, 401, 401)
    assert "x-recallcalendarauthtoken" in missing.json()["detail"]
    assert client.request("GET", "/api/v1/prefs/").json() == {"id": SEED_ID, "bot_name": "Notetaker"}


def test_non_calendar_operation_does_not_need_the_calendar_token(client: AsgiClient) -> None:
    response = client.request("GET", f"/api/v1/widget/{SEED_ID}/", headers={"x-recallcalendarauthtoken": None})
    assert response.status_code == 200


# -- validation (errors page: 400 with a detailed message) ----------------------------------------
@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"name": 5}, "name"),
        ({"name": "x", "kind": "triangle"}, "kind"),
        ({"name": "x", "metadata": {"team": 3}}, "metadata"),
        ({"kind": "round"}, "name"),
        ([1, 2], "object"),
    ],
)
def test_invalid_body_is_400_with_detail(client: AsgiClient, body: Any, mentions: str) -> None:
    response = client.request("POST", "/api/v1/widget/", json=body)
    assert response.status_code == 400
    assert mentions in response.json()["detail"]
    assert response.json()["code"] == "invalid"


def test_missing_required_body_and_malformed_json_are_400(client: AsgiClient) -> None:
    missing = client.request("POST", "/api/v1/widget/")
    malformed = client.request(
        "POST", "/api/v1/widget/", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    not_json = client.request("POST", "/api/v1/widget/", content=b"name=x", headers={"Content-Type": "text/plain"})
    assert [r.status_code for r in (missing, malformed, not_json)] == [400, 400, 400]
    assert missing.json()["code"] == "required"
    assert malformed.json()["code"] == "parse_error"


def test_parameters_are_coerced_and_validated(client: AsgiClient) -> None:
    assert client.request("GET", "/api/v1/widget/not-a-uuid/").status_code == 400
    assert "uuid" in client.request("GET", "/api/v1/widget/not-a-uuid/").json()["detail"]
    assert client.request("GET", "/api/v1/widget/", params={"kind": "oval"}).status_code == 400
    assert client.request("GET", "/api/v1/widget/", params={"page_size": "abc"}).status_code == 400
    assert client.request("GET", "/api/v1/widget/", params={"page_size": "0"}).status_code == 400
    fresh = {"Authorization": "Token key-b"}  # the three 400s above counted against key-a's limit of 3
    assert (
        client.request("GET", "/api/v1/widget/", params={"page_size": "2", "unknown": "x"}, headers=fresh).status_code
        == 200
    )


def test_idempotency_key_header_is_validated(client: AsgiClient) -> None:
    response = client.request("POST", "/api/v1/widget/", json={"name": "x"}, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]


def test_unknown_path_id_and_method(client: AsgiClient) -> None:
    assert client.request("GET", "/api/v1/nothing/").status_code == 404
    unknown = client.request("GET", f"/api/v1/widget/{OTHER_ID}/")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    wrong_method = client.request("PATCH", "/api/v1/widget/", json={})
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"] == "GET, HEAD, POST"  # HEAD: a GET without the body


# -- rate limits (x-rate-limit; errors page: 429 + Retry-After) -----------------------------------
def test_request_over_the_limit_gets_429_with_retry_after(client: AsgiClient, clock: FakeClock) -> None:
    for _ in range(3):
        assert client.request("GET", "/api/v1/widget/").status_code == 200
        clock.advance(5)
    over = client.request("GET", "/api/v1/widget/")
    assert over.status_code == 429
    assert over.headers["Retry-After"] == "45"  # the first request (t=0) leaves the 60 s window at t=60; now t=15
    assert over.json()["code"] == "throttled"
    clock.advance(44)
    assert client.request("GET", "/api/v1/widget/").headers["Retry-After"] == "1"
    clock.advance(1)
    assert client.request("GET", "/api/v1/widget/").status_code == 200


def test_limits_are_per_operation_and_per_workspace_key(client: AsgiClient) -> None:
    for _ in range(3):
        client.request("GET", "/api/v1/widget/")
    assert client.request("GET", "/api/v1/widget/").status_code == 429
    assert client.request("GET", f"/api/v1/widget/{SEED_ID}/").status_code == 200  # another operation
    assert client.request("GET", "/api/v1/widget/", headers={"Authorization": "Token key-b"}).status_code == 200


def test_calendar_user_scope_counts_per_calendar_token(client: AsgiClient) -> None:
    for _ in range(3):
        assert client.request("GET", "/api/v1/prefs/").status_code == 200
    assert client.request("GET", "/api/v1/prefs/").status_code == 429
    assert client.request("GET", "/api/v1/prefs/", headers={"Authorization": "Token key-b"}).status_code == 429
    assert client.request("GET", "/api/v1/prefs/", headers={"x-recallcalendarauthtoken": "cal-b"}).status_code == 200


def test_bot_scope_counts_per_resource(client: AsgiClient) -> None:
    other = client.request("POST", "/api/v1/widget/", json={"name": "second"}).json()["id"]
    for _ in range(2):
        assert client.request("POST", f"/api/v1/widget/{SEED_ID}/spin/").status_code == 200
    assert client.request("POST", f"/api/v1/widget/{SEED_ID}/spin/").status_code == 429
    assert client.request("POST", f"/api/v1/widget/{other}/spin/").status_code == 200


def test_rejected_requests_do_not_count(client: AsgiClient) -> None:
    for _ in range(5):
        assert client.request("GET", "/api/v1/widget/", headers={"Authorization": "Token nope"}).status_code == 401
    assert [client.request("GET", "/api/v1/widget/").status_code for _ in range(4)] == [200, 200, 200, 429]


# -- idempotency (idempotency page) ---------------------------------------------------------------
def _listed(client: AsgiClient, key: str = "key-a") -> list[str]:
    """Names of the widgets ``key``'s workspace sees, read from the store (a list request would
    spend the list operation's small rate limit)."""
    sandbox = client.app.state.sandbox  # type: ignore[attr-defined]
    return [json.loads(row.text)["name"] for row in sandbox.store.list("/api/v1/widget/", owner_of("workspace", key))]


def test_replay_returns_the_first_response_without_running_again(client: AsgiClient) -> None:
    first = client.request("POST", "/api/v1/widget/", json={"name": "once"}, headers={"Idempotency-Key": "k1"})
    again = client.request("POST", "/api/v1/widget/", json={"name": "twice"}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.json()["name"] == "once"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _listed(client) == ["first", "once"]


def test_same_key_from_another_user_or_path_runs(client: AsgiClient) -> None:
    mine = client.request("POST", "/api/v1/widget/", json={"name": "a"}, headers={"Idempotency-Key": "k"})
    theirs = client.request(
        "POST", "/api/v1/widget/", json={"name": "b"}, headers={"Idempotency-Key": "k", "Authorization": "Token key-b"}
    )
    elsewhere = client.request(
        "PATCH", f"/api/v1/widget/{SEED_ID}/", json={"name": "c"}, headers={"Idempotency-Key": "k"}
    )
    assert theirs.json()["id"] != mine.json()["id"]
    assert elsewhere.json()["name"] == "c"
    assert _listed(client) == ["c", "a"]  # the seed's copy keeps its place
    assert _listed(client, "key-b") == ["first", "b"]


def test_duplicate_while_in_progress_gets_409(client: AsgiClient) -> None:
    cache = client.app.state.sandbox.idempotency  # type: ignore[attr-defined]
    workspace = owner_of("workspace", "key-a")
    held = IdempotencyKey(f"{workspace}|{workspace}", "POST", "/api/v1/widget/", "busy")
    assert cache.begin(held) == "new"  # a first request is being processed
    response = client.request("POST", "/api/v1/widget/", json={"name": "dup"}, headers={"Idempotency-Key": "busy"})
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert _listed(client) == ["first"]
    cache.abandon(held)
    retried = client.request("POST", "/api/v1/widget/", json={"name": "dup"}, headers={"Idempotency-Key": "busy"})
    assert retried.status_code == 201


def test_key_reused_after_an_hour_runs_again(client: AsgiClient, clock: FakeClock) -> None:
    first = client.request("POST", "/api/v1/widget/", json={"name": "x"}, headers={"Idempotency-Key": "hour"})
    clock.advance(3599)
    assert (
        client.request("POST", "/api/v1/widget/", json={"name": "y"}, headers={"Idempotency-Key": "hour"}).json()
        == first.json()
    )
    clock.advance(1)
    later = client.request("POST", "/api/v1/widget/", json={"name": "y"}, headers={"Idempotency-Key": "hour"})
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]
    assert "Idempotent-Replayed" not in later.headers
    assert _listed(client) == ["first", "x", "y"]


def test_rejected_request_does_not_claim_the_key(client: AsgiClient) -> None:
    bad = client.request("POST", "/api/v1/widget/", json={"name": 1}, headers={"Idempotency-Key": "k2"})
    good = client.request("POST", "/api/v1/widget/", json={"name": "ok"}, headers={"Idempotency-Key": "k2"})
    assert (bad.status_code, good.status_code) == (400, 201)


# -- state ------------------------------------------------------------------------------------------
def test_patched_metadata_is_returned_by_the_next_read(client: AsgiClient) -> None:
    patched = client.request("PATCH", f"/api/v1/widget/{SEED_ID}/", json={"metadata": {"stage": "review"}})
    assert patched.status_code == 200
    assert patched.json()["metadata"] == {"stage": "review"}
    read = client.request("GET", f"/api/v1/widget/{SEED_ID}/").json()
    assert read["metadata"] == {"stage": "review"}
    assert read["name"] == "first"  # the rest is kept


def test_served_bodies_are_schema_valid_even_from_a_bad_example(client: AsgiClient) -> None:
    body = client.request("GET", f"/api/v1/widget/{SEED_ID}/").json()
    assert body["kind"] in ("round", "square")  # the example said "triangle"
    assert (body["id"], body["name"], body["metadata"]) == (SEED_ID, "first", {"team": "a"})


def test_check_responses_refuses_a_bad_body_after_good_ones(client: AsgiClient) -> None:
    """``check_responses`` keeps the verdicts of bodies it judged valid (a stored resource is sent
    again and again), per body: another body for the same schema is judged, and a bad one raises."""
    good = client.request("GET", f"/api/v1/widget/{SEED_ID}/")
    assert client.request("GET", f"/api/v1/widget/{SEED_ID}/").content == good.content
    sandbox = client.app.state.sandbox  # type: ignore[attr-defined]
    sandbox.resources.handle = lambda *args: Reply(200, {**good.json(), "kind": "triangle"})
    with pytest.raises(ResponseSchemaError, match="widget_retrieve: 200 body fails its schema"):
        client.request("GET", f"/api/v1/widget/{SEED_ID}/")
    sandbox.resources.handle = lambda *args: Reply(200, good.json())
    assert client.request("GET", f"/api/v1/widget/{SEED_ID}/").content == good.content


def test_put_replaces_writable_fields(client: AsgiClient) -> None:
    put = client.request("PUT", f"/api/v1/widget/{SEED_ID}/", json={"name": "renamed", "kind": "square"})
    assert put.json() == {"id": SEED_ID, "name": "renamed", "kind": "square"}  # metadata was not sent: gone
    assert client.request("GET", f"/api/v1/widget/{SEED_ID}/").json() == put.json()


def test_delete_then_read_is_404(client: AsgiClient) -> None:
    deleted = client.request("DELETE", f"/api/v1/widget/{SEED_ID}/")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.request("GET", f"/api/v1/widget/{SEED_ID}/").status_code == 404
    assert client.request("DELETE", f"/api/v1/widget/{SEED_ID}/").status_code == 404
    assert client.request("POST", f"/api/v1/widget/{SEED_ID}/spin/").status_code == 404
    assert _listed(client) == []


def test_create_then_read_and_list(client: AsgiClient) -> None:
    created = client.request("POST", "/api/v1/widget/", json={"name": "new", "metadata": {"k": "v"}})
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "new" and body["metadata"] == {"k": "v"} and body["id"] != SEED_ID
    assert client.request("GET", f"/api/v1/widget/{body['id']}/").json() == body
    listing = client.request("GET", "/api/v1/widget/").json()
    assert listing["next"] is None and [w["id"] for w in listing["results"]] == [SEED_ID, body["id"]]


def test_action_returns_the_stored_parent(client: AsgiClient) -> None:
    client.request("PATCH", f"/api/v1/widget/{SEED_ID}/", json={"name": "spun"})
    assert client.request("POST", f"/api/v1/widget/{SEED_ID}/spin/").json()["name"] == "spun"


def test_singleton_put_delete_and_recreate(client: AsgiClient) -> None:
    put = client.request("PUT", "/api/v1/prefs/", json={"record_external": True})
    assert put.json() == {"id": SEED_ID, "record_external": True}  # bot_name is writable and was not sent
    assert client.request("DELETE", "/api/v1/prefs/").status_code == 204
    assert client.request("GET", "/api/v1/prefs/").status_code == 404
    assert client.request("PUT", "/api/v1/prefs/", json={"bot_name": "B"}).json() == {"id": SEED_ID, "bot_name": "B"}


def test_state_survives_a_restart_with_the_same_db(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite"
    first = make_app(db=db)
    client = AsgiClient(first, headers=KEY)
    client.request("PATCH", f"/api/v1/widget/{SEED_ID}/", json={"metadata": {"kept": "yes"}})
    created = client.request("POST", "/api/v1/widget/", json={"name": "later"}).json()["id"]
    client.request("DELETE", f"/api/v1/widget/{created}/")
    first.state.sandbox.close()
    again = AsgiClient(make_app(db=db), headers=KEY)
    assert again.request("GET", f"/api/v1/widget/{SEED_ID}/").json()["metadata"] == {"kept": "yes"}
    assert again.request("GET", f"/api/v1/widget/{created}/").status_code == 404
    assert [w["id"] for w in again.request("GET", "/api/v1/widget/").json()["results"]] == [SEED_ID]


def test_in_memory_state_does_not_leak_between_apps() -> None:
    AsgiClient(make_app(), headers=KEY).request("DELETE", f"/api/v1/widget/{SEED_ID}/")
    assert AsgiClient(make_app(), headers=KEY).request("GET", f"/api/v1/widget/{SEED_ID}/").status_code == 200


def test_large_requests_take_turns_and_rest_after_their_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large bodies' work runs one request at a time in the worker, each followed by a rest of
    ``HEAVY_REST`` times its CPU time (small requests get the interpreter lock back); small ones run
    inline, with no rest."""
    import asyncio
    import time

    from generator.sandbox import app as app_module

    sandbox = make_app().state.sandbox
    events: list[str] = []
    rests: list[float] = []
    real_sleep = asyncio.sleep

    async def rest(seconds: float) -> None:
        rests.append(seconds)
        events.append("rest")
        await real_sleep(0)

    def work(name: str) -> str:
        events.append(f"start {name}")
        deadline = time.thread_time() + 0.01
        while time.thread_time() < deadline:  # CPU time, as a large body's parsing spends it
            pass
        events.append(f"end {name}")
        return name

    monkeypatch.setattr(app_module.asyncio, "sleep", rest)
    large = app_module.INLINE_BODY_BYTES + 1

    async def both() -> list[str]:
        return list(await asyncio.gather(sandbox._run(large, work, "a"), sandbox._run(large, work, "b")))

    try:
        assert asyncio.run(both()) == ["a", "b"]
        assert events == ["start a", "end a", "rest", "start b", "end b", "rest"]
        assert all(seconds >= 0.01 * app_module.HEAVY_REST for seconds in rests)
        events.clear()
        assert asyncio.run(sandbox._run(10, work, "small")) == "small"
        assert events == ["start small", "end small"]
    finally:
        sandbox.close()
