"""Operation descriptors (one module-level constant per operation) and request encoding.

An :class:`Operation` holds what the spec says about one operation: method, path template,
security alternatives, rate limit, idempotency header, body kind, response decoder, whether it is
a paginated list, and how the client exposes it: ``client.<group>.<method_name>(...)`` with one
:class:`Argument` per parameter or body property (Python name -> wire name). The encoders turn
Python values into wire values: path segments are percent-encoded (RFC 3986) and must not be empty;
query and header values are strings; bodies are JSON.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import pydantic

from ._ratelimit import RateLimit
from ._response import Decoder
from ._types import NotGiven

__all__ = ["Argument", "Operation", "RateLimit", "encode_json", "query_items", "scalar", "to_jsonable"]

T = TypeVar("T")
_PATH_PARAM = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of a client method: ``python_name`` is sent as ``wire_name`` in ``location``.

    ``location`` is ``path``, ``query``, ``header``, ``cookie`` or ``body`` (a property of a JSON
    object body; ``wire_name`` is ``""`` for the ``body=`` argument that is the whole body).
    """

    python_name: str
    wire_name: str
    location: str
    required: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Operation(Generic[T]):
    """One operation of the spec; ``security`` lists alternatives, each a tuple of scheme names.

    ``group``, ``method_name`` and ``arguments`` say how the client exposes it (README, "Naming
    rule"): ``client.<group>.<method_name>(...)``, path arguments positional in path order.
    ``paginated``: a list whose answer is a page ``{next, previous, results}`` (README, "Pagination").
    """

    operation_id: str
    method: str
    path: str
    decoder: Decoder[T]
    security: tuple[tuple[str, ...], ...] = ()
    rate_limit: RateLimit | None = None
    idempotency_header: str | None = None
    body: str = "none"
    body_required: bool = False
    content_type: str = "application/json"
    group: str = ""
    method_name: str = ""
    arguments: tuple[Argument, ...] = ()
    paginated: bool = False
    _segments: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_segments", tuple(_PATH_PARAM.split(self.path)))

    def url_path(self, params: Mapping[str, object]) -> str:
        """The path with every ``{name}`` replaced by its percent-encoded value.

        Raises ``ValueError`` for an empty value, ``.`` or ``..`` (each would address another resource).
        """
        segments = self._segments
        if len(segments) == 1:
            return segments[0]
        parts = []
        for position, segment in enumerate(segments):
            if position % 2 == 0:
                parts.append(segment)
                continue
            text = scalar(params.get(segment, ""))
            if not text or text in (".", ".."):
                raise ValueError(f"{self.operation_id}: path parameter {segment!r} must not be empty, '.' or '..'")
            parts.append(quote(text, safe=""))
        return "".join(parts)


def scalar(value: object) -> str:
    """A query, header or path value as text (booleans lower-case, dates ISO 8601, enums by value)."""
    if isinstance(value, str):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return scalar(value.value)
    if isinstance(value, _dt.date | _dt.datetime):
        return value.isoformat()
    return str(value)


def query_items(query: Mapping[str, object]) -> list[tuple[str, str]]:
    """Query pairs; ``NOT_GIVEN`` and ``None`` are left out, sequences repeat the key (``explode``)."""
    items: list[tuple[str, str]] = []
    for key, value in query.items():
        if value is None or isinstance(value, NotGiven):
            continue
        if isinstance(value, list | tuple | set | frozenset):
            items.extend((key, scalar(v)) for v in value)
        else:
            items.append((key, scalar(value)))
    return items


_PLAIN_JSON = frozenset({str, int, float, bool, type(None)})


def to_jsonable(value: object) -> Any:
    """``value`` as plain JSON data: models by alias (only set fields), dates ISO, UUIDs text."""
    if type(value) in _PLAIN_JSON:
        return value
    if type(value) is dict:
        return {str(k): to_jsonable(v) for k, v in value.items() if not isinstance(v, NotGiven)}
    if isinstance(value, str | int | float):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items() if not isinstance(v, NotGiven)}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, _dt.date | _dt.datetime | _dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_json(value: object) -> bytes:
    """Compact UTF-8 JSON of ``value`` (NaN and infinities refused: they are not JSON)."""
    return _ENCODER.encode(to_jsonable(value)).encode()
