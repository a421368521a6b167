"""What the client makes of every response the spec allows (respx), as check functions.

- :func:`response_conformance`: a valid body drawn from the success schema parses to the type the
  README promises (the model named by the ``$ref``, ``list[...]`` for arrays, ``None`` without a
  body) and the model's dump is valid against the same schema with no field lost or invented;
- :func:`error_status_conformance`: every documented error status raises its exception class
  (generated/README.md "Errors"), carrying the status, the parsed body and ``Retry-After``
  (``errors`` page).

The retry policy is checked in :mod:`conformance_tests.retry_checks`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import respx
from hypothesis import note
from hypothesis import strategies as st

from conformance_tests import speclib
from conformance_tests.adapter import (
    ERROR_CLASSES,
    ClientOperation,
    ainvoke,
    documented_statuses,
    invoke,
    response_schema,
    result_model_name,
)
from conformance_tests.arguments import minimal_call, success_bodies
from conformance_tests.request_checks import BASE, TLS


@contextlib.contextmanager
def sync_client(**options: Any) -> Iterator[Any]:
    """A sync client on a pool of its own (closed afterwards), client-side rate limiting off, responses
    validated strictly (the suite judges the client against the spec: ``strict_responses=True``)."""
    from recall_client import RecallClient

    options.setdefault("strict_responses", True)
    with httpx.Client(verify=TLS) as http:
        yield RecallClient(
            base_url=BASE, api_key="k", calendar_auth_token="t", rate_limit=False, http_client=http, **options
        )


def raw_call(cop: ClientOperation, replies: list[httpx.Response | Exception], **options: Any) -> Any:
    """Call ``cop`` once (sync, raw) against ``replies``; returns (APIResponse or exception, route)."""
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        route = router.route().mock(side_effect=replies)
        try:
            with sync_client(**options) as client:
                outcome: Any = invoke(client, cop, minimal_call(cop), raw=True)
        except Exception as exc:  # the error under test
            outcome = exc
    return outcome, route


def assert_parsed_conforms(cop: ClientOperation, body: Any, result: Any) -> None:
    """``result`` has the type the spec names and dumps back to a schema-valid body."""
    from recall_client import models

    where = f"{cop.spec.operation_id}: response_conformance"
    schema = cop.spec.success_schema
    kind, name = result_model_name(schema)
    if kind == "none":
        assert result is None, f"{where}: a response without body parsed to {result!r}, README says None"
        return
    assert schema is not None
    if kind == "model":
        model = getattr(models, name or "")
        assert type(result) is model, f"{where}: parsed to {type(result).__name__}, spec names {name}"
        dumped: Any = result.model_dump(mode="json", by_alias=True, exclude_unset=True)
        assert set(dumped) == set(body), f"{where}: fields lost/invented: {set(dumped) ^ set(body)}"
    elif kind == "list":
        assert isinstance(result, list) and len(result) == len(body), f"{where}: expected a list of {len(body)}"
        if name is not None:
            model = getattr(models, name)
            bad = [type(item).__name__ for item in result if type(item) is not model]
            assert not bad, f"{where}: list items parsed to {bad}, spec names {name}"
        dumped = [item.model_dump(mode="json", by_alias=True, exclude_unset=True) for item in result]
        for item, sent in zip(dumped, body, strict=True):
            assert set(item) == set(sent), f"{where}: fields lost/invented in an item: {set(item) ^ set(sent)}"
    else:
        dumped = result
    assert speclib.is_valid(dumped, schema), f"{where}: the dump fails the schema: {speclib.errors(dumped, schema)}"


def response_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """A valid success body parses to the declared type; its dump is valid again (sync or async)."""
    status, schema = cop.spec.success_status, cop.spec.success_schema
    body = data.draw(success_bodies(schema), label="success body")
    assert schema is None or speclib.is_valid(body, schema), speclib.errors(body, schema) if schema else body
    use_async = data.draw(st.booleans(), label="async client")
    note(f"operation {cop.spec.operation_id}: {status} {json.dumps(body)[:2000]}")
    reply = httpx.Response(status, json=body) if schema is not None else httpx.Response(status)
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.route().mock(return_value=reply)
        if use_async:
            from recall_client import AsyncRecallClient

            async def run() -> Any:
                async with httpx.AsyncClient(verify=TLS) as http:
                    client = AsyncRecallClient(
                        base_url=BASE, api_key="k", calendar_auth_token="t", http_client=http,
                        rate_limit=False, strict_responses=True,
                    )  # fmt: skip
                    return await ainvoke(client, cop, minimal_call(cop))

            result = asyncio.run(run())
        else:
            with sync_client() as client:
                result = invoke(client, cop, minimal_call(cop))
    assert_parsed_conforms(cop, body, result)


def error_cases(cop: ClientOperation) -> list[int]:
    """The error statuses ``cop`` documents."""
    return sorted(s for s in documented_statuses(cop.spec) if s >= 400)


def error_status_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """Each documented error status raises its class with status, body and Retry-After (one attempt)."""
    import recall_client

    status = data.draw(st.sampled_from(error_cases(cop)), label="status")
    html = response_schema(cop.spec, status, "text/html") is not None and data.draw(st.booleans(), label="html")
    headers = {"x-request-id": data.draw(st.uuids().map(str), label="request id")}
    if status == 429:
        headers["Retry-After"] = str(data.draw(st.integers(0, 3600), label="Retry-After"))
    body: Any
    if html:
        text = data.draw(st.text(st.characters(codec="ascii", min_codepoint=32)), label="html text")
        body = f"<html><body>{text}</body></html>"  # the WAF's block page (Forbidden: "the body may be HTML")
        reply = httpx.Response(status, text=body, headers={**headers, "content-type": "text/html"})
    else:
        schema = response_schema(cop.spec, status)
        assert schema is not None, f"{cop.spec.operation_id}: {status} declares no JSON body"
        body = data.draw(success_bodies(schema), label="error body")
        assert speclib.is_valid(body, schema), speclib.errors(body, schema)  # the judge first
        reply = httpx.Response(status, json=body, headers=headers)
    note(f"operation {cop.spec.operation_id}: {status} {body!r}")
    outcome, route = raw_call(cop, [reply], max_retries=0)
    where = f"{cop.spec.operation_id}: error_status_conformance: {status}"
    expected = getattr(recall_client, ERROR_CLASSES[status])
    assert type(outcome) is expected, f"{where}: raised {type(outcome).__name__}, README says {expected.__name__}"
    assert outcome.status_code == status and route.call_count == 1, where
    assert outcome.body == body, f"{where}: body {outcome.body!r} is not the body sent"
    assert outcome.request_id == headers["x-request-id"], f"{where}: request_id"
    if status == 429:
        assert outcome.retry_after == float(headers["Retry-After"]), f"{where}: retry_after"
