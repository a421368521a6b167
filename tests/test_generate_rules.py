"""The generated client follows the API-wide rules the spec carries, not rules of its own.

Small inline specs, generated, imported and run: retry statuses come from ``x-retry`` (none without
it), credentials from the security scheme's format (``x-credential-prefix``; never from description
prose, never a ``Bearer`` fallback), and the descriptors in ``resources.OPERATIONS`` say how each
operation is exposed (group, method, wire name -> argument), in agreement with the methods.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import respx

from generator.client.render import render_package
from generator.diagnostics import Diagnostics
from generator.spec import Spec
from tests.test_generate_diagnostics import GET, MINI, PATCH, at

BASE = "https://api.example.test"


def build(tmp_path: Path, document: dict[str, Any], package: str) -> ModuleType:
    """Generate ``document`` as ``package`` and import it."""
    diags = Diagnostics()
    out = tmp_path / package
    assert render_package(Spec.from_document(document, "inline.yaml"), out, diags, package=package), [
        d.format() for d in diags.sorted()
    ]
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(out))


def retry_rules(rules: dict[str, Any]) -> dict[str, Any]:
    """MINI with the error responses ``rules`` (status -> x-retry) on both operations instead of its own."""
    document = copy.deepcopy(MINI)
    for operation in (GET, PATCH):
        responses = at(document, *operation)["responses"]
        responses.pop("503")
        for status, rule in rules.items():
            responses[status] = {"description": "error"} | ({"x-retry": rule} if rule is not None else {})
    return document


def decide(package: ModuleType, status: int | None, **headers: str) -> Any:
    """The generated package's retry decision (its runtime ``_retry`` with its spec's ``RETRY_POLICY``)."""
    retry = importlib.import_module(f"{package.__name__}._retry")
    constants = importlib.import_module(f"{package.__name__}._constants")
    return retry.decide_retry(
        constants.RETRY_POLICY,
        now=1_700_000_000.0,
        status=status,
        headers=httpx.Headers(headers),
        retries_taken=0,
        max_retries=2,
        retryable=True,
        caller_key=False,
    )


def test_retry_statuses_come_from_x_retry(tmp_path: Path) -> None:
    package = build(
        tmp_path,
        retry_rules(
            {"500": "backoff", "409": "backoff", "503": "retry-after", "507": {"delay": 5, "new-idempotency-key": True}}
        ),
        "rules_retry_client",
    )
    constants = importlib.import_module("rules_retry_client._constants")
    policy = constants.RETRY_POLICY
    declared = (policy.backoff_statuses, policy.retry_after_status, policy.delay_status, policy.delay_seconds)
    assert declared == ({409, 500}, 503, 507, 5.0)
    assert decide(package, 503, **{"retry-after": "7"}).delay == 7.0
    assert decide(package, 500, **{"retry-after": "3"}).delay == 3.0
    assert 0.0 < decide(package, 409).delay <= 0.5
    pool = decide(package, 507)
    assert (pool.delay, pool.new_idempotency_key) == (5.0, True)
    for final in (429, 502, 504, 400):  # the seed's statuses mean nothing to this spec
        assert decide(package, final) is None, final
    readme = (tmp_path / "rules_retry_client" / "README.md").read_text()
    assert "- 503: after `Retry-After`" in readme and "- 409, 500, connection errors and timeouts:" in readme
    assert "- 507 (insufficient storage): after 5 s with a new idempotency key" in readme
    doc = " ".join((inspect.getdoc(constants) or "").split())
    assert "503 after ``Retry-After``; 409/500 with exponential backoff; 507 after 5 seconds" in doc


def test_without_x_retry_only_connection_errors_are_retried(tmp_path: Path) -> None:
    package = build(tmp_path, retry_rules({"503": None, "429": None}), "rules_plain_client")
    for status in (409, 429, 502, 503, 504, 507):
        assert decide(package, status) is None, status
    assert decide(package, None) is not None  # a connection error or timeout
    client = package.RulesPlainClient(api_key="k", base_url=BASE, rate_limit=False)
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/things/x/").respond(503, json={"detail": "busy"})
        with pytest.raises(package.APIStatusError):
            client.thing.retrieve("x")
    assert route.call_count == 1
    readme = (tmp_path / "rules_plain_client" / "README.md").read_text()
    assert "- Connection errors and timeouts: exponential backoff" in readme and "Retry-After`" not in readme


#: Keyword arguments every method has besides the operation's (README "Naming rule").
CONTROL = ("idempotency_key", "timeout", "extra_headers", "extra_query", "extra_body")
PROSE = "Send `Authorization: Token <key>` on every request."


@pytest.mark.parametrize(
    ("name", "scheme", "header", "sent"),
    [
        # the prefix is data (x-credential-prefix); prose naming another one is not read
        (
            "prose",
            {"type": "apiKey", "in": "header", "name": "Authorization", "description": PROSE},
            "authorization",
            "k",
        ),
        (
            "prefix",
            {"type": "apiKey", "in": "header", "name": "X-Key", "x-credential-prefix": "Key "},
            "x-key",
            "Key k",
        ),
        ("bearer", {"type": "http", "scheme": "bearer"}, "authorization", "Bearer k"),
        ("basic", {"type": "http", "scheme": "basic"}, "authorization", "Basic k"),
    ],
)
def test_credentials_are_sent_as_the_scheme_format_says(
    tmp_path: Path, name: str, scheme: dict[str, Any], header: str, sent: str
) -> None:
    document = copy.deepcopy(MINI)
    document["components"]["securitySchemes"]["Key"] = scheme
    package = build(tmp_path, document, f"rules_{name}_client")
    client_class = next(
        getattr(package, n) for n in package.__all__ if n.endswith("Client") and not n.startswith("Async")
    )
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/things/x/").respond(200, json={"id": "x"})
        client_class(api_key="k", base_url=BASE, rate_limit=False).thing.retrieve("x")
    assert route.calls[0].request.headers[header] == sent


def test_descriptors_say_how_each_operation_is_exposed(tmp_path: Path) -> None:
    document = copy.deepcopy(MINI)
    at(document, *GET)["parameters"].append({"name": "page-size", "in": "query", "schema": {"type": "integer"}})
    at(document, *GET)["parameters"].append({"name": "X-Trace", "in": "header", "required": True})
    document["components"]["schemas"]["Thing"]["properties"]["class"] = {"type": "string"}
    package = build(tmp_path, document, "rules_descriptor_client")
    operations = importlib.import_module("rules_descriptor_client.resources").OPERATIONS
    assert sorted(operations) == ["thing_partial_update", "thing_retrieve"]
    retrieve, update = operations["thing_retrieve"], operations["thing_partial_update"]
    assert (retrieve.group, retrieve.method_name, update.method_name) == ("thing", "retrieve", "partial_update")
    assert [(a.location, a.wire_name, a.python_name, a.required) for a in retrieve.arguments] == [
        ("path", "id", "id", True),
        ("header", "X-Trace", "x_trace", True),
        ("query", "page-size", "page_size", False),
    ]
    assert {a.wire_name: a.python_name for a in update.arguments if a.location == "body"} == {
        "id": "id_",
        "name": "name",
        "class": "class_",
    }
    client = package.RulesDescriptorClient(api_key="k", base_url=BASE, rate_limit=False)
    for descriptor in operations.values():
        method = getattr(getattr(client, descriptor.group), descriptor.method_name)
        names = list(inspect.signature(method).parameters)
        control = [n for n in names if n in CONTROL]
        assert sorted(set(names) - set(control)) == sorted(a.python_name for a in descriptor.arguments)
    with respx.mock(base_url=BASE) as mock:  # the wire names the descriptor states are the ones sent
        route = mock.get("/things/a%2Fb/").respond(200, json={"id": "x"})
        values = {"id": "a/b", "X-Trace": "t-1", "page-size": 3}
        path = [values[a.wire_name] for a in retrieve.arguments if a.location == "path"]
        keywords = {a.python_name: values[a.wire_name] for a in retrieve.arguments if a.location != "path"}
        client.thing.retrieve(*path, **keywords)
    sent = route.calls[0].request
    assert sent.headers["x-trace"] == "t-1" and sent.url.params["page-size"] == "3"


def test_the_ir_hands_templates_data_not_code(tmp_path: Path) -> None:
    """Arguments and descriptors are data (names, printed hints, literals, locations); the templates
    arrange them. Enum-typed arguments take any string; a list answering a page is marked paginated."""
    from generator.client.ir import build_ir
    from generator.client.render import DEFAULT_TEMPLATES, _environment, render_files

    document = copy.deepcopy(MINI)
    at(document, *GET)["parameters"].append(
        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}}
    )
    document["paths"]["/things/"] = {
        "get": {
            "operationId": "thing_list",
            "tags": ["thing"],
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PaginatedThingList"}}},
                }
            },
        }
    }
    document["components"]["schemas"]["PaginatedThingList"] = {
        "type": "object",
        "properties": {
            "next": {"type": ["string", "null"]},
            "previous": {"type": ["string", "null"]},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
        },
    }
    spec = Spec.from_document(document, "inline.yaml")
    ir = build_ir(spec, "0" * 64, "0")
    render_files(spec, ir, _environment(DEFAULT_TEMPLATES))
    ops = {op.operation_id: op for op in ir.operations}
    retrieve, listed = ops["thing_retrieve"], ops["thing_list"]
    assert [(a.python_name, a.location, a.annotation, a.default, a.wire_literal) for a in retrieve.arguments] == [
        ("id", "path", "str", "", '"id"'),
        ("kind", "query", "Literal['a', 'b'] | str | NotGiven", "NOT_GIVEN", '"kind"'),
    ]
    assert retrieve.positional == retrieve.path_args and [a.python_name for a in retrieve.keywords] == ["kind"]
    assert (retrieve.decoder_class, retrieve.decoder_argument) == ("ModelDecoder", "models.Thing")
    assert retrieve.rate_limit is not None and (retrieve.rate_limit.limit, retrieve.rate_limit.scope_literal) == (
        5,
        '"workspace"',
    )
    assert not retrieve.paginated and listed.paginated
    assert listed.methods is not None and [m.returns for m in listed.methods] == [
        "SyncCursorPage[models.Thing]",
        "APIResponse[models.PaginatedThingList]",
        "AsyncPaginator[models.Thing]",
        "APIResponse[models.PaginatedThingList]",
    ]
    assert [m.def_keyword for m in listed.methods] == ["def", "def", "def", "async def"]
