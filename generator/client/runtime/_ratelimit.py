"""Client-side rate limiting from each operation's ``x-rate-limit``, shared by every client of the process.

A request takes a slot of its bucket's :class:`~._window.SlidingWindow` before it is sent (waiting
when the window is full) and gives it back when its answer arrived, so the client never sends more
than ``limit`` requests in any ``period`` seconds, counted as a server counts them (:mod:`._window`).

Buckets are process-wide, not per client object: every client (sync or async, copies made with
``with_options`` included) that sends the same credential to the same base URL shares them. A
bucket is ``(base URL, operationId, scope, subject, limit)`` (every endpoint page states its own limit);
the subject is a SHA-256 digest of the credential the scope counts by (``workspace`` and unknown
scopes: the API key; ``calendar_user``: the calendar token), plus the path parameter for scopes such
as ``bot`` (one bucket per bot). Secrets are never kept. Window times are readings of one clock, so
buckets live in one :class:`RateLimiter` per clock (:func:`limiter_for`): clients on the real clock
share one; a test's fake clock gets its own.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Hashable, Mapping, MutableMapping
from dataclasses import dataclass

from ._clock import SYSTEM_CLOCK, Clock
from ._window import SlidingWindow

__all__ = ["RateLimit", "RateLimiter", "bucket_key", "credential_digest", "limiter_for"]

#: Seconds (of the limiter's clock) between two sweeps of idle buckets.
SWEEP_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``limit`` requests per ``period`` seconds per ``scope`` (the operation's ``x-rate-limit``).

    ``key_credential`` (a security scheme) or ``key_path_param`` (a path parameter) says what
    distinguishes one scope from another (a calendar user's token, a bot id); otherwise the API key.
    """

    limit: int
    period: float
    scope: str
    key_credential: str | None = None
    key_path_param: str | None = None


def credential_digest(secret: str | None) -> str:
    """The digest a bucket is keyed by (``""`` without a credential); the secret itself is never kept."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest() if secret else ""


def bucket_key(
    base_url: str,
    operation_id: str,
    limit: RateLimit,
    digests: Mapping[str, str],
    primary: str | None,
    path_value: str | None,
) -> Hashable:
    """The bucket of one request: ``digests`` maps security scheme names to credential digests,
    ``primary`` names the API key's scheme, ``path_value`` is the ``key_path_param`` value."""
    scheme = limit.key_credential if limit.key_credential in digests else primary
    subject = digests.get(scheme, "") if scheme is not None else ""
    return (base_url, operation_id, limit.scope, subject, path_value, limit.limit, limit.period)


class RateLimiter:
    """Sliding windows by bucket, timed by ``clock``; thread-safe (sync and async clients share it)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._windows: dict[Hashable, SlidingWindow] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock.monotonic() + SWEEP_SECONDS

    def __len__(self) -> int:
        """The number of buckets kept."""
        return len(self._windows)

    def acquire(self, key: Hashable, limit: int, period: float) -> float:
        """Hold a slot of ``key``'s window (returns 0.0), or return the seconds to wait before asking again."""
        with self._lock:
            now = self.clock.monotonic()
            if now >= self._next_sweep:
                self._sweep(now)
            window = self._windows.get(key)
            if window is None:
                window = self._windows[key] = SlidingWindow(limit, period)
            return window.hold(now)

    def release(self, key: Hashable) -> None:
        """The request of a held slot of ``key`` is done (answered or failed): it counts from now."""
        with self._lock:
            window = self._windows.get(key)
            if window is not None:
                window.release(self.clock.monotonic())

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_SECONDS
        for key in [k for k, w in self._windows.items() if w.idle(now)]:
            del self._windows[key]


_SYSTEM_LIMITER = RateLimiter(SYSTEM_CLOCK)
_LIMITERS: MutableMapping[Clock, RateLimiter] = weakref.WeakKeyDictionary()
_PINNED: dict[int, tuple[Clock, RateLimiter]] = {}  # clocks that cannot be weakly referenced
_LIMITERS_LOCK = threading.Lock()


def limiter_for(clock: Clock) -> RateLimiter:
    """The process-wide :class:`RateLimiter` of ``clock`` (created on first use, kept while the clock lives)."""
    if clock is SYSTEM_CLOCK:
        return _SYSTEM_LIMITER
    with _LIMITERS_LOCK:
        try:
            limiter = _LIMITERS.get(clock)
            if limiter is None:
                limiter = _LIMITERS[clock] = RateLimiter(clock)
        except TypeError:  # no weak reference to this clock: keep it for the process
            pinned = _PINNED.get(id(clock))
            if pinned is None:
                pinned = _PINNED[id(clock)] = (clock, RateLimiter(clock))
            limiter = pinned[1]
        return limiter
