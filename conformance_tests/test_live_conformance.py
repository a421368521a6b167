"""Live checks against a server (checks in :mod:`conformance_tests.live_checks`).

Run with ``pytest conformance_tests --live [--base-url URL] [--live-unsafe]``; skipped otherwise.
"""

from __future__ import annotations

import pytest

from conformance_tests.adapter import ClientOperation, all_operations
from conformance_tests.live import LiveTarget
from conformance_tests.live_checks import (
    auth_conformance,
    client_rate_limit_conformance,
    idempotency_conformance,
    rate_limit_conformance,
    server_response_conformance,
)

pytestmark = pytest.mark.live
OPS = all_operations()
IDEMPOTENT = [c for c in OPS if c.idempotent]
RATE_LIMITED = [c for c in OPS if c.spec.rate_limit is not None]


def _ids(cops: list[ClientOperation]) -> list[str]:
    return [c.spec.operation_id for c in cops]


@pytest.mark.conformance("server_response_conformance", subject="cop")
@pytest.mark.parametrize("cop", OPS, ids=_ids(OPS))
def test_server_response_conformance(cop: ClientOperation, live_target: LiveTarget) -> None:
    """Valid arguments (stored ids and random ones) -> documented status, schema-valid body."""
    server_response_conformance(cop, live_target)


@pytest.mark.conformance("auth_conformance", subject="cop")
@pytest.mark.parametrize("cop", OPS, ids=_ids(OPS))
def test_auth_conformance(cop: ClientOperation, live_target: LiveTarget) -> None:
    """Missing, wrong or incomplete credentials -> 401 with a schema-valid body."""
    auth_conformance(cop, live_target)


@pytest.mark.conformance("idempotency_conformance", subject="cop")
@pytest.mark.parametrize("cop", IDEMPOTENT, ids=_ids(IDEMPOTENT))
def test_idempotency_conformance(cop: ClientOperation, live_target: LiveTarget) -> None:
    """The same ``Idempotency-Key`` with another body -> the first response again (skipped as
    inconclusive on a server that answers every request alike)."""
    idempotency_conformance(cop, live_target)


@pytest.mark.conformance("rate_limit_conformance", subject="cop")
@pytest.mark.parametrize("cop", RATE_LIMITED, ids=_ids(RATE_LIMITED))
def test_rate_limit_conformance(cop: ClientOperation, live_target: LiveTarget) -> None:
    """``limit + 1`` requests within the period -> 429 with a valid ``Retry-After``."""
    rate_limit_conformance(cop, live_target)


@pytest.mark.conformance("client_rate_limit_conformance", subject="cop")
@pytest.mark.parametrize("cop", RATE_LIMITED, ids=_ids(RATE_LIMITED))
def test_client_rate_limit_conformance(cop: ClientOperation, live_target: LiveTarget) -> None:
    """``2 * limit`` requests through clients with their limiter on: no 429."""
    client_rate_limit_conformance(cop, live_target)
