"""The intermediate representation that templates see (and nothing else).

:func:`build_ir` turns a :class:`~generator.spec.model.Spec` into a :class:`ClientIR` with the
package facts; :func:`generator.client.retries.retry_policy` gives the retry policy and
:func:`generator.client.build.build_client` fills in what the runtime client needs (resource
groups, operations, method signatures, credentials, servers, error classes), once the models
module exists. Python computes every string a template prints
(identifiers, type hints, escaped literals, docstrings); templates only arrange them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.client.literals import docstring, py_str, toml_str
from generator.spec.model import Spec

#: (template, target path relative to the output directory) rendered once for every package;
#: ``{package}`` is replaced by the package name. The runtime modules that do not depend on the
#: spec are copied, not rendered (:data:`generator.client.runtime.RUNTIME_MODULES`).
PACKAGE_FILES: tuple[tuple[str, str], ...] = (
    ("pyproject.toml.jinja", "pyproject.toml"),
    ("README.md.jinja", "README.md"),
    ("py.typed.jinja", "{package}/py.typed"),
    ("__init__.py.jinja", "{package}/__init__.py"),
    ("_constants.py.jinja", "{package}/_constants.py"),
    ("_status_errors.py.jinja", "{package}/_status_errors.py"),
    ("_client.py.jinja", "{package}/_client.py"),
    ("resources/__init__.py.jinja", "{package}/resources/__init__.py"),
)
#: Template of one resource group module (rendered once per group).
GROUP_TEMPLATE = "resources/group.py.jinja"


@dataclass(frozen=True)
class ArgumentIR:
    """One argument of a generated method and of its descriptor.

    ``annotation`` is the printed type hint (``| NotGiven`` included for optional keywords),
    ``default`` the printed default (``""`` when required); the ``*_literal`` fields are escaped
    Python literals.
    """

    python_name: str
    python_literal: str
    wire_literal: str
    location: str
    location_literal: str
    annotation: str
    default: str
    required: bool


@dataclass(frozen=True)
class RateLimitIR:
    """An operation's ``x-rate-limit`` as the descriptor states it (printed literals; None: not set)."""

    limit: int
    period_literal: str
    scope_literal: str
    key_credential_literal: str | None = None
    key_path_param_literal: str | None = None


@dataclass(frozen=True)
class MethodIR:
    """One of an operation's four methods (sync, sync raw, async, async raw): ``def`` or ``async def``,
    what it returns and which runtime call it makes (``await`` or not)."""

    def_keyword: str
    returns: str
    call: str
    await_prefix: str
    docstring: str


@dataclass(frozen=True)
class OperationIR:
    """One operation as templates need it: names sanitized, type hints printed, literals escaped.

    The method's arguments are data (:class:`ArgumentIR`): ``positional`` (path parameters in path
    order), ``keywords`` (required first), and by location for the runtime call. The descriptor
    (the module-level ``Operation(...)`` constant) is the ``*_literal`` fields, ``decoder_class``
    and ``decoder_argument``, ``security`` (alternatives of scheme-name literals) and ``rate_limit``.
    """

    operation_id: str
    method: str
    path: str
    summary: str
    tag: str
    python_name: str
    const_name: str = ""
    operation_id_literal: str = '""'
    method_literal: str = '""'
    path_literal: str = '""'
    group_literal: str = '""'
    python_name_literal: str = '""'
    definition_type: str = "None"
    decoder_class: str = "NoContentDecoder"
    decoder_argument: str = ""
    security: tuple[tuple[str, ...], ...] = ()
    rate_limit: RateLimitIR | None = None
    idempotency_literal: str | None = None
    body_kind: str = "none"
    body_kind_literal: str = '"none"'
    body_required: bool = False
    content_type_literal: str = '"application/json"'
    paginated: bool = False
    arguments: tuple[ArgumentIR, ...] = ()
    positional: tuple[ArgumentIR, ...] = ()
    keywords: tuple[ArgumentIR, ...] = ()
    path_args: tuple[ArgumentIR, ...] = ()
    query_args: tuple[ArgumentIR, ...] = ()
    header_args: tuple[ArgumentIR, ...] = ()
    cookie_args: tuple[ArgumentIR, ...] = ()
    body_args: tuple[ArgumentIR, ...] = ()
    methods: tuple[MethodIR, MethodIR, MethodIR, MethodIR] | None = None
    example: str = ""
    readme_summary: str = ""
    readme_group: str = ""
    readme_route: str = ""
    needs_secondary_credentials: bool = False


@dataclass(frozen=True)
class GroupIR:
    """A resource group (one tag): ``client.<attribute>`` and the classes of ``resources/<module>.py``."""

    attribute: str
    module: str
    class_name: str
    async_class_name: str
    raw_class_name: str
    async_raw_class_name: str
    docstring: str
    operations: tuple[OperationIR, ...]


@dataclass(frozen=True)
class CredentialIR:
    """A security scheme as a client argument (``api_key``), with its wire form (header + prefix)."""

    scheme: str
    scheme_literal: str
    argument: str
    location: str
    parameter: str
    parameter_literal: str
    prefix: str
    prefix_literal: str
    env: str
    env_literal: str
    doc: str


@dataclass(frozen=True)
class ServerIR:
    """One server of the spec: region name and URL (both as escaped literals) and description."""

    region: str
    region_literal: str
    url: str
    url_literal: str
    description: str


@dataclass(frozen=True)
class ErrorIR:
    """The exception class of one documented error status."""

    status: int
    class_name: str
    base: str
    docstring: str


@dataclass(frozen=True)
class RetryIR:
    """The retry policy of the runtime (``RETRY_POLICY`` in ``_constants.py``, README) from ``x-retry``.

    ``backoff_statuses`` are retried with backoff, ``retry_after_status`` after ``Retry-After``,
    ``delay_status`` after ``delay_seconds_literal`` seconds with a new idempotency key; the
    strings are printed in docstrings and the README. The defaults describe a spec without
    ``x-retry``: no status is retried (connection errors and timeouts still are).
    """

    backoff_statuses: tuple[int, ...] = ()
    retry_after_status: int | None = None
    delay_status: int | None = None
    delay_seconds_literal: str = "0.0"
    delay_seconds: str = ""
    delay_label: str = ""
    backoff_readme: str = "Connection errors and timeouts"
    backoff_doc: str = "Connection errors/timeouts"
    constants_doc: str = ""


@dataclass(frozen=True)
class RegistryIR:
    """One entry of ``resources.OPERATIONS``: the operationId literal and where its descriptor is."""

    operation_id_literal: str
    module: str
    const_name: str


@dataclass
class ClientIR:
    """Everything the package templates print."""

    package: str
    distribution: str
    version: str
    generator_version: str
    spec_sha256: str
    title: str
    operations: list[OperationIR] = field(default_factory=list)
    files: tuple[tuple[str, str], ...] = PACKAGE_FILES
    client_class: str = "Client"
    async_client_class: str = "AsyncClient"
    env_prefix: str = "API"
    title_docstring: str = '""""""'
    title_toml: str = '""'
    version_literal: str = '""'
    package_literal: str = '""'
    user_agent_literal: str = '""'
    groups: list[GroupIR] = field(default_factory=list)
    credentials: list[CredentialIR] = field(default_factory=list)
    servers: list[ServerIR] = field(default_factory=list)
    default_region_literal: str = "None"
    errors: list[ErrorIR] = field(default_factory=list)
    retry: RetryIR = field(default_factory=RetryIR)
    registry: tuple[RegistryIR, ...] = ()
    secret_headers: tuple[str, ...] = ()
    env_base_url_literal: str = "None"
    all_exports: tuple[str, ...] = ()
    version_toml: str = '""'
    client_docstring: str = '""""""'
    async_client_docstring: str = '""""""'
    title_md: str = ""
    readme_fence: str = "```"
    readme_first_example: str = ""
    readme_credentials: tuple[str, ...] = ()
    readme_secondary_argument: str = "api_key"
    readme_default_region: str = ""
    readme_region_argument: str = ""
    readme_servers: tuple[str, ...] = ()
    readme_lists: tuple[str, ...] = ()
    readme_list_example: str = ""
    readme_list_item: str = ""


def build_ir(
    spec: Spec, sha256: str, generator_version: str, package: str = "recall_client", version: str | None = None
) -> ClientIR:
    """The package facts of ``spec`` (title, version, literals).

    ``version`` is the package version (default: ``info.version`` as written; the renderer passes
    a PEP 440 one). :func:`generator.client.build.build_client` adds the operations and the client
    part (it needs the models module).
    """
    title, version = spec.title, spec.version if version is None else version
    return ClientIR(
        package=package,
        distribution=package.replace("_", "-"),
        version=version,
        generator_version=generator_version,
        spec_sha256=sha256,
        title=title,
        title_docstring=docstring(f"Typed client for the {title}, generated by recallgen {generator_version}."),
        title_toml=toml_str(f"Typed Python client for the {title}, generated by recallgen"),
        version_literal=py_str(version),
        version_toml=toml_str(version),
        package_literal=py_str(package),
        user_agent_literal=py_str(f"{package.replace('_', '-')}/{version} (recallgen {generator_version})"),
    )
