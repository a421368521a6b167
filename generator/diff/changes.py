"""Compare two normalized specs: what changed for a client, and which changes break it.

Rules follow the usual API-evolution conventions (as in oasdiff's breaking-change checks):

* removing an operation, changing its success status, adding a required parameter or
  request property, removing or retyping a parameter or request property, removing a request
  enum value, making a request field non-nullable: breaking for callers;
* removing or retyping a response property, making it optional, adding a response enum value,
  making a response field nullable: breaking for code that reads responses;
* everything else that differs (new operations, new optional fields, descriptions, rate
  limits) is reported as non-breaking.

Schemas are compared after following ``$ref`` (component renames are not changes in themselves).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


@dataclass(frozen=True, order=True)
class Change:
    """One difference: ``breaking`` is True when existing clients may fail because of it."""

    operation: str
    where: str
    message: str
    breaking: bool

    def format(self) -> str:
        """``BREAKING recording_partial_update response.status.code: enum value 'paused' removed``."""
        tag = "BREAKING" if self.breaking else "change"
        return f"{tag} {self.operation} {self.where}: {self.message}"


def _ops(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): op
        for path, item in doc.get("paths", {}).items()
        for method, op in item.items()
        if method in METHODS and isinstance(op, dict)
    }


class _Resolver:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def __call__(self, schema: Any) -> dict[str, Any]:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 50:
            ref = str(schema["$ref"])
            node: Any = self.doc
            for part in ref.lstrip("#/").split("/"):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            schema, seen = node, seen + 1
        return schema if isinstance(schema, dict) else {}


def diff_specs(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from ``old`` to ``new``, sorted (breaking first, then by operation)."""
    changes: list[Change] = []
    old_ops, new_ops = _ops(old), _ops(new)
    ro, rn = _Resolver(old), _Resolver(new)
    for key in sorted(set(old_ops) | set(new_ops)):
        path, method = key
        label = (new_ops.get(key) or old_ops.get(key) or {}).get("operationId", f"{method.upper()} {path}")
        if key not in new_ops:
            changes.append(Change(label, f"{method.upper()} {path}", "operation removed", True))
            continue
        if key not in old_ops:
            changes.append(Change(label, f"{method.upper()} {path}", "operation added", False))
            continue
        _compare_operation(label, old_ops[key], new_ops[key], ro, rn, changes)
    return sorted(changes, key=lambda c: (not c.breaking, c.operation, c.where, c.message))


def _compare_operation(
    label: str, old: dict[str, Any], new: dict[str, Any], ro: _Resolver, rn: _Resolver, out: list[Change]
) -> None:
    old_params = {(p.get("in"), p.get("name")): p for p in (ro(p) for p in old.get("parameters", []))}
    new_params = {(p.get("in"), p.get("name")): p for p in (rn(p) for p in new.get("parameters", []))}
    for key in sorted(set(old_params) | set(new_params), key=str):
        where = f"parameter {key[1]} ({key[0]})"
        if key not in new_params:
            out.append(Change(label, where, "parameter removed", True))
        elif key not in old_params:
            required = bool(new_params[key].get("required"))
            out.append(Change(label, where, "required parameter added" if required else "parameter added", required))
        else:
            if new_params[key].get("required") and not old_params[key].get("required"):
                out.append(Change(label, where, "parameter became required", True))
            _compare_schema(
                label,
                where,
                old_params[key].get("schema", {}),
                new_params[key].get("schema", {}),
                ro,
                rn,
                "request",
                out,
                set(),
            )
    old_body, new_body = _body(old), _body(new)
    if old_body is not None and new_body is None:
        out.append(Change(label, "requestBody", "request body removed", True))
    elif old_body is None and new_body is not None:
        out.append(Change(label, "requestBody", "request body added", bool(new.get("requestBody", {}).get("required"))))
    elif old_body is not None and new_body is not None:
        _compare_schema(label, "request", old_body, new_body, ro, rn, "request", out, set())
    old_status, old_schema = _success(old)
    new_status, new_schema = _success(new)
    if old_status != new_status:
        out.append(Change(label, "responses", f"success status {old_status} -> {new_status}", True))
    if old_schema is not None and new_schema is not None:
        _compare_schema(label, "response", old_schema, new_schema, ro, rn, "response", out, set())
    elif old_schema is not None:
        out.append(Change(label, "response", "response body removed", True))
    elif new_schema is not None:
        out.append(Change(label, "response", "response body added", False))
    if old.get("x-rate-limit") != new.get("x-rate-limit"):
        out.append(Change(label, "x-rate-limit", f"{old.get('x-rate-limit')} -> {new.get('x-rate-limit')}", False))
    if old.get("security") != new.get("security"):
        out.append(Change(label, "security", f"{old.get('security')} -> {new.get('security')}", True))


def _body(op: dict[str, Any]) -> dict[str, Any] | None:
    media = op.get("requestBody", {}).get("content", {}).get("application/json")
    return media.get("schema", {}) if isinstance(media, dict) else None


def _success(op: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    for status in sorted(op.get("responses", {})):
        if status.startswith("2"):
            media = op["responses"][status].get("content", {}).get("application/json")
            return status, (media.get("schema", {}) if isinstance(media, dict) else None)
    return "", None


def _types(schema: dict[str, Any], resolve: _Resolver) -> tuple[set[str], bool, dict[str, Any]]:
    """(JSON types without null, nullable, the schema that carries the type)."""
    nullable = False
    branches = schema.get("anyOf")
    if isinstance(branches, list):
        rest = [b for b in branches if resolve(b).get("type") != "null"]
        nullable = len(rest) < len(branches)
        if len(rest) == 1:
            schema = rest[0]
    target = resolve(schema)
    raw = target.get("type")
    kinds = set(raw) if isinstance(raw, list) else {raw} if isinstance(raw, str) else set()
    if "null" in kinds:
        nullable = True
        kinds.discard("null")
    if None in target.get("enum", []):
        nullable = True
    return kinds, nullable, target


def _compare_schema(
    label: str,
    where: str,
    old: dict[str, Any],
    new: dict[str, Any],
    ro: _Resolver,
    rn: _Resolver,
    direction: str,
    out: list[Change],
    seen: set[tuple[int, int]],
) -> None:
    ok, onull, ot = _types(old, ro)
    nk, nnull, nt = _types(new, rn)
    if (id(ot), id(nt)) in seen:
        return
    seen = seen | {(id(ot), id(nt))}
    request = direction == "request"
    if ok and nk and ok != nk:
        out.append(Change(label, where, f"type {sorted(ok)} -> {sorted(nk)}", True))
        return
    if onull != nnull:
        breaking = (request and onull) or (not request and nnull)
        out.append(Change(label, where, "now nullable" if nnull else "no longer nullable", breaking))
    if ot.get("format") != nt.get("format"):
        out.append(Change(label, where, f"format {ot.get('format')} -> {nt.get('format')}", bool(nt.get("format"))))
    old_enum = [v for v in ot.get("enum", []) if v is not None]
    new_enum = [v for v in nt.get("enum", []) if v is not None]
    if old_enum or new_enum:
        for value in (v for v in old_enum if v not in new_enum):
            out.append(Change(label, where, f"enum value {value!r} removed", request == bool(new_enum)))
        for value in (v for v in new_enum if v not in old_enum):
            out.append(Change(label, where, f"enum value {value!r} added", (not request) == bool(old_enum)))
    old_props, new_props = ot.get("properties", {}), nt.get("properties", {})
    old_req, new_req = set(ot.get("required", [])), set(nt.get("required", []))
    for name in sorted(set(old_props) | set(new_props)):
        child = f"{where}.{name}"
        if name not in new_props:
            out.append(Change(label, child, "property removed", True))
        elif name not in old_props:
            required = name in new_req
            message = "required property added" if required else "property added"
            out.append(Change(label, child, message, request and required))
        else:
            if name in new_req and name not in old_req:
                out.append(Change(label, child, "became required", request))
            elif name in old_req and name not in new_req:
                out.append(Change(label, child, "became optional", not request))
            _compare_schema(label, child, old_props[name], new_props[name], ro, rn, direction, out, seen)
    if isinstance(ot.get("items"), dict) and isinstance(nt.get("items"), dict):
        _compare_schema(label, f"{where}[]", ot["items"], nt["items"], ro, rn, direction, out, seen)


def to_markdown(changes: list[Change]) -> str:
    """A changelog section: breaking changes first, then the rest, one bullet each."""
    lines = ["## API changes", ""]
    for title, breaking in (("Breaking changes", True), ("Other changes", False)):
        group = [c for c in changes if c.breaking is breaking]
        if group:
            lines += [f"### {title}", ""]
            lines += [f"- `{c.operation}` {c.where}: {c.message}" for c in group]
            lines.append("")
    if len(lines) == 2:
        lines += ["No changes.", ""]
    return "\n".join(lines)


def to_json(changes: list[Change]) -> str:
    """All changes and the breaking count as one JSON document."""
    return json.dumps({"changes": [asdict(c) for c in changes], "breaking": sum(c.breaking for c in changes)}, indent=2)
