"""Every change id of ``recallgen diff``, in both directions, on small inline specs.

Each case makes one edit to :data:`BASE`; the diff from the base to the edited spec must report
exactly the expected ids (nothing else: one edit, no noise), and the diff back the ids of the
opposite edit. Together the cases produce every id of :data:`generator.diff.codes.CHANGES`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from generator.diff.changes import Change, diff_specs
from generator.diff.codes import CHANGES, Level
from generator.spec.model import Spec

JSON = "application/json"


def _json(schema: Any) -> dict[str, Any]:
    return {"content": {JSON: {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Things", "version": "1.0.0"},
    "servers": [{"url": "https://us-east-1.example.com"}, {"url": "https://eu-central-1.example.com"}],
    "security": [{"ApiKey": []}],
    "paths": {
        "/things/{id}/": {
            "get": {
                "operationId": "things_retrieve",
                "summary": "Get a thing",
                "description": "Returns the thing.",
                "tags": ["things"],
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "expand", "in": "query", "description": "Fields to expand.", "schema": {"type": "string"}},
                ],
                "x-rate-limit": {"limit": 300, "period": 60, "scope": "workspace"},
                "responses": {
                    "200": {"description": "OK", **_json(_ref("Thing"))},
                    "404": {"description": "Not found"},
                },
            },
            "patch": {
                "operationId": "things_partial_update",
                "summary": "Update a thing",
                "tags": ["things"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, **_json(_ref("ThingRequest"))},
                "responses": {"200": {"description": "OK", **_json(_ref("Thing"))}},
            },
        }
    },
    "components": {
        "securitySchemes": {
            "ApiKey": {"type": "apiKey", "in": "header", "name": "Authorization", "x-credential-prefix": "Token "}
        },
        "schemas": {
            "Thing": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "name": {"type": "string", "description": "The name."},
                    "status": {"type": "string", "enum": ["active", "archived"]},
                    "size": {"type": "integer", "minimum": 0},
                    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
                    "meta": {"type": "object", "additionalProperties": {"type": "string"}},
                    "stats": {"type": "object", "properties": {"views": {"type": "integer"}}},
                },
                "required": ["id", "name"],
            },
            "ThingRequest": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 100, "pattern": "^[a-z]+$"},
                    "kind": {"type": "string", "enum": ["plain", "fancy"], "default": "plain"},
                    "count": {"type": ["integer", "null"], "minimum": 1},
                    "labels": {"type": "array", "items": {"type": "string"}, "minItems": 0},
                    "meta": {"type": "object", "additionalProperties": {"type": "string"}},
                    "options": {"type": "object", "properties": {"color": {"type": "string"}}},
                },
                "required": ["name"],
            },
        },
    },
}

Edit = Callable[[dict[str, Any]], None]


def _get(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/things/{id}/"]["get"]  # type: ignore[no-any-return]


def _patch(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/things/{id}/"]["patch"]  # type: ignore[no-any-return]


def _thing(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]["Thing"]["properties"]  # type: ignore[no-any-return]


def _request(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]["ThingRequest"]["properties"]  # type: ignore[no-any-return]


def _rename_scheme(doc: dict[str, Any]) -> None:
    doc["components"]["securitySchemes"]["Key"] = doc["components"]["securitySchemes"].pop("ApiKey")
    doc["security"] = [{"Key": []}]


def _rename_component(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Item"] = doc["components"]["schemas"].pop("Thing")
    for op in (_get(doc), _patch(doc)):
        op["responses"]["200"]["content"][JSON]["schema"] = _ref("Item")


def _add_operation(doc: dict[str, Any]) -> None:
    doc["paths"]["/things/"] = {"get": {"operationId": "things_list", "responses": {"200": {"description": "OK"}}}}


def _move_operation(doc: dict[str, Any]) -> None:
    doc["paths"]["/things/{id}/rename/"] = {"post": doc["paths"]["/things/{id}/"].pop("patch")}


def _rename_path_parameter(doc: dict[str, Any]) -> None:
    item = doc["paths"].pop("/things/{id}/")
    for op in item.values():
        op["parameters"][0]["name"] = "thing_id"
    doc["paths"]["/things/{thing_id}/"] = item


def _move_size(doc: dict[str, Any]) -> None:
    _thing(doc)["stats"]["properties"]["size"] = _thing(doc).pop("size")


def _move_kind(doc: dict[str, Any]) -> None:
    _request(doc)["options"]["properties"]["kind"] = _request(doc).pop("kind")


def _both_credentials(doc: dict[str, Any]) -> None:
    doc["components"]["securitySchemes"]["Calendar"] = {"type": "apiKey", "in": "header", "name": "x-calendar"}
    _get(doc)["security"] = [{"ApiKey": [], "Calendar": []}]


def _set(target: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        target(doc)[key] = copy.deepcopy(value)

    return edit


def _delete(target: Callable[[dict[str, Any]], Any], key: str | int) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        del target(doc)[key]

    return edit


def _do(*edits: Edit) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        for one in edits:
            one(doc)

    return edit


def _prop(props: Callable[[dict[str, Any]], dict[str, Any]], name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda doc: props(doc)[name]  # type: ignore[no-any-return]


def _schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]  # type: ignore[no-any-return]


def _required(name: str) -> Callable[[dict[str, Any]], list[str]]:
    return lambda doc: doc["components"]["schemas"][name]["required"]  # type: ignore[no-any-return]


def _append(target: Callable[[dict[str, Any]], list[Any]], value: Any) -> Edit:
    return lambda doc: target(doc).append(value)


def _remove(target: Callable[[dict[str, Any]], list[Any]], value: Any) -> Edit:
    return lambda doc: target(doc).remove(value)


_size, _tags, _meta = _prop(_thing, "size"), _prop(_thing, "tags"), _prop(_thing, "meta")
_name, _status, _id = _prop(_thing, "name"), _prop(_thing, "status"), _prop(_thing, "id")
_rname, _kind, _count = _prop(_request, "name"), _prop(_request, "kind"), _prop(_request, "count")
_labels, _rmeta = _prop(_request, "labels"), _prop(_request, "meta")
_expand = lambda doc: _get(doc)["parameters"][1]  # noqa: E731
_ok = lambda doc: _get(doc)["responses"]["200"]  # noqa: E731

#: name -> (edit, ids from the base to the edited spec, ids back).
CASES: dict[str, tuple[Edit, set[str], set[str]]] = {
    # the API as a whole
    "server removed": (_delete(lambda d: d["servers"], 1), {"server-removed"}, {"server-added"}),
    "security scheme renamed": (_rename_scheme, {"security-scheme-renamed"}, {"security-scheme-renamed"}),
    "security scheme header renamed": (
        _set(lambda d: d["components"]["securitySchemes"]["ApiKey"], "name", "X-Api-Key"),
        {"security-scheme-changed"},
        {"security-scheme-changed"},
    ),
    "security scheme added": (
        _set(lambda d: d["components"]["securitySchemes"], "Other", {"type": "http", "scheme": "bearer"}),
        {"security-scheme-added"},
        {"security-scheme-removed"},
    ),
    "component added": (_set(_schemas, "Extra", {"type": "string"}), {"component-added"}, {"component-removed"}),
    "component renamed": (_rename_component, {"component-renamed"}, {"component-renamed"}),
    # operations
    "operation added": (_add_operation, {"operation-added"}, {"operation-removed"}),
    "operation moved": (_move_operation, {"operation-moved"}, {"operation-moved"}),
    "operationId renamed": (
        _set(_get, "operationId", "things_get"),
        {"operation-id-changed"},
        {"operation-id-changed"},
    ),
    "first tag renamed": (_set(_get, "tags", ["items"]), {"operation-tag-changed"}, {"operation-tag-changed"}),
    "deprecated": (_set(_get, "deprecated", True), {"operation-deprecated"}, set()),
    "summary": (_set(_get, "summary", "Fetch"), {"operation-summary-changed"}, {"operation-summary-changed"}),
    "description": (
        _set(_get, "description", "Other."),
        {"operation-description-changed"},
        {"operation-description-changed"},
    ),
    "second credential required": (
        _both_credentials,
        {"operation-security-added", "security-scheme-added"},
        {"operation-security-removed", "security-scheme-removed"},
    ),
    "rate limit lowered": (
        _set(_get, "x-rate-limit", {"limit": 60, "period": 60, "scope": "workspace"}),
        {"rate-limit-tightened"},
        {"rate-limit-loosened"},
    ),
    "rate limit scope": (
        _set(_get, "x-rate-limit", {"limit": 300, "period": 60, "scope": "bot"}),
        {"rate-limit-changed"},
        {"rate-limit-changed"},
    ),
    # parameters
    "optional parameter added": (
        _append(lambda d: _get(d)["parameters"], {"name": "page", "in": "query", "schema": {"type": "integer"}}),
        {"parameter-added"},
        {"parameter-removed"},
    ),
    "required parameter added": (
        _append(
            lambda d: _get(d)["parameters"],
            {"name": "page", "in": "query", "required": True, "schema": {"type": "integer"}},
        ),
        {"parameter-required-added"},
        {"parameter-removed"},
    ),
    "parameter became required": (
        _set(_expand, "required", True),
        {"parameter-required-added"},
        {"parameter-required-removed"},
    ),
    "parameter description": (
        _set(_expand, "description", "Other."),
        {"parameter-description-changed"},
        {"parameter-description-changed"},
    ),
    "path parameter renamed": (_rename_path_parameter, {"parameter-renamed"}, {"parameter-renamed"}),
    "parameter type": (
        _set(_expand, "schema", {"type": "integer"}),
        {"request-type-changed"},
        {"request-type-changed"},
    ),
    # request bodies
    "requestBody.required flipped": (
        _set(lambda d: _patch(d)["requestBody"], "required", False),
        {"request-body-required-removed"},
        {"request-body-required-added"},
    ),
    "optional request body added": (
        _set(_get, "requestBody", _json({"type": "object"})),
        {"request-body-added"},
        {"request-body-removed"},
    ),
    "required request body removed": (
        _delete(_patch, "requestBody"),
        {"request-body-removed"},
        {"request-body-required-added"},
    ),
    # responses
    "success status": (
        lambda d: _get(d)["responses"].__setitem__("201", _get(d)["responses"].pop("200")),
        {"success-status-changed"},
        {"success-status-changed"},
    ),
    "error response removed": (
        _delete(lambda d: _get(d)["responses"], "404"),
        {"response-status-removed"},
        {"response-status-added"},
    ),
    "success body removed": (_delete(_ok, "content"), {"response-body-removed"}, {"response-body-added"}),
    # properties
    "response property added": (
        _set(_thing, "color", {"type": "string"}),
        {"response-property-added"},
        {"response-property-removed"},
    ),
    "response property moved": (_move_size, {"response-property-moved"}, {"response-property-moved"}),
    "response property optional": (
        _remove(_required("Thing"), "name"),
        {"response-property-required-removed"},
        {"response-property-required-added"},
    ),
    "request property added": (
        _set(_request, "color", {"type": "string"}),
        {"request-property-added"},
        {"request-property-removed"},
    ),
    "required request property added": (
        _do(_set(_request, "color", {"type": "string"}), _append(_required("ThingRequest"), "color")),
        {"request-property-required-added"},
        {"request-property-removed"},
    ),
    "request property became required": (
        _append(_required("ThingRequest"), "kind"),
        {"request-property-required-added"},
        {"request-property-required-removed"},
    ),
    "request property moved": (_move_kind, {"request-property-moved"}, {"request-property-moved"}),
    # types, formats, nullable
    "response type": (_set(_size, "type", "string"), {"response-type-changed"}, {"response-type-changed"}),
    "response integer to number": (
        _set(_size, "type", "number"),
        {"response-type-changed"},
        {"response-type-narrowed"},
    ),
    "request integer to number": (
        _set(_count, "type", ["number", "null"]),
        {"request-type-widened"},
        {"request-type-changed"},
    ),
    "response format": (_delete(_id, "format"), {"response-format-changed"}, {"response-format-changed"}),
    "request format": (_set(_rname, "format", "email"), {"request-format-changed"}, {"request-format-changed"}),
    "response nullable": (
        _set(_name, "type", ["string", "null"]),
        {"response-nullable-added"},
        {"response-nullable-removed"},
    ),
    "request not nullable": (
        _set(_count, "type", "integer"),
        {"request-nullable-removed"},
        {"request-nullable-added"},
    ),
    # enums
    "response enum value": (
        _append(lambda d: _status(d)["enum"], "deleted"),
        {"response-enum-value-added"},
        {"response-enum-value-removed"},
    ),
    "request enum value": (
        _append(lambda d: _kind(d)["enum"], "plain2"),
        {"request-enum-value-added"},
        {"request-enum-value-removed"},
    ),
    "response enum": (_set(_name, "enum", ["a", "b"]), {"response-enum-added"}, {"response-enum-removed"}),
    "request enum": (_set(_rname, "enum", ["a", "b"]), {"request-enum-added"}, {"request-enum-removed"}),
    # additionalProperties
    "request additionalProperties type": (
        _set(_rmeta, "additionalProperties", {"type": "integer"}),
        {"request-additional-properties-narrowed"},
        {"request-additional-properties-narrowed"},
    ),
    "request additionalProperties any": (
        _set(_rmeta, "additionalProperties", True),
        {"request-additional-properties-widened"},
        {"request-additional-properties-narrowed"},
    ),
    "response additionalProperties type": (
        _set(_meta, "additionalProperties", {"type": "integer"}),
        {"response-additional-properties-changed"},
        {"response-additional-properties-changed"},
    ),
    # constraints
    "request maxLength": (
        _set(_rname, "maxLength", 50),
        {"request-constraint-tightened"},
        {"request-constraint-loosened"},
    ),
    "request pattern": (
        _set(_rname, "pattern", "^[a-z0-9]+$"),
        {"request-constraint-tightened"},
        {"request-constraint-tightened"},
    ),
    "request minimum": (_set(_count, "minimum", 5), {"request-constraint-tightened"}, {"request-constraint-loosened"}),
    "request minItems": (
        _set(_labels, "minItems", 1),
        {"request-constraint-tightened"},
        {"request-constraint-loosened"},
    ),
    "response maxItems": (
        _set(_tags, "maxItems", 5),
        {"response-constraint-tightened"},
        {"response-constraint-loosened"},
    ),
    "response minimum dropped": (
        _delete(_size, "minimum"),
        {"response-constraint-loosened"},
        {"response-constraint-tightened"},
    ),
    # defaults and descriptions
    "request default changed": (
        _set(_kind, "default", "fancy"),
        {"request-default-changed"},
        {"request-default-changed"},
    ),
    "request default dropped": (_delete(_kind, "default"), {"request-default-changed"}, {"request-default-changed"}),
    "response default": (
        _set(_status, "default", "active"),
        {"response-default-changed"},
        {"response-default-changed"},
    ),
    "property description": (
        _set(_name, "description", "Another name."),
        {"schema-description-changed"},
        {"schema-description-changed"},
    ),
}


def spec(document: dict[str, Any]) -> Spec:
    found = Spec.from_document(document)
    assert not found.problems, found.problems
    return found


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    return diff_specs(spec(old), spec(new))


def edited(edit: Edit) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    edit(document)
    return document


def test_the_base_has_no_changes() -> None:
    assert diff(BASE, copy.deepcopy(BASE)) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_edit_is_reported_both_ways(name: str) -> None:
    edit, forward, backward = CASES[name]
    new = edited(edit)
    assert {c.id for c in diff(BASE, new)} == forward
    assert {c.id for c in diff(new, BASE)} == backward


def test_every_change_id_is_covered_by_a_case() -> None:
    covered = set().union(*(forward | backward for _, forward, backward in CASES.values()))
    assert covered == set(CHANGES)


def test_levels_follow_the_ids() -> None:
    new = edited(_do(_delete(lambda d: d["servers"], 1), _append(lambda d: _status(d)["enum"], "deleted")))
    found = {c.id: c.level for c in diff(BASE, new)}
    assert found == {"server-removed": Level.BREAKING, "response-enum-value-added": Level.WARNING}


def test_a_change_in_a_shared_component_is_one_change_listing_its_operations() -> None:
    new = edited(_delete(_thing, "tags"))
    [change] = diff(BASE, new)
    assert (change.id, change.location, change.message) == (
        "response-property-removed",
        "schema Thing",
        "property `tags` removed",
    )
    assert change.operations == ("things_partial_update", "things_retrieve")


def test_properties_of_one_object_are_one_change() -> None:
    new = edited(_do(_delete(_thing, "tags"), _delete(_thing, "meta")))
    assert [c.message for c in diff(BASE, new)] == ["properties `meta`, `tags` removed"]


def test_a_moved_property_names_where_it_went() -> None:
    [change] = diff(BASE, edited(_move_size))
    assert (change.location, change.message) == ("schema Thing", "property `size` moved into `stats`")


def test_a_moved_property_that_also_changed_reports_both() -> None:
    def move_and_retype(doc: dict[str, Any]) -> None:
        _move_size(doc)
        _thing(doc)["stats"]["properties"]["size"]["minimum"] = 1

    found = {(c.id, c.location) for c in diff(BASE, edited(move_and_retype))}
    assert found == {
        ("response-property-moved", "schema Thing"),
        ("response-constraint-tightened", "schema Thing.stats.size"),
    }


def test_boolean_schemas_are_compared_not_crashed_on() -> None:
    """``properties: {id: true}`` and ``schema: true`` are JSON Schema: true accepts anything."""
    new = edited(_do(_set(_thing, "id", True), _set(lambda d: _ok(d)["content"][JSON], "schema", True)))
    new["components"]["schemas"]["ThingRequest"]["properties"]["options"] = False
    found = {(c.id, c.location) for c in diff(BASE, new)}
    assert ("response-type-changed", "things_retrieve response") in found
    assert ("request-type-changed", "schema ThingRequest.options") in found
    assert diff(new, copy.deepcopy(new)) == []
    assert {c.id for c in diff(new, BASE)} >= {"response-type-narrowed"}
