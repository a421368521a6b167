"""One typed model of a normalized OpenAPI 3.1 document, read once for every consumer.

:func:`load_spec` reads a YAML/JSON file and :meth:`Spec.from_document` a parsed document into a
:class:`Spec`: servers, security schemes with their credential format, and one
:class:`Operation` per Path Item operation (OpenAPI 3.1.0 sections 4.8.5 Server, 4.8.9 Path
Item, 4.8.10 Operation, 4.8.12 Parameter, 4.8.13 Request Body, 4.8.17 Response, 4.8.27 Security
Scheme, 4.8.30 Security Requirement) with ``$ref``s resolved (:mod:`generator.spec.refs`) and the
API-wide rules applied (:mod:`generator.spec.rules`: ``x-rate-limit``, ``x-credential-prefix``,
``x-retry``). The client IR, the sandbox, ``diff`` and the conformance judge all read this model;
none of them walks the raw document.

Schemas stay JSON Schema (dicts): a :class:`SchemaRef` holds the node as written (it may be a
``$ref``) and its JSON pointer, which :class:`~generator.spec.refs.Refs` resolves and validates.

Reading is lenient: what cannot be read (a dangling ``$ref``, a malformed ``x-rate-limit``, an
unsupported security scheme, an operation that is not an object, a node of the wrong type found by
:func:`generator.spec.structure.check_structure`) becomes a :class:`Problem` and is left out; each
consumer decides which problems are errors for it. A document that is not an OpenAPI 3.x mapping
raises :class:`SpecError`. :func:`load_spec` reads a file through the toolkit's one safe loader
(:func:`generator.spec.document.read_document`: size, depth and alias expansion bounded) and refuses
a document whose structure is wrong (``spec-invalid``) before any consumer walks it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.diagnostics import Diagnostics
from generator.spec.refs import Refs, SpecRefError, component_name, join_pointer
from generator.spec.rules import (
    METHODS,
    UNSAFE_METHODS,
    CredentialFormat,
    RateLimit,
    RetryRule,
    parse_credential_format,
    parse_rate_limit,
    parse_retry,
)
from generator.spec.structure import check_structure

if TYPE_CHECKING:
    import yaml

JSON_MEDIA = "application/json"


class SpecError(ValueError):
    """The document is not an OpenAPI 3.x mapping at all (nothing can be read from it)."""


@dataclass(frozen=True)
class Problem:
    """Something the model could not read: where (JSON pointer), what kind, and why.

    ``kind`` is one of ``bad-ref``, ``bad-operation``, ``rate-limit``, ``security``, ``retry``,
    ``no-operations``, ``structure`` (a node of the wrong type, :mod:`generator.spec.structure`).
    """

    pointer: str
    kind: str
    message: str


@dataclass(frozen=True)
class SchemaRef:
    """A schema as written at ``pointer`` (``node`` may be a ``$ref``)."""

    pointer: str
    node: Any

    @property
    def component(self) -> str | None:
        """The component name when the schema is exactly ``{$ref: '#/components/schemas/X'}``."""
        return component_name(self.node)


@dataclass(frozen=True)
class Parameter:
    """A path, query, header or cookie parameter (section 4.8.12); path parameters are required."""

    name: str
    location: str
    required: bool
    schema: SchemaRef | None
    description: str = ""
    example: Any = None
    pointer: str = ""


@dataclass(frozen=True)
class MediaType:
    """One entry of a ``content`` map: media type, schema, and the example when one is given."""

    media_type: str
    schema: SchemaRef | None
    example: Any = None
    has_example: bool = False


def _json_of(content: tuple[MediaType, ...]) -> MediaType | None:
    exact = next((m for m in content if m.media_type == JSON_MEDIA), None)
    return exact or next((m for m in content if "json" in m.media_type), None)


@dataclass(frozen=True)
class RequestBody:
    """A Request Body Object (section 4.8.13), ``$ref`` resolved."""

    required: bool
    content: tuple[MediaType, ...]
    description: str = ""
    pointer: str = ""

    @property
    def json(self) -> MediaType | None:
        """The ``application/json`` (or another ``*json*``) entry, if any."""
        return _json_of(self.content)


@dataclass(frozen=True)
class Header:
    """A response header (section 4.8.21), ``$ref`` resolved."""

    name: str
    schema: SchemaRef | None
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Response:
    """A Response Object (section 4.8.17) for one status key (``200``, ``4XX``, ``default``).

    ``component`` names ``#/components/responses/X`` when the response is that reference;
    ``pointer`` addresses the resolved object; ``retry`` is its ``x-retry`` rule.
    """

    status: str
    description: str
    content: tuple[MediaType, ...]
    headers: tuple[Header, ...] = ()
    component: str | None = None
    pointer: str = ""
    retry: RetryRule | None = None

    @property
    def code(self) -> int | None:
        """The status as an integer (None for ``default`` and ranges such as ``4XX``)."""
        return int(self.status) if self.status.isdigit() else None

    @property
    def json(self) -> MediaType | None:
        """The ``application/json`` (or another ``*json*``) entry, if any."""
        return _json_of(self.content)


@dataclass(frozen=True)
class SecurityScheme:
    """A Security Scheme Object (section 4.8.27); ``format`` is None when it is not supported."""

    name: str
    type: str
    format: CredentialFormat | None
    description: str = ""


@dataclass(frozen=True)
class Server:
    """A Server Object (section 4.8.5) with its variables replaced by their defaults."""

    url: str
    description: str = ""


@dataclass(frozen=True)
class Operation:
    """One operation. ``security`` lists alternatives (any one suffices), each a tuple of schemes
    that must all be sent (section 4.8.30); ``()`` means no credentials. ``deprecated`` is True only
    for ``deprecated: true``."""

    operation_id: str
    method: str
    path: str
    pointer: str
    tags: tuple[str, ...] = ()
    summary: str = ""
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    responses: tuple[Response, ...] = ()
    security: tuple[tuple[SecurityScheme, ...], ...] = ()
    rate_limit: RateLimit | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict)
    deprecated: bool = False

    @property
    def tag(self) -> str:
        """The first tag (the client's resource group), ``default`` when there is none."""
        return self.tags[0] if self.tags else "default"

    @property
    def is_unsafe(self) -> bool:
        """True for POST, PUT and PATCH (they take an ``Idempotency-Key``)."""
        return self.method in UNSAFE_METHODS

    @property
    def success(self) -> Response | None:
        """The lowest declared 2xx response."""
        return next((r for r in self.responses if r.code is not None and 200 <= r.code < 300), None)

    def response(self, status: int | str) -> Response | None:
        """The response declared for ``status`` (exact key), or None."""
        return next((r for r in self.responses if r.status == str(status)), None)

    def param(self, location: str, name: str) -> Parameter | None:
        """The parameter ``name`` in ``location`` (header names compare case-insensitively)."""
        for p in self.parameters:
            if p.location == location and (p.name == name or (location == "header" and p.name.lower() == name.lower())):
                return p
        return None

    @property
    def path_parameters(self) -> tuple[Parameter, ...]:
        """Path parameters in the order the path template names them."""
        found = [p for p in self.parameters if p.location == "path"]
        return tuple(sorted(found, key=lambda p: self.path.find("{" + p.name + "}")))


@dataclass
class Spec:
    """A normalized OpenAPI document, read once. ``document`` is the parsed data (read-only)."""

    document: Mapping[str, Any]
    source: str
    refs: Refs
    openapi: str = "3.1.0"
    title: str = "API"
    version: str = "0.0.0"
    description: str = ""
    servers: tuple[Server, ...] = ()
    security_schemes: Mapping[str, SecurityScheme] = field(default_factory=dict)
    security: tuple[tuple[SecurityScheme, ...], ...] = ()
    operations: tuple[Operation, ...] = ()
    problems: tuple[Problem, ...] = ()
    text: str | None = None
    _composed: list[yaml.Node | None] = field(default_factory=list, repr=False)

    @classmethod
    def from_document(cls, document: Any, source: str = "<spec>", text: str | None = None, checks: bool = True) -> Spec:
        """Read a parsed document; raises :class:`SpecError` when it is not an OpenAPI 3.x mapping.

        ``text`` (the file's text) lets :meth:`line_of` give line numbers for diagnostics.
        ``checks=False`` skips the two walks of the whole document that find ``structure`` and
        ``bad-ref`` problems, for a caller that has them run elsewhere (:func:`document_is_sound`):
        a document with such problems may then be read wrongly, or raise any exception.
        """
        if not isinstance(document, Mapping):
            raise SpecError(f"not an OpenAPI document: the top level is a {type(document).__name__}, not a mapping")
        if not str(document.get("openapi", "")).startswith("3."):
            raise SpecError("not an OpenAPI 3 document (no `openapi: 3.x` key)")
        return _Reader(document, source, text).read(checks)

    @property
    def schemas(self) -> Mapping[str, Any]:
        """``components.schemas`` (name -> schema as written)."""
        components = self.document.get("components")
        found = components.get("schemas") if isinstance(components, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    def schema_ref(self, name: str) -> SchemaRef:
        """The component schema ``name`` as a :class:`SchemaRef` (KeyError when there is none)."""
        return SchemaRef(join_pointer("", "components", "schemas", name), self.schemas[name])

    def operation(self, operation_id: str) -> Operation:
        """The operation with ``operation_id``; KeyError when there is none."""
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)

    def route(self, method: str, path: str) -> Operation | None:
        """The operation at ``method`` (any case) and path template ``path``."""
        method = method.upper()
        return next((op for op in self.operations if op.method == method and op.path == path), None)

    @property
    def paths(self) -> list[str]:
        """Distinct path templates with operations, in document order."""
        return list(dict.fromkeys(op.path for op in self.operations))

    def resolve(self, node: Any) -> Any:
        """``node`` with its top-level ``$ref``s followed; ``{}`` when a reference cannot be resolved."""
        try:
            return self.refs.resolve(node)
        except SpecRefError:
            return {}

    def line_of(self, pointer: str) -> int:
        """The 1-based line of the node at ``pointer`` in :attr:`text` (0 when unknown)."""
        if self.text is None:
            return 0
        if not self._composed:
            from generator.spec.document import compose_yaml_text

            self._composed.append(compose_yaml_text(self.text))
        return _line_of(self._composed[0], pointer)

    def report(
        self,
        diags: Diagnostics,
        codes: Mapping[str, str],
        error_kinds: frozenset[str],
        only: Callable[[Problem], bool] | None = None,
    ) -> None:
        """Add each problem to ``diags`` with ``codes[problem.kind]`` (kinds not in ``codes`` are
        skipped); kinds in ``error_kinds`` are errors, others warnings. ``only``, when given, keeps
        the problems it returns True for (e.g. one kind split by where it is, ``problem.pointer``)."""
        for problem in self.problems:
            code = codes.get(problem.kind)
            if code is None or (only is not None and not only(problem)):
                continue
            add = diags.error if problem.kind in error_kinds else diags.warning
            add(self.source, self.line_of(problem.pointer), code, f"#{problem.pointer}: {problem.message}")


def load_spec(path: Path, diags: Diagnostics, allow_external_refs: bool = False) -> Spec | None:
    """Read the spec at ``path`` (YAML or JSON) safely; None with errors when it cannot be used.

    Errors: ``spec-unreadable`` (cannot be read, too large, too deep, an alias bomb, not YAML, not
    an OpenAPI 3.x mapping: :func:`generator.spec.document.read_document`) and ``spec-invalid``
    (a node of the wrong type, each with its line: :mod:`generator.spec.structure`). Other problems
    inside a readable spec are not reported here: see :meth:`Spec.report`.

    ``allow_external_refs`` bundles ``$ref``s to other files first (:mod:`generator.spec.bundle`:
    relative paths inside the spec's folder only, never a URL); otherwise they stay and are
    ``bad-ref`` problems.
    """
    from generator.spec.document import read_document  # PyYAML: imported when a file is read here

    found = read_document(path, diags)
    if found is None:
        return None
    return spec_from_document(path, *found, diags, allow_external_refs)


def spec_from_document(
    path: Path,
    document: Any,
    text: str | None,
    diags: Diagnostics,
    allow_external_refs: bool = False,
    checks: bool = True,
) -> Spec | None:
    """:func:`load_spec` of a document already read from ``path`` (its text: ``text``): the same
    spec, or None with the same errors. ``checks=False``: see :meth:`Spec.from_document` (the
    document must be one :func:`document_is_sound` accepts)."""
    if allow_external_refs and isinstance(document, Mapping):
        from generator.spec.bundle import bundle_external_refs

        document = bundle_external_refs(document, path, diags)
        if document is None:
            return None
    try:
        spec = Spec.from_document(document, str(path), text, checks)
    except SpecError as exc:
        diags.error(str(path), 0, "spec-unreadable", str(exc))
        return None
    if any(problem.kind == "structure" for problem in spec.problems):
        spec.report(diags, {"structure": "spec-invalid"}, frozenset({"structure"}))
        return None
    return spec


def document_is_sound(document: Any) -> bool:
    """True when :meth:`Spec.from_document` finds no ``structure`` and no ``bad-ref`` problem in
    ``document`` (the two walks ``checks=False`` skips), or when it is not an OpenAPI 3.x mapping
    at all (:class:`SpecError`: the reading then fails the same way with or without them)."""
    if not isinstance(document, Mapping):
        return True
    return next(iter(check_structure(document)), None) is None and next(iter(Refs(document).check()), None) is None


def _line_of(node: yaml.Node | None, pointer: str) -> int:
    """The 1-based line of the YAML node at ``pointer`` below ``node`` (0 when it cannot be found)."""
    import yaml

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


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class _Reader:
    """Builds a :class:`Spec`, collecting :class:`Problem`s instead of raising."""

    def __init__(self, document: Mapping[str, Any], source: str, text: str | None) -> None:
        self.document = document
        self.refs = Refs(document)
        self.source = source
        self.text = text
        self.problems: list[Problem] = []
        self.schemes: dict[str, SecurityScheme] = {}
        self._responses: dict[tuple[str, int], tuple[str, tuple[MediaType, ...], tuple[Header, ...], RetryRule | None]]
        self._responses = {}

    def problem(self, pointer: str, kind: str, message: str) -> None:
        found = Problem(pointer, kind, message)
        if found not in self.problems:  # a shared component is read once per operation using it
            self.problems.append(found)

    def read(self, checks: bool = True) -> Spec:
        if checks:
            for pointer, message in check_structure(self.document):
                self.problem(pointer, "structure", message)
            for pointer, message in self.refs.check():
                self.problem(pointer, "bad-ref", message)
        info = self.document.get("info")
        info = info if isinstance(info, Mapping) else {}
        self.schemes = self._schemes()
        root_security = self._security(self.document.get("security", []), "/security")
        operations = self._operations(root_security)
        if not operations:
            self.problem("/paths", "no-operations", "the spec declares no operations")
        return Spec(
            document=self.document,
            source=self.source,
            refs=self.refs,
            openapi=str(self.document.get("openapi")),
            title=str(info.get("title", "API")),
            version=str(info.get("version", "0.0.0")),
            description=_text(info.get("description")),
            servers=self._servers(),
            security_schemes=self.schemes,
            security=root_security,
            operations=tuple(operations),
            problems=tuple(self.problems),
            text=self.text,
        )

    def resolved(self, pointer: str) -> tuple[str, Any]:
        """Follow ``$ref``s at ``pointer``; raises SpecRefError."""
        return self.refs.deref(pointer)

    def _servers(self) -> tuple[Server, ...]:
        out = []
        servers = self.document.get("servers")
        for server in servers if isinstance(servers, list) else []:  # another shape: a structure problem
            if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
                continue
            url = server["url"]
            variables = server.get("variables")
            for name, spec in (variables if isinstance(variables, Mapping) else {}).items():
                default = spec.get("default", "") if isinstance(spec, Mapping) else ""
                url = url.replace("{" + str(name) + "}", str(default))
            out.append(Server(url, _text(server.get("description"))))
        return tuple(out)

    def _schemes(self) -> dict[str, SecurityScheme]:
        components = self.document.get("components")
        raw = components.get("securitySchemes") if isinstance(components, Mapping) else None
        out: dict[str, SecurityScheme] = {}
        for name, scheme in (raw if isinstance(raw, Mapping) else {}).items():
            pointer = join_pointer("", "components", "securitySchemes", str(name))
            try:
                _, scheme = self.resolved(pointer)
            except SpecRefError:
                continue  # reported as bad-ref
            found = parse_credential_format(scheme)
            if isinstance(found, str):
                self.problem(pointer, "security", f"{name}: {found}")
            kind = scheme.get("type") if isinstance(scheme, Mapping) else None
            description = scheme.get("description") if isinstance(scheme, Mapping) else None
            out[str(name)] = SecurityScheme(
                str(name), str(kind), None if isinstance(found, str) else found, _text(description)
            )
        return out

    def _security(self, requirements: Any, pointer: str) -> tuple[tuple[SecurityScheme, ...], ...]:
        if not isinstance(requirements, list):
            if requirements is not None:
                self.problem(pointer, "security", "`security` must be a list of requirement objects")
            return ()
        out = []
        for i, requirement in enumerate(requirements):
            if not isinstance(requirement, Mapping):
                self.problem(join_pointer(pointer, i), "security", "a security requirement must be a mapping")
                continue
            alternative = []
            for name in requirement:
                scheme = self.schemes.get(str(name))
                if scheme is None:
                    message = f"security scheme {name!r} is not in components.securitySchemes"
                    self.problem(join_pointer(pointer, i), "security", message)
                    scheme = SecurityScheme(str(name), "unknown", None)
                alternative.append(scheme)
            out.append(tuple(alternative))
        return tuple(out)

    def _operations(self, root_security: tuple[tuple[SecurityScheme, ...], ...]) -> list[Operation]:
        paths = self.document.get("paths")
        if not isinstance(paths, Mapping):
            if paths is not None:
                self.problem("/paths", "bad-operation", "`paths` must be a mapping")
            return []
        out = []
        for path, item in paths.items():
            item_ptr = join_pointer("", "paths", str(path))
            if not isinstance(path, str) or not path.startswith("/") or not isinstance(item, Mapping):
                self.problem(item_ptr, "bad-operation", f"{path!r}: not a path template with a Path Item")
                continue
            for method in METHODS:
                if method not in item:
                    continue
                pointer = join_pointer(item_ptr, method)
                if not isinstance(item[method], Mapping):
                    self.problem(pointer, "bad-operation", f"{method.upper()} {path}: not an Operation Object")
                    continue
                try:
                    out.append(self._operation(path, method, (item_ptr, item), (pointer, item[method]), root_security))
                except (SpecRefError, ValueError, TypeError, KeyError, AttributeError) as exc:
                    self.problem(pointer, "bad-operation", f"{method.upper()} {path}: {exc}")
        return out

    def _operation(
        self,
        path: str,
        method: str,
        item: tuple[str, Mapping[str, Any]],
        operation: tuple[str, Mapping[str, Any]],
        root_security: tuple[tuple[SecurityScheme, ...], ...],
    ) -> Operation:
        """The Operation Object ``operation`` (pointer, node) of the Path Item ``item``."""
        pointer, op = operation
        params: dict[tuple[str, str], Parameter] = {}
        for base, owner in (item, operation):  # operation-level parameters override path-level ones
            raw_params = owner.get("parameters") or []
            if not isinstance(raw_params, list):
                raise ValueError("`parameters` must be a list")
            for i, raw in enumerate(raw_params):
                param = self._parameter(join_pointer(base, "parameters", i), raw)
                params[(param.location, param.name)] = param
        body = (
            self._request_body(join_pointer(pointer, "requestBody"), op["requestBody"]) if "requestBody" in op else None
        )
        raw_responses = op.get("responses") or {}
        if not isinstance(raw_responses, Mapping):
            raise ValueError("`responses` must be a mapping")
        responses = [
            self._response(
                join_pointer(pointer, "responses", str(s)), str(s), raw_responses[s] if type(s) is str else None
            )
            for s in raw_responses
        ]
        rate_limit = None
        if "x-rate-limit" in op:
            parsed = parse_rate_limit(op["x-rate-limit"])
            if isinstance(parsed, str):
                self.problem(join_pointer(pointer, "x-rate-limit"), "rate-limit", parsed)
            else:
                rate_limit = parsed
        security = (
            self._security(op["security"], join_pointer(pointer, "security")) if "security" in op else root_security
        )
        tags = op.get("tags") or []
        return Operation(
            operation_id=str(op.get("operationId") or f"{method}_{path}"),
            method=method.upper(),
            path=path,
            pointer=pointer,
            tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
            summary=_text(op.get("summary")),
            description=_text(op.get("description")),
            parameters=tuple(params.values()),
            request_body=body,
            responses=tuple(sorted(responses, key=lambda r: r.status)),
            security=security,
            rate_limit=rate_limit,
            extensions={k: v for k, v in op.items() if isinstance(k, str) and k.startswith("x-")},
            deprecated=op.get("deprecated") is True,
        )

    def _parameter(self, pointer: str, written: Any) -> Parameter:
        ptr, raw = self.refs.follow(pointer, written)
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str) or "in" not in raw:
            raise ValueError(f"#{pointer}: a parameter needs `name` and `in`")
        location = str(raw["in"])
        schema = SchemaRef(join_pointer(ptr, "schema"), raw["schema"]) if "schema" in raw else None
        example = raw.get("example")
        if example is None and schema is not None and isinstance(schema.node, Mapping):
            example = schema.node.get("example")
        return Parameter(
            name=raw["name"],
            location=location,
            required=bool(raw.get("required", location == "path")),
            schema=schema,
            description=_text(raw.get("description")),
            example=example,
            pointer=ptr,
        )

    def _content(self, pointer: str, content: Any) -> tuple[MediaType, ...]:
        if not isinstance(content, Mapping):
            return ()
        out = []
        for media_type, media in content.items():
            if not isinstance(media, Mapping):
                continue
            schema_ptr = join_pointer(pointer, "content", str(media_type), "schema")
            schema = SchemaRef(schema_ptr, media["schema"]) if "schema" in media else None
            if "example" in media:
                out.append(MediaType(str(media_type), schema, media["example"], True))
                continue
            examples = media.get("examples")
            first = next(iter(examples.values()), None) if isinstance(examples, Mapping) and examples else None
            if isinstance(first, Mapping) and "value" in first:
                out.append(MediaType(str(media_type), schema, first["value"], True))
            else:
                out.append(MediaType(str(media_type), schema))
        return tuple(out)

    def _request_body(self, pointer: str, written: Any) -> RequestBody:
        ptr, raw = self.refs.follow(pointer, written)
        if not isinstance(raw, Mapping):
            raise ValueError("`requestBody` must be a Request Body Object")
        return RequestBody(
            bool(raw.get("required", False)), self._content(ptr, raw.get("content")), _text(raw.get("description")), ptr
        )

    def _response(self, pointer: str, status: str, written: Any = None) -> Response:
        """The response at ``pointer`` (``written``: the node there, None to look it up)."""
        if written is None:
            written = self.refs.at(pointer)
        component = None
        if isinstance(written, Mapping) and isinstance(written.get("$ref"), str):
            ref = written["$ref"]
            if ref.startswith("#/components/responses/"):
                component = ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        ptr, raw = self.refs.follow(pointer, written)
        if not isinstance(raw, Mapping):
            raise ValueError(f"response {status} must be a Response Object")
        parts = self._responses.get((ptr, id(raw)))
        if parts is None:  # a shared response (``$ref: '#/components/responses/X'``) is read once
            parts = self._responses[(ptr, id(raw))] = self._response_parts(ptr, raw)
        description, content, headers, retry = parts
        return Response(
            status=status,
            description=description,
            content=content,
            headers=headers,
            component=component,
            pointer=ptr,
            retry=retry,
        )

    def _response_parts(
        self, ptr: str, raw: Mapping[str, Any]
    ) -> tuple[str, tuple[MediaType, ...], tuple[Header, ...], RetryRule | None]:
        """What a Response Object at ``ptr`` says whatever status it is declared for."""
        headers = []
        raw_headers = raw.get("headers")
        for name in raw_headers if isinstance(raw_headers, Mapping) else {}:
            h_ptr, header = self.resolved(join_pointer(ptr, "headers", str(name)))
            if isinstance(header, Mapping):
                schema = SchemaRef(join_pointer(h_ptr, "schema"), header["schema"]) if "schema" in header else None
                headers.append(
                    Header(str(name), schema, _text(header.get("description")), bool(header.get("required")))
                )
        retry = None
        if "x-retry" in raw:
            parsed = parse_retry(raw["x-retry"])
            if isinstance(parsed, str):
                self.problem(join_pointer(ptr, "x-retry"), "retry", parsed)
            else:
                retry = parsed
        return _text(raw.get("description")), self._content(ptr, raw.get("content")), tuple(headers), retry
