"""Conformance suite: examples per second offline and live, beside Schemathesis against the same sandbox.

- offline: ``request_conformance``, ``response_conformance`` and ``retry_conformance`` for every
  operation (respx, time patched), :data:`OFFLINE_EXAMPLES` examples each; the check functions of
  the suite's library modules (``conformance_tests/*_checks.py``), never its test modules;
- live: ``server_response_conformance`` against the bundled sandbox on a loopback port (one
  request per example, response validated against the spec), :data:`LIVE_EXAMPLES` per operation,
  in :data:`LIVE_WORKERS` processes against the one sandbox (each every n-th operation);
- peer: ``make conformance-peer`` (Schemathesis, all checks, phases examples/coverage/fuzzing)
  against a sandbox with the same configuration (``check_responses``), ``--workers``
  :data:`LIVE_WORKERS` (its threads); its own count of test cases divided by its own reported run
  time (both exclude process start-up, as ours do).

Both exclude process start-up (ours: the client package, the suite and the sandbox are imported
before the clock starts). Ours runs once before the peer and once after it, and its rate is both
runs' examples over both runs' time: the peer's run takes a minute or two, ours seconds, so on a
shared machine one short run of ours would catch whatever load happened to be there. Target
(issue 11, target 6): the live rate at least :data:`LIVE_TARGET` times Schemathesis' (installed
pinned into its own virtual environment, :mod:`benchmarks._peers`).
The offline rate is informational: it shows what a CI minute buys.
"""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks._common import ROOT, Result, compare, load_average
from benchmarks._peers import SCHEMATHESIS

OFFLINE_EXAMPLES = 50
#: Live examples per operation: the suite's cap (``conformance_tests.live.LIVE_MAX_EXAMPLES``).
LIVE_EXAMPLES = 30
PEER_EXAMPLES = 30
LIVE_TARGET = 1.5
#: Workers on each side of the live measure: our suite's processes against the one sandbox, each
#: every n-th operation (as ``pytest -n 2 --dist load --live --base-url URL`` spreads the live
#: tests), and Schemathesis' ``--workers`` (threads of its one process, the only way it runs
#: several). Two each: on this 2-core machine our processes can use both cores while
#: Schemathesis' threads share one interpreter lock. Measured back to back, shared with other
#: work: two each 1.86x at a load of 3 to 4, 1.37x and 1.07x at 4 to 8; one each 1.37x at 3,
#: 1.42x to 1.47x at 4 to 7 (under load both sides get the CPU share the load leaves, and the
#: ratio tends to the ratio of CPU per example, about 1.4x).
LIVE_WORKERS = 2


def _counting(module: Any, name: str, counter: list[int]) -> Callable[[], None]:
    """Wrap ``module.name`` so each call adds one to ``counter[0]``; returns the undo function."""
    original = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return original(*args, **kwargs)

    setattr(module, name, counted)
    return lambda: setattr(module, name, original)


def _bench_settings() -> settings:
    """Derandomized, :data:`OFFLINE_EXAMPLES` examples per check, no health checks; also the default
    profile while the benchmark runs (the live checks cap the default at their own limit)."""
    return settings(
        max_examples=OFFLINE_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def _run(check: Callable[[Any, st.DataObject], None], cop: Any, counter: list[int]) -> None:
    """Run ``check(cop, data)`` as a Hypothesis property with the bench settings; count the examples."""

    @_bench_settings()
    @given(data=st.data())
    def prop(data: st.DataObject) -> None:
        counter[0] += 1
        check(cop, data)

    prop()


def offline_rate() -> tuple[float, int]:
    """(examples per second, examples) of the offline request/response/retry properties."""
    from conformance_tests import request_checks, response_checks, retry_checks
    from conformance_tests.adapter import all_operations

    counter = [0]
    start = time.perf_counter()
    for cop in all_operations():
        _run(request_checks.request_conformance, cop, counter)
        _run(response_checks.response_conformance, cop, counter)
        _run(retry_checks.retry_conformance, cop, counter)
    return counter[0] / (time.perf_counter() - start), counter[0]


def live_rate(workers: int = LIVE_WORKERS) -> tuple[float, int]:
    """(examples per second, examples) of ``server_response_conformance`` against the sandbox.

    As for the peer, the sandbox serves from this process and the suite runs in others
    (:func:`live_child`), so none shares an interpreter lock with it: the ids of the resources the
    sandbox stores are handed over, as ``generator.sandbox.peer`` hands them to Schemathesis.
    ``workers`` processes each take every ``workers``-th operation; each has imported everything
    and says ``ready`` before any starts, and the rate is all their examples over the time from the
    first start to the last end (``time.monotonic``: one clock for every process)."""
    from conformance_tests.adapter import all_operations
    from conformance_tests.live import sandbox_target

    targets = sandbox_target()
    target = next(targets)
    children: list[subprocess.Popen[str]] = []
    try:
        ids = {cop.spec.operation_id: target.stored_ids(cop) for cop in all_operations()}
        command = [sys.executable, "-m", "benchmarks.bench_conformance", "--live-child"]
        for shard in range(workers):
            order = {"base_url": target.base_url, "secrets": target.secrets, "ids": ids, "shard": [shard, workers]}
            child = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
            )
            children.append(child)
            assert child.stdin is not None
            child.stdin.write(json.dumps(order) + "\n")
            child.stdin.flush()
        for child in children:
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a live child did not start: {child.communicate()[1][-2000:]}")
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = []
        for child in children:
            out, err = child.communicate(timeout=1200)
            if child.returncode != 0:
                raise RuntimeError(f"the live run failed (exit {child.returncode}): {err[-2000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
        targets.close()
    count = sum(int(n) for n, _, _ in results)
    elapsed = max(end for _, _, end in results) - min(start for _, start, _ in results)
    return count / elapsed, count


def live_child() -> None:
    """The suite's side of :func:`live_rate`: reads ``{base_url, secrets, ids, shard: [k, n]}`` (a
    line of JSON) from stdin, imports what the suite imports, prints ``ready``, and on the next
    line of stdin runs ``server_response_conformance`` on every ``n``-th operation from the
    ``k``-th; prints ``[examples, start, end]`` (``time.monotonic``)."""
    from conformance_tests import live_checks
    from conformance_tests.adapter import all_operations
    from conformance_tests.live import LiveTarget

    order = json.loads(sys.stdin.readline())
    settings.register_profile("bench", _bench_settings())
    settings.load_profile("bench")
    warm_up()
    shard, shards = order["shard"]
    cops = all_operations()[shard::shards]

    class Target(LiveTarget):
        def stored_ids(self, cop: Any) -> list[str]:
            return list(order["ids"].get(cop.spec.operation_id, []))

    target = Target(base_url=order["base_url"], secrets=order["secrets"], unsafe=True)
    counter = [0]
    undo = _counting(live_checks, "send", counter)
    gc.freeze()  # as the suite does once collected (conformance_tests/conftest.py)
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        start = time.monotonic()
        for cop in cops:
            live_checks.server_response_conformance(cop, target)
        end = time.monotonic()
    finally:
        undo()
    print(json.dumps([counter[0], start, end]))


def peer_rate(workers: int = LIVE_WORKERS) -> tuple[float, int, str]:
    """(test cases per second, test cases, note) of Schemathesis via ``generator.sandbox.peer``
    with ``--workers workers``."""
    try:
        st = SCHEMATHESIS.install()
    except RuntimeError as exc:
        return 0.0, 0, str(exc)
    command = [sys.executable, "-m", "generator.sandbox.peer", "--max-examples", str(PEER_EXAMPLES), "--st", str(st)]
    command += ["--workers", str(workers)]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, timeout=600)
    cases = re.search(r"(\d+) generated", run.stdout)
    seconds = re.search(r" in ([0-9.]+)s =+\s*$", run.stdout.strip())
    if run.returncode != 0 or cases is None or seconds is None:
        tail = (run.stdout + run.stderr).strip().splitlines()[-3:]
        return 0.0, 0, f"schemathesis failed (exit {run.returncode}): {tail}"
    return int(cases.group(1)) / float(seconds.group(1)), int(cases.group(1)), f"{seconds.group(1)} s reported"


def warm_up() -> None:
    """Import what the suite and the sandbox import (process start-up, outside the timings)."""
    import recall_client
    import recall_client.models  # noqa: F401

    from conformance_tests import live_checks, request_checks, response_checks, retry_checks  # noqa: F401
    from generator.sandbox import start_sandbox  # noqa: F401


def run() -> list[Result]:
    """Measure the three rates (see the module docstring)."""
    settings.register_profile("bench", _bench_settings())
    settings.load_profile("bench")
    warm_up()
    offline, offline_n = offline_rate()
    before, before_n = live_rate()  # ours before and after the peer: the machine's load moves
    peer, peer_n, peer_note = peer_rate()
    after, after_n = live_rate()
    live_n = before_n + after_n
    live = live_n / (before_n / before + after_n / after)
    name = SCHEMATHESIS.requirement.replace("==", " ")
    return [
        Result("conformance offline (request/response/retry)", offline, "ex/s", "info", None, f"{offline_n} examples"),
        compare("conformance live vs sandbox (server_response), examples/s", live, peer, "ex/s", peer_name=name,
                at_least=LIVE_TARGET,
                note=f"ours: {live_n} requests, a run before the peer ({before:.0f}/s) and one after ({after:.0f}/s), "
                     f"{LIVE_WORKERS} processes against the one sandbox, each 1/{LIVE_WORKERS} of the operations; "
                     f"peer: {peer_n} cases, --workers {LIVE_WORKERS} (threads), {peer_note}; {load_average()}"),
    ]  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:] == ["--live-child"]:
        live_child()
