"""The typed spec model (generator/spec/model.py): what every consumer reads from a normalized spec."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from generator.diagnostics import Diagnostics
from generator.spec import Problem, Spec, SpecError, load_spec
from generator.spec.document import dump_yaml
from generator.spec.refs import SpecRefError
from generator.spec.rules import CredentialFormat, RateLimit, RetryRule, parse_rate_limit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seed_spec() -> Spec:
    diags = Diagnostics()
    spec = load_spec(ROOT / "spec" / "openapi.yaml", diags)
    assert spec is not None, [d.format() for d in diags]
    return spec


def test_operations_methods_and_security(seed_spec: Spec) -> None:
    op = seed_spec.operation("calendar_user_update")
    assert (op.method, op.path) == ("PUT", "/api/v1/calendar/user/")
    assert op.tag == "calendar"
    assert [[s.name for s in alt] for alt in op.security] == [["CalendarAuthToken"]]  # per-user: token alone
    assert op.rate_limit == RateLimit(120, 60.0, "calendar_user")
    assert op.param("header", "idempotency-key") is not None  # case-insensitive header look-up
    assert op.request_body is not None and op.request_body.json is not None
    success = op.success
    assert success is not None and success.code == 200
    assert seed_spec.problems == ()


def test_credential_format_is_data(seed_spec: Spec) -> None:
    api_key = seed_spec.security_schemes["RecallApiKey"].format
    assert api_key == CredentialFormat("header", "Authorization", "Token ")
    assert api_key.encode("abc") == "Token abc"
    assert api_key.encode("token abc") == "token abc"
    assert api_key.decode("TOKEN abc ") == "abc"
    assert api_key.decode("Bearer abc") is None
    calendar = seed_spec.security_schemes["CalendarAuthToken"].format
    assert calendar == CredentialFormat("header", "x-recallcalendarauthtoken", "")


def test_error_responses_carry_retry_rules(seed_spec: Spec) -> None:
    op = seed_spec.operation("recording_partial_update")
    rules = {r.status: r.retry for r in op.responses}
    assert rules["429"] == RetryRule("retry-after")
    assert rules["409"] == rules["503"] == RetryRule("backoff")
    assert rules["507"] == RetryRule("delay", 30.0, True)
    assert rules["400"] is None
    assert {r.status: r.component for r in op.responses}["404"] == "NotFound"
    path_params = [p.name for p in op.path_parameters]
    assert path_params == ["id"] and op.param("path", "id") is not None and op.param("path", "id").required


def test_bundle_is_standalone(seed_spec: Spec) -> None:
    op = seed_spec.operation("recording_partial_update")
    assert op.success is not None and op.success.json is not None and op.success.json.schema is not None
    schema = seed_spec.refs.bundle(op.success.json.schema.node)
    assert schema["$ref"] == "#/$defs/Recording" and "Recording" in schema["$defs"]
    validator = jsonschema.Draft202012Validator(schema)
    assert not validator.is_valid({"id": 3})
    instance = op.success.json.example
    assert validator.is_valid(instance) == seed_spec.refs.is_valid(instance, op.success.json.schema.pointer)


def _minimal(**operation: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1"},
        "paths": {
            "/x/{id}/": {"get": {"operationId": "x_get", "responses": {"200": {"description": "ok"}}, **operation}}
        },
        "components": {"schemas": {"A": {"type": "object"}}},
    }


@pytest.mark.parametrize(
    ("extension", "problem"),
    [
        ({"limit": 0, "period": 60}, "limit must be an integer"),
        ({"limit": 5, "period": float("inf")}, "finite"),
        ({"limit": 5, "period": float("nan")}, "finite"),
        ({"limit": True}, "limit must be an integer"),
        ("5/min", "must be a mapping"),
    ],
)
def test_malformed_rate_limit_is_a_problem(extension: Any, problem: str) -> None:
    spec = Spec.from_document(_minimal(**{"x-rate-limit": extension}))
    assert spec.operations[0].rate_limit is None
    assert [(p.kind, problem in p.message) for p in spec.problems] == [("rate-limit", True)]


def test_rate_limit_period_defaults_to_a_minute() -> None:
    assert parse_rate_limit({"limit": 5}) == RateLimit(5, 60.0, "workspace")


def test_dangling_and_external_refs_are_problems() -> None:
    document = _minimal(responses={"200": {"$ref": "#/components/responses/Missing"}})
    document["components"]["schemas"]["B"] = {"$ref": "other.yaml#/B"}
    spec = Spec.from_document(document)
    kinds = sorted(p.kind for p in spec.problems)
    assert kinds == ["bad-operation", "bad-ref", "bad-ref", "no-operations"]
    with pytest.raises(SpecRefError):
        spec.refs.resolve({"$ref": "file:///etc/passwd"})


def test_path_level_parameters_are_merged_and_overridden() -> None:
    document = _minimal()
    item = document["paths"]["/x/{id}/"]
    item["parameters"] = [{"name": "id", "in": "path", "schema": {"type": "string"}}, {"name": "q", "in": "query"}]
    item["get"]["parameters"] = [{"name": "q", "in": "query", "required": True}]
    op = Spec.from_document(copy.deepcopy(document)).operations[0]
    assert [(p.name, p.location, p.required) for p in op.parameters] == [("id", "path", True), ("q", "query", True)]


def test_deprecated_operations() -> None:
    """``deprecated: true`` (section 4.8.10) is read; anything else is not deprecated."""
    document = _minimal()
    assert Spec.from_document(copy.deepcopy(document)).operations[0].deprecated is False
    document["paths"]["/x/{id}/"]["get"]["deprecated"] = True
    assert Spec.from_document(copy.deepcopy(document)).operations[0].deprecated is True
    document["paths"]["/x/{id}/"]["get"]["deprecated"] = "yes"
    assert Spec.from_document(copy.deepcopy(document)).operations[0].deprecated is False


@pytest.mark.parametrize("document", [[], "x", {"openapi": "2.0"}, {"info": {}}])
def test_not_an_openapi_document(document: Any) -> None:
    with pytest.raises(SpecError):
        Spec.from_document(document)


def test_unreadable_file_is_a_diagnostic(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: [3.1\n", encoding="utf-8")
    diags = Diagnostics()
    assert load_spec(bad, diags) is None
    assert [d.code for d in diags] == ["spec-unreadable"]


def test_unwrap_follows_refs_and_nullable_any_of(seed_spec: Spec) -> None:
    refs = seed_spec.refs
    recording = seed_spec.schemas["Recording"]
    assert refs.unwrap({"$ref": "#/components/schemas/Recording"}) is recording
    nullable = {"anyOf": [{"$ref": "#/components/schemas/Recording"}, {"type": "null"}]}
    assert refs.unwrap(nullable) is recording
    assert refs.unwrap({"type": ["string", "null"]}) == {"type": ["string", "null"]}
    both = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert refs.unwrap(both) is both  # a real union stays
    assert refs.unwrap(True) == {}
    with pytest.raises(SpecRefError):
        refs.unwrap({"anyOf": [{"$ref": "#/components/schemas/Missing"}, {"type": "null"}]})


def test_properties_follow_refs_and_merge_all_of() -> None:
    document = _minimal()
    document["components"]["schemas"] = {
        "Base": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "integer"}}},
        "Named": {
            "allOf": [{"$ref": "#/components/schemas/Base"}],
            "properties": {"name": {"type": "string"}, "a/b": {"type": "boolean"}},
        },
    }
    refs = Spec.from_document(document).refs
    found = refs.properties("/components/schemas/Named")
    assert found == {
        "name": "/components/schemas/Named/properties/name",  # its own schema wins over the member's
        "a/b": "/components/schemas/Named/properties/a~1b",
        "id": "/components/schemas/Base/properties/id",
    }
    assert refs.at(found["name"]) == {"type": "string"}
    assert refs.property_names("/components/schemas/Named") == ["name", "a/b", "id"]
    assert refs.properties("/components/schemas/Base/properties/id") == {}


def test_a_problem_of_a_shared_component_is_reported_once() -> None:
    document = _minimal(responses={"200": {"$ref": "#/components/responses/Ok"}})
    document["paths"]["/y/"] = {
        "get": {"operationId": "y_get", "responses": {"200": {"$ref": "#/components/responses/Ok"}}}
    }
    document["components"]["responses"] = {"Ok": {"description": "ok", "x-retry": "sometimes"}}
    spec = Spec.from_document(document)
    assert [(p.pointer, p.kind) for p in spec.problems] == [("/components/responses/Ok/x-retry", "retry")]
    assert all(op.response("200") is not None and op.response("200").retry is None for op in spec.operations)


def test_report_maps_kinds_to_codes_and_can_split_a_kind_by_place() -> None:
    document = _minimal(security=[{"Missing": []}], **{"x-rate-limit": {"limit": 0}})
    document["components"]["securitySchemes"] = {"OAuth": {"type": "oauth2", "flows": {}}}
    spec = Spec.from_document(document, "t.yaml")
    assert sorted(p.kind for p in spec.problems) == ["rate-limit", "security", "security"]
    diags = Diagnostics()
    declared = frozenset({"security"})

    def in_components(problem: Problem) -> bool:
        return problem.pointer.startswith("/components/")

    spec.report(diags, {"rate-limit": "sandbox-bad-rate-limit"}, frozenset({"rate-limit"}))
    spec.report(diags, {"security": "sandbox-unsupported-security"}, frozenset(), only=in_components)
    spec.report(diags, {"security": "sandbox-bad-operation"}, declared, only=lambda p: not in_components(p))
    found = [(d.path, d.severity.value, d.code, d.message.split(": ")[0]) for d in diags]
    assert found == [
        ("t.yaml", "error", "sandbox-bad-rate-limit", "#/paths/~1x~1{id}~1/get/x-rate-limit"),
        ("t.yaml", "warning", "sandbox-unsupported-security", "#/components/securitySchemes/OAuth"),
        ("t.yaml", "error", "sandbox-bad-operation", "#/paths/~1x~1{id}~1/get/security/0"),
    ]


def test_wrongly_typed_nodes_are_structure_problems() -> None:
    document = _minimal()
    document["info"] = None
    document["components"]["schemas"]["A"] = {"type": "object", "properties": ["a"]}
    spec = Spec.from_document(document)
    assert [(p.pointer, p.kind) for p in spec.problems if p.kind == "structure"] == [
        ("/components/schemas/A/properties", "structure"),
        ("/info", "structure"),
    ]
    assert spec.title == "API"  # reading stays lenient: consumers decide


def test_load_spec_refuses_a_wrong_structure_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    text = dump_yaml({**_minimal(), "components": "x"})
    path.write_text(text, encoding="utf-8")
    diags = Diagnostics()
    assert load_spec(path, diags) is None
    line = text.splitlines().index("components: x") + 1
    assert [(d.code, d.line, d.message) for d in diags] == [
        ("spec-invalid", line, "#/components: `components` must be a mapping, not str")
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("openapi: 3.1.0\nx: &a [*a]\n", "refers to a node that contains it"),
        ("openapi: 3.1.0\nx: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than"),
        ("openapi: 3.1.0\nopenapi: 3.1.0\n", "duplicate key"),
    ],
)
def test_load_spec_reads_through_the_safe_loader(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    diags = Diagnostics()
    assert load_spec(path, diags) is None
    assert [d.code for d in diags] == ["spec-unreadable"] and fragment in diags.items[0].message
    assert diags.items[0].line == 2


def _split_spec(root: Path, ref: str) -> Path:
    """A spec in ``root`` whose operation's response schema is ``ref``; ``root/parts/a.yaml`` holds
    ``components.schemas.Thing`` (which refers to its own ``Owner``) and ``List``."""
    (root / "parts").mkdir(parents=True, exist_ok=True)
    part = {
        "components": {
            "schemas": {
                "Thing": {"type": "object", "properties": {"owner": {"$ref": "#/components/schemas/Owner"}}},
                "Owner": {"type": "object", "properties": {"boss": {"$ref": "#/components/schemas/Owner"}}},
            }
        },
        "List": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
    }
    (root / "parts" / "a.yaml").write_text(dump_yaml(part), encoding="utf-8")
    media = {"application/json": {"schema": {"$ref": ref}}}
    document = _minimal(responses={"200": {"description": "ok", "content": media}})
    path = root / "openapi.yaml"
    path.write_text(dump_yaml(document), encoding="utf-8")
    return path


def test_external_refs_are_bad_refs_unless_allowed(tmp_path: Path) -> None:
    path = _split_spec(tmp_path, "parts/a.yaml#/components/schemas/Thing")
    refused = load_spec(path, Diagnostics())
    assert refused is not None and [p.kind for p in refused.problems] == ["bad-ref"]
    diags = Diagnostics()
    bundled = load_spec(path, diags, allow_external_refs=True)
    assert bundled is not None and bundled.problems == () and len(diags) == 0
    assert sorted(bundled.schemas) == ["A", "Owner", "Thing"]  # hoisted under their names, cycle kept
    assert bundled.schemas["Owner"]["properties"]["boss"] == {"$ref": "#/components/schemas/Owner"}
    response = bundled.operations[0].responses[0].json
    assert response is not None and response.schema is not None
    assert response.schema.node == {"$ref": "#/components/schemas/Thing"}


def test_an_allowed_ref_to_another_node_is_copied(tmp_path: Path) -> None:
    spec = load_spec(_split_spec(tmp_path, "parts/a.yaml#/List"), Diagnostics(), allow_external_refs=True)
    assert spec is not None and spec.problems == ()
    response = spec.operations[0].responses[0].json
    assert response is not None and response.schema is not None
    assert response.schema.node == {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}


@pytest.mark.parametrize(
    ("ref", "fragment"),
    [
        ("../outside.yaml#/X", "leaves the spec's folder"),
        ("parts/../../outside.yaml#/X", "leaves the spec's folder"),
        ("file://{outside}#/X", "never read"),
        ("{outside}#/X", "never read"),
        ("https://example.test/x.yaml#/X", "never read"),
        ("parts/missing.yaml#/X", "no such file"),
        ("parts/a.yaml#/Nope", "points at nothing"),
    ],
)
def test_allowed_refs_never_leave_the_folder(tmp_path: Path, ref: str, fragment: str) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("X: {type: string, description: CANARY}\n", encoding="utf-8")
    path = _split_spec(tmp_path / "spec", ref.format(outside=outside))
    diags = Diagnostics()
    assert load_spec(path, diags, allow_external_refs=True) is None
    assert [d.code for d in diags] == ["spec-bad-ref"] and fragment in diags.items[0].message
    assert "CANARY" not in diags.items[0].message
