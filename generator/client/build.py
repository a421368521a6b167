"""Resource groups and method signatures of the client, computed from the spec and the models.

Naming rule (also written in the generated README): an operation belongs to the group of its first
tag (``client.<tag>``, sanitized); its method is its operationId without the tag's words in front
(``recording_partial_update`` -> ``partial_update``), sanitized and unique within the group. Path
parameters are positional (in path order); query, header and cookie parameters and the properties
of a JSON object requestBody are keyword-only, with the model's field types; optional ones default to
``NOT_GIVEN`` and are not sent. A requestBody that is not an object with properties is one
``body=`` argument.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from generator.client import pytypes
from generator.client.arguments import Argument
from generator.client.docs import describe, readme_example
from generator.client.ir import ClientIR, GroupIR, OperationIR
from generator.client.literals import docstring, md_cell, md_code, one_line, py_str
from generator.client.meta import (
    client_docstring,
    credentials,
    error_classes,
    identifier,
    readme_facts,
    resolve,
    servers,
)
from generator.naming import class_name, words

#: Keyword arguments every method has (spec names that collide get a ``_`` suffix).
CONTROL_ARGUMENTS = ("idempotency_key", "timeout", "extra_headers")
#: Method names that would shadow module-level names used in annotations.
RESERVED_METHODS = frozenset({"models", "builtins", "datetime", "date"})
#: Client attributes a group must not shadow.
RESERVED_GROUPS = frozenset(
    {
        "close",
        "with_options",
        "with_raw_response",
        "base_url",
        "timeout",
        "max_retries",
        "aclose",
        "models",
        "resources",
    }
)
_SKIPPED_HEADERS = frozenset({"content-type", "accept", "content-length"})
_PATH_PARAM = re.compile(r"\{([^{}]+)\}")


def build_client(ir: ClientIR, document: dict[str, Any], index: pytypes.ModelIndex) -> None:
    """Fill the client part of ``ir`` from ``document`` and the models ``index`` (in place)."""
    ir.client_class = class_name(ir.package)
    ir.async_client_class = f"Async{ir.client_class}"
    ir.env_prefix = (words(ir.package) or ["API"])[0].upper()
    ir.credentials = credentials(document, ir.env_prefix)
    ir.servers = servers(document)
    ir.default_region_literal = ir.servers[0].region_literal if ir.servers else "None"
    ir.errors = error_classes(document)
    secret = sorted({py_str(cred.parameter.lower()) for cred in ir.credentials if cred.location == "header"})
    ir.secret_headers_literal = "frozenset({" + ", ".join(secret) + "})" if secret else "frozenset()"
    components = {n: n for n in (document.get("components", {}).get("schemas") or {})}
    types = pytypes.SchemaTypes(index, components)
    ctx = _Context(document, types, ir)
    by_tag: dict[str, list[OperationIR]] = {}
    for op in ir.operations:
        by_tag.setdefault(op.tag, []).append(op)
    used_groups: set[str] = set(RESERVED_GROUPS)
    ir.groups = []
    finished: list[OperationIR] = []
    for tag in sorted(by_tag):
        attribute = identifier(tag, fallback="default")
        while attribute in used_groups:
            attribute += "_"
        used_groups.add(attribute)
        group = ctx.group(tag, attribute, by_tag[tag])
        ir.groups.append(group)
        finished.extend(group.operations)
    ir.operations = finished
    ir.all_exports = tuple(sorted({ir.client_class, ir.async_client_class, *(e.class_name for e in ir.errors)}))
    ir.client_docstring = client_docstring(ir, is_async=False)
    ir.async_client_docstring = client_docstring(ir, is_async=True)
    readme_facts(ir)


class _Context:
    def __init__(self, document: dict[str, Any], types: pytypes.SchemaTypes, ir: ClientIR) -> None:
        self.document = document
        self.types = types
        self.ir = ir
        self.error_names = {e.status: e.class_name for e in ir.errors}

    def group(self, tag: str, attribute: str, operations: list[OperationIR]) -> GroupIR:
        methods: dict[str, OperationIR] = {}
        for op in operations:
            methods[_method_name(op.operation_id, tag, set(methods))] = op
        shadowed = frozenset(methods)
        built = tuple(
            self.operation(op, name, attribute, shadowed)
            for name, op in sorted(methods.items(), key=lambda kv: (kv[1].path, kv[1].method))
        )
        base = class_name(attribute, fallback="Default")
        return GroupIR(
            attribute=attribute,
            module=attribute,
            class_name=f"{base}Resource",
            async_class_name=f"Async{base}Resource",
            raw_class_name=f"{base}ResourceWithRawResponse",
            async_raw_class_name=f"Async{base}ResourceWithRawResponse",
            docstring=docstring(f"Operations tagged ``{one_line(tag)}``: ``client.{attribute}.<method>(...)``."),
            operations=built,
        )

    def operation(self, op: OperationIR, method_name: str, group: str, shadowed: frozenset[str]) -> OperationIR:
        spec = self.document["paths"][op.path][op.method.lower()]
        path_item = self.document["paths"][op.path]
        arguments, idempotency = self.parameters(op.path, path_item, spec)
        body_kind, body_required, content_type, body_args = self.body(spec, {a.python_name for a in arguments})
        arguments.extend(body_args)
        result_node, decoder = self.response(spec)
        security = spec.get("security", self.document.get("security", []))
        definition = [
            f"operation_id={py_str(op.operation_id)},",
            f"method={py_str(op.method)},",
            f"path={py_str(op.path)},",
            f"decoder={decoder},",
            f"security={_security_literal(security)},",
        ]
        rate_limit = self.rate_limit(spec, security, arguments)
        if rate_limit:
            definition.append(f"rate_limit={rate_limit},")
        if idempotency:
            definition.append(f"idempotency_header={py_str(idempotency)},")
        if body_kind != "none":
            definition.append(f"body={py_str(body_kind)},")
            definition.append(f"body_required={body_required},")
            definition.append(f"content_type={py_str(content_type)},")
        signature, call = _signature(arguments, body_kind, idempotency, shadowed)
        result_type = pytypes.render(result_node, shadowed)
        errors = [
            (self.error_names[int(c)], int(c))
            for c in sorted(spec.get("responses", {}))
            if str(c).isdigit() and int(c) in self.error_names
        ]
        doc = describe(op, spec, arguments, result_type, errors, idempotency, security)
        primary = self.ir.credentials[0].scheme if self.ir.credentials else None
        return OperationIR(
            operation_id=op.operation_id,
            method=op.method,
            path=op.path,
            summary=op.summary,
            tag=op.tag,
            python_name=method_name,
            const_name=f"OP_{method_name.upper()}",
            result_type=result_type,
            definition_type=pytypes.render(result_node),
            definition=tuple(definition),
            signature=tuple(signature),
            call_args=tuple(call),
            docstring=docstring(doc, 8),
            raw_docstring=docstring(
                f"Like ``{method_name}`` but returns the ``APIResponse`` (status, headers, ``parse()``).", 8
            ),
            example=readme_example(group, method_name, arguments),
            readme_summary=md_cell(op.summary or f"{op.method} {op.path}"),
            readme_group=group,
            readme_route=md_code(f"{op.method} {op.path}"),
            needs_secondary_credentials=all(
                any(n != primary for n in req) for req in security or [{}] if isinstance(req, dict)
            )
            and bool(security),
        )

    def parameters(self, path: str, item: dict[str, Any], spec: dict[str, Any]) -> tuple[list[Argument], str | None]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*(item.get("parameters") or []), *(spec.get("parameters") or [])]:
            param = resolve(self.document, raw)
            if isinstance(param, dict) and "name" in param and "in" in param:
                merged[(str(param["in"]), str(param["name"]))] = param
        secret = {c.parameter.lower() for c in self.ir.credentials if c.location == "header"}
        idempotency: str | None = None
        args: list[Argument] = []
        used = {"self", *CONTROL_ARGUMENTS}
        for wire in _PATH_PARAM.findall(path):
            param = merged.pop(("path", wire), {"name": wire, "schema": {"type": "string"}})
            args.append(self._argument(param, "path", True, used))
        for (location, wire), param in sorted(merged.items(), key=lambda kv: (not kv[1].get("required"), kv[0])):
            if location == "header" and wire.lower() == "idempotency-key":
                idempotency = wire
                continue
            if location == "path" or (
                location == "header" and (wire.lower() in secret or wire.lower() in _SKIPPED_HEADERS)
            ):
                continue
            args.append(self._argument(param, location, bool(param.get("required")), used))
        return args, idempotency

    def _argument(self, param: dict[str, Any], location: str, required: bool, used: set[str]) -> Argument:
        schema = param.get("schema") or {}
        return Argument(
            python_name=_unique(identifier(str(param["name"]), fallback="param"), used),
            wire_name=str(param["name"]),
            location=location,
            type_node=self.types.of(schema, for_input=True),
            required=required,
            doc=one_line(str(param.get("description") or schema.get("description") or "")),
            example=param.get("example", schema.get("example") if isinstance(schema, dict) else None),
        )

    def body(self, spec: dict[str, Any], taken: set[str]) -> tuple[str, bool, str, list[Argument]]:
        request = resolve(self.document, spec.get("requestBody"))
        if not isinstance(request, dict) or not request.get("content"):
            return "none", False, "", []
        content: dict[str, Any] = request["content"]
        content_type = next((c for c in content if "json" in c), next(iter(content)))
        schema = (content[content_type] or {}).get("schema") or {}
        example = (content[content_type] or {}).get("example")
        required = bool(request.get("required"))
        used = {"self", *CONTROL_ARGUMENTS, *taken}
        if "json" not in content_type:
            arg = Argument(_unique("body", used), "", "body", pytypes.name("bytes"), required, "Raw request body.")
            return "value", required, content_type, [arg]
        target = resolve(self.document, schema)
        props = _properties(self.document, target)
        if not props:
            node = self.types.of(schema, for_input=True)
            arg = Argument(_unique("body", used), "", "body", node, required, "The request body.", example)
            return "value", required, content_type, [arg]
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        model = self.types.ref_class(ref) if isinstance(ref, str) else None
        required_props = set(target.get("required") or []) if isinstance(target, dict) else set()
        examples = example if isinstance(example, dict) else {}
        args = []
        for wire, prop_schema in props.items():
            found = self.types.field(model, wire, for_input=True) if model else None
            node = found if found is not None else self.types.of(prop_schema, for_input=True)
            if not pytypes.is_nullable(prop_schema):
                node = pytypes.without_none(node)
            doc = one_line(str((resolve(self.document, prop_schema) or {}).get("description") or ""))
            args.append(
                Argument(
                    _unique(identifier(wire), used),
                    wire,
                    "body",
                    node,
                    wire in required_props,
                    doc,
                    examples.get(wire),
                )
            )
        return "fields", required, content_type, args

    def response(self, spec: dict[str, Any]) -> tuple[ast.expr, str]:
        codes = sorted(str(c) for c in (spec.get("responses") or {}) if str(c).startswith("2"))
        if not codes:
            return ast.Constant(None), "NoContentDecoder()"
        response = resolve(self.document, spec["responses"][codes[0]]) or {}
        content = response.get("content") or {}
        if codes[0] == "204" or not content:
            return ast.Constant(None), "NoContentDecoder()"
        media = next((c for c in content if "json" in c), None)
        if media is None:
            return pytypes.name("bytes"), "BytesDecoder()"
        schema = (content[media] or {}).get("schema")
        node = self.types.of(schema, for_input=False)
        printed = pytypes.render(node)
        if printed == "Any":
            return node, "JSONDecoder()"
        if isinstance(schema, dict) and "$ref" in schema and printed.startswith("models."):
            cls = printed.removeprefix("models.")
            if self.types.index.is_model(cls):
                return node, f"ModelDecoder({printed})"
        return node, f"AdapterDecoder[{printed}]({printed})"

    def rate_limit(self, spec: dict[str, Any], security: Any, args: list[Argument]) -> str | None:
        limit = spec.get("x-rate-limit")
        if not isinstance(limit, dict) or not isinstance(limit.get("limit"), int) or limit["limit"] <= 0:
            return None
        period = limit.get("period", 60)
        if isinstance(period, bool) or not isinstance(period, int | float) or period <= 0:
            return None
        scope = str(limit.get("scope", "workspace"))
        parts = [f"limit={limit['limit']}", f"period={float(period)!r}", f"scope={py_str(scope)}"]
        primary = self.ir.credentials[0].scheme if self.ir.credentials else None
        schemes = [n for req in security or [] for n in req if n != primary]
        path_args = [a for a in args if a.location == "path"]
        if scope == "calendar_user" and schemes:
            parts.append(f"key_credential={py_str(schemes[0])}")
        elif scope == "bot" and path_args:
            chosen = next((a for a in path_args if "bot" in a.wire_name), path_args[0])
            parts.append(f"key_path_param={py_str(chosen.wire_name)}")
        return "RateLimit(" + ", ".join(parts) + ")"


def _method_name(operation_id: str, tag: str, taken: set[str]) -> str:
    full = identifier(operation_id, fallback="call")
    prefix = identifier(tag, fallback="default").rstrip("_") + "_"
    rest = full[len(prefix) :] if full.startswith(prefix) and len(full) > len(prefix) else full
    name = identifier(rest, fallback="call")
    if name in RESERVED_METHODS:
        name += "_"
    return _unique(name, taken)


def _unique(name: str, used: set[str]) -> str:
    while name in used:
        name += "_"
    used.add(name)
    return name


def _properties(document: dict[str, Any], schema: Any) -> dict[str, Any]:
    """Properties of an object schema, ``allOf`` members merged (document order)."""
    if not isinstance(schema, dict):
        return {}
    props: dict[str, Any] = {}
    for member in schema.get("allOf") or []:
        props.update(_properties(document, resolve(document, member)))
    if isinstance(schema.get("properties"), dict):
        props.update(schema["properties"])
    return props


def _security_literal(security: Any) -> str:
    alternatives = []
    for requirement in security or []:
        names = ", ".join(py_str(str(n)) for n in sorted(requirement or {}))
        alternatives.append(f"({names},)" if names else "()")
    return "(" + ", ".join(alternatives) + ("," if alternatives else "") + ")"


def _signature(
    args: list[Argument], body_kind: str, idempotency: str | None, shadowed: frozenset[str]
) -> tuple[list[str], list[str]]:
    """Parameter lines (after ``self``) and the runtime call's argument lines."""
    lines: list[str] = []
    for arg in args:
        if arg.location == "path":
            lines.append(f"{arg.python_name}: {pytypes.render(arg.type_node, shadowed)},")
    lines.append("*,")
    keyword = [a for a in args if a.location != "path"]
    for arg in sorted(keyword, key=lambda a: not a.required):
        hint = pytypes.render(arg.type_node, shadowed)
        lines.append(
            f"{arg.python_name}: {hint}," if arg.required else f"{arg.python_name}: {hint} | NotGiven = NOT_GIVEN,"
        )
    if idempotency:
        lines.append("idempotency_key: str | NotGiven = NOT_GIVEN,")
    lines.append("timeout: TimeoutTypes | NotGiven = NOT_GIVEN,")
    lines.append("extra_headers: Mapping[str, str] | None = None,")
    call: list[str] = []
    for location in ("path", "query", "headers", "cookies"):
        chosen = [a for a in args if a.location == location.rstrip("s") or a.location == location]
        if chosen:
            pairs = ", ".join(f"{py_str(a.wire_name)}: {a.python_name}" for a in chosen)
            call.append(f"{location}={{{pairs}}},")
    body_args = [a for a in args if a.location == "body"]
    if body_kind == "fields":
        call.append("body={" + ", ".join(f"{py_str(a.wire_name)}: {a.python_name}" for a in body_args) + "},")
    elif body_kind == "value":
        call.append(f"body={body_args[0].python_name},")
    if idempotency:
        call.append("idempotency_key=idempotency_key,")
    call.append("timeout=timeout,")
    call.append("extra_headers=extra_headers,")
    return lines, call
