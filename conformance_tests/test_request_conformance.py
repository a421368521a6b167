"""request_conformance and path_encoding_conformance for every operation (checks in
:mod:`conformance_tests.request_checks`)."""

from __future__ import annotations

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from conformance_tests.adapter import ClientOperation, all_operations, credential_arguments, invoke
from conformance_tests.arguments import minimal_call
from conformance_tests.request_checks import (
    BASE,
    SECRETS,
    TLS,
    path_encoding_conformance,
    request_conformance,
)

OPS = all_operations()
PATH_OPS = [c for c in OPS if c.path_params]


@pytest.mark.conformance("request_conformance", subject="cop")
@pytest.mark.parametrize("cop", OPS, ids=[c.spec.operation_id for c in OPS])
@given(data=st.data())
def test_request_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """Valid arguments -> a request the spec accepts (sync or async client)."""
    request_conformance(cop, data)


@pytest.mark.conformance("path_encoding_conformance", subject="cop")
@pytest.mark.parametrize("cop", PATH_OPS, ids=[c.spec.operation_id for c in PATH_OPS])
@given(data=st.data())
def test_path_encoding_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """Ids with '/', '?', '#', '%', spaces or non-ASCII stay one percent-encoded segment that decodes back."""
    path_encoding_conformance(cop, data)


def test_every_operation_is_reachable() -> None:
    """The adapter found a client method for every operation (the naming rule holds)."""
    from recall_client import AsyncRecallClient, RecallClient

    assert OPS, "the spec has no operations"
    for client in (RecallClient(api_key="k", base_url=BASE), AsyncRecallClient(api_key="k", base_url=BASE)):
        for cop in OPS:
            for raw in (False, True):
                root = client.with_raw_response if raw else client
                assert callable(getattr(getattr(root, cop.group, None), cop.method, None)), cop.label


@pytest.mark.conformance("path_encoding_conformance", subject="cop")
@pytest.mark.parametrize("cop", PATH_OPS, ids=[c.spec.operation_id for c in PATH_OPS])
@pytest.mark.parametrize("value", ["", ".", ".."])
def test_dot_segments_are_refused(cop: ClientOperation, value: str) -> None:
    """Empty, ``.`` and ``..`` ids would address another resource (RFC 3986 section 5.2.4): refused, nothing sent."""
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.route().respond(200)
        from recall_client import RecallClient

        call = minimal_call(cop, value)  # the required arguments too, so that only the path can be refused
        with httpx.Client(verify=TLS) as http, pytest.raises(ValueError):
            invoke(RecallClient(http_client=http, **credential_arguments(SECRETS), base_url=BASE), cop, call)
    assert route.call_count == 0, f"{cop.spec.operation_id}: path_encoding_conformance: {value!r} was sent"
