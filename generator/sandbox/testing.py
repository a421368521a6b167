"""Helpers for tests that drive a sandbox in-process: a synchronous ASGI client and a fake clock.

``AsgiClient(app)`` sends requests straight into the ASGI app through
``httpx.ASGITransport`` (no socket, no thread); ``FakeClock`` is a clock for
:class:`generator.sandbox.app.SandboxConfig` that only moves when told to, so rate-limit and
idempotency tests never sleep::

    clock = FakeClock()
    app = create_app(spec, SandboxConfig(clock=clock, check_responses=True))
    client = AsgiClient(app, headers={"Authorization": "Token sandbox-key"})
    client.request("GET", "/api/v1/recording/")
    clock.advance(3601)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
from starlette.types import ASGIApp


class FakeClock:
    """Monotonic seconds that change only through :meth:`advance`; starts at ``start``."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        self.now += seconds


class AsgiClient:
    """Synchronous requests into an ASGI app; ``headers`` are sent with every request."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.headers = dict(headers or {})

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        headers: Mapping[str, str | None] | None = None,
        content: bytes | AsyncIterator[bytes] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; ``headers`` are merged over the client's (a ``None`` value is not sent)."""
        both: dict[str, str | None] = {**self.headers, **(headers or {})}
        merged = {k: v for k, v in both.items() if v is not None}
        return asyncio.run(self._send(method, path, json, merged, content, params))

    async def _send(
        self,
        method: str,
        path: str,
        json: Any,
        headers: dict[str, str],
        content: bytes | AsyncIterator[bytes] | None,
        params: Mapping[str, str] | None,
    ) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            if content is not None:
                return await client.request(method, path, content=content, headers=headers, params=params)
            if json is not None:
                return await client.request(method, path, json=json, headers=headers, params=params)
            return await client.request(method, path, headers=headers, params=params)
