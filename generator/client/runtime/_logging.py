"""Logging through :mod:`logging` (the package's logger) with credentials redacted.

Requests and responses are logged at DEBUG, retries and rate-limit waits at INFO. Header values of
the client's secret headers (the spec's credential headers and
:data:`~._defaults.ALWAYS_SECRET_HEADERS`) are replaced by ``<redacted>``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable

logger = logging.getLogger(__package__ or __name__)

REDACTED = "<redacted>"


def redact_headers(headers: Iterable[tuple[str, str]], secret: Collection[str]) -> dict[str, str]:
    """``headers`` as a dict with the value of every header in ``secret`` (lower case) redacted."""
    return {name: REDACTED if name.lower() in secret else value for name, value in headers}


def redact(value: str | None) -> str | None:
    """``<redacted>`` for a set secret, ``None`` for an unset one (for ``repr``)."""
    return None if value is None else REDACTED
