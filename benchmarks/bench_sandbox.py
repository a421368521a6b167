"""Sandbox throughput beside Stoplight Prism, and small requests' latency with hostile ones in flight.

Both servers run as processes on free loopback ports and serve the same spec: the seed spec
(``build/seed-openapi.yaml``, the four seed pages of ``tests/fixtures/seed_pages`` normalized
alone, written at each run) and the whole-API spec (``spec/openapi.yaml``).

- **Peer**: ``@stoplight/prism-cli`` :data:`PRISM_VERSION`, installed by npm from the registry once
  per machine by :mod:`conformance_tests.prism` (the suite's Prism, cached in
  ``~/.cache/recallgen/``; never a project dependency), run as
  ``prism mock SPEC --errors -v error`` (requests are validated like the sandbox's, and no log line
  is written per request; the sandbox writes none either).
- **Sandbox**: ``recallgen sandbox --spec SPEC --port P`` with :data:`KEYS` API keys and calendar
  tokens (``--api-key``/``--calendar-token`` repeated): every key still counts its own rate limits,
  and the load spreads over the keys so that no bucket is exhausted (a 429 would make throughput
  meaningless). Stateful, authenticating, rate limiting; no ``--check-responses``.
- **Load** (:mod:`generator.sandbox.loadgen`, one asyncio process, raw keep-alive HTTP/1.1):
  :data:`CLIENTS` clients x :data:`PER_CLIENT` requests, cycling through one valid request per
  operation (DELETEs left out: they would turn later requests into 404s). The same requests go to
  both servers. Latency is what a client waits for, first byte written to last byte read. One
  warm-up round each (Prism's JIT), then :data:`ROUNDS` rounds alternating the servers; the
  medians are reported. Every 2xx body of the last round is validated against the spec (the
  sandbox must send none that fails).
- **Hostile requests** (seed spec, sandbox only): the small load again while a second process sends
  :data:`CLIENTS` x :data:`HOSTILE_PER_CLIENT` large (1.5 MB), too large (413), deep, many-valued
  and long-number bodies; to the same sandbox, and, as the control, to a second sandbox on the
  same machine (the same CPU contention, nothing shared). Each hostile request must get its exact
  status, nothing a 5xx; small requests must not wait on the hostile ones beyond the machine they
  share: p99 at most :data:`HOSTILE_P99_RATIO` x the control's. A p99 of ~10 ms on a shared machine
  moves with whatever else runs, so the ratio is the median of :data:`HOSTILE_TRIALS` trials,
  each a round with the hostile requests on the same sandbox and one with them on the control, in
  alternating order, each round :data:`CLIENTS` x :data:`PER_CLIENT` small requests (the p99 is
  the 40th slowest of 4,000); the hostile process has loaded the spec and built its requests
  before the small round starts (``loadgen --wait``), so its requests are in flight from the
  first small request on.

Targets: sandbox requests/s at least 1.0x Prism's on both specs (issue 11, target 5); the hostile
checks above (issue 9).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks._common import ROOT, Result
from benchmarks._common import compare as compare_row
from conformance_tests import prism

PRISM_VERSION = prism.PRISM_VERSION
API_SPEC = ROOT / "spec" / "openapi.yaml"
SEED_SPEC = ROOT / "build" / "seed-openapi.yaml"
SEED_PAGES = ROOT / "tests" / "fixtures" / "seed_pages"
CLIENTS = 20
PER_CLIENT = 200
ROUNDS = 3
KEYS = 400
HOSTILE_PER_CLIENT = 10
HOSTILE_P99_RATIO = 2.0
HOSTILE_TRIALS = 7


@dataclass(frozen=True)
class Round:
    """One load round against one server: requests/s, p50 and p99 (seconds), statuses, bodies."""

    rps: float
    p50: float
    p99: float
    statuses: dict[int, int]
    invalid: int = 0
    checked: int = 0


def _keys(prefix: str = "bench") -> list[str]:
    return [f"{prefix}-{i}" for i in range(KEYS)]


def _credentials(keys: Sequence[str]) -> list[dict[str, str]]:
    return [{"Authorization": f"Token {k}", "x-recallcalendarauthtoken": k} for k in keys]


def prism_command() -> list[str] | str:
    """The command that runs Prism (installed once by :func:`conformance_tests.prism.install`, the
    suite's own Prism), or why it cannot run."""
    from conformance_tests.prism import PrismUnavailable, install

    try:
        return [str(install())]
    except PrismUnavailable as exc:
        return f"Prism cannot be installed: {exc}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start in {timeout:.0f} s")


@contextmanager
def serving(command: Sequence[str], port: int) -> Iterator[int]:
    """Run ``command`` (a server listening on ``port``) until the block ends; stopped by its pid."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sandbox_command(spec: Path, port: int, keys: Sequence[str]) -> list[str]:
    """``recallgen sandbox`` serving ``spec`` on ``port`` with ``keys`` as API keys and calendar tokens."""
    credentials = [arg for key in keys for arg in ("--api-key", key, "--calendar-token", key)]
    return [sys.executable, "-m", "generator.cli", "sandbox", "--spec", str(spec), "--port", str(port), *credentials]


def _round(port: int, plans: list[list[Any]], spec: Any = None) -> Round:
    from generator.sandbox.loadgen import run_load

    report = run_load("127.0.0.1", port, plans, keep_bodies=spec is not None)
    invalid = checked = 0
    if spec is not None:
        invalid, checked = _invalid_bodies(spec, report.samples)
    return Round(
        report.rps, report.percentile(0.5), report.percentile(0.99), report.statuses(), invalid, checked
    )  # fmt: skip


def _invalid_bodies(spec: Any, samples: Sequence[Any]) -> tuple[int, int]:
    """(bodies that fail the schema declared for their status, bodies checked) among 2xx samples."""
    from generator.sandbox.spec import schema_of

    ops = {op.operation_id: op for op in spec.operations}
    invalid = checked = 0
    for sample in samples:
        op = ops.get(sample.label)
        schema = schema_of(op.response(sample.status)) if op is not None and 200 <= sample.status < 300 else None
        if schema is None or not sample.body:
            continue
        checked += 1
        if not spec.refs.is_valid(json.loads(sample.body), schema):
            invalid += 1
    return invalid, checked


def compare(spec_path: Path, name: str, prism: list[str]) -> list[Result]:
    """Sandbox and Prism under the same load on ``spec_path``: requests/s, p50, p99, the ratio."""
    from generator.diagnostics import Diagnostics
    from generator.sandbox.loadgen import plans_for, spec_targets
    from generator.sandbox.spec import load_spec

    spec = load_spec(spec_path, Diagnostics())
    if spec is None:
        return [Result(f"sandbox requests/s ({name})", 0, "req/s", ">= 1.0x", False, f"{spec_path} cannot be served")]
    targets = spec_targets(spec)
    keys = _keys()
    credentials = _credentials(keys)
    total = CLIENTS * PER_CLIENT
    ours: list[Round] = []
    theirs: list[Round] = []
    sandbox_port, prism_port = _free_port(), _free_port()
    prism_args = [*prism, "mock", str(spec_path), "-p", str(prism_port), "-h", "127.0.0.1", "--errors", "-v", "error"]
    with serving(sandbox_command(spec_path, sandbox_port, keys), sandbox_port), serving(prism_args, prism_port):
        warm = plans_for(targets, credentials, CLIENTS, PER_CLIENT // 4)
        _round(sandbox_port, warm)
        _round(prism_port, warm)
        for n in range(ROUNDS):
            plans = plans_for(targets, credentials, CLIENTS, PER_CLIENT, offset=(n + 1) * total)
            last = n == ROUNDS - 1
            ours.append(_round(sandbox_port, plans, spec if last else None))
            theirs.append(_round(prism_port, plans, spec if last else None))

    def summary(rounds: list[Round]) -> str:
        rps = statistics.median(r.rps for r in rounds)
        p50 = statistics.median(r.p50 for r in rounds) * 1000
        p99 = statistics.median(r.p99 for r in rounds) * 1000
        statuses = rounds[-1].statuses
        bodies = f"{rounds[-1].invalid}/{rounds[-1].checked} bodies invalid"
        return f"{rps:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms; statuses {statuses}; {bodies}"

    load = f"{len(targets)} operations, {CLIENTS} clients x {PER_CLIENT}, median of {ROUNDS}"
    never_invalid = ours[-1].invalid == 0 and all(s < 500 for r in ours for s in r.statuses)
    row = compare_row(f"sandbox requests/s ({name})", statistics.median(r.rps for r in ours),
                      statistics.median(r.rps for r in theirs), "req/s", peer_name=f"Prism {PRISM_VERSION}",
                      at_least=1.0, note=f"ours: {summary(ours)}; Prism: {summary(theirs)}; {load}")  # fmt: skip
    return [dataclasses.replace(row, ok=bool(row.ok) and never_invalid)]


def _hostile_process(spec: Path, port: int, keys: Sequence[str]) -> subprocess.Popen[str]:
    """The hostile load's process, ready to send (it has printed ``ready``; a line on its stdin starts it)."""
    command = [sys.executable, "-m", "generator.sandbox.loadgen", "--port", str(port), "--spec", str(spec)]
    command += ["--hostile", "--wait", "--clients", str(CLIENTS), "--per-client", str(HOSTILE_PER_CLIENT)]
    command += [arg for key in keys for arg in ("--key", key)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    ready = process.stdout.readline().strip()
    if ready != "ready":
        process.kill()
        _, err = process.communicate()
        raise RuntimeError(f"the hostile load did not start: {err.strip()[-300:]}")
    return process


def _with_hostile(
    port: int, hostile_port: int, spec_path: Path, plans: list[list[Any]], big_keys: Sequence[str]
) -> tuple[Round, dict[str, list[str]] | str]:
    """A small round on ``port`` while the hostile requests go to ``hostile_port``: the round, and
    the hostile requests' statuses by kind (or why the hostile load failed)."""
    process = _hostile_process(spec_path, hostile_port, big_keys)
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()
    small = _round(port, plans)
    out, err = process.communicate(timeout=600)
    if process.returncode != 0:
        return small, f"hostile load failed: {err.strip()[-200:]}"
    return small, json.loads(out)["labels"]


def hostile(spec_path: Path) -> list[Result]:
    """Small requests' p50/p99 alone, and :data:`HOSTILE_TRIALS` times with hostile requests on the
    same sandbox and with them sent to a second sandbox (the control), alternating which comes
    first; the median of the trials' p99 ratios, and the hostile requests' statuses."""
    from generator.diagnostics import Diagnostics
    from generator.sandbox.loadgen import hostile_targets, plans_for, spec_targets
    from generator.sandbox.spec import load_spec

    spec = load_spec(spec_path, Diagnostics())
    assert spec is not None
    expected = {h.label: h.status for h in hostile_targets(spec)}
    targets = spec_targets(spec)
    small_keys, big_keys = _keys("small"), _keys("big")
    credentials = _credentials(small_keys)
    first, second = _free_port(), _free_port()
    both = [*small_keys, *big_keys]
    trials: list[dict[str, Round]] = []
    wrong: list[str] = []
    total = CLIENTS * PER_CLIENT
    rounds = itertools.count(1)

    def plans() -> list[list[Any]]:  # each round sends other requests (offsets), so no bucket is exhausted
        return plans_for(targets, credentials, CLIENTS, PER_CLIENT, offset=next(rounds) * total)

    with (
        serving(sandbox_command(spec_path, first, both), first),
        serving(sandbox_command(spec_path, second, both), second),
    ):
        _round(first, plans_for(targets, credentials, CLIENTS, PER_CLIENT // 4))
        alone = _round(first, plans())
        for n in range(HOSTILE_TRIALS):
            cases = [("same sandbox", first), ("control", second)]
            trial: dict[str, Round] = {}
            for case, target in cases if n % 2 == 0 else cases[::-1]:
                trial[case], labels = _with_hostile(first, target, spec_path, plans(), big_keys)
                if isinstance(labels, str):
                    wrong.append(f"{case}: {labels}")
                    continue
                for label, statuses in labels.items():
                    if set(statuses) != {str(expected[label])}:
                        wrong.append(f"{case}: {label} answered {statuses}, expected {expected[label]}")
            trials.append(trial)
    every = [alone, *(r for trial in trials for r in trial.values())]
    server_errors = sum(c for r in every for s, c in r.statuses.items() if s >= 500)
    ratios = [t["same sandbox"].p99 / max(t["control"].p99, 1e-9) for t in trials]
    ratio = statistics.median(ratios)

    def ms(case: str) -> str:
        p50 = statistics.median(t[case].p50 for t in trials) * 1000
        p99 = statistics.median(t[case].p99 for t in trials) * 1000
        return f"{case}: p50 {p50:.1f} ms, p99 {p99:.1f} ms"

    note = (
        f"median of {HOSTILE_TRIALS} trials (ratios {', '.join(f'{r:.2f}' for r in ratios)}); "
        f"alone: p50 {alone.p50 * 1000:.1f} ms, p99 {alone.p99 * 1000:.1f} ms; {ms('same sandbox')}; {ms('control')}"
    )
    kinds = ", ".join(f"{label} {status}" for label, status in sorted(expected.items()))
    return [
        Result("small-request p99, hostile bodies in flight / control (seed)", ratio, "x",
               f"<= {HOSTILE_P99_RATIO:.1f}x", ratio <= HOSTILE_P99_RATIO, note),
        Result("hostile requests with a wrong status, or 5xx (seed)", len(wrong) + server_errors, "", "0",
               not wrong and server_errors == 0,
               "; ".join(wrong) or f"{HOSTILE_TRIALS} x 2 x {CLIENTS} x {HOSTILE_PER_CLIENT}: {kinds}"),
    ]  # fmt: skip


def _seed_spec() -> Path | str:
    """``build/seed-openapi.yaml`` written afresh (normalizing the four seed pages takes about a second),
    or why it could not be."""
    SEED_SPEC.parent.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "generator.cli", "normalize", str(SEED_PAGES), "--overlay", "spec/overlay.yaml"]
    run = subprocess.run([*command, "-o", str(SEED_SPEC)], cwd=ROOT, capture_output=True, text=True, check=False)
    return SEED_SPEC if run.returncode == 0 else f"the seed pages do not normalize: {run.stderr.strip()[-200:]}"


def run() -> list[Result]:
    """Measure (see the module docstring)."""
    seed = _seed_spec()
    if isinstance(seed, str):
        results = [Result("sandbox, seed spec", 0, "", "normalized", False, seed)]
    else:
        results = hostile(seed)
    prism = prism_command()
    if isinstance(prism, str):
        return [*results, Result("sandbox requests/s", 0, "req/s", ">= 1.0x", None, prism)]
    if not isinstance(seed, str):
        results += compare(seed, "seed spec", prism)
    results += compare(API_SPEC, "whole API", prism)
    return results
