"""request_conformance: valid arguments make the client send a request the spec accepts (respx).

respx captures each request (sync and async clients); the judge is the spec: method and path
template, percent-encoded path parameters that decode to the arguments (RFC 3986 section 2.1),
parameters valid against their schemas, query parameters sent as given (lists exploded, one pair
per item in order: style ``form``, the OpenAPI default), the credential headers the operation's ``security``
requires and no others, each in its scheme's credential format (``authentication`` page), an
``Idempotency-Key`` on POST/PUT/PATCH valid against its parameter schema and equal to the caller's
key when one is given (``idempotency`` page), and a JSON body valid against the requestBody schema
that carries exactly the arguments.

The checks are functions of a drawn :class:`hypothesis.strategies.DataObject`
(:func:`request_conformance`, :func:`path_encoding_conformance`), run by
``test_request_conformance.py`` and by ``benchmarks/bench_conformance.py``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import ssl
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote

import httpx
import respx
from hypothesis import note
from hypothesis import strategies as st

from conformance_tests import speclib
from conformance_tests.adapter import (
    Call,
    ClientOperation,
    ainvoke,
    credential_arguments,
    idempotency_schema,
    invoke,
    scheme_headers,
    security_headers,
)
from conformance_tests.arguments import calls, path_text
from conformance_tests.instances import instance
from generator.spec.rules import UNSAFE_METHODS

BASE = "https://conformance.example.com"
SECRETS = {"RecallApiKey": "test-api-key-1", "CalendarAuthToken": "test-calendar-token-2"}
_SEGMENT = r"([^/?#]+)"
#: One TLS context for every client (building one per client costs ~60 ms).
TLS = ssl.create_default_context()


def template_regex(path: str) -> re.Pattern[str]:
    """The raw path a request for ``path`` may have: each ``{param}`` one non-empty segment."""
    parts = re.split(r"\{[^{}]+\}", path)
    return re.compile("^" + _SEGMENT.join(re.escape(p) for p in parts) + "$")


@functools.cache
def _success_body(operation_id: str) -> tuple[int, bytes | None]:
    op = next(o for o in speclib.operations() if o.operation_id == operation_id)
    schema = op.success_schema
    body = None if schema is None else json.dumps(instance(schema.node, speclib.resolve)).encode()
    return op.success_status, body


def success_reply(cop: ClientOperation) -> httpx.Response:
    """A documented success response (a deterministic valid body) so the call completes."""
    status, content = _success_body(cop.spec.operation_id)
    if content is None:
        return httpx.Response(status)
    return httpx.Response(status, content=content, headers={"content-type": "application/json"})


def send(cop: ClientOperation, call: Call, use_async: bool) -> httpx.Request:
    """Call the operation through the client against respx; returns the one request sent."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return success_reply(cop)

    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.route().mock(side_effect=handler)
        options = {
            "base_url": BASE,
            "max_retries": 0,
            "rate_limit": False,
            "strict_responses": True,
            **credential_arguments(SECRETS),
        }
        if use_async:
            from recall_client import AsyncRecallClient

            async def run() -> None:
                async with httpx.AsyncClient(verify=TLS) as http:
                    await ainvoke(AsyncRecallClient(http_client=http, **options), cop, call)

            asyncio.run(run())
        else:
            from recall_client import RecallClient

            with httpx.Client(verify=TLS) as http:
                invoke(RecallClient(http_client=http, **options), cop, call)
    assert len(sent) == 1, f"{cop.spec.operation_id}: expected one request, {len(sent)} sent"
    return sent[0]


def assert_request_conforms(cop: ClientOperation, call: Call, request: httpx.Request, spec_values: bool) -> None:
    """Every property of the module docstring; ``spec_values``: the path arguments are schema-valid."""
    op = cop.spec
    where = f"{op.operation_id}: request_conformance"
    assert request.method == cop.http_method, f"{where}: method {request.method}, spec says {cop.http_method}"
    raw_path = request.url.raw_path.decode("ascii").split("?", 1)[0]
    matched = template_regex(op.path).match(raw_path)
    assert matched, f"{where}: path {raw_path!r} does not fit {op.path!r} (unencoded '/', '?' or '#'?)"
    for param, segment in zip(cop.path_params, matched.groups(), strict=True):
        assert re.fullmatch(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-F]{2})+", segment), (
            f"{where}: path segment {segment!r} of {param.name} is not RFC 3986 pchar/percent-encoded"
        )
        decoded = unquote(segment, errors="strict")
        expected = path_text(call.path[param.name])
        assert decoded == expected, f"{where}: path parameter {param.name} decodes to {decoded!r}, sent {expected!r}"
        declared = op.param("path", param.name)
        if spec_values and declared is not None and declared.schema is not None:
            assert speclib.is_valid(decoded, declared.schema), f"{where}: {param.name}={decoded!r}"
    query = dict(parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True))
    documented_query = {p.name for p in cop.keyword_params if p.location == "query"}
    assert set(query) <= documented_query, f"{where}: undocumented query parameters {set(query) - documented_query}"
    repeated = parse_qs(request.url.query.decode("ascii"), keep_blank_values=True)
    for param in cop.keyword_params:
        if param.location == "query" and param.name in call.keywords:
            value = call.keywords[param.name]
            if isinstance(value, list):  # style form, exploded (the OpenAPI default): one pair per item
                sent = repeated.get(param.name, [])
                strings = [(s, v) for s, v in zip(sent, value, strict=False) if isinstance(v, str)]
                same = len(sent) == len(value) and all(s == v for s, v in strings)
                assert same, f"{where}: query parameter {param.name}: {sent!r} sent for {value!r}"
            else:
                assert param.name in query, f"{where}: query parameter {param.name} was not sent"
    headers = request.headers
    expected_auth = security_headers(op, SECRETS)
    assert expected_auth is not None, f"{where}: the test's secrets cannot satisfy the security requirement"
    for name, value in expected_auth.items():
        assert headers.get(name) == value, f"{where}: header {name}={headers.get(name)!r}, spec requires {value!r}"
    for name in scheme_headers() - set(expected_auth):
        assert name not in headers, f"{where}: credential header {name} sent although security does not require it"
    key = headers.get("idempotency-key")
    if cop.http_method in UNSAFE_METHODS and cop.idempotent:
        assert key is not None, f"{where}: no Idempotency-Key on {cop.http_method}"
        assert speclib.is_valid(key, idempotency_schema()), f"{where}: Idempotency-Key {key!r} fails its schema"
        if call.idempotency_key is not None:
            assert key == call.idempotency_key, (
                f"{where}: Idempotency-Key {key!r}, caller gave {call.idempotency_key!r}"
            )
    elif cop.http_method not in UNSAFE_METHODS:
        assert key is None, f"{where}: Idempotency-Key on a {cop.http_method}"
    assert_body_conforms(cop, call, request, where)


def assert_body_conforms(cop: ClientOperation, call: Call, request: httpx.Request, where: str) -> None:
    """The body is JSON valid against the requestBody schema and carries exactly the arguments."""
    schema = cop.spec.request_schema_ref
    content = request.content
    if schema is None or not content:
        assert not content, f"{where}: a body was sent for an operation without requestBody"
        required = cop.spec.request_body is not None and cop.spec.request_body.required
        assert not required, f"{where}: the requestBody is required but none was sent"
        assert cop.body_kind != "value" or call.body is None, f"{where}: the body argument was not sent"
        assert not call.body, f"{where}: body arguments {call.body!r} were not sent"
        return
    assert request.headers.get("content-type", "").split(";")[0] == "application/json", f"{where}: content-type"
    body = json.loads(content)
    assert speclib.is_valid(body, schema), f"{where}: body fails the requestBody schema: {speclib.errors(body, schema)}"
    expected: Any = call.body if call.body is not None else {}
    assert body == expected, f"{where}: body {body!r} is not the arguments {expected!r}"


def request_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """Valid arguments -> a request the spec accepts (sync or async client)."""
    call = data.draw(calls(cop), label="call")
    use_async = data.draw(st.booleans(), label="async client")
    note(f"operation {cop.spec.operation_id} ({cop.label}); call {call!r}")
    assert_request_conforms(cop, call, send(cop, call, use_async), spec_values=True)


def path_encoding_conformance(cop: ClientOperation, data: st.DataObject) -> None:
    """Ids with '/', '?', '#', '%', spaces or non-ASCII stay one percent-encoded segment that decodes back."""
    call = data.draw(calls(cop, awkward=True), label="call")
    note(f"operation {cop.spec.operation_id}; path {call.path!r}")
    assert_request_conforms(cop, call, send(cop, call, use_async=False), spec_values=False)
