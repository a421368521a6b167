"""A small loopback HTTP/1.1 load generator: many clients on keep-alive connections, one asyncio loop.

Used by the load test (``tests/test_sandbox_load.py``, small numbers) and by ``make bench``
(``benchmarks/bench_sandbox.py``: 20 clients x 200 requests against the sandbox and Stoplight Prism).
It writes pre-encoded requests on raw sockets and reads each response whole (status line, headers,
``Content-Length`` body), so it costs a few tens of microseconds per request and the server, not
the generator, is what is measured. A latency is what a user waits for: from the first byte
written to the last body byte read, in seconds.

Only loopback addresses are accepted (:func:`run_load` raises ValueError otherwise); every loop is
bounded by the number of requests and by ``timeout`` seconds per request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LoadRequest:
    """One request of a load: method, path (with query), headers, raw body; ``label`` groups results."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    label: str = "request"

    @classmethod
    def json(
        cls, method: str, path: str, value: Any, headers: Mapping[str, str] | None = None, label: str = "request"
    ) -> LoadRequest:
        """A request with ``value`` as its compact JSON body (``Content-Type: application/json``)."""
        body = json.dumps(value, separators=(",", ":")).encode()
        return cls(method, path, {**(headers or {}), "Content-Type": "application/json"}, body, label)

    def encode(self, host: str) -> bytes:
        """The request on the wire (HTTP/1.1, keep-alive, ``Content-Length`` when there is a body)."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass(frozen=True)
class Sample:
    """One answered request: its label, status, latency (seconds) and body (kept when asked)."""

    label: str
    status: int
    latency: float
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class LoadReport:
    """Everything a load run saw: samples in completion order, wall time (s), transport errors."""

    samples: list[Sample]
    elapsed: float
    errors: list[str]

    @property
    def rps(self) -> float:
        """Answered requests per second of wall time."""
        return len(self.samples) / self.elapsed if self.elapsed > 0 else 0.0

    def latencies(self, label: str | None = None) -> list[float]:
        """Sorted latencies (seconds) of the samples with ``label`` (all when None)."""
        return sorted(s.latency for s in self.samples if label is None or s.label == label)

    def percentile(self, q: float, label: str | None = None) -> float:
        """The ``q`` quantile (0..1, nearest rank) of the latencies with ``label``, in seconds; 0 when none."""
        found = self.latencies(label)
        if not found:
            return 0.0
        return found[min(len(found) - 1, max(0, round(q * len(found) + 0.5) - 1))]

    def statuses(self, label: str | None = None) -> dict[int, int]:
        """Count of each status code among the samples with ``label`` (all when None)."""
        out: dict[int, int] = {}
        for s in self.samples:
            if label is None or s.label == label:
                out[s.status] = out.get(s.status, 0) + 1
        return dict(sorted(out.items()))


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"load is only sent to loopback addresses, not {host!r}")


async def _read_response(reader: asyncio.StreamReader, keep: bool) -> tuple[int, bytes, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(c[:-2] for c in chunks)
    else:
        body = b""
    return status, body if keep else b"", headers if keep else {}


async def _client(
    host: str,
    port: int,
    plan: Sequence[LoadRequest],
    samples: list[Sample],
    errors: list[str],
    keep_bodies: bool,
    timeout: float,
) -> None:
    wire = [(r, r.encode(f"{host}:{port}")) for r in plan]
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        for request, data in wire:
            start = time.perf_counter()
            try:
                writer.write(data)
                await writer.drain()
                status, body, headers = await asyncio.wait_for(_read_response(reader, keep_bodies), timeout)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError) as exc:
                errors.append(f"{request.label}: {type(exc).__name__}: {exc}")
                writer.close()
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
                continue
            samples.append(Sample(request.label, status, time.perf_counter() - start, body, headers))
            if headers.get("connection", "").lower() == "close":
                writer.close()
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    finally:
        writer.close()


def run_load(
    host: str,
    port: int,
    plans: Sequence[Sequence[LoadRequest]],
    keep_bodies: bool = False,
    timeout: float = 60.0,
) -> LoadReport:
    """Send each plan in ``plans`` on its own keep-alive connection, all at once; wait for all.

    One plan per client; the requests of a plan go one after another. ``timeout`` bounds each
    request (seconds). Returns the :class:`LoadReport`. Raises ValueError for a non-loopback host.
    """
    _check_loopback(host)

    async def main() -> LoadReport:
        samples: list[Sample] = []
        errors: list[str] = []
        start = time.perf_counter()
        await asyncio.gather(*(_client(host, port, plan, samples, errors, keep_bodies, timeout) for plan in plans))
        return LoadReport(samples, time.perf_counter() - start, errors)

    return asyncio.run(main())


@dataclass(frozen=True)
class Target:
    """One operation's request in a load: method, concrete path, JSON body (None: no body)."""

    label: str
    method: str
    path: str
    body: Any = None


def spec_targets(spec: Any, skip_methods: frozenset[str] = frozenset({"DELETE"})) -> list[Target]:
    """One valid request per operation of ``spec`` (a :class:`generator.spec.model.Spec`): path
    parameters addressing seeded resources, the request example as body (a synthesized one when
    the example fails its schema), required query parameters. ``skip_methods`` are left out (a
    DELETE would make every later request on that resource a 404)."""
    from generator.sandbox.app import create_app
    from generator.sandbox.spec import schema_of

    app = create_app(spec)
    sandbox = app.state.sandbox
    try:
        out = []
        for op in spec.operations:
            if op.method in skip_methods:
                continue
            route = sandbox.routes.routes[op.path]
            path = route.fill(op.path, sandbox.resources.sample_params(op.path))
            query = [
                f"{p.name}={sandbox.shaper.fallback(p.schema.pointer)}"
                for p in op.parameters
                if p.location == "query" and p.required and p.schema is not None
            ]
            if query:
                path += "?" + "&".join(query)
            body = None
            schema = schema_of(op.request_body)
            if op.request_body is not None and op.request_body.json is not None and schema is not None:
                example = op.request_body.json.example
                body = example if sandbox.shaper.is_valid(example, schema) else sandbox.shaper.fallback(schema)
            out.append(Target(op.operation_id, op.method, path, body))
        return out
    finally:
        sandbox.close()


def plans_for(
    targets: Sequence[Target],
    credentials: Sequence[Mapping[str, str]],
    clients: int,
    per_client: int,
    offset: int = 0,
) -> list[list[LoadRequest]]:
    """``clients`` plans of ``per_client`` requests cycling through ``targets``; request ``n`` (from
    ``offset``) sends ``credentials[n // len(targets) % len(credentials)]`` as headers, so that each
    credential sends each operation at most once per pass over ``credentials``."""
    plans: list[list[LoadRequest]] = []
    n = offset
    for _ in range(clients):
        plan = []
        for _ in range(per_client):
            target = targets[n % len(targets)]
            headers = credentials[(n // len(targets)) % len(credentials)]
            if target.body is None:
                plan.append(LoadRequest(target.method, target.path, headers, b"", target.label))
            else:
                plan.append(LoadRequest.json(target.method, target.path, target.body, headers, target.label))
            n += 1
        plans.append(plan)
    return plans


@dataclass(frozen=True)
class Hostile:
    """A large or malformed request of a load and the status the sandbox must answer it with."""

    label: str
    method: str
    path: str
    body: bytes
    status: int


def hostile_targets(spec: Any, max_body_bytes: int = 2 * 1024 * 1024) -> list[Hostile]:
    """Large and malformed bodies for the first PATCH operation of ``spec`` that takes a JSON body:

    - ``large``: a valid body about 1.5 MB large (a ``metadata`` member holding one long string),
      when the operation's body schema accepts that (200);
    - ``too-large``: a body over ``max_body_bytes`` (413);
    - ``deep``: nested 1000 arrays deep (400); ``many``: 20,000 values (400);
    - ``long-number``: a 4301-digit integer (400).
    """
    from generator.sandbox.app import create_app
    from generator.sandbox.spec import schema_of

    app = create_app(spec)
    sandbox = app.state.sandbox
    try:
        op = next((o for o in spec.operations if o.method == "PATCH" and schema_of(o.request_body) is not None), None)
        if op is None:
            return []
        path = sandbox.routes.routes[op.path].fill(op.path, sandbox.resources.sample_params(op.path))
        schema = schema_of(op.request_body)
        out = []
        large = {"metadata": {"blob": "x" * 1_500_000}}
        if schema is not None and sandbox.shaper.is_valid(large, schema):
            out.append(Hostile("large", "PATCH", path, json.dumps(large).encode(), 200))
        out += [
            Hostile("too-large", "PATCH", path, b'{"metadata": "' + b"x" * max_body_bytes + b'"}', 413),
            Hostile("deep", "PATCH", path, b'{"metadata": ' + b"[" * 1000 + b"]" * 1000 + b"}", 400),
            Hostile(
                "many",
                "PATCH",
                path,
                json.dumps({"metadata": dict.fromkeys(map(str, range(20_000)), "v")}).encode(),
                400,
            ),
            Hostile("long-number", "PATCH", path, b'{"metadata": {"n": ' + b"7" * 4301 + b"}}", 400),
        ]
        return out
    finally:
        sandbox.close()


def with_hostile(
    plans: list[list[LoadRequest]],
    hostile: Sequence[Hostile],
    credentials: Sequence[Mapping[str, str]],
    every: int = 20,
) -> list[list[LoadRequest]]:
    """``plans`` with every ``every``-th request of each plan replaced by the next hostile request,
    sent with the next of ``credentials`` (kept apart from the small requests' credentials, so that
    a large stored body only ever belongs to them)."""
    if not hostile:
        return plans
    n = 0
    out = []
    for plan in plans:
        mixed = list(plan)
        for i in range(every - 1, len(mixed), every):
            h = hostile[n % len(hostile)]
            headers = {**credentials[n % len(credentials)], "Content-Type": "application/json"}
            mixed[i] = LoadRequest(h.method, h.path, headers, h.body, h.label)
            n += 1
        out.append(mixed)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m generator.sandbox.loadgen --port P --spec FILE [--hostile] ...``: send a load to a
    loopback server from this process and print a JSON summary (``rps``, ``p50``/``p99`` in
    seconds, ``statuses``, per-label statuses, ``errors``). Used by the benchmark to send the
    hostile requests from a process of their own. With ``--wait`` it prints ``ready`` once the
    requests are built (loading the spec takes a while) and sends them when a line arrives on
    stdin, so the caller can start another load at the same moment."""
    import argparse
    from pathlib import Path

    from generator.diagnostics import Diagnostics
    from generator.sandbox.spec import load_spec

    parser = argparse.ArgumentParser(prog="python -m generator.sandbox.loadgen")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=10)
    parser.add_argument("--key", action="append", default=[], help="API key (and calendar token); repeatable")
    parser.add_argument("--hostile", action="store_true", help="send only the hostile requests")
    parser.add_argument("--only", action="append", default=[], help="hostile kinds to send (default: all)")
    parser.add_argument("--wait", action="store_true", help="print `ready`, then send when stdin gives a line")
    args = parser.parse_args(argv)
    spec = load_spec(args.spec, Diagnostics())
    if spec is None:
        return 2
    credentials = [{"Authorization": f"Token {k}", "x-recallcalendarauthtoken": k} for k in args.key or ["sandbox-key"]]
    if args.hostile:
        hostile = [h for h in hostile_targets(spec) if not args.only or h.label in args.only]
        plans = []
        for c in range(args.clients):
            plan = []
            for i in range(args.per_client):
                h = hostile[(c + i) % len(hostile)]
                headers = {
                    **credentials[(c * args.per_client + i) % len(credentials)],
                    "Content-Type": "application/json",
                }
                plan.append(LoadRequest(h.method, h.path, headers, h.body, h.label))
            plans.append(plan)
    else:
        plans = plans_for(spec_targets(spec), credentials, args.clients, args.per_client)
    if args.wait:
        print("ready", flush=True)
        sys.stdin.readline()
    report = run_load("127.0.0.1", args.port, plans)
    labels = sorted({s.label for s in report.samples})
    summary = {
        "rps": report.rps,
        "p50": report.percentile(0.5),
        "p99": report.percentile(0.99),
        "statuses": report.statuses(),
        "labels": {label: report.statuses(label) for label in labels},
        "errors": report.errors[:5],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
