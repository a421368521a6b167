"""The spec as the sandbox sees it: operations, parameters, bodies, responses, security, limits.

:func:`load_spec` reads a YAML/JSON OpenAPI 3.1 document and :func:`build_spec` turns it into an
:class:`ApiSpec`. Everything is read generically from the document (OpenAPI 3.1.0 sections 4.8.8
Path Item, 4.8.10 Operation, 4.8.12 Parameter, 4.8.13 Request Body, 4.8.17 Response, 4.8.27
Security Scheme) plus the toolkit's ``x-rate-limit: {limit, period, scope}`` extension. Schemas
stay in the document and are addressed by JSON pointer (see :mod:`generator.sandbox.schemas`).

Problems are reported as diagnostics (``sandbox-*`` codes in :mod:`generator.diagnostics`), never
raised: a spec the sandbox cannot serve yields ``None`` and at least one error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.diagnostics import Diagnostics
from generator.sandbox.schemas import SchemaIndex, SpecRefError, join_pointer

#: libyaml's loader when PyYAML was built with it (about 20x faster on the corpus spec).
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_MEDIA = "application/json"


@dataclass(frozen=True)
class Parameter:
    """One path, query or header parameter; ``schema`` is a JSON pointer (None: unconstrained)."""

    name: str
    location: str
    required: bool
    schema: str | None


@dataclass(frozen=True)
class ResponseSpec:
    """A declared response: ``schema`` points at its ``application/json`` schema (None: no body)."""

    status: int
    schema: str | None
    example: Any = None
    has_example: bool = False
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RateLimit:
    """``x-rate-limit``: at most ``limit`` requests per ``period`` seconds per ``scope``."""

    limit: int
    period: float
    scope: str


@dataclass(frozen=True)
class SecurityScheme:
    """An ``apiKey`` scheme read from ``components.securitySchemes`` (only ``in: header``)."""

    name: str
    header: str

    @property
    def is_authorization(self) -> bool:
        """True for the ``Authorization`` header, whose value is ``Token <key>`` (authentication page)."""
        return self.header.lower() == "authorization"


@dataclass(frozen=True)
class Operation:
    """One operation. ``security`` lists alternatives, each a tuple of schemes that must all pass."""

    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    body_schema: str | None
    body_required: bool
    responses: Mapping[int, ResponseSpec]
    security: tuple[tuple[SecurityScheme, ...], ...]
    rate_limit: RateLimit | None
    pointer: str

    @property
    def success(self) -> ResponseSpec:
        """The lowest declared 2xx response (a bodiless 200 when none is declared)."""
        codes = sorted(c for c in self.responses if 200 <= c < 300)
        return self.responses[codes[0]] if codes else ResponseSpec(200, None)

    def param(self, location: str, name: str) -> Parameter | None:
        """The parameter ``name`` in ``location`` (header names compare case-insensitively)."""
        for p in self.parameters:
            if p.location == location and (p.name == name or (location == "header" and p.name.lower() == name.lower())):
                return p
        return None


@dataclass
class ApiSpec:
    """The served spec: operations by ``(method, path)`` plus the schema index of the document."""

    source: str
    index: SchemaIndex
    operations: dict[tuple[str, str], Operation] = field(default_factory=dict)

    @property
    def paths(self) -> list[str]:
        """Distinct path templates, in document order."""
        return list(dict.fromkeys(path for _, path in self.operations))


def load_spec(path: Path, diags: Diagnostics) -> ApiSpec | None:
    """Read and build the spec at ``path``; None (with ``spec-unreadable``/``sandbox-*`` errors) on failure.

    Diagnostics about a node carry its 1-based line in the file (found by composing the YAML
    again, only when there is something to report).
    """
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.load(text, Loader=_Loader)  # a safe loader (C or pure Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        diags.error(str(path), line, "spec-unreadable", f"not valid YAML: {getattr(exc, 'problem', exc)}")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        diags.error(str(path), 0, "spec-unreadable", f"cannot read the spec: {exc}")
        return None
    composed: list[yaml.Node | None] = []

    def line_of(pointer: str) -> int:
        if not composed:
            try:
                composed.append(yaml.compose(text, Loader=_Loader))
            except yaml.YAMLError:
                composed.append(None)
        return _line_of(composed[0], pointer)

    return build_spec(document, str(path), diags, line_of)


def build_spec(
    document: Any, source: str, diags: Diagnostics, line_of: Callable[[str], int] | None = None
) -> ApiSpec | None:
    """Build an :class:`ApiSpec` from a parsed document; None with errors when it cannot be served.

    ``line_of(pointer)`` gives the source line of a JSON pointer for diagnostics (0: unknown).
    """
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        diags.error(source, 0, "spec-unreadable", "not an OpenAPI 3 document (no `openapi: 3.x` key)")
        return None
    spec = ApiSpec(source, SchemaIndex(document))
    paths = document.get("paths")
    if not isinstance(paths, dict):
        diags.error(source, 0, "sandbox-no-operations", "the spec has no `paths` object")
        return None
    where = line_of or (lambda pointer: 0)
    errors = 0
    for pointer, problem in _bad_refs(spec.index, document):
        errors += 1
        diags.error(source, where(pointer), "sandbox-bad-ref", f"#{pointer}: {problem}")
    if errors:
        return None
    for path, item in paths.items():
        if not isinstance(item, dict) or not str(path).startswith("/"):
            errors += 1
            diags.error(
                source, where(join_pointer("", "paths", path)), "sandbox-bad-operation", f"{path}: not a path item"
            )
            continue
        for method in METHODS:
            if isinstance(item.get(method), dict):
                try:
                    op = _operation(spec.index, document, path, method, source, diags)
                    spec.operations[(method.upper(), path)] = op
                except (SpecRefError, ValueError, TypeError, KeyError) as exc:
                    errors += 1
                    line = where(join_pointer("", "paths", path, method))
                    diags.error(source, line, "sandbox-bad-operation", f"{method.upper()} {path}: {exc}")
    if not spec.operations and not errors:
        diags.error(source, where("/paths"), "sandbox-no-operations", "the spec declares no operations")
    return spec if spec.operations and not errors else None


def _line_of(node: yaml.Node | None, pointer: str) -> int:
    """The 1-based line of the YAML node at ``pointer`` below ``node`` (0 when it cannot be found)."""
    for token in [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == token), None)
        elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            node = node.value[int(token)]
        else:
            node = None
        if node is None:
            return 0
    return node.start_mark.line + 1 if node is not None else 0


def _operation(
    index: SchemaIndex, document: dict[str, Any], path: str, method: str, source: str, diags: Diagnostics
) -> Operation:
    pointer = join_pointer("", "paths", path, method)
    op = index.at(pointer)
    params: dict[tuple[str, str], Parameter] = {}
    for base in (join_pointer("", "paths", path), pointer):  # operation-level parameters override path-level
        for i, _ in enumerate(index.at(base).get("parameters", [])):
            p_ptr, raw = index.deref(join_pointer(base, "parameters", i))
            schema = join_pointer(p_ptr, "schema") if "schema" in raw else None
            location = str(raw["in"])
            params[(location, str(raw["name"]))] = Parameter(
                str(raw["name"]), location, bool(raw.get("required", location == "path")), schema
            )
    body_schema, body_required = None, False
    if "requestBody" in op:
        b_ptr, body = index.deref(join_pointer(pointer, "requestBody"))
        if JSON_MEDIA in body.get("content", {}):
            media = body["content"][JSON_MEDIA]
            body_schema = join_pointer(b_ptr, "content", JSON_MEDIA, "schema") if "schema" in media else None
            body_required = bool(body.get("required", False))
    responses = {}
    for status, _ in op.get("responses", {}).items():
        if str(status).isdigit():
            responses[int(status)] = _response(index, join_pointer(pointer, "responses", str(status)), int(status))
    limit = op.get("x-rate-limit")
    rate_limit = None
    if isinstance(limit, dict) and {"limit", "period"} <= set(limit):
        rate_limit = RateLimit(int(limit["limit"]), float(limit["period"]), str(limit.get("scope", "workspace")))
    requirements = op.get("security", document.get("security", []))
    security = _security(document, requirements, source, f"{method.upper()} {path}", diags)
    operation_id = str(op.get("operationId") or f"{method}_{path}")
    return Operation(
        operation_id=operation_id,
        method=method.upper(),
        path=path,
        parameters=tuple(params.values()),
        body_schema=body_schema,
        body_required=body_required,
        responses=responses,
        security=security,
        rate_limit=rate_limit,
        pointer=pointer,
    )


def _response(index: SchemaIndex, pointer: str, status: int) -> ResponseSpec:
    r_ptr, response = index.deref(pointer)
    headers = tuple(str(h) for h in response.get("headers", {}))
    media = response.get("content", {}).get(JSON_MEDIA)
    if not isinstance(media, dict):
        return ResponseSpec(status, None, headers=headers)
    schema = join_pointer(r_ptr, "content", JSON_MEDIA, "schema") if "schema" in media else None
    if "example" in media:
        return ResponseSpec(status, schema, media["example"], True, headers)
    examples = media.get("examples")
    if isinstance(examples, dict) and examples:
        first = next(iter(examples.values()))
        if isinstance(first, dict) and "value" in first:
            return ResponseSpec(status, schema, first["value"], True, headers)
    return ResponseSpec(status, schema, headers=headers)


def _security(
    document: dict[str, Any], requirements: Any, source: str, where: str, diags: Diagnostics
) -> tuple[tuple[SecurityScheme, ...], ...]:
    schemes = document.get("components", {}).get("securitySchemes", {})
    out = []
    for requirement in requirements or []:
        alternative = []
        for name in requirement:
            raw = schemes.get(name)
            if not isinstance(raw, dict):
                raise KeyError(f"security scheme {name!r} is not in components.securitySchemes")
            if raw.get("type") != "apiKey" or raw.get("in") != "header":
                message = f"{where}: scheme {name!r} is not an apiKey in a header; not enforced"
                diags.warning(source, 0, "sandbox-unsupported-security", message)
                continue
            alternative.append(SecurityScheme(str(name), str(raw["name"])))
        out.append(tuple(alternative))
    return tuple(out)


def _bad_refs(index: SchemaIndex, document: Any) -> list[tuple[str, str]]:
    """``(pointer, problem)`` for every ``$ref`` that is not local or does not resolve."""
    found = []
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                try:
                    index.deref(where)
                except SpecRefError as exc:
                    found.append((where, str(exc)))
            stack.extend((join_pointer(where, k), v) for k, v in node.items() if k not in ("example", "examples"))
        elif isinstance(node, list):
            stack.extend((join_pointer(where, i), v) for i, v in enumerate(node))
    return sorted(found)
