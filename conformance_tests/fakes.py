"""The one fake clock of the test suites (``tests/`` and ``conformance_tests/``): sleeps are recorded,
never taken.

:class:`FakeTime` is the sandbox's :class:`~generator.sandbox.testing.FakeClock` (monotonic seconds
that move only when told to) that also records sleeps: a recorded sleep advances it.
:func:`patched_time` hands it to the generated client by patching the client's own modules (every
``recall_client`` module that imported ``time`` or ``asyncio`` sees ``sleep``, ``monotonic`` and
``time`` of the fake), never the process-wide ``time`` module, so a sandbox thread serving the live
checks in the same process keeps real time (STYLE.md: time is a seam).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import sys
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

from generator.sandbox.testing import FakeClock

#: The fake wall clock (``time.time()``), Unix seconds: 2023-11-14T22:13:20Z.
NOW = 1_700_000_000.0


class FakeTime(FakeClock):
    """Monotonic time that only recorded sleeps (or :meth:`advance`) move; ``wall`` is ``time.time()``."""

    def __init__(self, start: float = 1000.0, wall: float = NOW) -> None:
        super().__init__(start)
        self.wall = wall
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        """``time.sleep`` replacement: record a wait of ``seconds`` and advance the clock."""
        self.sleeps.append(seconds)
        self.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        """``asyncio.sleep`` replacement: like :meth:`sleep`."""
        self.sleep(seconds)

    def monotonic(self) -> float:
        """``time.monotonic`` replacement."""
        return self.now

    def time(self) -> float:
        """``time.time`` replacement: the fixed wall clock."""
        return self.wall


class _Patched:
    """A module with some attributes replaced; every other attribute is the module's own."""

    def __init__(self, module: Any, **overrides: Any) -> None:
        self._module = module
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


@contextlib.contextmanager
def patched_time(fake: FakeTime | None = None, package: str = "recall_client") -> Iterator[FakeTime]:
    """Give ``package``'s modules the fake clock for the duration (yields the :class:`FakeTime`)."""
    fake = fake if fake is not None else FakeTime()
    importlib.import_module(package)
    replacements = {
        time: _Patched(time, sleep=fake.sleep, monotonic=fake.monotonic, time=fake.time),
        asyncio: _Patched(asyncio, sleep=fake.async_sleep),
    }
    targets = [
        (module, attribute, replacements[value])
        for name, module in list(sys.modules.items())
        if name == package or name.startswith(package + ".")
        for attribute, value in list(vars(module).items())
        if value is time or value is asyncio
    ]
    assert targets, f"{package} imports neither time nor asyncio: there is nothing to patch"
    with contextlib.ExitStack() as stack:
        for module, attribute, replacement in targets:
            stack.enter_context(mock.patch.object(module, attribute, replacement))
        yield fake
