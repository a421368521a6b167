"""Defaults of the runtime that no spec changes: timeouts, backoff, ``Retry-After`` cap, header names."""

from __future__ import annotations

from typing import Final

import httpx

#: Default timeout: 5 s to connect, 60 s to read/write/acquire a pooled connection.
DEFAULT_TIMEOUT: Final = httpx.Timeout(60.0, connect=5.0)
#: Retries after the first attempt (``max_retries=``); never more.
DEFAULT_MAX_RETRIES: Final = 2
#: Exponential backoff: first delay and cap, in seconds (jitter takes off up to 25 %).
INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
#: The longest ``Retry-After`` (seconds) the client waits; a longer one is raised, not waited for.
MAX_RETRY_AFTER: Final = 60.0
#: Methods retried only when an idempotency key is sent (idempotency page).
UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
#: The idempotency header (idempotency page); ``extra_headers`` naming it count as the caller's key.
IDEMPOTENCY_HEADER: Final = "idempotency-key"
#: Response headers that carry the server's request id, in order of preference.
REQUEST_ID_HEADERS: Final = ("x-request-id", "request-id", "x-amzn-requestid")
#: Headers never logged or shown, whatever the spec's credentials are.
ALWAYS_SECRET_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "cookie"})
