"""Shaping values to the spec's schemas: the sandbox's own use of JSON Schema.

The spec's schemas are addressed by JSON pointer and resolved and validated by the toolkit's one
resolver, :class:`generator.spec.refs.Refs` (``$ref``s through ``referencing``, Draft 2020-12
validators with format checks). On top of it, :class:`Shaper` *synthesizes* a minimal valid
instance of a schema and *conforms* a value to a schema (keep what fits, fill the rest from a
valid fallback); the sandbox uses both so that it never emits a body that fails the schema it
declares (OpenAPI 3.1.0 section 4.8.24: schemas are JSON Schema 2020-12).
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Mapping
from typing import Any

from generator.spec.checks import Checks
from generator.spec.refs import Refs, join_pointer

_SYNTH_DEPTH = 12


class Shaper:
    """Synthesis and conforming over one document's :class:`Refs` (``refs``), never modified.

    Fallbacks are cached per pointer. Pointers must address schemas; a non-local or dangling
    ``$ref`` raises :class:`generator.spec.refs.SpecRefError` (a spec the sandbox serves has none).
    """

    def __init__(self, refs: Refs) -> None:
        self.refs = refs
        self.checks = Checks(refs)
        #: ``is_valid(instance, pointer)``: the compiled check (:mod:`generator.spec.checks`).
        self.is_valid = self.checks.is_valid
        self._fallbacks: dict[str, Any] = {}

    def synthesize(self, pointer: str) -> Any:
        """A small instance of the schema at ``pointer`` (required properties only; may be invalid
        for exotic schemas: callers check with :meth:`is_valid`)."""
        return self._synth(pointer, 0)

    def _synth(self, pointer: str, depth: int) -> Any:
        ptr, node = self.refs.deref(pointer)
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
        types = self.refs.types(ptr)
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
        ptr, node = self.refs.deref(pointer)
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
