"""Conformance suite: examples per second offline and live, beside Schemathesis against the same sandbox.

- offline: ``request_conformance``, ``response_conformance`` and ``retry_conformance`` for every
  operation (respx, time patched), :data:`OFFLINE_EXAMPLES` examples each;
- live: ``server_response_conformance`` against the bundled sandbox on a loopback port (one
  request per example, response validated against the spec), :data:`LIVE_EXAMPLES` per operation;
- peer: ``make conformance-peer`` (Schemathesis, all checks, phases examples/coverage/fuzzing)
  against a sandbox with the same configuration (``check_responses``); its own count of test
  cases divided by its own reported run time (both exclude process start-up, as ours do).

All numbers are informational (no target): they show what a CI minute buys.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings

from benchmarks._common import ROOT, Result

OFFLINE_EXAMPLES = 50
#: Live examples per operation: the suite's cap (``conformance_tests.live.LIVE_MAX_EXAMPLES``).
LIVE_EXAMPLES = 30
PEER_EXAMPLES = 30


def _counting(module: Any, name: str, counter: list[int]) -> Callable[[], None]:
    """Wrap ``module.name`` so each call adds one to ``counter[0]``; returns the undo function."""
    original = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return original(*args, **kwargs)

    setattr(module, name, counted)
    return lambda: setattr(module, name, original)


def _profile() -> None:
    """Load the bench profile; must run before the test modules are imported (``@given`` reads the
    default settings when it decorates)."""
    settings.register_profile(
        "bench",
        max_examples=OFFLINE_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    settings.load_profile("bench")


def offline_rate() -> tuple[float, int]:
    """(examples per second, examples) of the offline request/response/retry properties."""
    from conformance_tests import test_request_conformance as req
    from conformance_tests import test_response_conformance as resp

    counter = [0]
    undo = [_counting(req, "send", counter), _counting(resp, "invoke", counter)]
    start = time.perf_counter()
    try:
        for cop in req.OPS:
            req.test_request_conformance(cop)
            resp.test_response_conformance(cop)
            resp.test_retry_conformance(cop)
    finally:
        for restore in undo:
            restore()
    return counter[0] / (time.perf_counter() - start), counter[0]


def live_rate() -> tuple[float, int]:
    """(examples per second, examples) of ``server_response_conformance`` against the sandbox."""
    from conformance_tests import test_live_conformance as live
    from conformance_tests.live import sandbox_target

    counter = [0]
    undo = _counting(live, "send", counter)
    targets = sandbox_target()
    target = next(targets)
    try:
        start = time.perf_counter()
        for cop in live.OPS:
            live.test_server_response_conformance(cop, target)
        elapsed = time.perf_counter() - start
    finally:
        undo()
        targets.close()
    return counter[0] / elapsed, counter[0]


def peer_rate() -> tuple[float, int, str]:
    """(test cases per second, test cases, note) of Schemathesis via ``generator.sandbox.peer``."""
    command = [sys.executable, "-m", "generator.sandbox.peer", "--max-examples", str(PEER_EXAMPLES)]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, timeout=600)
    cases = re.search(r"(\d+) generated", run.stdout)
    seconds = re.search(r" in ([0-9.]+)s =+\s*$", run.stdout.strip())
    if run.returncode != 0 or cases is None or seconds is None:
        tail = (run.stdout + run.stderr).strip().splitlines()[-3:]
        return 0.0, 0, f"schemathesis failed (exit {run.returncode}): {tail}"
    return int(cases.group(1)) / float(seconds.group(1)), int(cases.group(1)), f"{seconds.group(1)} s reported"


def run() -> list[Result]:
    """Measure the three rates (see the module docstring)."""
    _profile()
    offline, offline_n = offline_rate()
    live, live_n = live_rate()
    peer, peer_n, peer_note = peer_rate()
    ratio = f"; {live / peer:.2f}x Schemathesis' rate" if peer else ""
    unit, target = "ex/s", "info"
    return [
        Result("conformance offline (request/response/retry)", offline, unit, target, None, f"{offline_n} examples"),
        Result("conformance live vs sandbox (server_response)", live, unit, target, None, f"{live_n} requests{ratio}"),
        Result("schemathesis vs sandbox (conformance-peer)", peer, unit, target, None, f"{peer_n} cases, {peer_note}"),
    ]
