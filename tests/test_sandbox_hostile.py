"""Hostile requests against the sandbox: each gets its exact status and a schema-valid ``Error`` body.

The corpus (issue 9): bodies too deep, too large or holding too many values, numbers too long or not
finite, URLs and parameters too long, odd methods and ids, HEAD, requests that would map routes
without credentials, and one workspace (or calendar user) reaching for another's resources. Every
answer is checked against the spec's ``Error`` schema and carries a fresh ``X-Request-Id``; the app
runs with ``check_responses`` (a body that fails its schema raises instead of being sent). A
Hypothesis fuzz test sends random methods, paths, headers and bodies: never a 5xx.
"""

from __future__ import annotations

import copy
import json
import re
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.diagnostics import Diagnostics
from generator.sandbox import SandboxConfig, build_spec, create_app, start_sandbox
from generator.sandbox.auth import Credentials
from generator.sandbox.bounds import RequestLimits
from generator.sandbox.server import exposure_warning
from generator.sandbox.testing import AsgiClient, FakeClock
from tests.test_sandbox import MINI, SEED_ID

KEY_A = {"Authorization": "Token key-a", "x-recallcalendarauthtoken": "cal-a"}
KEY_B = {"Authorization": "Token key-b", "x-recallcalendarauthtoken": "cal-b"}
WIDGET = f"/api/v1/widget/{SEED_ID}/"
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
LIMITS = RequestLimits()


PARTS = [{"id": "p1", "n": 1}]


def _spec() -> Any:
    """The mini spec of ``test_sandbox`` plus a nested collection under the widget item."""
    document = copy.deepcopy(MINI)
    part = {"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": "integer"}}, "required": ["id"]}
    document["components"]["schemas"]["Part"] = part
    listed = {"type": "array", "items": {"$ref": "#/components/schemas/Part"}}
    param = {"name": "widget_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    document["paths"]["/api/v1/widget/{widget_id}/parts/"] = {
        "get": {
            "operationId": "widget_parts_list",
            "parameters": [param],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": listed, "example": PARTS}}},
                "401": {"$ref": "#/components/responses/Unauthorized"},
            },
        }
    }  # fmt: skip
    spec = build_spec(document, "mini.yaml", Diagnostics())
    assert spec is not None
    return spec


@pytest.fixture
def client() -> Iterator[AsgiClient]:
    creds = Credentials(frozenset({"key-a", "key-b"}), frozenset({"cal-a", "cal-b"}))
    app = create_app(_spec(), SandboxConfig(credentials=creds, clock=FakeClock(), check_responses=True))
    yield AsgiClient(app, headers=KEY_A)
    app.state.sandbox.close()


def error_of(response: httpx.Response, status: int, code: str) -> str:
    """Assert an ``Error`` answer (status, ``{"detail", "code"}`` only, JSON, a uuid4 request id);
    returns the detail."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code"} and isinstance(body["detail"], str), body
    assert body["code"] == code, body
    assert UUID4.fullmatch(response.headers["x-request-id"])
    return str(body["detail"])


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# -- bodies ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [33, 1000, 9000])  # deeper is also more than 10,000 values
def test_deep_body_is_400_not_a_recursion_error(client: AsgiClient, depth: int) -> None:
    body = '{"name": "x", "metadata": ' + nested(depth) + "}"
    response = client.request(
        "POST", "/api/v1/widget/", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert "nests deeper than 32 levels" in error_of(response, 400, "invalid")


def test_body_over_the_limit_is_413_before_it_is_read(client: AsgiClient) -> None:
    big = b'{"name": "' + b"x" * LIMITS.max_body_bytes + b'"}'
    response = client.request("POST", "/api/v1/widget/", content=big, headers={"Content-Type": "application/json"})
    assert "larger than 2097152 bytes" in error_of(response, 413, "request_too_large")


def test_chunked_body_over_the_limit_is_413(client: AsgiClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    response = client.request("POST", "/api/v1/widget/", content=chunks(), headers={"Content-Type": "application/json"})
    error_of(response, 413, "request_too_large")


def test_too_many_values_is_400_but_commas_in_strings_are_not_values(client: AsgiClient) -> None:
    many = {"name": "x", "metadata": {f"k{i}": "v" for i in range(LIMITS.max_values + 1)}}
    response = client.request("POST", "/api/v1/widget/", json=many)
    assert "more than 10000 values" in error_of(response, 400, "invalid")
    commas = client.request("POST", "/api/v1/widget/", json={"name": "a,b:[c]{" * 5000})
    assert commas.status_code == 201
    assert commas.json()["name"] == "a,b:[c]{" * 5000


def test_string_over_the_limit_is_400(client: AsgiClient) -> None:
    response = client.request("POST", "/api/v1/widget/", json={"name": "x" * (LIMITS.max_string_chars + 1)})
    assert "longer than 1900000 characters" in error_of(response, 400, "invalid")


@pytest.mark.parametrize(
    ("number", "message"),
    [("1" * 4301, "more than 40 characters"), ("1e999", "out of range"), ("-1e400", "out of range")],
)
def test_numbers_too_long_or_not_finite_are_400(client: AsgiClient, number: str, message: str) -> None:
    body = ('{"name": "x", "metadata": {"a": ' + number + "}}").encode()
    response = client.request("PATCH", WIDGET, content=body, headers={"Content-Type": "application/json"})
    assert message in error_of(response, 400, "invalid")


@pytest.mark.parametrize("body", [b'{"name": NaN}', b'{"name": Infinity}', b'{"name": "\xff"}', b"\xef\xbb"])
def test_not_json_is_400_parse_error(client: AsgiClient, body: bytes) -> None:
    response = client.request("POST", "/api/v1/widget/", content=body, headers={"Content-Type": "application/json"})
    error_of(response, 400, "parse_error")


def test_large_valid_body_is_stored_and_listing_stays_cheap(client: AsgiClient) -> None:
    name = "n" * 1_500_000
    created = client.request("POST", "/api/v1/widget/", json={"name": name})
    assert created.status_code == 201 and created.json()["name"] == name
    listed = client.request("GET", "/api/v1/widget/")
    assert [len(w["name"]) for w in listed.json()["results"]] == [5, 1_500_000]


# -- parameters and URLs ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("digits", "message"), [(4301, "longer than 4096 characters"), (100, "a number has more than 40 characters")]
)
def test_huge_integer_query_parameter_is_400(client: AsgiClient, digits: int, message: str) -> None:
    response = client.request("GET", "/api/v1/widget/", params={"page_size": "9" * digits})
    assert message in error_of(response, 400, "invalid")


def test_long_url_is_414_and_long_parameter_400(client: AsgiClient) -> None:
    error_of(client.request("GET", "/api/v1/widget/", params={"kind": "r" * 9000}), 414, "uri_too_long")
    response = client.request("GET", "/api/v1/widget/", params={"kind": "r" * 5000})
    assert "longer than 4096 characters" in error_of(response, 400, "invalid")


@pytest.mark.parametrize("rid", ["%0A", f"{SEED_ID}%0A", "%00", f"{SEED_ID[:-1]}%C3%A9", "%2E%2E", "%2F%2E%2E"])
def test_odd_ids_are_400_for_a_uuid_parameter(client: AsgiClient, rid: str) -> None:
    assert "uuid" in error_of(client.request("GET", f"/api/v1/widget/{rid}/"), 400, "invalid")


def test_uppercase_uuid_addresses_the_same_resource(client: AsgiClient) -> None:
    upper = f"/api/v1/widget/{SEED_ID.upper()}/"
    patched = client.request("PATCH", upper, json={"name": "shouted"})
    assert patched.status_code == 200 and patched.json()["id"] == SEED_ID
    assert client.request("GET", WIDGET).json()["name"] == "shouted"
    parts = client.request("GET", f"/api/v1/widget/{SEED_ID.upper()}/parts/")
    assert parts.status_code == 200 and parts.json() == [{"id": "p1", "n": 1}]


# -- methods, HEAD, authentication before routing --------------------------------------------------
def test_head_is_a_get_without_the_body(client: AsgiClient) -> None:
    get = client.request("GET", WIDGET)
    head = client.request("HEAD", WIDGET)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["content-type"] == "application/json"
    assert head.headers["x-request-id"] != get.headers["x-request-id"]
    unauthenticated = client.request("HEAD", WIDGET, headers={"Authorization": None})
    assert (unauthenticated.status_code, unauthenticated.content) == (401, b"")


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "FOO", "PROPFIND", "CONNECT"])
def test_undeclared_and_unknown_methods_are_405_with_allow(client: AsgiClient, method: str) -> None:
    response = client.request(method, WIDGET)
    assert "not allowed" in error_of(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD, PUT, DELETE, PATCH"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nothing/"), ("PATCH", "/api/v1/widget/"), ("FOO", WIDGET), ("GET", "/api/v1/widget/not-a-uuid/")],
)
def test_unauthenticated_callers_cannot_map_routes(client: AsgiClient, method: str, path: str) -> None:
    response = client.request(method, path, headers={"Authorization": None})
    assert "Authorization" in error_of(response, 401, "not_authenticated")
    assert "allow" not in response.headers


def test_undeclared_error_statuses_still_get_error_bodies(client: AsgiClient) -> None:
    """The nested list declares only 200 and 401; a bad id is still a 400 ``Error`` (no 500 in
    ``check_responses`` mode)."""
    error_of(client.request("GET", "/api/v1/widget/not-a-uuid/parts/"), 400, "invalid")


def test_authenticated_unknown_path_is_404(client: AsgiClient) -> None:
    assert "No endpoint at /nothing/" in error_of(client.request("GET", "/nothing/"), 404, "not_found")


@pytest.mark.parametrize(
    "value", [b"Token \xff\xfe", b"Token key-a\x00", b"Token key-", b"Token key-ab", b"Token KEY-A"]
)
def test_odd_credentials_are_401(client: AsgiClient, value: bytes) -> None:
    response = client.request("GET", WIDGET, headers={"Authorization": value})  # type: ignore[dict-item]
    error_of(response, 401, "authentication_failed")


# -- tenancy ---------------------------------------------------------------------------------------
def test_a_workspace_cannot_reach_another_workspaces_resources(client: AsgiClient) -> None:
    mine = client.request("POST", "/api/v1/widget/", json={"name": "b's"}, headers=KEY_B).json()["id"]
    path = f"/api/v1/widget/{mine}/"
    for method, body in (("GET", None), ("PATCH", {"name": "taken"}), ("PUT", {"name": "taken"}), ("DELETE", None)):
        error_of(client.request(method, path, json=body), 404, "not_found")
    error_of(client.request("POST", f"{path}spin/"), 404, "not_found")
    error_of(client.request("GET", f"{path}parts/"), 404, "not_found")
    listed = client.request("GET", "/api/v1/widget/").json()["results"]
    assert [w["id"] for w in listed] == [SEED_ID]
    own = client.request("GET", path, headers=KEY_B)
    assert (own.status_code, own.json()["name"]) == (200, "b's")  # untouched by a's attempts
    assert client.request("GET", f"{path}parts/", headers=KEY_B).json() == []


def test_seeds_are_every_workspaces_own_copy(client: AsgiClient) -> None:
    client.request("PATCH", WIDGET, json={"name": "a's copy"})
    assert client.request("GET", WIDGET, headers=KEY_B).json()["name"] == "first"
    assert client.request("DELETE", WIDGET).status_code == 204
    assert client.request("GET", WIDGET).status_code == 404
    assert client.request("GET", WIDGET, headers=KEY_B).json()["name"] == "first"
    assert [w["id"] for w in client.request("GET", "/api/v1/widget/", headers=KEY_B).json()["results"]] == [SEED_ID]
    assert client.request("GET", "/api/v1/widget/").json()["results"] == []


def test_calendar_state_belongs_to_the_calendar_user(client: AsgiClient) -> None:
    client.request("PUT", "/api/v1/prefs/", json={"bot_name": "A's bot"})
    assert client.request("GET", "/api/v1/prefs/").json()["bot_name"] == "A's bot"
    other_user = client.request("GET", "/api/v1/prefs/", headers={"x-recallcalendarauthtoken": "cal-b"})
    assert other_user.json()["bot_name"] == "Notetaker"  # the seed
    same_user_other_key = client.request("GET", "/api/v1/prefs/", headers={"Authorization": "Token key-b"})
    assert same_user_other_key.json()["bot_name"] == "A's bot"


def test_idempotent_replays_do_not_cross_calendar_users(client: AsgiClient) -> None:
    key = {"Idempotency-Key": "same"}
    first = client.request("PUT", "/api/v1/prefs/", json={"bot_name": "one"}, headers=key)
    other = client.request(
        "PUT", "/api/v1/prefs/", json={"bot_name": "two"}, headers={**key, "x-recallcalendarauthtoken": "cal-b"}
    )
    assert (first.json()["bot_name"], other.json()["bot_name"]) == ("one", "two")
    assert "idempotent-replayed" not in other.headers
    replay = client.request("PUT", "/api/v1/prefs/", json={"bot_name": "three"}, headers=key)
    assert (replay.json()["bot_name"], replay.headers["idempotent-replayed"]) == ("one", "true")
    assert replay.headers["x-request-id"] != first.headers["x-request-id"]


def test_every_answer_has_a_fresh_request_id(client: AsgiClient) -> None:
    answers = [
        client.request("GET", WIDGET),
        client.request("GET", WIDGET, headers={"Authorization": None}),
        client.request("GET", "/nothing/"),
        client.request("DELETE", "/api/v1/widget/"),
        client.request("POST", "/api/v1/widget/", json={"name": 1}),
    ]
    ids = [r.headers["x-request-id"] for r in answers]
    assert all(UUID4.fullmatch(i) for i in ids) and len(set(ids)) == len(ids)


def test_non_loopback_address_with_default_credentials_warns() -> None:
    assert exposure_warning("0.0.0.0", Credentials()) is not None
    assert "sandbox-key" in (exposure_warning("192.0.2.1", Credentials()) or "")
    custom = Credentials(frozenset({"k"}), frozenset({"t"}))
    assert exposure_warning("0.0.0.0", custom) is None
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert exposure_warning(host, Credentials()) is None


# -- over a socket: requests the HTTP parser refuses ------------------------------------------------
def test_unparseable_request_gets_a_json_400() -> None:
    with start_sandbox(_spec()) as running:
        port = int(running.base_url.rsplit(":", 1)[1])
        for raw in (b"FOO\x01 / HTTP/1.1\r\nHost: x\r\n\r\n", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(raw)
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 400"), data[:200]
            assert b"x-request-id: " in head.lower()
            assert json.loads(body)["code"] == "parse_error"


# -- fuzzing: never a 5xx --------------------------------------------------------------------------
_FUZZ_APP = create_app(
    _spec(),
    SandboxConfig(
        credentials=Credentials(frozenset({"key-a"}), frozenset({"cal-a"})), clock=FakeClock(), check_responses=True
    ),
)
_SEGMENTS = st.one_of(
    st.sampled_from(
        ["api", "v1", "widget", "prefs", "spin", "parts", SEED_ID, SEED_ID.upper(), "%0A", "%2F", "%", ".."]
    ),
    st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="/?#%"), min_size=1, max_size=12),
    st.binary(min_size=1, max_size=4).map(lambda b: "".join(f"%{c:02X}" for c in b)),
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["name", "kind", "metadata", "x"]), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "FOO"]),
    segments=st.lists(_SEGMENTS, min_size=0, max_size=6),
    query=st.dictionaries(st.sampled_from(["kind", "page_size", "x"]), st.text(max_size=8), max_size=2),
    body=st.one_of(st.none(), _JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=64)),
    auth=st.sampled_from([None, "Token key-a", "Token nope", "token key-a"]),
    idempotency=st.one_of(st.none(), st.sampled_from(["k", "", "x" * 300])),
)
def test_fuzzed_requests_never_get_a_server_error(
    method: str,
    segments: list[str],
    query: dict[str, str],
    body: bytes | None,
    auth: str | None,
    idempotency: str | None,
) -> None:
    headers = {"Authorization": auth, "x-recallcalendarauthtoken": "cal-a", "Content-Type": "application/json"}
    if idempotency is not None:
        headers["Idempotency-Key"] = idempotency
    path = "/" + "/".join(segments) + "/"
    response = AsgiClient(_FUZZ_APP).request(method, path, content=body, headers=headers, params=query)
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400 and method != "HEAD":
        assert set(response.json()) == {"detail", "code"}


def test_a_member_the_response_schema_refuses_is_repaired_on_its_own(client: AsgiClient) -> None:
    """``kind`` is valid in the PATCH body (any string in a lenient request schema would do) but
    the stored widget keeps a valid one: only that member is repaired, the rest is written."""
    sandbox = client.app.state.sandbox  # type: ignore[attr-defined]
    before = {"id": SEED_ID, "name": "a", "kind": "round"}
    after = {**before, "name": "b", "kind": "triangle", "metadata": {"k": 1}}
    fixed = sandbox.resources.members_fixed("/components/schemas/Widget", before, after)
    assert fixed is not None and fixed["name"] == "b" and fixed["kind"] in ("round", "square")
    assert "metadata" not in fixed or sandbox.shaper.is_valid(fixed["metadata"], "/components/schemas/Metadata")
    assert sandbox.shaper.is_valid(fixed, "/components/schemas/Widget")
    assert sandbox.resources.members_fixed("/components/schemas/Widget", before, {"name": "no id"}) is None
