"""The one definition of a rate-limit window, followed by the client and the sandbox alike.

A limit of ``limit`` requests per ``period`` seconds (``x-rate-limit``, endpoint pages) is a
**sliding window**: at most ``limit`` events in any window of ``period`` seconds. An event at time
``t`` counts until ``t + period`` and no longer: at ``t + period`` it has left the window. It is
not a refilling bucket (a bucket lets request ``limit + 1`` go out ``period / limit`` seconds after
a burst of ``limit``; a server counting a window refuses it).

- The server (:mod:`generator.sandbox.limits`) counts each request when it arrives:
  :meth:`SlidingWindow.admit`.
- The client counts each request when its answer has arrived (or the attempt failed): it
  :meth:`~SlidingWindow.hold`\\ s a slot before sending and :meth:`~SlidingWindow.release`\\ s it
  when done. The server received the request between the two moments, so the client's event is
  never earlier than the server's: a client that waits for its own window is never refused by a
  server counting the same window, whatever the latency. A slot held by a request in flight counts
  until at least ``period`` after it is released.

Times are readings of one monotonic clock in seconds; the window keeps the moment each event
leaves it (``t + period``), so waiting exactly the returned delay on that clock is enough.
"""

from __future__ import annotations

from collections import deque

__all__ = ["SlidingWindow"]


class SlidingWindow:
    """At most ``limit`` events in any window of ``period`` seconds (module docstring); not thread-safe."""

    __slots__ = ("_expiries", "_held", "limit", "period")

    def __init__(self, limit: int, period: float) -> None:
        if limit < 1 or not period > 0:
            raise ValueError(f"a window needs limit >= 1 and period > 0, got {limit} per {period}")
        self.limit = limit
        self.period = float(period)
        self._expiries: deque[float] = deque()  # when each counted event leaves the window, oldest first
        self._held = 0

    def __len__(self) -> int:
        """Events counted now (after the last pruning), slots held included."""
        return len(self._expiries) + self._held

    def _prune(self, now: float) -> None:
        expiries = self._expiries
        while expiries and expiries[0] <= now:
            expiries.popleft()

    def wait(self, now: float) -> float:
        """Seconds until one more event fits the window (0.0: it fits now).

        When every slot is held by a request in flight, the wait is ``period``: a held slot counts
        until ``period`` after its release, which is no earlier than now; ask again after it.
        """
        self._prune(now)
        if len(self._expiries) + self._held < self.limit:
            return 0.0
        if self._expiries:
            return self._expiries[0] - now
        return self.period

    def admit(self, now: float) -> float:
        """Count an event at ``now`` if it fits (returns 0.0); else count nothing and return the wait."""
        delay = self.wait(now)
        if delay == 0.0:
            self._expiries.append(now + self.period)
        return delay

    def hold(self, now: float) -> float:
        """Hold a slot for an event whose time is not known yet (returns 0.0); else hold nothing and
        return the wait. Every held slot must be released once."""
        delay = self.wait(now)
        if delay == 0.0:
            self._held += 1
        return delay

    def release(self, now: float) -> None:
        """The event of a held slot happened at ``now``: it counts until ``now + period``."""
        if self._held <= 0:
            raise RuntimeError("release() without hold()")
        self._held -= 1
        expiry = now + self.period
        expiries = self._expiries
        if expiries and expiries[-1] > expiry:  # a clock that went back: keep the order, count the later time
            expiry = expiries[-1]
        expiries.append(expiry)

    def idle(self, now: float) -> bool:
        """True when no event counts at ``now`` and no slot is held (the window can be dropped)."""
        self._prune(now)
        return not self._expiries and self._held == 0
