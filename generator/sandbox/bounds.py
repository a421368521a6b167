"""Bounds a request must fit before anything validates it: sizes of the body, the URL, every value.

Each bound turns a request that would be costly (or crash a parser) into a cheap, documented
answer with the spec's ``Error`` body (``{"detail", "code"}``, errors page):

- the body is at most :attr:`RequestLimits.max_body_bytes` (default 2 MiB: a JSON body carrying
  the largest image the output-video guide accepts, 1.3 MB, in base64) -> **413**
  ``request_too_large`` (RFC 9110 section 15.5.14), checked on ``Content-Length`` before reading and
  while reading a chunked body;
- the request target (path and query) is at most :attr:`RequestLimits.max_url_bytes` (8 KiB, the
  common server limit) -> **414** ``uri_too_long`` (RFC 9110 section 15.5.15);
- a JSON body nests at most :attr:`RequestLimits.max_depth` containers, holds at most
  :attr:`RequestLimits.max_values` values (objects, arrays, scalars), strings of at most
  :attr:`RequestLimits.max_string_chars` characters (1,900,000: that image in base64 is 1,733,334)
  and numbers of at most :attr:`RequestLimits.max_number_chars` characters, finite (RFC 8259 section 6 has no NaN or
  Infinity) -> **400** ``invalid``;
- a parameter (path, query, header) is at most :attr:`RequestLimits.max_parameter_chars` characters
  and a number in it at most :attr:`RequestLimits.max_number_chars` -> **400** ``invalid``.

The value count is bounded *before* parsing with a C-speed upper bound (commas, colons and
brackets), refined by a count that skips strings (also at C speed, :func:`_outside_strings`) only
when the quick bound is over the limit, so
``json.loads`` never runs on a body that would take long to parse; depth and sizes are checked
after parsing by an iterative walk (no recursion) that stops at the first violation. Everything
here costs time linear in the body size, at C speed for all but at most ``max_values`` steps.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

#: An escape inside a JSON string (RFC 8259 section 7): a backslash and the character after it.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
#: Every byte but the quote and the structural characters (RFC 8259 section 2).
_NOT_STRUCTURAL = bytes(b for b in range(256) if b not in b'",:[]{}')


@dataclass(frozen=True)
class RequestLimits:
    """The bounds of the module docstring; sizes in bytes or characters, ``max_depth`` in containers."""

    max_body_bytes: int = 2 * 1024 * 1024
    max_url_bytes: int = 8 * 1024
    max_depth: int = 32
    max_values: int = 10_000
    max_string_chars: int = 1_900_000
    max_number_chars: int = 40
    max_parameter_chars: int = 4 * 1024


class OutOfBounds(ValueError):
    """A request outside :class:`RequestLimits`: ``status`` (400, 413 or 414), ``code`` and ``detail``."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def too_large(limits: RequestLimits) -> OutOfBounds:
    """The 413 for a body over ``limits.max_body_bytes``."""
    return OutOfBounds(413, "request_too_large", f"the request body is larger than {limits.max_body_bytes} bytes")


def check_number_text(text: str, limits: RequestLimits) -> None:
    """Raise 400 when a number's text is longer than ``limits.max_number_chars``."""
    if len(text) > limits.max_number_chars:
        raise OutOfBounds(400, "invalid", f"a number has more than {limits.max_number_chars} characters")


def _value_bound(body: bytes) -> int:
    """An upper bound on the number of JSON values in ``body``: every value but the first is an
    object member's (after a colon) or an array element (the first after ``[``, the others after
    a comma)."""
    return body.count(b",") + body.count(b":") + body.count(b"[") + 1


def _outside_strings(body: bytes) -> bytes:
    """The structural characters of ``body`` that are not inside a string: escapes dropped, then
    every byte but quotes and structural characters, then what lies between a pair of quotes
    (all at C speed)."""
    skeleton = _ESCAPE.sub(b"", body).translate(None, _NOT_STRUCTURAL)
    return b"".join(skeleton.split(b'"')[0::2])


def parse_json(body: bytes, limits: RequestLimits) -> Any:
    """The JSON value of ``body`` within ``limits``; raises :class:`OutOfBounds` (400) or ValueError
    (not JSON: RFC 8259, UTF-8; ``NaN``/``Infinity`` refused)."""
    if len(body) > limits.max_body_bytes:
        raise too_large(limits)
    if _value_bound(body) > limits.max_values and _value_bound(_outside_strings(body)) > limits.max_values:
        raise OutOfBounds(400, "invalid", f"the JSON body holds more than {limits.max_values} values")

    def number(text: str) -> Any:
        check_number_text(text, limits)
        value = float(text) if any(c in text for c in ".eE") else int(text)
        if isinstance(value, float) and not math.isfinite(value):
            raise OutOfBounds(400, "invalid", f"the number {text[:20]} is out of range")
        return value

    try:
        value = json.loads(body, parse_int=number, parse_float=number, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise OutOfBounds(400, "invalid", f"the JSON body nests deeper than {limits.max_depth} levels") from exc
    check_value(value, limits)
    return value


def check_value(value: Any, limits: RequestLimits) -> None:
    """Raise :class:`OutOfBounds` (400) when ``value`` nests deeper than ``limits.max_depth``, holds
    more than ``limits.max_values`` values or a string (or key) over ``limits.max_string_chars``."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    seen = 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > limits.max_values:
            raise OutOfBounds(400, "invalid", f"the JSON body holds more than {limits.max_values} values")
        if isinstance(node, dict | list):
            if depth >= limits.max_depth:
                raise OutOfBounds(400, "invalid", f"the JSON body nests deeper than {limits.max_depth} levels")
            members = node.values() if isinstance(node, dict) else node
            if isinstance(node, dict) and any(len(k) > limits.max_string_chars for k in node):
                raise OutOfBounds(400, "invalid", f"a key is longer than {limits.max_string_chars} characters")
            stack.extend((m, depth + 1) for m in members)
        elif isinstance(node, str) and len(node) > limits.max_string_chars:
            raise OutOfBounds(400, "invalid", f"a string is longer than {limits.max_string_chars} characters")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 section 6)")
