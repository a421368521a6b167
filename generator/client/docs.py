"""Docstrings and README examples of generated methods (plain text; escaping happens later).

A method docstring gives the summary, the operation's description, the HTTP method and path, the
rate limit, every argument with its description, the return type and the errors raised (Google
docstring style, the shape OAI's generated SDK uses).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from generator.client.literals import clean_text, one_line, seconds

if TYPE_CHECKING:
    from generator.client.arguments import Argument
    from generator.spec.model import Operation

_UUID_SAMPLE = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
#: What a list method's page is (the ``Returns:`` text after its type).
PAGE_RETURNS = (
    "the first page (``results``, ``next``, ``previous``); iterating it yields every item of every "
    "page, each next page fetched when the iteration reaches it (``iter_pages()`` for the pages)."
)
ASYNC_PAGE_RETURNS = (
    "``await`` it for the first page, or ``async for`` over every item of every page, each next page "
    "fetched when the iteration reaches it."
)
_EXAMPLE_LIMIT = 60


def describe(
    op: Operation,
    arguments: list[Argument],
    returns: str,
    errors: list[tuple[str, int]],
    idempotency: str | None,
) -> str:
    """The plain-text docstring of one generated method; ``returns`` is its ``Returns:`` line."""
    summary = one_line(op.summary) or f"{op.method} {op.path}"
    parts = [summary if summary.endswith(".") else summary + "."]
    description = clean_text(op.description)
    if description:
        parts.append(description)
    facts = f"``{op.method} {op.path}`` (operationId ``{op.operation_id}``)."
    limit = op.rate_limit
    if limit is not None:
        facts += (
            f" Rate limit: {limit.limit} requests per {seconds(limit.period)} s per {limit.scope}; "
            "the client waits instead of exceeding it."
        )
    schemes = sorted({scheme.name for alternative in op.security for scheme in alternative})
    if schemes:
        facts += " Credentials: " + ", ".join(schemes) + "."
    parts.append(facts)
    lines = ["Args:"]
    for arg in arguments:
        text = arg.doc or (
            "Request body property ``" + arg.wire_name + "``."
            if arg.location == "body"
            else f"The ``{arg.wire_name}`` {arg.location} parameter."
        )
        if arg.python_name != arg.wire_name and arg.wire_name:
            text += f" (sent as ``{arg.wire_name}``)"
        lines.append(f"    {arg.python_name}: {text}")
    if idempotency:
        lines.append(
            f"    idempotency_key: ``{idempotency}`` header; when omitted the client generates one and "
            "reuses it across retries."
        )
    lines.append("    timeout: Overrides the client's timeout for this call (seconds or ``httpx.Timeout``).")
    lines.append("    extra_headers: Headers for this call, replacing those of the same name (``None`` removes one).")
    lines.append("    extra_query: Query parameters for this call, replacing those of the same name.")
    lines.append("    extra_body: JSON members merged over the request body.")
    parts.append("\n".join(lines))
    parts.append(f"Returns:\n    {returns}")
    raises = ["Raises:"]
    raises.extend(f"    {name}: HTTP {status}." for name, status in errors)
    raises.append("    APIStatusError: any other error status.")
    raises.append("    APIConnectionError: the request could not be sent (after retries).")
    raises.append("    ResponseValidationError: the success body is not JSON of the declared shape")
    raises.append("        (with strict_responses: does not match the schema).")
    raises.append("    CredentialsError: a credential the operation needs is missing (nothing is sent).")
    parts.append("\n".join(raises))
    return "\n\n".join(parts)


def readme_example(group: str, method: str, arguments: list[Argument]) -> str:
    """One line of Python calling the method with sample values (for the generated README)."""
    values: list[str] = []
    for arg in arguments:
        if arg.location == "path":
            values.append(_sample(arg))
    for arg in arguments:
        if arg.location != "path" and arg.required:
            values.append(f"{arg.python_name}={_sample(arg)}")
    if len(values) == sum(a.location == "path" for a in arguments):
        optional = [a for a in arguments if a.location == "body" and a.example is not None]
        if optional and len(repr(optional[0].example)) <= _EXAMPLE_LIMIT:
            values.append(f"{optional[0].python_name}={optional[0].example!r}")
    return f"client.{group}.{method}({', '.join(values)})"


def _sample(arg: Argument) -> str:
    if arg.example is not None and len(repr(arg.example)) <= _EXAMPLE_LIMIT:
        return repr(arg.example)
    printed = ast.unparse(arg.type_node)
    if "UUID" in printed:
        return repr(_UUID_SAMPLE)
    for kind, sample in (
        ("Mapping", "{...}"),
        ("models.", "{...}"),
        ("Sequence", "[...]"),
        ("int", "0"),
        ("float", "0.0"),
        ("bool", "True"),
        ("str", "'...'"),
    ):
        if printed.startswith(kind) or printed == kind:
            return sample
    return "..."
