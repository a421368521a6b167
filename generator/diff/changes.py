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
Both specs are read through the typed model (:class:`generator.spec.model.Spec`): operations,
parameters (path-level ones included), bodies, rate limits and the security requirements in
force; ``$ref``s are resolved by its resolver.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from generator.spec.model import MediaType, Operation, Spec

#: Follows ``$ref``s to the schema object (``{}`` when there is none): :meth:`Spec.resolve`.
_Resolver = Callable[[Any], dict[str, Any]]


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


def _resolver(spec: Spec) -> _Resolver:
    def resolve(schema: Any) -> dict[str, Any]:
        found = spec.resolve(schema)
        return found if isinstance(found, dict) else {}

    return resolve


def diff_specs(old: Spec, new: Spec) -> list[Change]:
    """Every change from ``old`` to ``new``, sorted (breaking first, then by operation)."""
    changes: list[Change] = []
    old_ops = {(op.path, op.method.lower()): op for op in old.operations}
    new_ops = {(op.path, op.method.lower()): op for op in new.operations}
    ro, rn = _resolver(old), _resolver(new)
    for key in sorted(set(old_ops) | set(new_ops)):
        path, method = key
        label = (new_ops.get(key) or old_ops[key]).operation_id
        if key not in new_ops:
            changes.append(Change(label, f"{method.upper()} {path}", "operation removed", True))
            continue
        if key not in old_ops:
            changes.append(Change(label, f"{method.upper()} {path}", "operation added", False))
            continue
        _compare_operation(label, old_ops[key], new_ops[key], ro, rn, changes)
    return sorted(changes, key=lambda c: (not c.breaking, c.operation, c.where, c.message))


def _compare_operation(
    label: str, old: Operation, new: Operation, ro: _Resolver, rn: _Resolver, out: list[Change]
) -> None:
    old_params = {(p.location, p.name): p for p in old.parameters}
    new_params = {(p.location, p.name): p for p in new.parameters}
    for key in sorted(set(old_params) | set(new_params), key=str):
        where = f"parameter {key[1]} ({key[0]})"
        if key not in new_params:
            out.append(Change(label, where, "parameter removed", True))
        elif key not in old_params:
            required = new_params[key].required
            out.append(Change(label, where, "required parameter added" if required else "parameter added", required))
        else:
            before, after = old_params[key], new_params[key]
            if after.required and not before.required:
                out.append(Change(label, where, "parameter became required", True))
            old_schema = before.schema.node if before.schema is not None else {}
            new_schema = after.schema.node if after.schema is not None else {}
            _compare_schema(label, where, old_schema, new_schema, ro, rn, "request", out, set())
    old_body = _schema(old.request_body.json if old.request_body is not None else None)
    new_body = _schema(new.request_body.json if new.request_body is not None else None)
    if old_body is not None and new_body is None:
        out.append(Change(label, "requestBody", "request body removed", True))
    elif old_body is None and new_body is not None:
        required = new.request_body is not None and new.request_body.required
        out.append(Change(label, "requestBody", "request body added", required))
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
    if old.rate_limit != new.rate_limit:
        was, now = old.extensions.get("x-rate-limit"), new.extensions.get("x-rate-limit")
        out.append(Change(label, "x-rate-limit", f"{was} -> {now}", False))
    old_security, new_security = _security(old), _security(new)
    if old_security != new_security:
        out.append(Change(label, "security", f"{old_security} -> {new_security}", True))


def _schema(media: MediaType | None) -> Any:
    """The schema of a JSON media type (``{}`` when it declares none); None without JSON content."""
    if media is None:
        return None
    return media.schema.node if media.schema is not None else {}


def _success(op: Operation) -> tuple[str, Any]:
    success = op.success
    if success is None:
        return "", None
    return success.status, _schema(success.json)


def _security(op: Operation) -> list[dict[str, list[str]]]:
    """The security requirements in force (the operation's, else the root's), as written in a spec."""
    return [{scheme.name: [] for scheme in alternative} for alternative in op.security]


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
