"""JSON Schema 2020-12 validation and shaping of values against the spec's schemas.

Every schema is addressed by a JSON pointer into the OpenAPI document (RFC 6901), e.g.
``/paths/~1api~1v1~1recording~1{id}~1/patch/requestBody/content/application~1json/schema``.
Validating ``{"$ref": "urn:recallgen:spec#<pointer>"}`` against a ``referencing`` registry
that holds the whole document keeps every ``$ref: '#/components/schemas/X'`` inside the schema
resolvable (OpenAPI 3.1.0 section 4.8.24: schemas are JSON Schema 2020-12 and ``$ref``s are
relative to the document). Formats are checked with jsonschema's ``FORMAT_CHECKER`` (uuid,
date-time, email, uri, ...), as Schemathesis does on responses.

Besides validation, :class:`SchemaIndex` can *synthesize* a minimal valid instance of a schema
and *conform* a value to a schema (keep what fits, fill the rest from a valid fallback); the
sandbox uses both so that it never emits a body that fails the schema it declares.
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

#: Base URI under which the whole OpenAPI document is registered.
SPEC_URI = "urn:recallgen:spec"

_SYNTH_DEPTH = 12

#: RFC 3986 section 3 ``URI``: a scheme, ``:``, then only allowed or percent-encoded characters.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")

#: Every format jsonschema can check here (uuid, date-time, email, ...) plus ``uri``, which it
#: only checks with the optional ``rfc3987`` package; Schemathesis checks it on responses.
FORMAT_CHECKER = FormatChecker()


def _is_uri(instance: object) -> bool:
    return not isinstance(instance, str) or _URI.fullmatch(instance) is not None


FORMAT_CHECKER.checks("uri")(_is_uri)


class SpecRefError(ValueError):
    """A ``$ref`` that is not a local JSON pointer (``#/...``) or points at nothing."""


def escape_token(token: str) -> str:
    """One JSON pointer reference token, escaped (RFC 6901 section 3: ``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def join_pointer(pointer: str, *tokens: str | int) -> str:
    """``pointer`` extended by ``tokens`` (each escaped); ``""`` is the document root."""
    return pointer + "".join("/" + escape_token(str(t)) for t in tokens)


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise SpecRefError(f"not a JSON pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


class SchemaIndex:
    """Look-ups, validators, synthesis and conforming over one OpenAPI document.

    ``document`` is the parsed spec (a dict); it is never modified. Validators are cached per
    pointer. Raises :class:`SpecRefError` for non-local or dangling ``$ref``s when resolving.
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        resource: Resource[Any] = DRAFT202012.create_resource(dict(document))
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        self._fallbacks: dict[str, Any] = {}

    # -- look-ups -----------------------------------------------------------------------------
    def at(self, pointer: str) -> Any:
        """The node at ``pointer``; raises :class:`SpecRefError` when nothing is there."""
        node: Any = self.document
        for token in _tokens(pointer):
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise SpecRefError(f"$ref target #{pointer} does not exist")
        return node

    def deref(self, pointer: str) -> tuple[str, Any]:
        """Follow ``$ref`` chains from ``pointer``: the final ``(pointer, node)``."""
        seen: set[str] = set()
        node = self.at(pointer)
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#"):
                raise SpecRefError(f"only local $refs are supported, got {ref!r}")
            if ref in seen:
                raise SpecRefError(f"$ref cycle through {ref!r}")
            seen.add(ref)
            pointer = unquote(ref[1:])
            node = self.at(pointer)
        return pointer, node

    def schema(self, pointer: str) -> dict[str, Any]:
        """The schema at ``pointer`` with top-level ``$ref``s followed (``{}`` for a boolean ``true``)."""
        _, node = self.deref(pointer)
        return dict(node) if isinstance(node, Mapping) else {}

    def types(self, pointer: str) -> list[str]:
        """The JSON types a schema allows (``type`` as a list; ``[]`` when unconstrained)."""
        declared = self.schema(pointer).get("type", [])
        return [declared] if isinstance(declared, str) else list(declared)

    def property_names(self, pointer: str) -> list[str]:
        """Top-level property names of an object schema, including those of ``allOf`` branches."""
        ptr, node = self.deref(pointer)
        names = list(node.get("properties", {})) if isinstance(node, Mapping) else []
        for i, _ in enumerate(node.get("allOf", []) if isinstance(node, Mapping) else []):
            names += [n for n in self.property_names(join_pointer(ptr, "allOf", i)) if n not in names]
        return names

    # -- validation ---------------------------------------------------------------------------
    def validator(self, pointer: str) -> Draft202012Validator:
        """A cached Draft 2020-12 validator (with format checks) for the schema at ``pointer``."""
        found = self._validators.get(pointer)
        if found is None:
            ref = SPEC_URI + "#" + "/".join(quote(t, safe="~") for t in pointer.split("/"))
            found = Draft202012Validator({"$ref": ref}, registry=self._registry, format_checker=FORMAT_CHECKER)
            self._validators[pointer] = found
        return found

    def is_valid(self, instance: Any, pointer: str) -> bool:
        """True when ``instance`` validates against the schema at ``pointer``."""
        return bool(self.validator(pointer).is_valid(instance))

    def errors(self, instance: Any, pointer: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` messages ``where: message`` (where: ``a.b[0]`` or ``<root>``), deepest first."""
        found = sorted(self.validator(pointer).iter_errors(instance), key=lambda e: -len(e.absolute_path))
        out = []
        for error in found[:limit]:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            out.append(f"{where.lstrip('.') or '<root>'}: {error.message}")
        return out

    # -- shaping ------------------------------------------------------------------------------
    def synthesize(self, pointer: str) -> Any:
        """A small instance of the schema at ``pointer`` (required properties only; may be invalid
        for exotic schemas: callers check with :meth:`is_valid`)."""
        return self._synth(pointer, 0)

    def _synth(self, pointer: str, depth: int) -> Any:
        ptr, node = self.deref(pointer)
        if not isinstance(node, Mapping):
            return None
        if "const" in node:
            return node["const"]
        if node.get("enum"):
            return node["enum"][0]
        if "default" in node:
            return node["default"]
        if "examples" in node and isinstance(node["examples"], list) and node["examples"]:
            return node["examples"][0]
        for keyword in ("anyOf", "oneOf"):
            for i, _ in enumerate(node.get(keyword, [])):
                candidate = self._synth(join_pointer(ptr, keyword, i), depth + 1)
                if self.is_valid(candidate, join_pointer(ptr, keyword, i)):
                    return candidate
        if node.get("allOf"):
            merged: dict[str, Any] = {}
            for i, _ in enumerate(node["allOf"]):
                part = self._synth(join_pointer(ptr, "allOf", i), depth + 1)
                if isinstance(part, dict):
                    merged.update(part)
            return merged
        types = self.types(ptr)
        kind = next((t for t in types if t != "null"), None if types else "object")
        if kind is None or depth > _SYNTH_DEPTH:
            return None if "null" in types or kind is None else _EMPTY.get(kind)
        if kind == "object":
            return {
                name: self._synth(join_pointer(ptr, "properties", name), depth + 1)
                for name in node.get("required", [])
                if name in node.get("properties", {})
            }
        if kind == "array":
            count = int(node.get("minItems", 0))
            return [self._synth(join_pointer(ptr, "items"), depth + 1) for _ in range(count)]
        if kind == "string":
            return _string_for(node)
        if kind in ("integer", "number"):
            low = node.get("minimum", node["exclusiveMinimum"] + 1 if "exclusiveMinimum" in node else 0)
            return int(low) if kind == "integer" else float(low)
        return _EMPTY.get(kind)

    def fallback(self, pointer: str, example: Any = None, has_example: bool = False) -> Any:
        """A valid instance for ``pointer``: ``example`` when given and valid, else a synthesized one.

        Returns None when neither validates (the caller then has nothing valid to send). Cached per
        pointer and example presence.
        """
        key = f"{pointer}|{has_example}"
        if key not in self._fallbacks:
            if has_example and self.is_valid(example, pointer):
                self._fallbacks[key] = example
            else:
                synthesized = self.synthesize(pointer)
                self._fallbacks[key] = synthesized if self.is_valid(synthesized, pointer) else None
        return self._fallbacks[key]

    def conform(self, value: Any, pointer: str, fallback: Any) -> Any:
        """``value`` made valid for the schema at ``pointer``, keeping as much of it as fits.

        ``value`` itself when valid. Else a repaired copy: members whose sub-schema they fail are
        repaired the same way, recursively (objects through ``properties``, arrays through
        ``items``, trying each ``anyOf``/``oneOf`` branch), dropped when they cannot be, and missing
        required members synthesized. When that is still invalid: ``fallback`` (which must be
        valid) with each top-level member of ``value`` laid over it whenever the result stays
        valid. The result is valid whenever ``fallback`` is.
        """
        if self.is_valid(value, pointer):
            return value
        repaired = self._repair(value, pointer, 0)
        if repaired is not _FAIL:
            return repaired
        if not isinstance(value, dict) or not isinstance(fallback, dict):
            return fallback
        out = dict(fallback)
        for name, member in value.items():
            trial = {**out, name: member}
            if self.is_valid(trial, pointer):
                out = trial
        return out

    def _branches(self, pointer: str) -> list[tuple[str, Mapping[str, Any]]]:
        ptr, node = self.deref(pointer)
        if not isinstance(node, Mapping):
            return []
        out = [(ptr, node)]
        for keyword in ("anyOf", "oneOf"):
            for i, _ in enumerate(node.get(keyword, [])):
                out += self._branches(join_pointer(ptr, keyword, i))
        return out

    def _repair(self, value: Any, pointer: str, depth: int) -> Any:
        if depth > _SYNTH_DEPTH or not isinstance(value, dict | list):
            return _FAIL
        for ptr, node in self._branches(pointer):
            if isinstance(value, dict) and isinstance(node.get("properties"), Mapping):
                candidate: Any = self._repair_object(value, ptr, node, depth)
            elif isinstance(value, list) and "items" in node:
                items = join_pointer(ptr, "items")
                fixed = [m if self.is_valid(m, items) else self._repair(m, items, depth + 1) for m in value]
                candidate = [m for m in fixed if m is not _FAIL]
            else:
                continue
            if self.is_valid(candidate, pointer):
                return candidate
        return _FAIL

    def _repair_object(self, value: dict[str, Any], ptr: str, node: Mapping[str, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, member in value.items():
            if name not in node["properties"]:
                out[name] = member
                continue
            sub = join_pointer(ptr, "properties", name)
            fixed = member if self.is_valid(member, sub) else self._repair(member, sub, depth + 1)
            if fixed is not _FAIL:
                out[name] = fixed
        for name in node.get("required", []):
            if name not in out and name in node["properties"]:
                out[name] = self.fallback(join_pointer(ptr, "properties", name))
        return out


_FAIL = object()


_EMPTY: dict[str, Any] = {"object": {}, "array": [], "string": "", "integer": 0, "number": 0.0, "boolean": False}


def _string_for(node: Mapping[str, Any]) -> str:
    fmt = node.get("format")
    text: str
    if fmt == "uuid":
        text = str(uuid.UUID(int=0))
    elif fmt == "date-time":
        text = _dt.datetime(2025, 1, 1, tzinfo=_dt.UTC).isoformat().replace("+00:00", "Z")
    elif fmt == "date":
        text = "2025-01-01"
    elif fmt == "email":
        text = "user@example.com"
    elif fmt in ("uri", "url", "uri-reference"):
        text = "https://example.com/"
    else:
        text = ""
    min_length = int(node.get("minLength", 0))
    return text + "x" * max(0, min_length - len(text))
