"""The one fake clock of the test suites (``tests/`` and ``conformance_tests/``): sleeps are recorded,
never taken.

:class:`FakeTime` is the sandbox's :class:`~generator.sandbox.testing.FakeClock` (monotonic seconds
that move only when told to: a sandbox built with ``SandboxConfig(clock=fake)`` reads it) that is
also a client clock (the generated package's ``Clock``: ``monotonic``, ``time``, ``sleep``,
``async_sleep``). It is *injected*: ``RecallClient(..., clock=fake)``; nothing is patched, so a
sandbox thread serving the live checks in the same process keeps real time for everything else
(STYLE.md: time is a seam). A recorded sleep advances the clock, so a client and a sandbox that
share one see the same time pass.
"""

from __future__ import annotations

import threading

from generator.sandbox.testing import FakeClock

#: The fake wall clock (``time.time()``), Unix seconds: 2023-11-14T22:13:20Z.
NOW = 1_700_000_000.0


class FakeTime(FakeClock):
    """Monotonic time that only recorded sleeps (or :meth:`advance`) move; ``wall`` is ``time.time()``."""

    def __init__(self, start: float = 1000.0, wall: float = NOW) -> None:
        super().__init__(start)
        self.wall = wall
        self.sleeps: list[float] = []
        self._lock = threading.Lock()  # sleeps of threads sharing the clock add up

    def sleep(self, seconds: float) -> None:
        """The client's sleep: record a wait of ``seconds`` and advance the monotonic clock (the wall
        clock stays: ``Retry-After`` dates of a scripted reply are computed from it)."""
        with self._lock:
            self.sleeps.append(seconds)
            self.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        """The async client's sleep: like :meth:`sleep`."""
        self.sleep(seconds)

    def monotonic(self) -> float:
        """The client's monotonic clock."""
        return self.now

    def time(self) -> float:
        """The client's wall clock (``Retry-After`` dates)."""
        return self.wall
