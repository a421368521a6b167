"""The shape of the parts of an OpenAPI 3.1 document that the toolkit's consumers read.

:func:`check_structure` returns ``(JSON pointer, message)`` for every node whose type is wrong
(OpenAPI 3.1.0 sections 4.8.1 OpenAPI Object, 4.8.2 Info, 4.8.5 Server, 4.8.7 Components,
4.8.8 Paths, 4.8.12 Parameter, 4.8.13 Request Body, 4.8.14 Media Type, 4.8.16-17 Responses,
4.8.21 Header; JSON Schema 2020-12 keyword types for schemas): ``info: null``, ``components: "x"``,
``content: []``, ``properties: [a]``, ``required: "id"``, ``minLength: -1``... What
:class:`generator.spec.model.Spec` already reports while reading operations (an operation,
``parameters``, ``requestBody`` or ``responses`` of the wrong type: ``bad-operation``) is not
repeated here. The walk is iterative (no recursion, linear in the document's size); a ``$ref``
object is not looked into (its target is checked where it is defined).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from generator.spec.refs import join_pointer
from generator.spec.rules import METHODS

#: JSON Schema 2020-12 keywords whose value is one schema.
SCHEMA_KEYWORDS = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
)
#: Keywords whose value is a non-empty list of schemas.
SCHEMA_LIST_KEYWORDS = ("allOf", "anyOf", "oneOf", "prefixItems")
#: Keywords whose value maps names to schemas.
SCHEMA_MAP_KEYWORDS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
#: Keywords whose value is a number (``multipleOf`` above 0).
NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
#: Keywords whose value is a non-negative integer.
COUNT_KEYWORDS = (
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
)
#: Keywords whose value is a string.
TEXT_KEYWORDS = ("$ref", "title", "description", "format", "pattern", "$id", "$anchor", "$comment")
#: Keywords whose value is a boolean.
FLAG_KEYWORDS = ("nullable", "readOnly", "writeOnly", "deprecated", "uniqueItems")
JSON_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})
#: The keywords whose value's type is checked, and what their value must be.
_KEYWORD_KINDS = {
    "type": "type",
    "required": "required",
    "enum": "enum",
    "discriminator": "discriminator",
    **dict.fromkeys(NUMBER_KEYWORDS, "number"),
    **dict.fromkeys(COUNT_KEYWORDS, "count"),
    **dict.fromkeys(TEXT_KEYWORDS, "text"),
    **dict.fromkeys(FLAG_KEYWORDS, "flag"),
}
#: Keywords whose value holds schemas.
_SUBSCHEMA_KEYWORDS = frozenset((*SCHEMA_KEYWORDS, *SCHEMA_LIST_KEYWORDS, *SCHEMA_MAP_KEYWORDS))
#: ``components`` members and what each entry must be.
COMPONENTS = {
    "schemas": "schema",
    "responses": "response",
    "parameters": "parameter",
    "requestBodies": "body",
    "headers": "header",
    "securitySchemes": "object",
    "examples": "object",
    "links": "object",
    "callbacks": "object",
    "pathItems": "object",
}


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_structure(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(pointer, message)`` for each wrongly typed node of ``document`` (module docstring), sorted
    by pointer. ``document`` must be a mapping; it is not modified."""
    return sorted(_Checker(document).run())


class _Checker:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        # (pointer, node, what): what is "schema", "response", "parameter", "body", "header", "content"
        self.todo: list[tuple[str, Any, str]] = []

    def run(self) -> Iterator[tuple[str, str]]:
        yield from self._root()
        while self.todo:
            pointer, node, what = self.todo.pop()
            if what == "schema":
                yield from self._schema(pointer, node)
            elif isinstance(node, Mapping) and "$ref" in node:
                if not isinstance(node["$ref"], str):
                    yield join_pointer(pointer, "$ref"), "`$ref` must be a string"
            elif not isinstance(node, Mapping):
                yield pointer, f"must be a {what} object (a mapping), not {_kind(node)}"
            else:
                yield from getattr(self, "_" + what)(pointer, node)

    def push(self, pointer: str, node: Any, what: str) -> None:
        self.todo.append((pointer, node, what))

    def _mapping(self, pointer: str, node: Any, what: str) -> Iterator[tuple[str, str]]:
        if node is not None and not isinstance(node, Mapping):
            yield pointer, f"{what} must be a mapping, not {_kind(node)}"

    def _root(self) -> Iterator[tuple[str, str]]:
        doc = self.document
        if not isinstance(doc.get("openapi"), str):
            yield "/openapi", "`openapi` must be a version string such as '3.1.0'"
        info = doc.get("info", {})  # consumers default a missing info (title "API", version "0.0.0")
        if not isinstance(info, Mapping):
            yield "/info", f"`info` must be a mapping with `title` and `version`, not {_kind(info)}"
        else:
            if "title" in info and not isinstance(info["title"], str):
                yield "/info/title", "`info.title` must be a string"
            version = info.get("version", "")
            if not isinstance(version, (str, int, float)) or isinstance(version, bool):
                yield "/info/version", "`info.version` must be a string"
            if "description" in info and not isinstance(info["description"], str):
                yield "/info/description", "`info.description` must be a string"
        servers = doc.get("servers")
        if servers is not None:
            if not isinstance(servers, list):
                yield "/servers", f"`servers` must be a list, not {_kind(servers)}"
            else:
                for i, server in enumerate(servers):
                    if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
                        yield join_pointer("/servers", i), "a server must be a mapping with a string `url`"
                    elif server.get("variables") is not None and not isinstance(server["variables"], Mapping):
                        yield join_pointer("/servers", i, "variables"), "`variables` must be a mapping"
        if "paths" in doc and doc["paths"] is None:
            yield "/paths", "`paths` must be a mapping, not null"
        for key in ("tags", "security"):
            if doc.get(key) is not None and not isinstance(doc[key], list):
                yield f"/{key}", f"`{key}` must be a list, not {_kind(doc[key])}"
        components = doc.get("components")
        yield from self._mapping("/components", components, "`components`")
        if isinstance(components, Mapping):
            for name, what in COMPONENTS.items():
                members = components.get(name)
                pointer = join_pointer("/components", name)
                yield from self._mapping(pointer, members, f"`components.{name}`")
                if isinstance(members, Mapping):
                    for key, member in members.items():
                        if what == "object":
                            yield from self._mapping(join_pointer(pointer, key), member, f"`{key}`")
                        else:
                            self.push(join_pointer(pointer, key), member, what)
        paths = doc.get("paths")
        if isinstance(paths, Mapping):
            for path, item in paths.items():
                if isinstance(item, Mapping):  # other shapes are the model's bad-operation
                    yield from self._path_item(join_pointer("/paths", path), item)

    def _path_item(self, pointer: str, item: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        yield from self._parameters(pointer, item)
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, Mapping):
                continue
            op_ptr = join_pointer(pointer, method)
            yield from self._parameters(op_ptr, op)
            tags = op.get("tags")
            if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
                yield join_pointer(op_ptr, "tags"), "`tags` must be a list of strings"
            if isinstance(op.get("requestBody"), Mapping):
                self.push(join_pointer(op_ptr, "requestBody"), op["requestBody"], "body")
            responses = op.get("responses")
            for status, response in (responses if isinstance(responses, Mapping) else {}).items():
                self.push(join_pointer(op_ptr, "responses", status), response, "response")

    def _parameters(self, pointer: str, owner: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        """``parameters`` of a Path Item or Operation: a list (another non-null shape is the
        model's bad-operation; null is reported here)."""
        params = owner.get("parameters")
        if "parameters" in owner and params is None:
            yield join_pointer(pointer, "parameters"), "`parameters` must be a list, not null"
        for i, param in enumerate(params if isinstance(params, list) else []):
            self.push(join_pointer(pointer, "parameters", i), param, "parameter")

    def _parameter(self, pointer: str, node: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        for key in ("name", "in", "description"):
            if key in node and not isinstance(node[key], str):
                yield join_pointer(pointer, key), f"`{key}` must be a string"
        if "schema" in node:
            self.push(join_pointer(pointer, "schema"), node["schema"], "schema")
        if "content" in node:
            self.push(join_pointer(pointer, "content"), node["content"], "content")

    def _header(self, pointer: str, node: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        return self._parameter(pointer, node)

    def _body(self, pointer: str, node: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        if "description" in node and not isinstance(node["description"], str):
            yield join_pointer(pointer, "description"), "`description` must be a string"
        if "content" in node:
            self.push(join_pointer(pointer, "content"), node["content"], "content")

    def _response(self, pointer: str, node: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        yield from self._body(pointer, node)
        headers = node.get("headers")
        yield from self._mapping(join_pointer(pointer, "headers"), headers, "`headers`")
        for name, header in (headers if isinstance(headers, Mapping) else {}).items():
            self.push(join_pointer(pointer, "headers", name), header, "header")

    def _content(self, pointer: str, node: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        for media_type, media in node.items():
            where = join_pointer(pointer, media_type)
            if not isinstance(media, Mapping):
                yield where, f"a Media Type Object must be a mapping, not {_kind(media)}"
                continue
            if "schema" in media:
                self.push(join_pointer(where, "schema"), media["schema"], "schema")
            yield from self._mapping(join_pointer(where, "examples"), media.get("examples"), "`examples`")

    def _schema(self, pointer: str, node: Any) -> Iterator[tuple[str, str]]:
        if isinstance(node, bool):
            return
        if not isinstance(node, Mapping):
            yield pointer, f"a schema must be a mapping or a boolean, not {_kind(node)}"
            return
        yield from self._keyword_types(pointer, node)
        if _SUBSCHEMA_KEYWORDS.isdisjoint(node):  # most schemas: a leaf
            return
        for key in SCHEMA_KEYWORDS:
            if key in node:
                self.push(join_pointer(pointer, key), node[key], "schema")
        for key in SCHEMA_LIST_KEYWORDS:
            if key in node:
                members = node[key]
                if not isinstance(members, list) or not members:
                    yield join_pointer(pointer, key), f"`{key}` must be a non-empty list of schemas"
                    continue
                for i, member in enumerate(members):
                    self.push(join_pointer(pointer, key, i), member, "schema")
        for key in SCHEMA_MAP_KEYWORDS:
            if key in node:
                members = node[key]
                if not isinstance(members, Mapping):
                    yield join_pointer(pointer, key), f"`{key}` must be a mapping of schemas, not {_kind(members)}"
                    continue
                for name, member in members.items():
                    self.push(join_pointer(pointer, key, name), member, "schema")

    def _keyword_types(self, pointer: str, node: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        for key in node:  # a schema has a few keywords: each looked up once
            kind = _KEYWORD_KINDS.get(key)
            if kind is None:
                continue
            value = node[key]
            where = f"{pointer}/{key}"  # keywords need no escaping
            if kind == "type":
                if type(value) is str and value in JSON_TYPES:
                    continue
                listed = value if isinstance(value, list) else [value]
                if not listed or not all(isinstance(t, str) and t in JSON_TYPES for t in listed):
                    yield where, f"`type` must name JSON types ({', '.join(sorted(JSON_TYPES))})"
            elif kind == "required":
                if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
                    yield where, "`required` must be a list of property names"
            elif kind == "enum":
                if not isinstance(value, list):
                    yield where, "`enum` must be a list"
            elif kind == "number":
                if not _is_number(value) or not math.isfinite(value) or (key == "multipleOf" and value <= 0):
                    wanted = "a number above 0" if key == "multipleOf" else "a finite number"
                    yield where, f"`{key}` must be {wanted}"
            elif kind == "count":
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    yield where, f"`{key}` must be a non-negative integer"
            elif kind == "text":
                if not isinstance(value, str):
                    yield where, f"`{key}` must be a string"
            elif kind == "flag":
                if not isinstance(value, bool):
                    yield where, f"`{key}` must be true or false"
            elif not isinstance(value, Mapping) or not isinstance(value.get("propertyName"), str):
                yield where, "`discriminator` must be a mapping with a `propertyName`"
