"""Drive the generated client generically from the spec: operation + drawn arguments -> client call.

How the client exposes an operation is read from the generated package, never re-derived: its
descriptor in ``recall_client.resources.OPERATIONS`` names the group, the method and the Python
argument of every wire name (the naming rule of ``generated/README.md`` as the generator applied
it). The spec supplies what to draw (parameter schemas, required) and judges the result; the
adapter checks that the descriptor covers every parameter and body property the spec declares and
that the method's signature accepts the arguments. Credentials: the generated ``SECURITY_SCHEMES``
name the constructor argument of each scheme (``api_key`` for the root security's first one).

The spec is read through its typed model (:mod:`conformance_tests.speclib`, :mod:`generator.spec`);
nothing here imports the normalizer: the suite judges the client from the spec and the docs.
"""

from __future__ import annotations

import functools
import inspect
import typing
from dataclasses import dataclass, field
from typing import Any

from conformance_tests import speclib
from conformance_tests.speclib import OperationSpec
from generator.spec.model import Operation, SchemaRef, Spec
from generator.spec.refs import component_name

#: The header of the ``idempotency`` page; the client exposes it as ``idempotency_key=``.
IDEMPOTENCY_HEADER = "idempotency-key"
#: The client's documented retry limits (generated/README.md, "Retries"), in seconds.
MAX_RETRY_AFTER = 60.0
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
BOT_POOL_DELAY = 30.0
#: Documented error status -> exception class name (generated/README.md, "Errors" table).
ERROR_CLASSES = {
    400: "BadRequestError",
    401: "UnauthorizedError",
    402: "PaymentRequiredError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    409: "ConflictError",
    429: "RateLimitError",
    502: "BadGatewayError",
    503: "ServiceUnavailableError",
    504: "GatewayTimeoutError",
    507: "BotPoolExhaustedError",
}


def identifier(text: str) -> str:
    """The client constructor argument of the security scheme named ``text``, as the generated
    package states it (``SECURITY_SCHEMES[text].argument``: ``api_key``, ``calendar_auth_token``)."""
    from recall_client._client import SECURITY_SCHEMES

    return str(SECURITY_SCHEMES[text].argument)


@dataclass(frozen=True)
class Param:
    """A parameter of an operation: wire ``name``, ``location`` (path/query/header/cookie), schema,
    and the client's ``argument`` for it (from the descriptor)."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    argument: str


@dataclass(frozen=True)
class ClientOperation:
    """How the generated client exposes one operation of the spec (read from its descriptor)."""

    spec: OperationSpec
    group: str
    method: str
    params: tuple[Param, ...]
    body_kind: str  # "none", "fields" (one keyword per property) or "value" (``body=``)
    body_fields: dict[str, str] = field(default_factory=dict)  # wire property name -> keyword argument
    idempotent: bool = False
    body_argument: str = "body"  # the keyword of a ``value`` body
    paginated: bool = False  # a list returning pages (README "Pagination"): the checks judge the page's model

    @property
    def path_params(self) -> tuple[Param, ...]:
        """Path parameters in the order they appear in the path template."""
        found = [p for p in self.params if p.location == "path"]
        return tuple(sorted(found, key=lambda p: self.spec.path.index("{" + p.name + "}")))

    @property
    def keyword_params(self) -> tuple[Param, ...]:
        """Query, header and cookie parameters (not the ``Idempotency-Key``)."""
        return tuple(p for p in self.params if p.location != "path")

    @property
    def http_method(self) -> str:
        """The method in upper case (``PATCH``)."""
        return self.spec.method.upper()

    @property
    def label(self) -> str:
        """``client.<group>.<method>`` for messages."""
        return f"client.{self.group}.{self.method}"


#: Headers the HTTP client sets itself (RFC 9110 section 8.3, 12.5.1; section 8.6); never arguments.
TRANSPORT_HEADERS = frozenset({"content-type", "accept", "content-length"})


def spec_model() -> Spec:
    """The seed spec read once as the toolkit's typed model (``generator.spec``; :func:`speclib.spec`)."""
    return speclib.spec()


def descriptor(operation_id: str) -> Any:
    """The generated descriptor of ``operation_id`` (``recall_client.resources.OPERATIONS``)."""
    from recall_client.resources import OPERATIONS

    found = OPERATIONS.get(operation_id)
    assert found is not None, f"{operation_id}: recall_client.resources.OPERATIONS has no descriptor for it"
    return found


def client_operation(op: OperationSpec) -> ClientOperation:
    """The client-side view of ``op``: names from its descriptor, parameter schemas from the spec.

    AssertionError when the descriptor leaves out a parameter or body property the spec declares
    (credential, ``Idempotency-Key`` and transport headers aside).
    """
    generated = descriptor(op.operation_id)
    operation = spec_model().operation(op.operation_id)
    params: list[Param] = []
    fields: dict[str, str] = {}
    body_argument = "body"
    for argument in generated.arguments:
        if argument.location == "body" and argument.wire_name:
            fields[argument.wire_name] = argument.python_name
        elif argument.location == "body":
            body_argument = argument.python_name
        else:
            declared = operation.param(argument.location, argument.wire_name)
            schema = declared.schema.node if declared is not None and declared.schema is not None else {}
            required = declared.required if declared is not None else bool(argument.required)
            params.append(Param(argument.wire_name, argument.location, required, schema, argument.python_name))
    cop = ClientOperation(
        op,
        generated.group,
        generated.method_name,
        tuple(params),
        generated.body,
        fields,
        generated.idempotency_header is not None,
        body_argument,
        bool(getattr(generated, "paginated", False)),
    )
    missing = _uncovered(operation, cop)
    assert not missing, f"{op.operation_id}: the descriptor of {cop.label} has no argument for {missing}"
    return cop


def _uncovered(operation: Operation, cop: ClientOperation) -> list[str]:
    """What the spec declares for ``operation`` that ``cop`` offers no argument for."""
    spec = spec_model()
    credentials = {
        scheme.format.parameter.lower()
        for scheme in spec.security_schemes.values()
        if scheme.format is not None and scheme.format.location == "header"
    }
    skipped = credentials | TRANSPORT_HEADERS | {IDEMPOTENCY_HEADER}
    exposed = {(p.location, p.name) for p in cop.params}
    missing = [
        f"{p.location} parameter {p.name!r}"
        for p in operation.parameters
        if (p.location, p.name) not in exposed and not (p.location == "header" and p.name.lower() in skipped)
    ]
    body = operation.request_body.json if operation.request_body is not None else None
    if cop.body_kind == "fields" and body is not None and body.schema is not None:
        properties = spec.refs.properties(body.schema.pointer)
        missing += [f"body property {n!r}" for n in properties if n not in cop.body_fields]
    elif body is not None and cop.body_kind == "none":
        missing.append("the request body")
    return missing


@dataclass
class Call:
    """Arguments drawn for one call: path/keyword parameters by wire name, body, idempotency key.

    ``body`` is a dict of present properties for ``fields`` bodies (absent = not passed), any JSON
    value for ``value`` bodies, or None for no body argument. ``models`` names the body properties
    passed as generated model instances instead of dicts.
    """

    path: dict[str, Any] = field(default_factory=dict)
    keywords: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    idempotency_key: str | None = None
    models: frozenset[str] = frozenset()


def bound_method(client: Any, cop: ClientOperation, raw: bool = False) -> Any:
    """``client.<group>.<method>`` (or ``client.with_raw_response...``); AssertionError names the rule."""
    root = client.with_raw_response if raw else client
    group = getattr(root, cop.group, None)
    assert group is not None, f"{cop.spec.operation_id}: the client has no group {cop.group!r} (first tag)"
    method = getattr(group, cop.method, None)
    assert method is not None, f"{cop.spec.operation_id}: {cop.label} is missing (naming rule)"
    return method


def arguments(cop: ClientOperation, call: Call) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments of the client method for ``call``."""
    args = [call.path[p.name] for p in cop.path_params]
    kwargs: dict[str, Any] = {}
    for param in cop.keyword_params:
        if param.name in call.keywords:
            kwargs[param.argument] = call.keywords[param.name]
    if cop.body_kind == "fields" and isinstance(call.body, dict):
        for name, value in call.body.items():
            kwargs[cop.body_fields[name]] = _as_model(cop, name, value) if name in call.models else value
    elif cop.body_kind == "value" and call.body is not None:
        kwargs[cop.body_argument] = call.body
    if call.idempotency_key is not None:
        kwargs["idempotency_key"] = call.idempotency_key
    return args, kwargs


def _as_model(cop: ClientOperation, name: str, value: Any) -> Any:
    """``value`` validated into the generated model that the client's argument for body property
    ``name`` is annotated with (AssertionError when the annotation names no single model)."""
    model = _argument_model(cop.group, cop.method, cop.body_fields[name])
    assert model is not None, f"{cop.spec.operation_id}: {cop.label}({cop.body_fields[name]}=...) takes no model"
    return model.model_validate(value)


@functools.cache
def _argument_model(group: str, method: str, argument: str) -> Any:
    """The one pydantic model in the annotation of ``client.<group>.<method>(<argument>=...)``, or None."""
    import pydantic
    from recall_client import RecallClient

    resource = typing.get_type_hints(getattr(RecallClient, group).fget)["return"]
    pending = [typing.get_type_hints(getattr(resource, method))[argument]]
    found = []
    while pending:
        hint = pending.pop()
        if isinstance(hint, type) and issubclass(hint, pydantic.BaseModel):
            found.append(hint)
        pending.extend(typing.get_args(hint))
    return found[0] if len(found) == 1 else None


def invoke(client: Any, cop: ClientOperation, call: Call, raw: bool = False) -> Any:
    """Call the operation on a sync client; returns the parsed result (or ``APIResponse`` when ``raw``).

    A paginated list returns its first page; the result is the page's parsed model (what the spec
    declares for the response), its ``results`` those of the page.
    """
    method = bound_method(client, cop, raw)
    args, kwargs = arguments(cop, call)
    _check_signature(cop, method, args, kwargs)
    return _unpaged(cop, method(*args, **kwargs), raw)


async def ainvoke(client: Any, cop: ClientOperation, call: Call, raw: bool = False) -> Any:
    """Like :func:`invoke` on an ``AsyncRecallClient`` (a list's ``AsyncPaginator`` is awaited: its first page)."""
    method = bound_method(client, cop, raw)
    args, kwargs = arguments(cop, call)
    _check_signature(cop, method, args, kwargs)
    return _unpaged(cop, await method(*args, **kwargs), raw)


def _unpaged(cop: ClientOperation, result: Any, raw: bool) -> Any:
    if cop.paginated and not raw:
        assert hasattr(result, "page") and hasattr(result, "has_next_page"), f"{cop.label} returned no page"
        return result.page
    return result


#: The signature of each client method (by its function: every bound copy has the same one).
_SIGNATURES: dict[Any, inspect.Signature] = {}


def _check_signature(cop: ClientOperation, method: Any, args: list[Any], kwargs: dict[str, Any]) -> None:
    function = getattr(method, "__func__", method)
    signature = _SIGNATURES.get(function)
    if signature is None:
        signature = _SIGNATURES[function] = inspect.signature(method)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise AssertionError(f"{cop.spec.operation_id}: {cop.label} does not follow the naming rule: {exc}") from exc


def security_headers(op: OperationSpec, secrets: dict[str, str]) -> dict[str, str] | None:
    """The credential headers (lower-case name -> value) the spec requires for ``op`` given
    ``secrets`` by security scheme name.

    The first security alternative all of whose schemes have a secret wins (OpenAPI 3.1 section
    4.8.30); each secret is put on the wire by its scheme's credential format
    (:class:`generator.spec.rules.CredentialFormat`: ``Authorization: Token <key>`` for the API
    key, the ``authentication`` page). None when no alternative can be satisfied; {} for no security.
    """
    if not op.security:
        return {}
    for alternative in op.security:
        if all(scheme.name in secrets for scheme in alternative):
            out = {}
            for scheme in alternative:
                wire = scheme.format
                assert wire is not None and wire.location == "header", f"{scheme.name}: only header credentials"
                out[wire.parameter.lower()] = wire.encode(secrets[scheme.name])
            return out
    return None


def credential_arguments(secrets: dict[str, str]) -> dict[str, str]:
    """Client constructor arguments for ``secrets`` by scheme name (README "Authentication"):
    the root security's first scheme is ``api_key``, every other scheme its name as an identifier."""
    root = [scheme.name for alternative in speclib.spec().security for scheme in alternative]
    first = root[0] if root else None
    return {("api_key" if name == first else identifier(name)): value for name, value in secrets.items()}


def scheme_names() -> list[str]:
    """Every security scheme of the spec, by name."""
    return sorted(speclib.spec().security_schemes)


def scheme_headers() -> set[str]:
    """Every credential header name of the spec (lower case)."""
    schemes = speclib.spec().security_schemes.values()
    return {s.format.parameter.lower() for s in schemes if s.format is not None and s.format.location == "header"}


def documented_statuses(op: OperationSpec) -> set[int]:
    """The statuses ``op`` documents."""
    return {response.code for response in op.responses if response.code is not None}


def response_schema(op: OperationSpec, status: int, media: str = "application/json") -> SchemaRef | None:
    """The schema the spec declares for ``status`` and ``media`` (None: no body of that media type)."""
    response = op.response(status)
    found = next((m for m in response.content if m.media_type == media), None) if response is not None else None
    return found.schema if found is not None else None


def response_headers(op: OperationSpec, status: int) -> dict[str, SchemaRef | None]:
    """Header name (lower case) -> schema of the headers the spec declares for ``status``."""
    response = op.response(status)
    return {h.name.lower(): h.schema for h in response.headers} if response is not None else {}


def idempotency_schema() -> SchemaRef:
    """The schema of the ``Idempotency-Key`` header parameter (the first operation that takes one)."""
    for op in speclib.spec().operations:
        param = op.param("header", IDEMPOTENCY_HEADER)
        if param is not None and param.schema is not None:
            return param.schema
    raise LookupError("the spec declares no Idempotency-Key header parameter")


def result_model_name(schema: SchemaRef | None) -> tuple[str, str | None]:
    """("model", Name) for a component ``$ref``, ("list", Name|None) for arrays, ("none", None) for no
    body, ("json", None) otherwise: the type the README says a success response parses to."""
    if schema is None:
        return "none", None
    if schema.component is not None:
        return "model", schema.component
    node = schema.node
    if isinstance(node, dict) and node.get("type") == "array":
        return "list", component_name(node.get("items"))
    return "json", None


def all_operations() -> list[ClientOperation]:
    """Every operation of the spec as the client exposes it, sorted by operationId."""
    return [client_operation(op) for op in speclib.operations()]
