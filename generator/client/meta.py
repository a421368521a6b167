"""API-wide client facts from the spec model: credentials, servers (regions) and error classes.

Credentials come from the security schemes (OpenAPI 3.1 section 4.8.27) with their wire format
as data (:class:`~generator.spec.rules.CredentialFormat`: location, header/query/cookie name and
the ``x-credential-prefix``): the first scheme of the root ``security`` requirement is the
client's ``api_key`` (environment variable ``<PREFIX>_API_KEY``); every other scheme becomes an
argument named after it (``CalendarAuthToken`` -> ``calendar_auth_token``). Servers (section
4.8.5) become regions named after the first DNS label of their host. Error classes come from the
documented 4xx/5xx responses.
"""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlsplit

from generator.client.ir import ClientIR, CredentialIR, ErrorIR, ServerIR
from generator.client.literals import docstring, md_cell, md_code, md_fence, one_line, py_str
from generator.naming import class_name, python_identifier, words
from generator.spec.model import Spec

#: Conventional class names that win over the response component's name (OAI's naming).
CONVENTIONAL_ERRORS: dict[int, str] = {429: "RateLimitError"}
#: Names the runtime already uses (a generated class must not take them).
RUNTIME_ERROR_NAMES = frozenset(
    {
        "RecallError",
        "CredentialsError",
        "APIError",
        "APIConnectionError",
        "APITimeoutError",
        "ResponseValidationError",
        "APIStatusError",
        "ServerError",
    }
)
#: Client constructor arguments that are not credentials.
CLIENT_ARGUMENTS = frozenset(
    {
        "self",
        "region",
        "base_url",
        "timeout",
        "max_retries",
        "rate_limit",
        "strict_responses",
        "default_headers",
        "http_client",
        "clock",
    }
)


def identifier(text: str, *, fallback: str = "field") -> str:
    """:func:`generator.naming.python_identifier` (``__init__`` -> ``init_``, ``class`` -> ``class_``)."""
    return python_identifier(text, fallback=fallback)


def credentials(spec: Spec, env_prefix: str) -> list[CredentialIR]:
    """One :class:`CredentialIR` per supported security scheme, the root requirement's first scheme first.

    A scheme without a credential format (unsupported) is left out: :func:`render_package` refuses
    such a spec (``ir-security``) before building.
    """
    schemes = spec.security_schemes
    root = [scheme.name for alternative in spec.security for scheme in alternative]
    ordered = [n for n in dict.fromkeys(root) if n in schemes] + sorted(n for n in schemes if n not in root)
    result: list[CredentialIR] = []
    used = set(CLIENT_ARGUMENTS)
    for scheme_name in ordered:
        scheme = schemes[scheme_name]
        wire = scheme.format
        if wire is None:
            continue
        first = not result
        argument = "api_key" if first else identifier(scheme_name)
        while argument in used:
            argument += "_"
        used.add(argument)
        env = f"{env_prefix}_{argument.upper()}" if first else ""
        result.append(
            CredentialIR(
                scheme=scheme_name,
                scheme_literal=py_str(scheme_name),
                argument=argument,
                location=wire.location,
                parameter=wire.parameter,
                parameter_literal=py_str(wire.parameter),
                prefix=wire.prefix,
                prefix_literal=py_str(wire.prefix),
                env=env,
                env_literal=py_str(env) if env else "None",
                doc=one_line(scheme.description or f"{scheme_name} credential."),
            )
        )
    return result


def servers(spec: Spec) -> list[ServerIR]:
    """Regions from ``servers``: the host's first DNS label when unique, else ``server<n>``."""
    entries = [s for s in spec.servers if s.url]
    labels = [(urlsplit(s.url).hostname or "").split(".")[0] for s in entries]
    if len(set(labels)) != len(labels) or not all(labels):
        labels = [f"server{i}" for i in range(len(entries))]
    return [
        ServerIR(
            region=label,
            region_literal=py_str(label),
            url=entry.url.rstrip("/"),
            url_literal=py_str(entry.url.rstrip("/")),
            description=one_line(entry.description),
        )
        for label, entry in zip(labels, entries, strict=True)
    ]


def error_classes(spec: Spec) -> list[ErrorIR]:
    """One exception class per documented 4xx/5xx status over all operations (sorted by status)."""
    found: dict[int, tuple[str, str]] = {}
    for op in spec.operations:
        for response in op.responses:
            code = response.code
            if code is None or not 400 <= code <= 599 or code in found:
                continue
            found[code] = (response.component or "", response.description)
    result: list[ErrorIR] = []
    used = set(RUNTIME_ERROR_NAMES)
    for status in sorted(found):
        component, description = found[status]
        name = CONVENTIONAL_ERRORS.get(status) or _error_name(status, component)
        while name in used:
            name += "_"
        used.add(name)
        text = f"HTTP {status}: {one_line(description) or phrase(status)}"
        result.append(ErrorIR(status, name, "ServerError" if status >= 500 else "APIStatusError", docstring(text, 4)))
    return result


def phrase(status: int) -> str:
    """The reason phrase of ``status`` (``Conflict``), ``Status <n>`` when it has none."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Status {status}"


def _error_name(status: int, component: str) -> str:
    base = class_name(component) if component else class_name(" ".join(words(phrase(status))))
    return base if base.endswith("Error") else f"{base}Error"


def client_docstring(ir: ClientIR, is_async: bool) -> str:
    """The docstring literal of the (async) client class: what each constructor argument means."""
    kind = "async" if is_async else "sync"
    http = "httpx.AsyncClient" if is_async else "httpx.Client"
    lines = [f"Client of the {ir.title} ({kind}); use it as a context manager or call ``close()``.", "", "Args:"]
    for cred in ir.credentials:
        env = f" Default: environment variable ``{cred.env}``." if cred.env else ""
        lines.append(f"    {cred.argument}: {cred.doc}{env}")
    lines += [
        f"    region: Server region, one of ``SERVERS`` (default {ir.default_region_literal}).",
        f"    base_url: Any other base URL (a sandbox); excludes ``region``. Default: environment variable "
        f"``{ir.env_prefix}_BASE_URL`` when no region is given.",
        "    timeout: Seconds, or an ``httpx.Timeout`` with separate connect and read values.",
        '    max_retries: Retries after the first attempt (README, "Retries").',
        "    rate_limit: Wait to stay within each operation's ``x-rate-limit``, shared by every client of the "
        "process with the same credential and base URL (default on).",
        "    strict_responses: Validate every response against the spec (unknown enum values refused); by "
        'default responses are read leniently (README, "Responses").',
        "    default_headers: Headers sent with every request (``None`` removes one of the client's).",
        f"    http_client: An ``{http}`` to use (this client does not close it).",
        "    clock: Where time and sleeps come from (default: the system clock); tests pass a fake one.",
        "",
        "Raises:",
        "    ValueError: an unknown region, or both ``region`` and ``base_url``.",
    ]
    return docstring("\n".join(lines), 4)


def readme_facts(ir: ClientIR) -> None:
    """Fill the README strings of ``ir`` (Markdown-escaped) from its credentials, servers and operations."""
    ir.title_md = md_cell(ir.title)
    ir.readme_credentials = tuple(
        f"`{c.argument}` | {md_code(f'{c.parameter}: {c.prefix}<secret>')} ({c.location}) | "
        + (md_code(c.env) if c.env else "-")
        for c in ir.credentials
    )
    ir.readme_secondary_argument = ir.credentials[-1].argument if ir.credentials else "api_key"
    ir.readme_servers = tuple(f"{md_code(s.region)} | {md_code(s.url)}" for s in ir.servers)
    ir.readme_default_region = md_code(ir.servers[0].region) if ir.servers else "none"
    ir.readme_region_argument = f", region={ir.servers[-1].region_literal}" if ir.servers else ""
    examples = "\n".join(op.example for op in ir.operations)
    ir.readme_fence = md_fence(examples)
    plain = [op for op in ir.operations if not op.needs_secondary_credentials] or ir.operations
    ir.readme_first_example = plain[0].example if plain else "None"
    lists = [op for op in ir.operations if op.paginated]
    ir.readme_lists = tuple(md_code(f"client.{op.readme_group}.{op.python_name}") for op in lists)
    if lists:
        first = next((op for op in lists if not op.needs_secondary_credentials), lists[0])
        ir.readme_list_example = first.example
        item = identifier(first.readme_group.rstrip("s") or "item", fallback="item")
        ir.readme_list_item = "item" if item in ("client", "page", "asyncio", "main") else item
