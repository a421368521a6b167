"""Request validation against the operation's parameters and request body (400 on failure).

Parameters arrive as strings; each is coerced to the first JSON type its schema allows that the
text parses as (``integer``, ``number``, ``boolean``, ``null``; arrays from repeated query keys,
``style: form, explode: true``, OpenAPI 3.1.0 section 4.8.12.4), then validated with
JSON Schema 2020-12 including formats (``format: uuid`` path ids). Required parameters must be
present; unknown query parameters are ignored. A body must be ``application/json`` and valid
against the ``requestBody`` schema; a missing body is an error only when ``required: true``.

The errors page: "400 There was something wrong with your request. Check the response body for
a detailed error message" -> :class:`RequestInvalid` carries that message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.sandbox.spec import schema_of
from generator.spec.model import Operation, Parameter
from generator.spec.refs import Refs, join_pointer

_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


class RequestInvalid(ValueError):
    """The request does not match the spec; ``detail`` is the message for the 400 body."""

    def __init__(self, detail: str, code: str = "invalid") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


@dataclass(frozen=True)
class ValidRequest:
    """Coerced parameter values by location and name, and the parsed body (None when absent)."""

    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any


def coerce(text: str, types: Sequence[str]) -> Any:
    """``text`` as the first of ``types`` it parses as; the text itself when none fits."""
    for kind in types or ["string"]:
        if kind == "integer" and _INT.fullmatch(text):
            return int(text)
        if kind == "number" and _NUMBER.fullmatch(text):
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "boolean" and text in ("true", "false"):
            return text == "true"
        if kind == "null" and text in ("", "null"):
            return None
        if kind == "string":
            return text
    return text


def _parameter_value(refs: Refs, schema: str | None, values: list[str]) -> Any:
    types = refs.types(schema) if schema is not None else ["string"]
    if "array" in types and schema is not None:
        item_types = refs.types(join_pointer(refs.deref(schema)[0], "items"))
        return [coerce(v, item_types) for v in values]
    return coerce(values[-1], types)


def _schema(param: Parameter) -> str | None:
    return param.schema.pointer if param.schema is not None else None


def validate_request(
    refs: Refs,
    op: Operation,
    path_params: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
    content_type: str,
) -> ValidRequest:
    """Coerce and validate everything the operation declares; raises :class:`RequestInvalid`.

    ``refs`` resolves and validates the spec's schemas; ``query`` maps names to all their values;
    ``headers`` has lower-cased names.
    """
    found: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
    for param in op.parameters:
        if param.location not in found:
            continue
        if param.location == "path":
            raw = [path_params[param.name]] if param.name in path_params else []
        elif param.location == "query":
            raw = list(query.get(param.name, []))
        else:
            raw = [headers[param.name.lower()]] if param.name.lower() in headers else []
        if not raw:
            if param.required:
                raise RequestInvalid(f"{param.location} parameter {param.name!r} is required", "required")
            continue
        schema = _schema(param)
        value = _parameter_value(refs, schema, raw)
        if schema is not None:
            problems = refs.errors(value, schema, limit=1)
            if problems:
                message = problems[0].removeprefix("<root>: ")
                raise RequestInvalid(f"{param.location} parameter {param.name!r}: {message}")
        found[param.location][param.name] = value
    return ValidRequest(found["path"], found["query"], found["header"], _body(refs, op, body, content_type))


def _body(refs: Refs, op: Operation, body: bytes, content_type: str) -> Any:
    schema = schema_of(op.request_body)
    if schema is None:
        return None
    if not body.strip():
        if op.request_body is not None and op.request_body.required:
            raise RequestInvalid("a JSON request body is required", "required")
        return None
    media = content_type.split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise RequestInvalid(f"unsupported Content-Type {media or '(none)'!r}: send application/json", "parse_error")
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestInvalid(f"JSON parse error: {exc}", "parse_error") from exc
    problems = refs.errors(value, schema)
    if problems:
        raise RequestInvalid("request body: " + "; ".join(problems))
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 section 6)")
