"""response_conformance, error_status_conformance, retry_conformance and unkeyed_retry_conformance
for every operation (checks in :mod:`conformance_tests.response_checks` and
:mod:`conformance_tests.retry_checks`; respx, the fake clock of :mod:`conformance_tests.fakes`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance_tests.adapter import ERROR_CLASSES, ClientOperation, all_operations
from conformance_tests.response_checks import error_cases, error_status_conformance, response_conformance
from conformance_tests.retry_checks import retry_conformance, unkeyed_retry_conformance
from generator.spec.rules import UNSAFE_METHODS

OPS = all_operations()
IDS = [c.spec.operation_id for c in OPS]
UNSAFE_OPS = [c for c in OPS if c.http_method in UNSAFE_METHODS]


@pytest.mark.conformance("response_conformance", subject="cop")
@pytest.mark.parametrize("cop", OPS, ids=IDS)
@given(data=st.data())
def test_response_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """A valid success body parses to the declared type; its dump is valid again (sync or async)."""
    response_conformance(cop, data)


def test_every_documented_error_status_has_a_class() -> None:
    """The README's error table covers every status the spec documents (a new status needs a class)."""
    import recall_client

    documented = {status for cop in OPS for status in error_cases(cop)}
    missing = documented - set(ERROR_CLASSES)
    assert not missing, f"statuses documented by the spec without an exception class in the README: {missing}"
    for status in documented:
        cls = getattr(recall_client, ERROR_CLASSES[status])
        assert issubclass(cls, recall_client.APIStatusError), ERROR_CLASSES[status]
        assert issubclass(cls, recall_client.ServerError) == (status >= 500), f"{cls.__name__}: 5xx is ServerError"


@pytest.mark.conformance("error_status_conformance", subject="cop")
@pytest.mark.parametrize("cop", OPS, ids=IDS)
@given(data=st.data())
def test_error_status_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """Each documented error status raises its class with status, body and Retry-After (one attempt)."""
    error_status_conformance(cop, data)


@pytest.mark.conformance("retry_conformance", subject="cop")
@pytest.mark.parametrize("cop", OPS, ids=IDS)
@given(data=st.data())
def test_retry_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """Random reply scripts: attempts, waits and idempotency keys follow the documented policy (sync or async)."""
    retry_conformance(cop, data)


@pytest.mark.conformance("unkeyed_retry_conformance", subject="cop")
@pytest.mark.parametrize("cop", UNSAFE_OPS, ids=[c.spec.operation_id for c in UNSAFE_OPS])
@given(data=st.data())
def test_unkeyed_unsafe_request_is_not_retried(cop: ClientOperation, data: st.DataObject) -> None:
    """A POST/PUT/PATCH sent without an Idempotency-Key is never retried (``idempotency`` page);
    with its key the same replies are retried."""
    unkeyed_retry_conformance(cop, data)
