"""Deterministic instances of a schema and the paths to mutate them (edge cases, near-misses).

Hypothesis explores the space at random; these builders make sure the edges the vendor's
pages are vague about are always covered: every nullable field as null, every enum value,
optional fields absent, unknown fields present, and one near-miss per constraint.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Resolver = Callable[[dict[str, Any]], dict[str, Any]]
Path = tuple[str | int, ...]
MAX_DEPTH = 12

_FORMATS = {
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "date-time": "2025-06-10T19:02:11Z",
    "date": "2025-06-10",
    "uri": "https://example.com/resource",
    "email": "user@example.com",
}


def types_of(schema: dict[str, Any]) -> list[str]:
    """The JSON types a schema allows, ``null`` included when nullable."""
    t = schema.get("type")
    out = list(t) if isinstance(t, list) else [t] if isinstance(t, str) else []
    if any(branch.get("type") == "null" for branch in schema.get("anyOf", [])):
        out.append("null")
    if "enum" in schema and None in schema["enum"] and "null" not in out:
        out.append("null")
    return out


def instance(schema: dict[str, Any], resolve: Resolver, *, full: bool = True, depth: int = 0) -> Any:
    """A valid value of ``schema``: every property when ``full``, only required ones otherwise."""
    target = resolve(schema)
    kinds = [k for k in types_of(target) if k != "null"]
    if "enum" in target:
        values = [v for v in target["enum"] if v is not None]
        return values[0] if values else None
    if not kinds:
        branches = [b for b in target.get("anyOf", []) if types_of(resolve(b)) != ["null"]]
        if branches:  # a union (``anyOf: [integer, {$ref}]``): its first alternative
            return instance(branches[0], resolve, full=full, depth=depth)
        return None if "null" in types_of(schema) or "null" in types_of(target) else "value"
    kind = kinds[0]
    if kind == "object":
        if depth >= MAX_DEPTH:
            return {}
        required = set(target.get("required", []))
        out = {
            name: instance(prop, resolve, full=full, depth=depth + 1)
            for name, prop in target.get("properties", {}).items()
            if full or name in required
        }
        extra = target.get("additionalProperties")
        if full and isinstance(extra, dict) and not target.get("properties"):
            out["key"] = instance(extra, resolve, full=full, depth=depth + 1)
        return out
    if kind == "array":
        items = target.get("items", {})
        return [instance(items, resolve, full=full, depth=depth + 1)] if full and depth < MAX_DEPTH else []
    if kind == "string":
        return _FORMATS.get(target.get("format", ""), "text")
    return {"integer": 1, "number": 1.5, "boolean": True}.get(kind)


@dataclass(frozen=True)
class Site:
    """One property of an instance: where it is and what its schema allows."""

    path: Path
    schema: dict[str, Any]
    nullable: bool
    required: bool


def sites(schema: dict[str, Any], value: Any, resolve: Resolver, path: Path = (), depth: int = 0) -> Iterator[Site]:
    """Every property present in ``value`` (a :func:`instance` of ``schema``), depth-first."""
    target = resolve(schema)
    if depth >= MAX_DEPTH:
        return
    if isinstance(value, dict):
        required = set(target.get("required", []))
        for name, prop in target.get("properties", {}).items():
            if name not in value:
                continue
            resolved = resolve(prop)
            nullable = "null" in types_of(prop) or "null" in types_of(resolved)
            yield Site((*path, name), resolved, nullable, name in required)
            yield from sites(prop, value[name], resolve, (*path, name), depth + 1)
    elif isinstance(value, list) and value and isinstance(target.get("items"), dict):
        yield from sites(target["items"], value[0], resolve, (*path, 0), depth + 1)


def set_at(value: Any, path: Path, new: Any) -> Any:
    """A copy of ``value`` with the node at ``path`` replaced by ``new``."""
    out = copy.deepcopy(value)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = new
    return out


def delete_at(value: Any, path: Path) -> Any:
    """A copy of ``value`` without the property at ``path``."""
    out = copy.deepcopy(value)
    node = out
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return out


def wrong_type(schema: dict[str, Any]) -> Any:
    """A value of a JSON type the schema does not allow (and lax parsing cannot coerce)."""
    kinds = set(types_of(schema))
    if kinds & {"integer", "number"}:
        return "not-a-number"
    if "boolean" in kinds:
        return "not-a-boolean"
    if "string" in kinds:
        return {"unexpected": "object"}
    if "object" in kinds or "array" in kinds:
        return "not-a-container"
    return None
