"""Options and Hypothesis profiles shared by tests/ and conformance_tests/.

Profiles: ``ci`` (derandomized, bounded; the default, used by ``make test``) and
``thorough`` (``HYPOTHESIS_PROFILE=thorough``). ``HYPOTHESIS_MAX_EXAMPLES`` overrides the
``ci`` example count.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent
GENERATED = ROOT / "generated"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))  # the committed client package, importable without installing

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "25")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=_SUPPRESS,
    print_blob=True,
)
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=_SUPPRESS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance")
    group.addoption("--live", action="store_true", help="run the live checks against a server (the sandbox by default)")
    group.addoption(
        "--base-url",
        default=os.environ.get("RECALL_BASE_URL"),
        help="server for --live (default: start the bundled sandbox; env RECALL_BASE_URL)",
    )
    group.addoption(
        "--live-unsafe",
        action="store_true",
        help="with --base-url: also send writes, idempotency replays and rate-limit exhaustion (README)",
    )
