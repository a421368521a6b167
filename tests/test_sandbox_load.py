"""A bounded loopback load against ``recallgen sandbox`` (a process, as users run it), with large and
deep bodies among the requests: the small numbers of what ``make bench`` runs in full
(``benchmarks/bench_sandbox.py``: 20 clients x 200 requests).

Checked: no 5xx, every small request answered 2xx, every hostile request its exact status (large:
200, too large: 413, deep / many values / long number: 400), and no small request stalled behind
the hostile ones (the issue saw a 1.4 MB body stall every client for 3 s): p99 under a second.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.diagnostics import Diagnostics
from generator.sandbox.loadgen import LoadReport, hostile_targets, plans_for, run_load, spec_targets, with_hostile
from generator.sandbox.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "openapi.yaml"  # the whole API
KEYS = [f"load-{i}" for i in range(40)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    chosen = _free_port()
    credentials = [arg for key in KEYS for arg in ("--api-key", key, "--calendar-token", key)]
    command = [sys.executable, "-m", "generator.cli", "sandbox", "--spec", str(SPEC), "--port", str(chosen)]
    process = subprocess.Popen([*command, *credentials], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                socket.create_connection(("127.0.0.1", chosen), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.1)
        yield chosen
    finally:
        process.terminate()
        process.wait(10)


def _credentials(keys: list[str]) -> list[dict[str, str]]:
    return [{"Authorization": f"Token {k}", "x-recallcalendarauthtoken": k} for k in keys]


def test_small_and_hostile_requests_get_their_statuses_without_stalls(port: int) -> None:
    spec = load_spec(SPEC, Diagnostics())
    assert spec is not None
    hostile = hostile_targets(spec)
    assert {h.label for h in hostile} == {"large", "too-large", "deep", "many", "long-number"}
    small, big = _credentials(KEYS[:30]), _credentials(KEYS[30:])
    plans = with_hostile(plans_for(spec_targets(spec), small, clients=5, per_client=40), hostile, big, every=4)
    report = run_load("127.0.0.1", port, plans, timeout=30)
    assert report.errors == []
    expected = {h.label: h.status for h in hostile}
    for label, status in expected.items():
        assert report.statuses(label) == {status: 10}, label
    small_samples = [s for s in report.samples if s.label not in expected]
    assert len(small_samples) == 150 and all(200 <= s.status < 300 for s in small_samples)
    assert max(s.latency for s in report.samples if s.label not in expected) < 1.0


def test_concurrent_small_requests_while_a_large_one_is_validated(port: int) -> None:
    """A client sends large bodies back to back while others send small requests: the small ones
    keep flowing (the large ones are parsed and checked off the event loop)."""
    spec = load_spec(SPEC, Diagnostics())
    assert spec is not None
    large = [h for h in hostile_targets(spec) if h.label == "large"]
    stop = threading.Event()
    big_reports: list[LoadReport] = []

    def hammer() -> None:
        while not stop.is_set():
            plan = with_hostile(
                plans_for(spec_targets(spec), _credentials(KEYS[35:]), 1, 2), large, _credentials(KEYS[35:]), 1
            )
            big_reports.append(run_load("127.0.0.1", port, plan, timeout=30))

    thread = threading.Thread(target=hammer, daemon=True)
    thread.start()
    try:
        time.sleep(0.2)
        report = run_load("127.0.0.1", port, plans_for(spec_targets(spec), _credentials(KEYS[:30]), 4, 25), timeout=30)
    finally:
        stop.set()
        thread.join(30)
    assert _successes(report.statuses()) == 100
    assert report.percentile(0.99) < 1.0
    assert big_reports and all(_successes(r.statuses()) == 2 for r in big_reports)


def _successes(statuses: dict[int, int]) -> int:
    """The number of answers when every one is 2xx (-1 otherwise)."""
    return sum(statuses.values()) if all(200 <= status < 300 for status in statuses) else -1


def test_the_hostile_process_sends_when_told(port: int) -> None:
    """``loadgen --wait`` (the benchmark's hostile process) builds its requests, says ``ready`` and
    sends them only once a line arrives on stdin."""
    command = [sys.executable, "-m", "generator.sandbox.loadgen", "--port", str(port), "--spec", str(SPEC)]
    command += ["--hostile", "--wait", "--only", "deep", "--clients", "1", "--per-client", "2", "--key", KEYS[0]]
    process = subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    out, err = process.communicate("go\n", timeout=120)
    assert process.returncode == 0, err
    assert json.loads(out)["labels"] == {"deep": {"400": 2}}
