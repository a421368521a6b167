"""Small shared types: the ``NOT_GIVEN`` sentinel, timeouts and the escape-hatch mappings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

import httpx

__all__ = ["NOT_GIVEN", "Body", "Headers", "NotGiven", "Query", "TimeoutTypes"]


class NotGiven:
    """Marks an optional argument the caller did not pass: it is not sent at all.

    Distinct from ``None``, which is sent as JSON ``null`` for a nullable property.
    """

    __slots__ = ()

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

#: A timeout in seconds (``float``), an ``httpx.Timeout`` (connect/read/write/pool), or ``None`` (no limit).
TimeoutTypes: TypeAlias = float | httpx.Timeout | None
#: ``extra_headers=``: header name -> value, merged case-insensitively over the client's; ``None`` removes it.
Headers: TypeAlias = Mapping[str, str | None]
#: ``extra_query=``: query parameter -> value (a sequence repeats the key); replaces parameters of the same name.
Query: TypeAlias = Mapping[str, object]
#: ``extra_body=``: JSON object members merged over the body's (a JSON body must then be an object).
Body: TypeAlias = Mapping[str, object]
