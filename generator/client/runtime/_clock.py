"""Time as a seam: the clock the client reads and the sleeps it takes, passed in (``clock=``).

A client never calls :mod:`time` or :mod:`asyncio` sleeps directly: it asks its :class:`Clock`, so a
test hands the client (and, when it drives one, the sandbox) a fake clock instead of patching
``time.monotonic`` for the whole process (STYLE.md, "Time is a seam").
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

__all__ = ["SYSTEM_CLOCK", "Clock", "SystemClock"]


class Clock(Protocol):
    """What the client reads time from and sleeps with."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never go back (rate-limit windows)."""
        ...

    def time(self) -> float:
        """Unix time in seconds (``Retry-After`` given as an HTTP date)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds`` (sync client)."""
        ...

    async def async_sleep(self, seconds: float) -> None:
        """Wait ``seconds`` without blocking the event loop (async client)."""
        ...


class SystemClock:
    """The real clock: :func:`time.monotonic`, :func:`time.time`, :func:`time.sleep`, :func:`asyncio.sleep`."""

    __slots__ = ()

    def monotonic(self) -> float:
        """:func:`time.monotonic`."""
        return time.monotonic()

    def time(self) -> float:
        """:func:`time.time`."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """:func:`time.sleep`."""
        time.sleep(seconds)

    async def async_sleep(self, seconds: float) -> None:
        """:func:`asyncio.sleep`."""
        await asyncio.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


#: The clock every client uses unless given another.
SYSTEM_CLOCK: Clock = SystemClock()
