"""What the sandbox takes from the spec model: credential formats, rate limits, and what it reports
about the schemes it cannot enforce (one operation on a tiny inline spec per case)."""

from __future__ import annotations

from typing import Any

import pytest

from generator.diagnostics import Diagnostics
from generator.sandbox import Credentials, SandboxConfig, build_spec, create_app
from generator.sandbox.auth import credential_headers
from generator.sandbox.testing import AsgiClient, FakeClock
from generator.spec.model import Spec

BODY = {"name": "one"}


def _document(schemes: dict[str, Any], security: list[dict[str, list[str]]], **operation: Any) -> dict[str, Any]:
    ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}, "example": BODY}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "security": security,
        "paths": {"/api/v1/thing/": {"get": {"operationId": "thing_retrieve", "responses": {"200": ok}, **operation}}},
        "components": {"securitySchemes": schemes},
    }


def _serve(document: dict[str, Any], clock: FakeClock | None = None) -> tuple[Spec, AsgiClient, Diagnostics]:
    diags = Diagnostics()
    spec = build_spec(document, "t.yaml", diags)
    assert spec is not None, [d.format() for d in diags]
    return spec, AsgiClient(create_app(spec, SandboxConfig(clock=clock or FakeClock()))), diags


def _status(client: AsgiClient, headers: dict[str, str | None]) -> int:
    return client.request("GET", "/api/v1/thing/", headers=headers).status_code


def test_the_credential_prefix_is_the_spec_s() -> None:
    scheme = {"type": "apiKey", "in": "header", "name": "Authorization", "x-credential-prefix": "Key "}
    spec, client, _ = _serve(_document({"K": scheme}, [{"K": []}]))
    assert _status(client, {"Authorization": "Key sandbox-key"}) == 200
    assert _status(client, {"Authorization": "key  sandbox-key "}) == 200  # the word is case-insensitive
    assert _status(client, {"Authorization": "Token sandbox-key"}) == 401
    assert _status(client, {"Authorization": "sandbox-key"}) == 401
    assert credential_headers(spec, Credentials()) == {"Authorization": "Key sandbox-key"}


def test_an_api_key_scheme_without_prefix_takes_the_bare_key() -> None:
    """No ``x-credential-prefix``: the header carries the key alone (``Token`` is the spec's word,
    not the sandbox's)."""
    scheme = {"type": "apiKey", "in": "header", "name": "Authorization"}
    _, client, _ = _serve(_document({"K": scheme}, [{"K": []}]))
    assert _status(client, {"Authorization": "sandbox-key"}) == 200
    assert _status(client, {"Authorization": "Token sandbox-key"}) == 401


def test_http_bearer_scheme_is_enforced() -> None:
    """Fixed: an ``http`` scheme was reported as unsupported and not enforced; its format is
    ``Authorization: Bearer <secret>`` (RFC 9110 section 11.6.2), checked like the API key."""
    _, client, diags = _serve(_document({"B": {"type": "http", "scheme": "bearer"}}, [{"B": []}]))
    assert list(diags) == []
    assert _status(client, {}) == 401
    assert _status(client, {"Authorization": "Token sandbox-key"}) == 401
    assert _status(client, {"Authorization": "Bearer sandbox-key"}) == 200


@pytest.mark.parametrize(
    ("scheme", "reason"),
    [
        ({"type": "oauth2", "flows": {}}, "type 'oauth2' is not supported"),
        ({"type": "apiKey", "in": "query", "name": "key"}, "the credential goes in a query; not enforced"),
    ],
)
def test_schemes_not_sent_in_a_header_are_reported_and_not_enforced(scheme: dict[str, Any], reason: str) -> None:
    _, client, diags = _serve(_document({"S": scheme}, [{"S": []}]))
    assert [(d.severity.value, d.code) for d in diags] == [("warning", "sandbox-unsupported-security")]
    assert reason in next(iter(diags)).message
    assert _status(client, {}) == 200


def test_rate_limit_without_a_period_counts_per_minute() -> None:
    """Fixed: ``x-rate-limit`` without ``period`` was ignored by the sandbox while the client
    limited it per minute; both read it through ``rules.parse_rate_limit`` now (60 s default)."""
    clock = FakeClock()
    scheme = {"type": "apiKey", "in": "header", "name": "Authorization", "x-credential-prefix": "Token "}
    document = _document({"K": scheme}, [{"K": []}], **{"x-rate-limit": {"limit": 2}})
    spec, client, _ = _serve(document, clock)
    assert spec.operation("thing_retrieve").rate_limit is not None
    key = {"Authorization": "Token sandbox-key"}
    assert [_status(client, key) for _ in range(3)] == [200, 200, 429]
    assert client.request("GET", "/api/v1/thing/", headers=key).headers["Retry-After"] == "60"
    clock.advance(60)
    assert _status(client, key) == 200
