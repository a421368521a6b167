"""Make sample payloads and responses valid examples of the schemas built from them.

Samples hold placeholders (``"string"`` where an enum is declared, mangled dates like
``25-06-1T18: 49: 26.2Z``). An example that contradicts its schema misleads fuzzers and
the sandbox, so each placeholder is replaced by a value the schema accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from generator.normalize.schema import Schema
from generator.spec.refs import Refs, join_pointer

Resolver = Callable[[Schema], Schema]


def _same(node: Schema) -> Schema:
    return node


_PLACEHOLDER_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
_PLACEHOLDER_DATETIME = "2025-06-10T00:00:00Z"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def conform(value: object, node: Schema, resolve: Resolver = _same) -> object:
    """A copy of ``value`` adjusted so that it is valid against ``node``.

    Enum placeholders become the first enum value; malformed uuids and date-times become
    well-formed placeholders; objects and arrays are walked recursively.
    """
    node = resolve(node)
    if value is None:
        return None if node.nullable or not node.types else _default_for(node)
    if node.enum is not None and value not in node.enum:
        return node.enum[0] if node.enum else value
    if isinstance(value, dict) and node.is_object:
        out: dict[str, object] = {}
        for key, element in value.items():
            child = node.properties.get(key) or node.additional
            out[key] = conform(element, child, resolve) if child is not None else element
        for key in node.required:  # fields the table requires but the sample omits
            if key not in out and key in node.properties:
                out[key] = _default_for(resolve(node.properties[key]))
        return out
    if isinstance(value, list) and node.is_array:
        return [conform(element, node.items, resolve) if node.items is not None else element for element in value]
    if isinstance(value, str) and node.types == ["string"]:
        if node.format == "uuid" and not _UUID.match(value):
            return _PLACEHOLDER_UUID
        if node.format == "date-time" and not _DATETIME.match(value):
            return _PLACEHOLDER_DATETIME
        if node.format == "uri" and not value.startswith(("http://", "https://")):
            return "https://example.com/" if not node.nullable else None
        return value
    if node.types and not _has_type(value, node.types[0]):
        return _default_for(node)
    return value


def _has_type(value: object, json_type: str) -> bool:
    if json_type == "string":
        return isinstance(value, str)
    if json_type == "boolean":
        return isinstance(value, bool)
    if json_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if json_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if json_type == "object":
        return isinstance(value, dict)
    if json_type == "array":
        return isinstance(value, list)
    return True


def _default_for(node: Schema) -> object:
    if node.nullable:
        return None
    if node.enum:
        return node.enum[0]
    kind = node.types[0] if node.types else "string"
    if kind == "string":
        return {"uuid": _PLACEHOLDER_UUID, "date-time": _PLACEHOLDER_DATETIME, "uri": "https://example.com/"}.get(
            node.format or "", "string"
        )
    if kind == "object":
        return {key: _default_for(child) for key, child in node.properties.items() if key in node.required}
    return {"boolean": True, "integer": 0, "number": 0, "array": []}.get(kind)


def addressable(value: object, list_kind: str, id_format: str | None) -> object:
    """An example whose resources can be addressed through their item path.

    ``/bot/{bot_id}/screenshots/{id}/`` takes a uuid, while the sample response shows the
    placeholder ``"id": "string"`` (its schema, from the sample, is a plain string). A value of
    the example's ``id`` (each item's, for a list) that the item path's parameter would refuse
    becomes the uuid placeholder; the schema is left as the sample states it.
    """
    if id_format != "uuid":
        return value

    def fix(item: object) -> object:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and not _UUID.match(item["id"]):
            return {**item, "id": _PLACEHOLDER_UUID}
        return item

    if list_kind == "array" and isinstance(value, list):
        return [fix(item) for item in value]
    if list_kind == "paginated" and isinstance(value, dict) and isinstance(value.get("results"), list):
        return {**value, "results": [fix(item) for item in value["results"]]}
    return fix(value)


def repair_examples(document: dict[str, Any]) -> int:
    """Make every request and response example of ``document`` valid against its schema again.

    Examples are conformed while the schema tree is built (:func:`conform`); an overlay action
    applied afterwards may change a schema (a correction turns ``raw`` from a string into an
    object), leaving an example that contradicts it. Each invalid member is replaced by a minimal
    value its schema accepts (null when allowed, the first enum value, a placeholder of the
    format); valid members are kept. Returns the number of examples repaired.
    """
    refs = Refs(document)
    repaired = 0
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            places: list[tuple[str, dict[str, Any]]] = []
            body = op.get("requestBody", {}).get("content", {})
            places += [
                (join_pointer("", "paths", path, method, "requestBody", "content", t), m) for t, m in body.items()
            ]
            for status, response in op.get("responses", {}).items():
                for media_type, media in (response.get("content") or {}).items():
                    places.append(
                        (join_pointer("", "paths", path, method, "responses", status, "content", media_type), media)
                    )
            for pointer, media in places:
                if "example" not in media or "schema" not in media:
                    continue
                schema = join_pointer(pointer, "schema")
                if refs.is_valid(media["example"], schema):
                    continue
                media["example"] = _repair(media["example"], schema, refs, 0, invalid=True)
                repaired += 1
    return repaired


_MAX_DEPTH = 48


def _types(node: Any) -> list[str]:
    declared = node.get("type", []) if isinstance(node, dict) else []
    return [declared] if isinstance(declared, str) else list(declared)


def _repair(value: Any, pointer: str, refs: Refs, depth: int, invalid: bool = False) -> Any:
    """``value`` made valid against the schema at ``pointer`` (:func:`repair_examples`); ``invalid``:
    the caller has just found it invalid (so it is not checked again)."""
    if (not invalid and refs.is_valid(value, pointer)) or depth > _MAX_DEPTH:
        return value
    where, node = refs.deref(pointer)
    if not isinstance(node, dict):
        return value
    branches = node.get("anyOf") or node.get("oneOf")
    if isinstance(branches, list):
        key = "anyOf" if "anyOf" in node else "oneOf"
        for index, branch in enumerate(branches):
            if isinstance(branch, dict) and _types(branch) == ["null"]:
                continue
            candidate = _repair(value, join_pointer(where, key, index), refs, depth + 1)
            if refs.is_valid(candidate, pointer):
                return candidate
        return _minimal(pointer, refs, depth)
    types = _types(node)
    if isinstance(value, dict) and "object" in types:
        properties = refs.properties(where)
        extra = (
            join_pointer(where, "additionalProperties") if isinstance(node.get("additionalProperties"), dict) else None
        )
        out: dict[str, Any] = {}
        for key, member in value.items():
            target = properties.get(key, extra)
            out[key] = _repair(member, target, refs, depth + 1) if target is not None else member
        for key in node.get("required", []):
            if key not in out and key in properties:
                out[key] = _minimal(properties[key], refs, depth + 1)
        if refs.is_valid(out, pointer):
            return out
    if isinstance(value, list) and "array" in types and isinstance(node.get("items"), dict):
        items = join_pointer(where, "items")
        fixed = [_repair(member, items, refs, depth + 1) for member in value]
        if refs.is_valid(fixed, pointer):
            return fixed
    return _minimal(pointer, refs, depth)


def _minimal(pointer: str, refs: Refs, depth: int) -> Any:
    """A small value the schema at ``pointer`` accepts (null when it allows null)."""
    where, node = refs.deref(pointer)
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return None
    types = _types(node)
    if "null" in types or (node.get("enum") is not None and None in node["enum"]):
        return None
    if node.get("enum"):
        return node["enum"][0]
    branches = node.get("anyOf") or node.get("oneOf")
    if isinstance(branches, list):
        key = "anyOf" if "anyOf" in node else "oneOf"
        if any(isinstance(b, dict) and _types(b) == ["null"] for b in branches):
            return None
        return _minimal(join_pointer(where, key, 0), refs, depth + 1) if branches else None
    kind = types[0] if types else None
    if kind == "string":
        return {"uuid": _PLACEHOLDER_UUID, "date-time": _PLACEHOLDER_DATETIME, "uri": "https://example.com/"}.get(
            str(node.get("format", "")), "string"
        )
    if kind == "object":
        properties = refs.properties(where)
        return {k: _minimal(properties[k], refs, depth + 1) for k in node.get("required", []) if k in properties}
    return {"boolean": True, "integer": 0, "number": 0, "array": []}.get(str(kind))
