"""Read the normalized spec as the judge: self-contained JSON Schemas for components and bodies.

Every schema handed to jsonschema or hypothesis-jsonschema is made standalone: the spec's
``#/components/schemas/X`` references are rewritten to ``#/$defs/X`` and the components are
attached as ``$defs`` (JSON Schema 2020-12, section 8.2.4), so validation needs no registry.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
_PREFIX = "#/components/schemas/"


@functools.lru_cache(maxsize=4)
def load_spec(path: Path = SPEC) -> dict[str, Any]:
    """The OpenAPI document at ``path`` (cached; treat as read-only)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)  # type: ignore[no-any-return]


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _rewrite(v) for k, v in node.items() if k not in ("example", "examples")}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(_PREFIX):
            out["$ref"] = "#/$defs/" + ref[len(_PREFIX) :]
        return out
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


@functools.lru_cache(maxsize=4)
def _defs(path: Path) -> dict[str, Any]:
    return {name: _rewrite(schema) for name, schema in load_spec(path)["components"]["schemas"].items()}


def standalone(schema: dict[str, Any], path: Path = SPEC) -> dict[str, Any]:
    """``schema`` with the components it reaches attached as ``$defs``."""
    out = copy.deepcopy(_rewrite(schema))
    defs = _defs(path)
    reached: dict[str, Any] = {}
    pending = _refs(out)
    while pending:
        name = pending.pop()
        if name in reached or name not in defs:
            continue
        reached[name] = defs[name]
        pending |= _refs(defs[name])
    out["$defs"] = {name: reached[name] for name in sorted(reached)}
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                found.add(ref[len("#/$defs/") :])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


@functools.cache
def component(name: str, path: Path = SPEC) -> dict[str, Any]:
    """The standalone schema of component ``name`` (cached: treat as read-only)."""
    return standalone({"$ref": _PREFIX + name}, path)


def resolve(schema: dict[str, Any], path: Path = SPEC) -> dict[str, Any]:
    """Follow ``$ref``/nullable ``anyOf`` to the schema that has the type (for walking)."""
    defs = _defs(path)
    while True:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            schema = defs[ref.rsplit("/", 1)[-1]]
            continue
        branches = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
        if len(branches) == 1 and "type" not in schema:
            schema = branches[0]
            continue
        return schema


def is_valid(instance: Any, schema: dict[str, Any]) -> bool:
    """jsonschema Draft 2020-12 with format checks: the judge."""
    return not list(validator(schema).iter_errors(instance))


def errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    """The judge's complaints about ``instance``, one line each."""
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator(schema).iter_errors(instance)
    ]


_VALIDATORS: dict[int, tuple[dict[str, Any], jsonschema.Draft202012Validator]] = {}


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A Draft 2020-12 validator that also checks formats (uuid, date-time, uri); cached per schema."""
    cached = _VALIDATORS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    made = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    _VALIDATORS[id(schema)] = (schema, made)
    return made


@dataclass(frozen=True)
class OperationSpec:
    """One operation of the spec, as the conformance checks need it."""

    operation_id: str
    method: str
    path: str
    operation: dict[str, Any]

    @property
    def request_schema(self) -> dict[str, Any] | None:
        body = self.operation.get("requestBody", {}).get("content", {}).get("application/json")
        return body["schema"] if body else None

    @property
    def success(self) -> tuple[str, dict[str, Any] | None]:
        """(status, response schema or None for an empty body)."""
        for status, response in sorted(self.operation["responses"].items()):
            if status.startswith("2"):
                content = response.get("content", {}).get("application/json")
                return status, (content["schema"] if content else None)
        raise KeyError(f"{self.operation_id} has no 2xx response")


def operations(path: Path = SPEC) -> list[OperationSpec]:
    """Every operation of the spec, sorted by operationId."""
    spec = load_spec(path)
    found = [
        OperationSpec(op["operationId"], method, route, op)
        for route, item in spec["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    ]
    return sorted(found, key=lambda o: o.operation_id)
