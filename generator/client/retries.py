"""The generated client's retry policy, read from the spec's ``x-retry`` rules (errors page).

The runtime (``generator/client/runtime/_retry.py``) retries connection errors and timeouts always,
and an error status only as the spec's ``x-retry`` on its response says
(:class:`~generator.spec.rules.RetryRule`; ``RETRY_POLICY`` in the generated ``_constants.py``):

- ``backoff``: exponential backoff (a ``Retry-After`` sent with the response wins), every such
  status in ``backoff_statuses``;
- ``retry-after``: the ``Retry-After`` delay, else backoff: one status, ``retry_after_status``;
- ``{delay, new-idempotency-key: true}``: a fixed delay, then a new idempotency key: one status,
  ``delay_status`` after ``delay_seconds``.

The runtime keeps one rule per status for all operations. A rule it cannot follow (two rules for
one status, or a rule for a status another operation declares without one; a second
``retry-after`` or ``delay`` status; a delay that keeps the idempotency key; a rule on a status
that is not one error status) is an ``ir-retry`` error: the client would retry otherwise than
the spec says.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from generator.client.ir import RetryIR
from generator.client.literals import seconds
from generator.client.meta import phrase
from generator.diagnostics import Diagnostics
from generator.naming import words
from generator.spec.model import Response, Spec
from generator.spec.refs import join_pointer
from generator.spec.rules import RetryRule

#: Width of the wrapped paragraph in the ``_constants.py`` docstring.
DOC_WIDTH = 100


@dataclass(frozen=True)
class _Declared:
    """A status's rule and the response that declares it (for messages and the README label)."""

    rule: RetryRule
    response: Response


def retry_policy(spec: Spec, diags: Diagnostics) -> RetryIR | None:
    """The :class:`RetryIR` of ``spec``; None (with ``ir-retry`` errors) when the runtime cannot follow it."""
    problems: list[tuple[str, str]] = []  # (pointer of the x-retry, message)
    declared: dict[int, _Declared] = {}
    seen: set[str] = set()
    unretried: dict[int, Response] = {}
    for response in (r for op in spec.operations for r in op.responses):
        where, rule, code = join_pointer(response.pointer, "x-retry"), response.retry, response.code
        if rule is None and code is not None and 400 <= code <= 599:
            unretried.setdefault(code, response)
        if rule is None or where in seen:  # seen: a component response shared by several operations
            continue
        seen.add(where)
        if code is None or not 400 <= code <= 599:
            problems.append((where, f"x-retry on response {response.status}: only 4xx/5xx statuses are retried"))
            continue
        earlier = declared.setdefault(code, _Declared(rule, response))
        if earlier.rule != rule:
            problems.append(
                (
                    where,
                    f"status {code} has x-retry {_show(rule)} here but {_show(earlier.rule)} at "
                    f"#{earlier.response.pointer}: the client has one retry rule per status",
                )
            )
    for code in sorted(unretried.keys() & declared.keys()):
        where = unretried[code].pointer
        message = (
            f"status {code} has no x-retry here but {_show(declared[code].rule)} at #{declared[code].response.pointer}"
        )
        problems.append((where, message + ": the client has one retry rule per status"))
    by_kind: dict[str, list[int]] = {"backoff": [], "retry-after": [], "delay": []}
    for code in sorted(declared):
        by_kind[declared[code].rule.kind].append(code)
    for kind, constant in (("retry-after", "retry_after_status"), ("delay", "delay_status")):
        if len(by_kind[kind]) > 1:
            statuses = ", ".join(map(str, by_kind[kind]))
            where = join_pointer(declared[by_kind[kind][1]].response.pointer, "x-retry")
            problems.append(
                (where, f"x-retry {kind} on statuses {statuses}: the client follows it on one ({constant})")
            )
    for code in by_kind["delay"]:
        if not declared[code].rule.new_idempotency_key:
            where = join_pointer(declared[code].response.pointer, "x-retry")
            problems.append((where, f"status {code}: a delay retry must send a new idempotency key"))
    for where, message in problems:
        diags.error(spec.source, spec.line_of(where), "ir-retry", f"#{where}: {message}")
    return None if problems else _policy(by_kind, declared)


def _policy(by_kind: dict[str, list[int]], declared: dict[int, _Declared]) -> RetryIR:
    fields: dict[str, Any] = {}
    summary: list[str] = []
    after = by_kind["retry-after"][0] if by_kind["retry-after"] else None
    if after is not None:
        summary.append(f"{after} after ``Retry-After``")
        fields.update(retry_after_status=after)
    backoff = ", ".join(map(str, by_kind["backoff"]))
    if backoff:
        summary.append("/".join(map(str, by_kind["backoff"])) + " with exponential backoff")
        fields.update(
            backoff_statuses=tuple(by_kind["backoff"]),
            backoff_readme=f"{backoff}, connection errors and timeouts",
            backoff_doc=f"{backoff} and connection errors/timeouts",
        )
    delay = by_kind["delay"][0] if by_kind["delay"] else None
    if delay is not None:
        delay_seconds = declared[delay].rule.seconds
        text = seconds(delay_seconds)
        summary.append(f"{delay} after {text} seconds with a new idempotency key")
        component = declared[delay].response.component
        fields.update(
            delay_status=delay,
            delay_seconds=text,
            delay_label=" ".join(words(component)) if component else phrase(delay).lower(),
            delay_seconds_literal=repr(float(delay_seconds)),
        )
    if summary:
        paragraph = (
            "Servers come from the spec's ``servers``; retry settings follow the vendor's ``errors`` and "
            f"``idempotency`` pages ({'; '.join(summary)})."
        )
    else:
        paragraph = (
            "Servers come from the spec's ``servers``; the spec declares no ``x-retry`` rule, so no "
            "status is retried (connection errors and timeouts are)."
        )
    return RetryIR(constants_doc=textwrap.fill(paragraph, DOC_WIDTH, break_on_hyphens=False), **fields)


def _show(rule: RetryRule) -> str:
    if rule.kind == "delay":
        return f"{{delay: {rule.seconds:g}, new-idempotency-key: {str(rule.new_idempotency_key).lower()}}}"
    return rule.kind
