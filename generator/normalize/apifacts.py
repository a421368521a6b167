"""API-wide facts that the vendor's prose pages state: servers, the API key, errors, idempotency.

The pages (``../shared/corpus/README.md``, "API-wide facts on prose pages") are read when they
are inputs; their facts go into the document here, and the overlay actions marked
``x-recallgen-fallback-for: <page>`` (which state the same facts for runs without that page,
such as the four seed pages) are then skipped (:func:`generator.spec.overlay.apply_overlay`).

- ``authentication``: the dashboard links name the regions (``[(US) us-east-1](https://us-east-1
  .recall.ai/dashboard/api-keys)`` -> server ``https://us-east-1.recall.ai``, the first one the
  default); the code block ``Authorization: Token YOUR_API_KEY`` gives the header and the
  credential prefix (``x-credential-prefix: "Token "``); "Unauthenticated requests will receive a
  401 error".
- ``errors``: the ``Error Code | Meaning`` table gives every status from 400 with its meaning and
  retry advice (``x-retry``: "retry with exponential backoff" -> ``backoff``, "Retry after the
  duration specified in the returned Retry-After header" -> ``retry-after``, "retry in 30
  seconds" -> ``{delay: 30}``); the ``403 Request Blocked`` section shows an HTML body.
- ``idempotency``: the methods listed ("for all requests with the following methods: PUT, POST,
  PATCH"), the header named in code (``Idempotency-Key``), 409 for a duplicate in progress, the
  replay within the previous hour; its callout asks for a new key after a 507.

Nothing here is a special case of the vendor's values: every value is read from the page text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from generator.diagnostics import Diagnostics
from generator.naming import camel, words
from generator.normalize.pages import DocPage
from generator.normalize.rowtypes import strip_lost_links

#: Slugs of the prose pages read here.
FACT_PAGES = ("authentication", "errors", "idempotency")
#: Component names of error responses: the HTTP reason phrase, except where the errors page
#: gives a status its own meaning (507 is "Insufficient Storage" in HTTP, "Out of adhoc bots" here).
_NAMED_STATUSES = {507: "BotPoolExhausted"}
_HTTP_METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS")
_REGION_HOST = re.compile(r"^(?P<region>[a-z]{2}-[a-z]+-\d+)\.")
_LABEL = re.compile(r"^\s*\((?P<label>[^)]+)\)\s*")
_HEADER_LINE = re.compile(
    r"^\s*(?P<header>[A-Za-z][A-Za-z0-9-]*)\s*:\s*(?P<word>[A-Za-z]+)\s+(?P<placeholder>[A-Z][A-Z0-9_]*)\s*$"
)
_STATUS_HEADING = re.compile(r"^\s*(?P<status>[1-5]\d\d)\b")
_HTML = re.compile(r"<\s*(?:html|body)\b", re.I)
_DELAY = re.compile(r"\bretry\b[^.]*?\bin (?P<seconds>\d+) seconds", re.I)
_ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}


@dataclass
class ErrorStatus:
    """One status of the errors page: its component name, description and retry rule."""

    status: str
    name: str
    description: str
    retry: Any = None
    html: bool = False
    retry_after: bool = False


@dataclass
class ApiFacts:
    """What the prose pages given as input state; empty when none is an input.

    ``stated`` maps a page slug to the path of the page its facts were read from.
    """

    servers: list[dict[str, str]] = field(default_factory=list)
    api_key: dict[str, Any] | None = None
    errors: list[ErrorStatus] = field(default_factory=list)
    idempotency: dict[str, Any] | None = None
    idempotent_methods: list[str] = field(default_factory=list)
    stated: dict[str, str] = field(default_factory=dict)


def read_api_facts(pages: list[DocPage], diags: Diagnostics) -> ApiFacts:
    """Read the facts of the ``authentication``, ``errors`` and ``idempotency`` pages among ``pages``.

    The newest version of each is read (``converted_at``); each page read is reported as an
    ``api-wide-facts`` note listing what it gave, a page of that name that states nothing as a
    warning.
    """
    facts = ApiFacts()
    newest: dict[str, DocPage] = {}
    for page in pages:
        if page.slug in FACT_PAGES and not page.is_endpoint:
            current = newest.get(page.slug)
            if current is None or (page.converted_at, page.source) > (current.converted_at, current.source):
                newest[page.slug] = page
    if "authentication" in newest:
        _authentication(newest["authentication"], facts, diags)
    if "errors" in newest:
        _errors(newest["errors"], facts, diags)
    if "idempotency" in newest:
        _idempotency(newest["idempotency"], facts, diags)
    return facts


def _report(page: DocPage, facts: ApiFacts, diags: Diagnostics, gave: list[str]) -> None:
    if gave:
        facts.stated[page.slug] = page.path
        diags.info(page.path, page.title_line, "api-wide-facts", f"read from this page: {'; '.join(gave)}")
    else:
        diags.warning(page.path, page.title_line, "api-wide-facts", "prose page states none of the facts looked for")


def _authentication(page: DocPage, facts: ApiFacts, diags: Diagnostics) -> None:
    """Regions from the dashboard links; header and prefix from the ``Header: Word PLACEHOLDER`` code."""
    gave: list[str] = []
    for block in page.blocks:
        for text, url in block.links if block.kind == "item" else ():
            parts = urlsplit(url)
            match = _REGION_HOST.match(parts.hostname or "")
            if parts.scheme != "https" or match is None:
                continue
            server = f"https://{parts.hostname}"
            if any(s["url"] == server for s in facts.servers):
                continue
            label = _LABEL.match(text)
            description = f"{label.group('label')} ({match.group('region')})" if label else match.group("region")
            facts.servers.append({"url": server, "description": description})
    if facts.servers:
        gave.append(f"{len(facts.servers)} servers")
    header = next(
        (m for b in page.blocks if b.kind == "code" for m in [_HEADER_LINE.match(b.text.strip())] if m is not None),
        None,
    )
    if header is not None:
        name, word = header.group("header"), header.group("word")
        unauthorized = next((b for b in page.blocks if b.kind == "paragraph" and re.search(r"\b401\b", b.text)), None)
        description = f"Send `{name}: {word} <API key>` on every request (authentication page)."
        if unauthorized is not None:
            description += " Missing or invalid keys get 401."
        facts.api_key = {
            "type": "apiKey",
            "in": "header",
            "name": name,
            "x-credential-prefix": f"{word} ",
            "description": description,
        }
        gave.append(f"`{name}: {word} <key>` credentials")
    _report(page, facts, diags, gave)


def _errors(page: DocPage, facts: ApiFacts, diags: Diagnostics) -> None:
    """Statuses from 400 in the ``Error Code | Meaning`` table; HTML bodies from a status section."""
    html_statuses = {
        match.group("status")
        for block in page.blocks
        if block.kind == "code" and _HTML.search(block.text)
        for match in [_STATUS_HEADING.match(block.heading)]
        if match is not None
    }
    for block in page.blocks:
        if block.kind != "table" or len(block.cells) < 2:
            continue
        header = [cell.lower() for cell in block.cells[0]]
        if len(header) < 2 or "code" not in header[0] or "meaning" not in header[1]:
            continue
        for row in block.cells[1:]:
            if len(row) < 2 or not row[0].strip().isdigit() or int(row[0]) < 400:
                continue
            status = row[0].strip()
            meaning, _lost = strip_lost_links(row[1])
            facts.errors.append(
                ErrorStatus(
                    status=status,
                    name=_status_name(int(status)),
                    description=meaning,
                    retry=_retry(meaning),
                    html=status in html_statuses,
                    retry_after="retry-after" in meaning.lower(),
                )
            )
    gave = [f"error statuses {', '.join(e.status for e in facts.errors)}"] if facts.errors else []
    _report(page, facts, diags, gave)


def _status_name(status: int) -> str:
    if status in _NAMED_STATUSES:
        return _NAMED_STATUSES[status]
    try:
        return camel(words(HTTPStatus(status).phrase))
    except ValueError:
        return f"Status{status}"


def _retry(meaning: str) -> Any:
    """The ``x-retry`` rule a meaning states (:mod:`generator.spec.rules`), or None."""
    if re.search(r"retry-after", meaning, re.I):
        return "retry-after"
    delay = _DELAY.search(meaning)
    if delay is not None:
        return {"delay": int(delay.group("seconds"))}
    if re.search(r"\bretry\b", meaning, re.I):
        return "backoff"
    return None


def _idempotency(page: DocPage, facts: ApiFacts, diags: Diagnostics) -> None:
    """Methods from the list after "the following methods"; the header from its code span."""
    blocks = page.blocks
    for index, block in enumerate(blocks):
        if block.kind == "paragraph" and re.search(r"following methods", block.text, re.I):
            for item in blocks[index + 1 :]:
                if item.kind != "item" or item.text.strip().upper() not in _HTTP_METHODS:
                    break
                facts.idempotent_methods.append(item.text.strip().lower())
    header = next(
        (
            span
            for b in blocks
            if b.kind == "paragraph" and re.search(r"\bheader\b", b.text, re.I)
            for span in b.code_spans
            if re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", span) and "idempotency" in span.lower()
        ),
        None,
    )
    gave: list[str] = []
    if header is not None and facts.idempotent_methods:
        in_progress = any(b.kind == "item" and "409" in b.text for b in blocks)
        replay = next((b for b in blocks if b.kind == "item" and re.search(r"previous hour", b.text, re.I)), None)
        new_key_507 = any(
            b.kind == "paragraph" and "507" in b.text and re.search(r"different idempotency key|new key", b.text, re.I)
            for b in blocks
        )
        methods = [m.upper() for m in facts.idempotent_methods]
        listed = ", ".join(methods[:-1]) + f" or {methods[-1]}" if len(methods) > 1 else methods[0]
        behaviour = [f"Makes a {listed} idempotent (idempotency page)"]
        if in_progress:
            behaviour.append("a duplicate while the first is in progress gets 409")
        if replay is not None:
            behaviour.append("a duplicate within one hour of completion replays the first response")
        description = ": ".join(behaviour[:1]) + (": " + "; ".join(behaviour[1:]) if behaviour[1:] else "") + "."
        if new_key_507:
            description += " After a 507, retry with a new key."
        facts.idempotency = {
            "name": header,
            "in": "header",
            "required": False,
            "description": description,
            "schema": {"type": "string", "minLength": 1},
        }
        for error in facts.errors:
            if new_key_507 and error.status == "507" and isinstance(error.retry, dict):
                error.retry = {**error.retry, "new-idempotency-key": True}
        gave.append(f"the {header} header on {listed}")
    _report(page, facts, diags, gave)


def apply_api_facts(document: dict[str, Any], facts: ApiFacts) -> None:
    """Write the facts into ``document``: servers, the root security and the API key scheme,
    error responses (components and every operation), the ``Idempotency-Key`` parameter."""
    components = document.setdefault("components", {})
    if facts.servers:
        document["servers"] = [dict(server) for server in facts.servers]
    if facts.api_key is not None:
        document["security"] = [{"RecallApiKey": []}]
        components.setdefault("securitySchemes", {})["RecallApiKey"] = dict(facts.api_key)
    retry_after = next((error for error in facts.errors if error.retry_after), None)
    if retry_after is not None:
        seconds = "delay-seconds" in retry_after.description.lower()  # `Retry-After: <delay-seconds>`
        components.setdefault("headers", {})["Retry-After"] = {
            "description": f"Seconds to wait before retrying (errors page, {retry_after.status}).",
            "schema": {"type": "integer", "minimum": 0} if seconds else {"type": "string"},
        }
    if facts.idempotency is not None:
        components.setdefault("parameters", {})["IdempotencyKey"] = dict(facts.idempotency)
    if facts.errors:
        responses = components.setdefault("responses", {})
        for error in facts.errors:
            responses[error.name] = _response_object(error)
    for item in document.get("paths", {}).values():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            for error in facts.errors:
                op.setdefault("responses", {}).setdefault(
                    error.status, {"$ref": f"#/components/responses/{error.name}"}
                )
            if facts.idempotency is not None and method in facts.idempotent_methods:
                ref = {"$ref": "#/components/parameters/IdempotencyKey"}
                if ref not in op.setdefault("parameters", []):
                    op["parameters"].append(ref)


def _response_object(error: ErrorStatus) -> dict[str, Any]:
    out: dict[str, Any] = {"description": error.description}
    if error.retry is not None:
        out["x-retry"] = error.retry
    if error.retry_after:
        out["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    content: dict[str, Any] = {"application/json": {"schema": dict(_ERROR_SCHEMA)}}
    if error.html:
        content["text/html"] = {"schema": {"type": "string"}}
    out["content"] = content
    return out
