"""Request validation against the operation's parameters and request body (400 on failure).

Parameters arrive as strings; each is coerced to the first JSON type its schema allows that the
text parses as (``integer``, ``number``, ``boolean``, ``null``; arrays from repeated query keys,
``style: form, explode: true``, OpenAPI 3.1.0 section 4.8.12.4), then validated with
JSON Schema 2020-12 including formats (``format: uuid`` path ids). Required parameters must be
present; unknown query parameters are ignored. A body must be ``application/json`` and valid
against the ``requestBody`` schema; a missing body is an error only when ``required: true``.

Before any of that, :mod:`generator.sandbox.bounds` bounds the sizes: a parameter longer than
``max_parameter_chars`` or a number longer than ``max_number_chars`` (a 4301-digit integer would
otherwise pass ``int()``'s own limit or not), a body too deep, too large or holding too many
values, and non-finite numbers are refused (:class:`~generator.sandbox.bounds.OutOfBounds`).

The errors page: "400 There was something wrong with your request. Check the response body for
a detailed error message" -> :class:`RequestInvalid` carries that message.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.sandbox.bounds import OutOfBounds, RequestLimits, check_number_text, parse_json
from generator.sandbox.spec import schema_of
from generator.spec.checks import Checks
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


def coerce(text: str, types: Sequence[str], limits: RequestLimits | None = None) -> Any:
    """``text`` as the first of ``types`` it parses as; the text itself when none fits.

    Raises :class:`OutOfBounds` for a number longer than ``limits.max_number_chars`` or not finite.
    """
    for kind in types or ["string"]:
        if kind in ("integer", "number") and _NUMBER.fullmatch(text):
            check_number_text(text, limits or RequestLimits())
        if kind == "integer" and _INT.fullmatch(text):
            return int(text)
        if kind == "number" and _NUMBER.fullmatch(text):
            value = float(text) if any(c in text for c in ".eE") else int(text)
            if isinstance(value, float) and not math.isfinite(value):
                raise OutOfBounds(400, "invalid", f"the number {text[:20]} is out of range")
            return value
        if kind == "boolean" and text in ("true", "false"):
            return text == "true"
        if kind == "null" and text in ("", "null"):
            return None
        if kind == "string":
            return text
    return text


@functools.lru_cache(maxsize=4096)
def _types(refs: Refs, schema: str | None) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """The JSON types a parameter schema allows and, for an array, its items' types (cached)."""
    types = tuple(refs.types(schema)) if schema is not None else ("string",)
    if "array" in types and schema is not None:
        return types, tuple(refs.types(join_pointer(refs.deref(schema)[0], "items")))
    return types, None


def _parameter_value(refs: Refs, schema: str | None, values: list[str], limits: RequestLimits) -> Any:
    types, item_types = _types(refs, schema)
    if item_types is not None:
        return [coerce(v, item_types, limits) for v in values]
    return coerce(values[-1], types, limits)


def _schema(param: Parameter) -> str | None:
    return param.schema.pointer if param.schema is not None else None


def validate_request(
    checks: Checks | Refs,
    op: Operation,
    path_params: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
    content_type: str,
    limits: RequestLimits | None = None,
) -> ValidRequest:
    """Coerce and validate everything the operation declares; raises :class:`RequestInvalid` or
    :class:`~generator.sandbox.bounds.OutOfBounds` (400 or 413).

    ``checks`` validates the spec's schemas (:class:`~generator.spec.checks.Checks`, or the
    :class:`~generator.spec.refs.Refs` to validate with ``jsonschema`` alone); ``query`` maps
    names to all their values; ``headers`` has lower-cased names; ``limits`` (default
    :class:`RequestLimits`) bounds sizes.
    """
    limits = limits or RequestLimits()
    refs = checks.refs if isinstance(checks, Checks) else checks
    is_valid = checks.is_valid
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
        if any(len(v) > limits.max_parameter_chars for v in raw):
            detail = f"{param.location} parameter {param.name!r} is longer than {limits.max_parameter_chars} characters"
            raise OutOfBounds(400, "invalid", detail)
        schema = _schema(param)
        value = _parameter_value(refs, schema, raw, limits)
        if schema is not None and not is_valid(value, schema):
            message = problems(refs, value, schema, 1)[0].removeprefix("<root>: ")
            raise RequestInvalid(f"{param.location} parameter {param.name!r}: {message}")
        found[param.location][param.name] = value
    return ValidRequest(
        found["path"], found["query"], found["header"], _body(refs, is_valid, op, body, content_type, limits)
    )


def _body(
    refs: Refs,
    is_valid: Callable[[Any, str], bool],
    op: Operation,
    body: bytes,
    content_type: str,
    limits: RequestLimits,
) -> Any:
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
        value = parse_json(body, limits)
    except OutOfBounds:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestInvalid(f"JSON parse error: {exc}", "parse_error") from exc
    if not is_valid(value, schema):
        raise RequestInvalid("request body: " + "; ".join(problems(refs, value, schema, 5)))
    return value


#: At most this many validation errors are looked at, and each message is cut to this many characters
#: (a message quotes the instance, which may be a large part of the body).
_ERRORS_SEEN = 50
_MESSAGE_CHARS = 300


def problems(refs: Refs, value: Any, schema: str, limit: int) -> list[str]:
    """Up to ``limit`` messages ``where: message`` for an invalid ``value`` (deepest first among
    the first :data:`_ERRORS_SEEN` errors), each cut to :data:`_MESSAGE_CHARS` characters."""
    found = sorted(
        itertools.islice(refs.validator(schema).iter_errors(value), _ERRORS_SEEN), key=lambda e: -len(e.absolute_path)
    )
    out = []
    for error in found[:limit]:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        message = f"{where.lstrip('.') or '<root>'}: {error.message}"
        out.append(message if len(message) <= _MESSAGE_CHARS else message[: _MESSAGE_CHARS - 3] + "...")
    return out or ["<root>: invalid"]
