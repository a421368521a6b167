"""Generated client: model parsing against ``json.loads``, per-call overhead against plain httpx.

Targets (issue 11, target 4), as ratios measured in one run in CPU time of this process (absolute
times on a shared machine are noise; every pair is measured alternately, the best round of each
kept):

- typed parse of the seed ``Recording`` sample at least as fast as ``json.loads`` on the same bytes.
  The client's default (lenient) parse is pydantic-core's JSON parser plus the top-level model; the
  nested models, UUIDs and datetimes are built when first read (README "Responses"). Reported
  beside it: the same parse with every field read, strict validation (``strict_responses=True``,
  pydantic's ``model_validate_json``), pydantic-core's parser alone, and orjson and msgspec
  (untyped decoders; installed by the benchmark into a virtualenv of its own, never into the
  project's);
- per call, at most 1.2x the time of plain httpx doing the same request and decoding the JSON
  answer (``response.json()``), sync and async, against respx and against a loopback HTTP server
  (a minimal asyncio one in a thread, so that the server's time does not hide the clients'). The
  client runs with its defaults (rate limiting on) on a virtual clock: its bookkeeping is measured,
  its waits (every 300 calls, the operation's limit) take no time.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import respx
import yaml

from benchmarks._common import ROOT, Result

UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
BASE = "https://us-east-1.recall.ai"
PATH = f"/api/v1/recording/{UUID}/"
PAYLOAD = {"metadata": {"team": "sales"}}
HEADERS = {"Authorization": "Token k", "Idempotency-Key": "fixed", "Accept": "application/json"}
#: Untyped JSON decoders reported beside the client (installed in the benchmark's own virtualenv).
PEERS = ("orjson==3.13.0", "msgspec==0.22.0")
#: Rounds of each measurement (alternating between the two sides of a ratio; the best is kept).
ROUNDS = 7
PARSE_TARGET = 1.0
OVERHEAD_TARGET = 1.2


def _sample() -> Any:
    spec = yaml.safe_load((ROOT / "spec" / "openapi.yaml").read_text())
    operation = spec["paths"]["/api/v1/recording/{id}/"]["patch"]
    return operation["responses"]["200"]["content"]["application/json"]["example"]


def _small(sample: Any) -> Any:
    """The sample with every required field kept and the big optional parts left out."""
    shortcuts = dict.fromkeys(("video_mixed", "transcript", "participant_events", "meeting_metadata"))
    return {**sample, "media_shortcuts": shortcuts, "realtime_endpoints": [], "bot": None, "desktop_sdk_upload": None}


class VirtualClock:
    """A client clock whose time moves only by its sleeps: rate-limit waits cost nothing."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.now += seconds


def _cpu_rate(func: Callable[[], object], min_time: float = 0.1) -> float:
    """Calls of ``func`` per second of this process's CPU time (one batch of at least ``min_time``
    CPU seconds): other processes on a shared machine do not count, threads of this one do."""
    n = 1
    while True:
        start = time.process_time()
        for _ in range(n):
            func()
        elapsed = time.process_time() - start
        if elapsed >= min_time:
            return n / elapsed
        n *= 2


def _best_pair(first: Callable[[], object], second: Callable[[], object]) -> tuple[float, float]:
    """Calls per CPU second of each, measured alternately; the best round of each."""
    a = b = 0.0
    for _ in range(ROUNDS):
        a = max(a, _cpu_rate(first))
        b = max(b, _cpu_rate(second))
    return a, b


# -- parsing --------------------------------------------------------------------------------------


def _parse_results() -> list[Result]:
    from pydantic_core import from_json
    from recall_client import models
    from recall_client._response import ModelDecoder

    raw = json.dumps(_sample()).encode()
    decoder = ModelDecoder(models.Recording)
    json_rate, lenient = _best_pair(lambda: json.loads(raw), lambda: decoder.decode(raw))
    json_rate2, walked = _best_pair(lambda: json.loads(raw), lambda: decoder.decode(raw)._convert_all())
    json_rate3, strict = _best_pair(lambda: json.loads(raw), lambda: decoder.decode(raw, strict=True))
    json_rate4, core = _best_pair(lambda: json.loads(raw), lambda: from_json(raw))
    note = f"{len(raw)} bytes; json.loads {json_rate:,.0f}/s"
    results = [
        Result(
            "typed parse of the seed Recording (lenient, the default) vs json.loads",
            lenient / json_rate,
            "x",
            f">= {PARSE_TARGET}",
            lenient / json_rate >= PARSE_TARGET,
            f"{lenient:,.0f}/s; {note}; nested models built when first read",
        ),
        Result(
            "typed parse + every field built (lenient) vs json.loads",
            walked / json_rate2,
            "x",
            "info",
            None,
            f"{walked:,.0f}/s (every nested model, UUID, datetime built)",
        ),
        Result(
            "typed parse, strict_responses=True (pydantic validation) vs json.loads",
            strict / json_rate3,
            "x",
            "info",
            None,
            f"{strict:,.0f}/s (before issue 8, the only parse: 0.64x)",
        ),
        Result("pydantic-core from_json (untyped) vs json.loads", core / json_rate4, "x", "info", None, ""),
    ]
    return results + _peer_results(raw)


PEER_SCRIPT = """
import json, sys, time
import msgspec, orjson
raw = open(sys.argv[1], "rb").read()
decoders = {"json.loads": json.loads, "orjson.loads": orjson.loads, "msgspec.json.decode": msgspec.json.decode}
def rate(f):
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n): f(raw)
        if time.perf_counter() - start > 0.04: break
        n *= 2
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n): f(raw)
        best = max(best, n / (time.perf_counter() - start))
    return best
rates = {name: 0.0 for name in decoders}
for _ in range(3):
    for name, f in decoders.items():
        rates[name] = max(rates[name], rate(f))
print(json.dumps(rates))
"""


def _peer_results(raw: bytes) -> list[Result]:
    """orjson and msgspec against json.loads, in a virtualenv the benchmark makes (not the project's)."""
    try:
        with tempfile.TemporaryDirectory(prefix="recallgen-bench-peers-") as tmp:
            venv, sample, script = Path(tmp) / "venv", Path(tmp) / "sample.json", Path(tmp) / "peers.py"
            sample.write_bytes(raw)
            script.write_text(PEER_SCRIPT)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
            python = str(venv / "bin" / "python")
            install = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PEERS]
            subprocess.run(install, check=True, capture_output=True, timeout=600)
            done = subprocess.run([python, str(script), str(sample)], check=True, capture_output=True, timeout=300)
            rates = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {str(exc)[:120]}"
        return [Result("orjson / msgspec vs json.loads", 0.0, "x", "info", None, f"not measured ({reason})")]
    base = rates["json.loads"]
    return [
        Result(f"{name} (untyped, own virtualenv) vs json.loads", rates[name] / base, "x", "info", None, f"{PEERS}")
        for name in ("orjson.loads", "msgspec.json.decode")
    ]


# -- per-call overhead ----------------------------------------------------------------------------


@contextmanager
def _loopback(body: Any) -> Iterator[str]:
    """A minimal HTTP/1.1 server on a free loopback port answering every request with ``body``."""
    content = json.dumps(body).encode()
    reply = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: bench\r\n"
        + f"content-length: {len(content)}\r\n\r\n".encode()
        + content
    )

    class Reply(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
                length = 0
                for line in self.buffer[:end].split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if len(self.buffer) < end + 4 + length:
                    return
                self.buffer = self.buffer[end + 4 + length :]
                self.transport.write(reply)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(Reply, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        server.close()


def _sync_overhead(base: str) -> tuple[float, float]:
    """(client calls/s, plain httpx calls/s) for PATCH with a JSON body, against ``base``."""
    from recall_client import RecallClient

    with httpx.Client() as plain, RecallClient(api_key="k", base_url=base, clock=VirtualClock()) as client:

        def plain_call() -> object:
            response = plain.patch(base + PATH, json=PAYLOAD, headers=HEADERS, timeout=60.0)
            response.raise_for_status()
            return response.json()

        def client_call() -> object:
            return client.recording.partial_update(UUID, metadata={"team": "sales"})

        plain_rate, client_rate = _best_pair(plain_call, client_call)
    return client_rate, plain_rate


def _async_overhead(base: str) -> tuple[float, float]:
    """Like :func:`_sync_overhead` with ``httpx.AsyncClient`` and ``AsyncRecallClient`` (one event loop)."""
    from recall_client import AsyncRecallClient

    async def measure() -> tuple[float, float]:
        async with (
            httpx.AsyncClient() as plain,
            AsyncRecallClient(api_key="k", base_url=base, clock=VirtualClock()) as client,
        ):

            async def plain_call() -> object:
                response = await plain.patch(base + PATH, json=PAYLOAD, headers=HEADERS, timeout=60.0)
                response.raise_for_status()
                return response.json()

            async def client_call() -> object:
                return await client.recording.partial_update(UUID, metadata={"team": "sales"})

            plain_rate = client_rate = 0.0
            for _ in range(ROUNDS):
                plain_rate = max(plain_rate, await _async_rate(plain_call))
                client_rate = max(client_rate, await _async_rate(client_call))
            return client_rate, plain_rate

    return asyncio.run(measure())


async def _async_rate(call: Callable[[], Awaitable[object]], min_time: float = 0.1) -> float:
    """Sequential awaited calls per CPU second (one batch of at least ``min_time`` seconds)."""
    n = 1
    while True:
        start = time.process_time()
        for _ in range(n):
            await call()
        elapsed = time.process_time() - start
        if elapsed >= min_time:
            return n / elapsed
        n *= 2


def _overhead_result(label: str, client_rate: float, plain_rate: float) -> Result:
    ratio = plain_rate / client_rate
    return Result(
        f"client call vs plain httpx ({label})",
        ratio,
        "x",
        f"<= {OVERHEAD_TARGET}",
        ratio <= OVERHEAD_TARGET,
        f"{1e6 / client_rate:.0f} us vs {1e6 / plain_rate:.0f} us per call",
    )


def _overhead_results() -> list[Result]:
    small, full = _small(_sample()), _sample()
    results = []
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.patch(PATH).respond(200, json=small)
        results.append(_overhead_result("sync, respx, small Recording", *_sync_overhead(BASE)))
        results.append(_overhead_result("async, respx, small Recording", *_async_overhead(BASE)))
        mock.patch(PATH).respond(200, json=full)
        client_rate, plain_rate = _sync_overhead(BASE)
        results.append(
            Result(
                "client call vs plain httpx (sync, respx, full seed sample)",
                plain_rate / client_rate,
                "x",
                "info",
                None,
                f"{1e6 / client_rate:.0f} us vs {1e6 / plain_rate:.0f} us per call",
            )
        )
    with _loopback(small) as base:
        results.append(_overhead_result("sync, loopback server", *_sync_overhead(base)))
        results.append(_overhead_result("async, loopback server", *_async_overhead(base)))
    return results


def run() -> list[Result]:
    """Measure the generated client (the committed ``generated/`` package)."""
    return _parse_results() + _overhead_results()
