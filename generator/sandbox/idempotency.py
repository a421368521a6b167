"""``Idempotency-Key`` handling, as the vendor's ``idempotency`` page describes it.

For PUT, POST and PATCH requests carrying the header (``Operation.is_unsafe``,
:data:`generator.spec.rules.UNSAFE_METHODS`), the key "will be used in combination with
your user, and the path to identify the request":

- the first request with a key runs as usual and its response is kept;
- a matching request while the first is still being processed gets **409** without running;
- a matching request within **one hour** after the first completed gets the first response
  (same status, headers and body) without running again, whatever its own body says ("If you
  reuse a key for two different actions ... its original result will be returned");
- after the hour the key is free again and the request runs.

The sandbox identifies a request by ``(caller, method, path, Idempotency-Key)``, the caller being
the workspace (API key) and, for calendar V1 operations, the calendar user (token), so that one
user's replay never reaches another (tenancy). The method is added to the page's user and path so
that a replay always fits the replaying operation's declared responses. Requests rejected before
running (401, 429, 400) are not recorded. Responses are kept in memory (they do not survive a
restart). Time comes from an injectable clock (seconds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

#: How long a completed response is replayed, in seconds (idempotency page: "in the previous hour").
REPLAY_WINDOW = 3600.0
#: At most this many bytes of kept response bodies; beyond it the oldest are forgotten first (their
#: keys are then free again, as after the hour), so replays cannot grow memory without bound.
KEPT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class IdempotencyKey:
    """What identifies a request: the caller (workspace and calendar user owner ids), method,
    concrete path and header value."""

    caller: str
    method: str
    path: str
    key: str


@dataclass(frozen=True)
class CachedResponse:
    """A completed response kept for replay: status, headers as ``(name, value)`` pairs, raw body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


#: :meth:`IdempotencyCache.begin` results other than a :class:`CachedResponse`.
NEW = "new"
IN_PROGRESS = "in_progress"


class IdempotencyCache:
    """In-progress markers and completed responses per :class:`IdempotencyKey`; thread-safe.

    ``clock`` returns seconds (monotonic by default); ``window`` is the replay window in seconds.
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, window: float = REPLAY_WINDOW, kept_bytes: int = KEPT_BYTES
    ) -> None:
        self._clock = clock
        self._window = window
        self._kept_bytes = kept_bytes
        self._size = 0
        self._running: set[IdempotencyKey] = set()
        self._done: dict[IdempotencyKey, tuple[float, CachedResponse]] = {}
        self._lock = threading.Lock()

    def begin(self, key: IdempotencyKey) -> str | CachedResponse:
        """Claim ``key``: :data:`NEW` (caller must later :meth:`complete` or :meth:`abandon`),
        :data:`IN_PROGRESS` (answer 409), or the :class:`CachedResponse` to replay."""
        now = self._clock()
        with self._lock:
            if key in self._running:
                return IN_PROGRESS
            done = self._done.get(key)
            if done is not None and now - done[0] < self._window:
                return done[1]
            self._forget(key)
            self._running.add(key)
            return NEW

    def complete(self, key: IdempotencyKey, response: CachedResponse) -> None:
        """Record the response of a claimed key; replayed for the next ``window`` seconds."""
        with self._lock:
            self._running.discard(key)
            self._forget(key)
            self._done[key] = (self._clock(), response)
            self._size += len(response.body)
            self._expire()

    def abandon(self, key: IdempotencyKey) -> None:
        """Release a claimed key without a response (the request failed before completing)."""
        with self._lock:
            self._running.discard(key)

    def _forget(self, key: IdempotencyKey) -> None:
        found = self._done.pop(key, None)
        if found is not None:
            self._size -= len(found[1].body)

    def _expire(self) -> None:
        """Forget responses older than the window, then the oldest while over the byte budget
        (``_done`` is in completion order)."""
        cutoff = self._clock() - self._window
        while self._done:
            key, (at, _) = next(iter(self._done.items()))
            if at > cutoff and self._size <= self._kept_bytes:
                break
            self._forget(key)
