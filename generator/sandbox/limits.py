"""Rate limits per operation and scope, as the pages state them ("300 requests per min per workspace").

Each operation's ``x-rate-limit: {limit, period, scope}`` (read once by the spec model into a
:class:`generator.spec.rules.RateLimit`; a malformed one refuses the spec at start-up) is enforced
with a sliding window, the one the generated client follows too
(:class:`generator.client.runtime._window.SlidingWindow`: at most ``limit`` requests in any
``period`` seconds; a request counts from its arrival until ``period`` seconds later). A refused
request gets 429 with ``Retry-After: <seconds>`` (errors
page: "Retry after the duration specified in the returned Retry-After header"), the whole
seconds until the oldest request leaves the window (at least 1). The limit is checked after
authentication (a 401 never counts) and before validation (a malformed request counts, as it
costs the server a request); a request refused with 429 does not count.

Buckets are ``(operationId, scope, subject)``: every endpoint page states its own limit, so
endpoints do not share a bucket. The subject depends on the scope:

- ``workspace``: the API key (keys are environment-scoped; the sandbox treats one key as one
  workspace, authentication page);
- ``calendar_user`` (:data:`generator.spec.rules.CREDENTIAL_SCOPES`): the calendar token (per-user
  token, calendar-v1 guide), else the key;
- any other scope (``bot``, ...): the key plus the request's path parameters (the bot's id).

Time comes from an injectable clock (seconds, monotonic), so tests never sleep.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from generator.client.runtime._window import SlidingWindow
from generator.spec.rules import CREDENTIAL_SCOPES, DEFAULT_SCOPE

#: A source of monotonic time in seconds.
Clock = Callable[[], float]
#: How often (seconds) buckets with an empty window are dropped.
SWEEP_SECONDS = 60.0


@dataclass(frozen=True)
class Decision:
    """Whether a request is admitted; ``retry_after`` (whole seconds) is set when it is not."""

    allowed: bool
    remaining: int
    retry_after: int = 0


class RateLimiter:
    """Sliding-window counters per bucket; thread-safe. ``clock`` defaults to ``time.monotonic``."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[Hashable, SlidingWindow] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + SWEEP_SECONDS

    def __len__(self) -> int:
        """The number of buckets kept."""
        return len(self._windows)

    def hit(self, bucket: Hashable, limit: int, period: float) -> Decision:
        """Count one request against ``bucket`` unless ``limit`` requests already fall in ``period`` s.

        Buckets whose window has emptied are dropped every :data:`SWEEP_SECONDS` (requests for
        ever new path ids, each its own ``bot``-scope bucket, cannot grow memory for good)."""
        now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            window = self._windows.get(bucket)
            if window is None or (window.limit, window.period) != (limit, period):
                window = self._windows[bucket] = SlidingWindow(limit, period)
            wait = window.admit(now)
            if wait > 0:
                return Decision(False, 0, max(1, math.ceil(wait)))
            return Decision(True, limit - len(window))

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_SECONDS
        for bucket in [b for b, w in self._windows.items() if w.idle(now)]:
            del self._windows[bucket]


def subject_for(scope: str, api_key: str, tokens: Mapping[str, str], path_params: Mapping[str, str]) -> Hashable:
    """The identity a scope counts by (see the module docstring); ``tokens`` maps the schemes other
    than the API key (scheme name) to the secret sent."""
    if scope == DEFAULT_SCOPE:
        return ("key", api_key)
    if scope in CREDENTIAL_SCOPES:
        token = next((v for _, v in sorted(tokens.items())), None)
        return (scope, token) if token is not None else ("key", api_key)
    return ("key", api_key, tuple(sorted(path_params.items())))
