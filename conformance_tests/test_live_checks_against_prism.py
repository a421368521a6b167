"""The live checks against Stoplight Prism serving the same spec: a server that is wrong in known ways.

Prism (``prism mock spec/openapi.yaml``, static examples; :mod:`conformance_tests.prism`) answers
every valid request with the documented example, refuses a request without credentials with 401,
but accepts any API key, never throttles and never replays. So, run as a ``--base-url
--live-unsafe`` server (a subprocess ``pytest conformance_tests -m live``, JUnit XML):

| check | verdict | why |
| --- | --- | --- |
| ``server_response_conformance`` | passed | its examples are documented and schema-valid |
| ``auth_conformance`` | failed | wrong credentials -> the success status (a valid request otherwise) |
| ``rate_limit_conformance`` | failed | no 429 after ``limit + 1`` requests |
| ``idempotency_conformance`` | skipped | inconclusive: every request gets the same answer |
| ``client_rate_limit_conformance`` | skipped | needs the sandbox (a server reading the client's clock) |

The verdicts are the same for every operation, so Prism gets a sample of the whole API: one
operation for each combination of method, credentials, rate-limit scope and item-or-collection path
(:func:`sample`, 17 of the 118 operations), each check run on them by node id. Skipped with the
reason when npm/node or the npm registry is unavailable. About 20 to 40 s once Prism is installed (the
install, about 10 s, is cached across runs); 10 examples per check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance_tests import prism, speclib
from conformance_tests.adapter import client_operation
from conformance_tests.speclib import OperationSpec

LIVE_TESTS = "conformance_tests/test_live_conformance.py"
EXPECTED = {
    "server_response_conformance": ("passed", ""),
    "auth_conformance": ("failed", "wrong credentials -> {success}"),
    "rate_limit_conformance": ("failed", "no 429 after"),
    "idempotency_conformance": ("skipped", "inconclusive"),
    "client_rate_limit_conformance": ("skipped", "needs the sandbox"),
}


def verdicts(junit: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(check, operationId) -> (passed/failed/skipped, message) from the suite's JUnit report."""
    found = {}
    for case in ET.parse(junit).iter("testcase"):
        props = {p.get("name"): p.get("value") or "" for p in case.iter("property")}
        if "conformance_check" not in props:
            continue
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = "skipped" if child.tag == "skipped" else "failed"
                message = child.get("message") or ""
        found[(props["conformance_check"], props["conformance_subject"])] = (outcome, message)
    return found


def sample() -> list[OperationSpec]:
    """The first operation (by operationId) of each kind: method, security schemes, rate-limit
    scope (or none), and whether the path addresses one resource."""
    kinds: dict[tuple[str, ...], OperationSpec] = {}
    for op in speclib.operations():
        schemes = sorted({scheme.name for alternative in op.security for scheme in alternative})
        scope = op.rate_limit.scope if op.rate_limit is not None else "-"
        kinds.setdefault((op.method, *schemes, scope, str("{" in op.path)), op)
    return sorted(kinds.values(), key=lambda op: op.operation_id)


def expected_verdicts(ops: list[OperationSpec]) -> dict[tuple[str, str], tuple[str, str]]:
    """(check, operationId) -> (verdict, reason) for the checks that apply to each operation (the
    parametrization of ``test_live_conformance.py``)."""
    out = {}
    for op in ops:
        for check, (verdict, reason) in EXPECTED.items():
            if check in ("rate_limit_conformance", "client_rate_limit_conformance") and op.rate_limit is None:
                continue
            if check == "idempotency_conformance" and not client_operation(op).idempotent:
                continue
            out[(check, op.operation_id)] = (verdict, reason.format(success=op.success_status))
    return out


def test_live_checks_fail_prism_where_it_is_wrong(tmp_path: Path) -> None:
    try:
        executable = prism.install()
    except prism.PrismUnavailable as exc:
        pytest.skip(f"Prism unavailable: {exc}")
    junit = tmp_path / "prism-junit.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "RECALL_"))}
    env |= {"RECALL_API_KEY": "any-key", "RECALL_CALENDAR_TOKEN": "any-token", "HYPOTHESIS_PROFILE": "ci"}
    env["HYPOTHESIS_MAX_EXAMPLES"] = "10"  # enough to see each verdict; rate limits still take limit + 1
    expected = expected_verdicts(sample())
    nodes = [f"{LIVE_TESTS}::test_{check}[{op}]" for check, op in sorted(expected)]
    with prism.serve(speclib.SPEC, executable, tmp_path / "prism.log") as base_url:
        command = [sys.executable, "-m", "pytest", *nodes, "-m", "live", "--live", "--live-unsafe"]
        command += ["--base-url", base_url, "-p", "no:cacheprovider", "-q", f"--junitxml={junit}"]
        run = subprocess.run(command, cwd=speclib.ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert junit.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    found = verdicts(junit)
    assert sorted(found) == sorted(expected), run.stdout[-3000:]
    wrong = {
        key: found[key]
        for key, (outcome, reason) in expected.items()
        if found[key][0] != outcome or reason not in found[key][1]
    }
    assert not wrong, f"unexpected verdicts against Prism: {wrong}"
    assert run.returncode == 1  # pytest: some tests failed
