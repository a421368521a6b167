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
from collections.abc import Mapping
from typing import Any

import generator.client.pytypes as pytypes
from generator.client.arguments import Argument
from generator.client.docs import ASYNC_PAGE_RETURNS, PAGE_RETURNS, describe, readme_example
from generator.client.ir import ArgumentIR, ClientIR, GroupIR, MethodIR, OperationIR, RateLimitIR, RegistryIR
from generator.client.literals import docstring, md_cell, md_code, one_line, py_str
from generator.client.meta import client_docstring, credentials, error_classes, identifier, readme_facts, servers
from generator.naming import class_name, words
from generator.spec.model import Operation, Spec
from generator.spec.rules import CREDENTIAL_SCOPES

#: Keyword arguments every method has (spec names that collide get a ``_`` suffix).
CONTROL_ARGUMENTS = ("idempotency_key", "timeout", "extra_headers", "extra_query", "extra_body")
#: Method names that would shadow module-level names used in annotations.
RESERVED_METHODS = frozenset(
    {"models", "builtins", "datetime", "date", "Headers", "Query", "Body", "SyncCursorPage", "AsyncPaginator"}
)
#: Parameter locations, in the order the runtime call passes them.
LOCATIONS = ("path", "query", "header", "cookie")
#: The properties of a page of a paginated list (``{next, previous, results}``).
PAGE_PROPERTIES = frozenset({"next", "previous", "results"})
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
#: The header of the idempotency page; the client sends it as ``idempotency_key=``.
IDEMPOTENCY_HEADER = "idempotency-key"
_SKIPPED_HEADERS = frozenset({"content-type", "accept", "content-length"})
_PATH_PARAM = re.compile(r"\{([^{}]+)\}")


def build_client(
    ir: ClientIR, spec: Spec, index: pytypes.ModelIndex, component_classes: Mapping[str, str] | None = None
) -> None:
    """Fill the client part of ``ir`` from ``spec`` and the models ``index`` (in place).

    ``component_classes`` maps component schema names to model class names (default: the same).
    """
    ir.client_class = class_name(ir.package)
    ir.async_client_class = f"Async{ir.client_class}"
    ir.env_prefix = (words(ir.package) or ["API"])[0].upper()
    ir.credentials = credentials(spec, ir.env_prefix)
    ir.servers = servers(spec)
    ir.default_region_literal = ir.servers[0].region_literal if ir.servers else "None"
    ir.errors = error_classes(spec)
    ir.secret_headers = tuple(
        sorted({py_str(cred.parameter.lower()) for cred in ir.credentials if cred.location == "header"})
    )
    ir.env_base_url_literal = py_str(f"{ir.env_prefix}_BASE_URL")
    classes = dict(component_classes) if component_classes is not None else {n: n for n in spec.schemas}
    types = pytypes.SchemaTypes(index, classes, spec.refs)
    ctx = _Context(spec, types, ir)
    by_tag: dict[str, list[Operation]] = {}
    for op in sorted(spec.operations, key=lambda o: (o.path, o.method.lower())):
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
    ir.registry = tuple(
        RegistryIR(op.operation_id_literal, group.module, op.const_name)
        for group, op in sorted(
            ((g, o) for g in ir.groups for o in g.operations), key=lambda pair: pair[1].operation_id
        )
    )
    ir.all_exports = tuple(sorted({ir.client_class, ir.async_client_class, *(e.class_name for e in ir.errors)}))
    ir.client_docstring = client_docstring(ir, is_async=False)
    ir.async_client_docstring = client_docstring(ir, is_async=True)
    readme_facts(ir)


class _Context:
    def __init__(self, spec: Spec, types: pytypes.SchemaTypes, ir: ClientIR) -> None:
        self.spec = spec
        self.types = types
        self.ir = ir
        self.error_names = {e.status: e.class_name for e in ir.errors}
        self.primary = ir.credentials[0].scheme if ir.credentials else None

    def group(self, tag: str, attribute: str, operations: list[Operation]) -> GroupIR:
        methods: dict[str, Operation] = {}
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

    def operation(self, op: Operation, method_name: str, group: str, shadowed: frozenset[str]) -> OperationIR:
        arguments, idempotency = self.parameters(op)
        body_kind, body_required, content_type, body_args = self.body(op, {a.python_name for a in arguments})
        arguments.extend(body_args)
        result_node, decoder_class, decoder_argument = self.response(op)
        item = self.page_item(op)
        result_type = pytypes.render(result_node, shadowed)
        errors = [(self.error_names[r.code], r.code) for r in op.responses if r.code in self.error_names]
        args = tuple(_argument_ir(a, shadowed) for a in arguments)
        by_location = {where: tuple(a for a in args if a.location == where) for where in LOCATIONS}
        methods = self.methods(op, arguments, result_type, item, shadowed, errors, idempotency, method_name)
        return OperationIR(
            operation_id=op.operation_id,
            method=op.method,
            path=op.path,
            summary=op.summary,
            tag=op.tag,
            python_name=method_name,
            const_name=f"OP_{method_name.upper()}",
            operation_id_literal=py_str(op.operation_id),
            method_literal=py_str(op.method),
            path_literal=py_str(op.path),
            group_literal=py_str(group),
            python_name_literal=py_str(method_name),
            definition_type=pytypes.render(result_node),
            decoder_class=decoder_class,
            decoder_argument=decoder_argument,
            security=tuple(tuple(py_str(n) for n in sorted(s.name for s in alt)) for alt in op.security),
            rate_limit=self.rate_limit(op, arguments),
            idempotency_literal=py_str(idempotency) if idempotency else None,
            body_kind=body_kind,
            body_kind_literal=py_str(body_kind),
            body_required=body_required,
            content_type_literal=py_str(content_type),
            paginated=item is not None,
            arguments=args,
            positional=by_location["path"],
            keywords=tuple(sorted((a for a in args if a.location != "path"), key=lambda a: not a.required)),
            path_args=by_location["path"],
            query_args=by_location["query"],
            header_args=by_location["header"],
            cookie_args=by_location["cookie"],
            body_args=tuple(a for a in args if a.location == "body"),
            methods=methods,
            example=readme_example(group, method_name, arguments),
            readme_summary=md_cell(op.summary or f"{op.method} {op.path}"),
            readme_group=group,
            readme_route=md_code(f"{op.method} {op.path}"),
            needs_secondary_credentials=bool(op.security)
            and all(any(s.name != self.primary for s in alternative) for alternative in op.security),
        )

    def methods(
        self,
        op: Operation,
        arguments: list[Argument],
        result_type: str,
        item: ast.expr | None,
        shadowed: frozenset[str],
        errors: list[tuple[str, int]],
        idempotency: str | None,
        method_name: str,
    ) -> tuple[MethodIR, MethodIR, MethodIR, MethodIR]:
        """The sync, sync raw, async and async raw methods of ``op`` (a list of pages: ``request_page``)."""
        raw_text = f"Like ``{method_name}`` but returns the ``APIResponse`` (status, headers, ``parse()``)."
        raw_doc = docstring(raw_text, 8)
        raw_type = f"APIResponse[{result_type}]"
        sync_raw = MethodIR("def", raw_type, "request_raw", "", raw_doc)
        async_raw = MethodIR("async def", raw_type, "request_raw", "await ", raw_doc)
        if item is None:
            returns = f"{result_type}: the parsed success response."
            doc = docstring(describe(op, arguments, returns, errors, idempotency), 8)
            return (
                MethodIR("def", result_type, "request", "", doc),
                sync_raw,
                MethodIR("async def", result_type, "request", "await ", doc),
                async_raw,
            )
        item_type = pytypes.render(item, shadowed)
        sync_page = f"SyncCursorPage[{item_type}]"
        async_page = f"AsyncPaginator[{item_type}]"
        sync_doc = describe(op, arguments, f"{sync_page}: {PAGE_RETURNS}", errors, idempotency)
        async_doc = describe(op, arguments, f"{async_page}: {ASYNC_PAGE_RETURNS}", errors, idempotency)
        return (
            MethodIR("def", sync_page, "request_page", "", docstring(sync_doc, 8)),
            sync_raw,
            MethodIR("def", async_page, "request_page", "", docstring(async_doc, 8)),
            async_raw,
        )

    def page_item(self, op: Operation) -> ast.expr | None:
        """The item type of a list answering ``{next, previous, results}`` (a GET); None for other operations."""
        success = op.success
        media = success.json if success is not None else None
        if op.method != "GET" or media is None or media.schema is None:
            return None
        properties = self.spec.refs.properties(media.schema.pointer)
        if not properties.keys() >= PAGE_PROPERTIES:
            return None
        results = self.spec.refs.unwrap(self.spec.refs.at(properties["results"]))
        if results.get("type") != "array" and "array" not in (results.get("type") or []):
            return None
        return self.types.of(results.get("items", {}), for_input=False)

    def parameters(self, op: Operation) -> tuple[list[Argument], str | None]:
        merged = {(p.location, p.name): p for p in op.parameters}
        secret = {c.parameter.lower() for c in self.ir.credentials if c.location == "header"}
        idempotency: str | None = None
        args: list[Argument] = []
        used = {"self", *CONTROL_ARGUMENTS}
        for wire in _PATH_PARAM.findall(op.path):
            param = merged.pop(("path", wire), None)
            if param is None:  # not declared: a string, as the template says
                args.append(self._argument(wire, "path", True, {"type": "string"}, "", None, used))
                continue
            schema = param.schema.node if param.schema else {}
            args.append(self._argument(wire, "path", True, schema, param.description, param.example, used))
        for (location, wire), param in sorted(merged.items(), key=lambda kv: (not kv[1].required, kv[0])):
            if location == "header" and wire.lower() == IDEMPOTENCY_HEADER:
                idempotency = wire
                continue
            if location == "path" or (
                location == "header" and (wire.lower() in secret or wire.lower() in _SKIPPED_HEADERS)
            ):
                continue
            schema = param.schema.node if param.schema else {}
            args.append(self._argument(wire, location, param.required, schema, param.description, param.example, used))
        return args, idempotency

    def _argument(
        self, wire: str, location: str, required: bool, schema: Any, description: str, example: Any, used: set[str]
    ) -> Argument:
        own = schema.get("description") if isinstance(schema, Mapping) else None
        return Argument(
            python_name=_unique(identifier(wire, fallback="param"), used),
            wire_name=wire,
            location=location,
            type_node=self.types.of(schema, for_input=True),
            required=required,
            doc=one_line(str(description or own or "")),
            example=example,
        )

    def body(self, op: Operation, taken: set[str]) -> tuple[str, bool, str, list[Argument]]:
        request = op.request_body
        if request is None or not request.content:
            return "none", False, "", []
        media = request.json or request.content[0]
        required = request.required
        used = {"self", *CONTROL_ARGUMENTS, *taken}
        if "json" not in media.media_type:
            arg = Argument(_unique("body", used), "", "body", pytypes.name("bytes"), required, "Raw request body.")
            return "value", required, media.media_type, [arg]
        schema = media.schema.node if media.schema else {}
        props = self.spec.refs.properties(media.schema.pointer) if media.schema else {}
        if not props:
            node = self.types.of(schema, for_input=True)
            arg = Argument(_unique("body", used), "", "body", node, required, "The request body.", media.example)
            return "value", required, media.media_type, [arg]
        model = self.types.component_class(media.schema.component) if media.schema else None
        target = self.spec.resolve(schema)
        wanted = target.get("required") if isinstance(target, Mapping) else None
        required_props = {str(n) for n in wanted} if isinstance(wanted, list) else set()
        examples = media.example if isinstance(media.example, Mapping) else {}
        # ASCII names take their Python names first, as model fields do (generator.client.models_input):
        # ``fullwidth`` stays ``fullwidth`` and a fullwidth-letter twin becomes ``fullwidth_``.
        names = {wire: _unique(identifier(wire), used) for wire in sorted(props, key=lambda w: not w.isascii())}
        args = []
        for wire, pointer in props.items():
            prop_schema = self.spec.refs.at(pointer)
            found = self.types.field(model, wire, for_input=True) if model else None
            node = found if found is not None else self.types.of(prop_schema, for_input=True)
            if not pytypes.is_nullable(prop_schema):
                node = pytypes.without_none(node)
            doc = one_line(_description(self.spec.resolve(prop_schema)))
            args.append(
                Argument(
                    names[wire],
                    wire,
                    "body",
                    node,
                    wire in required_props,
                    doc,
                    examples.get(wire),
                )
            )
        return "fields", required, media.media_type, args

    def response(self, op: Operation) -> tuple[ast.expr, str, str]:
        """The result type of ``op`` and its decoder (class as printed, argument)."""
        success = op.success
        if success is None or success.code == 204 or not success.content:
            return ast.Constant(None), "NoContentDecoder", ""
        media = success.json
        if media is None:
            return pytypes.name("bytes"), "BytesDecoder", ""
        schema = media.schema.node if media.schema else None
        node = self.types.of(schema, for_input=False)
        printed = pytypes.render(node)
        if printed == "Any":
            return node, "JSONDecoder", ""
        if isinstance(schema, Mapping) and "$ref" in schema and printed.startswith("models."):
            cls = printed.removeprefix("models.")
            if self.types.index.is_model(cls):
                return node, "ModelDecoder", printed
        return node, f"AdapterDecoder[{printed}]", printed

    def rate_limit(self, op: Operation, args: list[Argument]) -> RateLimitIR | None:
        limit = op.rate_limit
        if limit is None:
            return None
        schemes = [s.name for alternative in op.security for s in alternative if s.name != self.primary]
        path_args = [a for a in args if a.location == "path"]
        credential = path_param = None
        if limit.scope in CREDENTIAL_SCOPES and schemes:
            credential = py_str(schemes[0])
        elif limit.scope == "bot" and path_args:
            path_param = py_str(next((a for a in path_args if "bot" in a.wire_name), path_args[0]).wire_name)
        return RateLimitIR(limit.limit, repr(float(limit.period)), py_str(limit.scope), credential, path_param)


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


def _description(schema: Any) -> str:
    text = schema.get("description") if isinstance(schema, Mapping) else None
    return str(text or "")


def _argument_ir(arg: Argument, shadowed: frozenset[str]) -> ArgumentIR:
    """The method argument as printed: its hint (``| NotGiven`` and ``= NOT_GIVEN`` when optional)."""
    hint = pytypes.render(arg.type_node, shadowed)
    optional = arg.location != "path" and not arg.required
    return ArgumentIR(
        python_name=arg.python_name,
        python_literal=py_str(arg.python_name),
        wire_literal=py_str(arg.wire_name),
        location=arg.location,
        location_literal=py_str(arg.location),
        annotation=f"{hint} | NotGiven" if optional else hint,
        default="NOT_GIVEN" if optional else "",
        required=arg.required,
    )
