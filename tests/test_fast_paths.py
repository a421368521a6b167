"""The fast paths give the verdicts of the slow ones they replace.

- the loader's one-pass reading of plain specs (generator/spec/document.py) against the general
  path (check_limits, then the constructing loader): the same data or the same error;
- the OpenAPI 3.1 validator (generator/spec/validation.py) against openapi-spec-validator's
  OpenAPIV31SpecValidator: the same errors, in the same order;
- local $ref look-ups (generator/spec/refs.py) against ``referencing``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from generator.spec.document import _load_careful, dump_yaml, load_yaml_text
from generator.spec.refs import Refs, SpecRefError


@pytest.fixture(autouse=True)
def _upstream_on_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    """Upstream is compared on python-jsonschema, the library ours uses: openapi-spec-validator
    switches to jsonschema-rs (other messages) whenever that package happens to be installed."""
    monkeypatch.setenv("OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND", "jsonschema")


ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"


def outcome(load: Any, text: str) -> tuple[str, Any]:
    try:
        return "data", json.dumps(load(text), sort_keys=False)
    except yaml.YAMLError as exc:
        return "error", (type(exc).__name__, str(exc), getattr(exc, "line", None))


YAMLISH = st.text(alphabet=st.sampled_from(list("ab01:-[]{},&*!|>'\"#\n .x\\u~<=?%@`\t")), max_size=80)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@given(st.one_of(YAMLISH, st.text(max_size=40)))
def test_any_text_reads_as_the_general_path_reads_it(text: str) -> None:
    assert outcome(load_yaml_text, text) == outcome(_load_careful, text)


@given(JSONISH)
def test_dumped_documents_read_as_the_general_path_reads_them(data: Any) -> None:
    text = dump_yaml(data)
    assert outcome(load_yaml_text, text) == outcome(_load_careful, text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [x, 0x1f, 0o17, 1_000, 1:20, .inf, -.Inf, .nan, ~, null, yes, No, on, 2024-06-10]\n",
        "200: a\n'200': b\n",
        "1: a\n01: b\n",
        "a: =\n",
        "<<: {a: 1}\n",
        "a: !!str 3\nb: ! 4\n",
        "a: &x 1\nb: *x\n",
        "a: 1\n---\nb: 2\n",
        "",
        "---\n",
        "- 1\n- [2, {c: d}]\n",
        '{"k": [1, 2.5, "\\u00e9"], "n": null}',
        "a: 0x" + "f" * 300,
        "? [a, b]\n: c\n",
        "x: " + "[" * 100 + "]" * 100,
        "x: " + "[" * 99 + "]" * 99,
    ],
)
def test_edge_cases_read_as_the_general_path_reads_them(text: str) -> None:
    assert outcome(load_yaml_text, text) == outcome(_load_careful, text)


def test_the_spec_reads_as_the_general_path_reads_it() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert outcome(load_yaml_text, text) == outcome(_load_careful, text)


INVALID_SCHEMAS: list[Any] = [
    {"type": 5},
    {"properties": []},
    {"minLength": -1},
    {"type": "strin"},
    {"properties": {"a": {"items": {"type": ["x"]}}}},
    {"required": "a"},
    {"$ref": 5},
    {"pattern": "("},
    {"format": 3},
    {"enum": 1},
    {"discriminator": {}},
    {"xml": {"foo": 1}},
    {"externalDocs": {"url": 3}},
    {"$id": "a#b"},
    {"$anchor": "1x"},
    {"if": 1},
    {"allOf": [{"type": "object"}, {"minimum": "a"}]},
    1,
    None,
]


def _spec_with(schema: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a/{id}": {
                "get": {
                    "operationId": "a",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}},
                },
                "post": {"operationId": "a", "responses": {"200": {"description": "ok"}}},
            }
        },
        "components": {
            "schemas": {
                "A": schema,
                "B": {"type": "object", "required": ["x"], "allOf": [schema]},
                "C": copy.deepcopy(schema),  # the same text again: checked once, reported as upstream does
            }
        },
    }


def _errors(validator: Any, document: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    return [(e.message, list(getattr(e, "absolute_path", []) or [])) for e in validator(document).iter_errors()]


@pytest.mark.parametrize("schema", INVALID_SCHEMAS, ids=lambda s: json.dumps(s)[:40])
def test_validator_verdicts_are_upstreams(schema: Any) -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    from generator.spec.validation import SpecValidator

    document = _spec_with(schema)
    ours = _errors(SpecValidator, document)
    assert ours == _errors(OpenAPIV31SpecValidator, document)
    assert ours  # every one of them is invalid


#: Documents that fail the check against the OpenAPI 3.1 schema itself (the validator's first pass,
#: where local ``$ref``\ s of that schema are resolved through a remembering resolver).
INVALID_DOCUMENTS: list[dict[str, Any]] = [
    {"paths": {"/a/{id}": {"get": {"foo": 1}}}},
    {"paths": {"/a/{id}": {"get": {"parameters": [{"name": "id", "in": "body", "schema": {}}]}}}},
    {"paths": {"/a/{id}": {"get": {"responses": {"200": {"content": {}}}}}}},
    {"paths": {"a": {}}},
    {"info": {"title": "t"}},
    {"paths": {"/a/{id}": {"get": {"responses": {"200": {"$ref": 3}}}}}},
    {"paths": {"/a/{id}": {"get": {"callbacks": {"c": {"{$url}": {"post": {"responses": {"200": {}}}}}}}}}},
    {"paths": {"/a/{id}": {"get": {"requestBody": {"content": []}}}}},
    {"paths": {"/a/{id}": {"get": {"security": {"k": []}}}}},
    {"webhooks": {"w": {"post": {"parameters": [{"in": "query"}]}}}},
    {"components": {"responses": {"R": {"description": 1, "headers": {"h": {"schema": {}, "content": {}}}}}}},
    {"paths": {"/a/{id}": {"get": {"x-ok": 1, "tags": "t", "servers": [{"url": 1}]}}}},
]


def _merged(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


@pytest.mark.parametrize("change", INVALID_DOCUMENTS, ids=lambda c: json.dumps(c)[:50])
def test_document_check_is_upstreams(change: dict[str, Any]) -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    from generator.spec.validation import SpecValidator

    document = _merged(_spec_with({"type": "object"}), change)
    ours = _errors(SpecValidator, document)
    assert ours == _errors(OpenAPIV31SpecValidator, document)
    assert ours


def test_validator_accepts_the_spec_as_upstream_does() -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    from generator.spec.validation import SpecValidator

    document = load_yaml_text(SPEC.read_text(encoding="utf-8"))
    assert _errors(SpecValidator, document) == _errors(OpenAPIV31SpecValidator, document) == []


@pytest.mark.parametrize(
    "ref",
    [
        "#/components",
        "#/components/schemas/A",
        "#/components/schemas/A~1B",
        "#/components/schemas/A%7E1B",
        "#/list/1",
        "#/list/01",
        "#/list/-1",
        "#/list/9",
        "#/title/0",
        "#/nope",
        "#",
        "#anchor",
    ],
)
def test_local_refs_resolve_as_referencing_resolves_them(ref: str) -> None:
    from referencing import Registry
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012

    document = {
        "components": {"schemas": {"A": {"type": "string"}, "A/B": {"type": "integer"}}},
        "list": [10, 11, 12],
        "title": "abc",
        "x": {"$anchor": "anchor", "type": "null"},
    }
    resolver = Registry().with_resource("urn:t", DRAFT202012.create_resource(document)).resolver("urn:t")
    try:
        expected: Any = ("found", resolver.lookup(ref).contents)
    except (Unresolvable, ValueError, TypeError, LookupError):
        expected = ("nowhere", None)
    try:
        found: Any = ("found", Refs(document).target(ref)[1])
    except SpecRefError:
        found = ("nowhere", None)
    assert found == expected


@given(JSONISH)
def test_yaml_is_written_as_yaml_dump_writes_it(data: Any) -> None:
    from generator.spec.document import _DUMP_OPTIONS, _Dumper

    assert dump_yaml(data) == yaml.dump(data, Dumper=_Dumper, **_DUMP_OPTIONS)


def test_the_spec_is_written_back_byte_for_byte() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert dump_yaml(load_yaml_text(text)) == text


@pytest.mark.parametrize("valid", [True, False])
def test_a_large_document_is_validated_beside_its_dump(valid: bool) -> None:
    from generator.diagnostics import Diagnostics
    from generator.spec.document import PARALLEL_VALIDATION_PATHS, dump_validated

    schema: Any = {"type": "string"} if valid else {"type": "strin"}
    document = _spec_with(schema)
    document["paths"] = {f"/p{i}": {} for i in range(PARALLEL_VALIDATION_PATHS.start)} | document["paths"]
    document["paths"]["/a/{id}"].pop("post")  # _spec_with's duplicate operationId, unresolved {id}
    document["components"]["schemas"]["B"] = {"type": "object", "allOf": [schema]}
    diags = Diagnostics()
    text = dump_validated(document, "big.yaml", diags)
    assert (text == dump_yaml(document)) if valid else text is None
    assert [d.code for d in diags] == ([] if valid else ["spec-invalid"] * len(diags.items))
    assert valid or diags.items
