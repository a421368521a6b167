"""The live checks against Stoplight Prism serving the same spec: a server that is wrong in known ways.

Prism (``prism mock spec/openapi.yaml``, static examples; :mod:`conformance_tests.prism`) answers
every valid request with the documented example, refuses a request without credentials with 401,
but accepts any API key, never throttles and never replays. So, run as a ``--base-url
--live-unsafe`` server (a subprocess ``pytest conformance_tests -m live``, JUnit XML):

| check | verdict | why |
| --- | --- | --- |
| ``server_response_conformance`` | passed | its examples are documented and schema-valid |
| ``auth_conformance`` | failed | wrong credentials -> 200 |
| ``rate_limit_conformance`` | failed | no 429 after ``limit + 1`` requests |
| ``idempotency_conformance`` | skipped | inconclusive: every request gets the same answer |
| ``client_rate_limit_conformance`` | skipped | needs the sandbox (a server reading the client's clock) |

Skipped with the reason when npm/node or the npm registry is unavailable. About 10 s once Prism is
installed (the install, about 10 s, is cached across runs); 10 examples per check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance_tests import prism, speclib

EXPECTED = {
    "server_response_conformance": ("passed", ""),
    "auth_conformance": ("failed", "wrong credentials -> 200"),
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


def test_live_checks_fail_prism_where_it_is_wrong(tmp_path: Path) -> None:
    try:
        executable = prism.install()
    except prism.PrismUnavailable as exc:
        pytest.skip(f"Prism unavailable: {exc}")
    junit = tmp_path / "prism-junit.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "RECALL_"))}
    env |= {"RECALL_API_KEY": "any-key", "RECALL_CALENDAR_TOKEN": "any-token", "HYPOTHESIS_PROFILE": "ci"}
    env["HYPOTHESIS_MAX_EXAMPLES"] = "10"  # enough to see each verdict; rate limits still take limit + 1
    with prism.serve(speclib.SPEC, executable, tmp_path / "prism.log") as base_url:
        command = [sys.executable, "-m", "pytest", "conformance_tests", "-m", "live", "--live", "--live-unsafe"]
        command += ["--base-url", base_url, "-p", "no:cacheprovider", "-q", f"--junitxml={junit}"]
        run = subprocess.run(command, cwd=speclib.ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert junit.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    found = verdicts(junit)
    operations = [op.operation_id for op in speclib.operations()]
    expected = {(check, op): verdict for check, verdict in EXPECTED.items() for op in operations}
    assert sorted(found) == sorted(expected), run.stdout[-3000:]
    wrong = {
        key: found[key]
        for key, (outcome, reason) in expected.items()
        if found[key][0] != outcome or reason not in found[key][1]
    }
    assert not wrong, f"unexpected verdicts against Prism: {wrong}"
    assert run.returncode == 1  # pytest: some tests failed
