"""Live checks: a server (the bundled sandbox, or ``--base-url``) answers as the spec says.

Requests go through the generated client (``max_retries=0``, so every status is seen; its rate
limiter on, so no check collects 429s by accident). Which checks reach a ``--base-url`` server is
decided by :class:`conformance_tests.live.LiveTarget` (README: safe traffic only by default).

- :func:`server_response_conformance`: valid arguments -> a documented status whose body (and
  declared headers) validate against the schema declared for that status; success bodies parse
  with the client as it parses by default (leniently: the spec is the one judge of a body, and
  that the client parses every schema-valid body strictly is :func:`response_conformance
  <conformance_tests.response_checks.response_conformance>`'s check);
- :func:`auth_conformance`: no credentials, or wrong ones, get 401 with a schema-valid body; so does
  a request missing one of several required credentials (``authentication`` page);
- :func:`rate_limit_conformance`: ``limit + 1`` requests within the period get 429 with a
  ``Retry-After`` valid against its header schema (``errors`` page);
- :func:`client_rate_limit_conformance`: the client with its limiter on sends ``2 * limit`` requests
  and none gets 429 (the limit holds against the server: a sliding window, shared by the clients
  of one credential);
- :func:`idempotency_conformance`: a second request with the same ``Idempotency-Key`` (and another
  body) gets the first response back (``idempotency`` page). "The replay equals the first response"
  also holds on a server that never replays but answers the same whatever it is sent (a stateless
  mock such as Prism): an example counts only when the second request under a fresh key is answered
  differently (the server reflects what it is sent); with no such example the check is skipped as
  inconclusive, never passed.

Each check skips (``pytest.skip``) when the target may not receive its traffic or lacks credentials.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, note, settings

from conformance_tests import speclib
from conformance_tests.adapter import (
    Call,
    ClientOperation,
    documented_statuses,
    invoke,
    response_headers,
    response_schema,
    scheme_names,
    security_headers,
)
from conformance_tests.arguments import calls, minimal_call
from conformance_tests.fakes import FakeTime
from conformance_tests.live import API_KEY_SCHEME, CALENDAR_SCHEME, LIVE_MAX_EXAMPLES, LiveTarget
from conformance_tests.request_checks import template_regex

#: Idempotency examples per operation (each sends three requests).
IDEMPOTENCY_EXAMPLES = 10


def live_settings(cap: int = LIVE_MAX_EXAMPLES, cop: ClientOperation | None = None, requests: int = 1) -> settings:
    """The active profile with at most ``cap`` examples (rate limits are per minute), and, for
    ``cop``, no more examples of ``requests`` requests each than its rate limit admits in one
    period (at least one): the client's limiter would otherwise wait out the period."""
    limit = cop.spec.rate_limit if cop is not None else None
    if limit is not None:
        cap = min(cap, max(1, limit.limit // requests))
    return settings(
        max_examples=min(settings.default.max_examples, cap),
        suppress_health_check=[*settings.default.suppress_health_check, HealthCheck.function_scoped_fixture],
    )


def require_secrets(target: LiveTarget, cop: ClientOperation, secrets: dict[str, str] | None = None) -> None:
    """Skip when the target's credentials cannot satisfy ``cop``'s security."""
    if security_headers(cop.spec, target.secrets if secrets is None else secrets) is None:
        pytest.skip(f"{cop.spec.operation_id}: no credentials for its security (RECALL_API_KEY/RECALL_CALENDAR_TOKEN)")


def require_unsafe(target: LiveTarget, cop: ClientOperation, what: str, always: bool = False) -> None:
    """Skip authenticated non-GET traffic (``always``: any traffic of this kind, e.g. rate-limit
    exhaustion) to a ``--base-url`` server without ``--live-unsafe``."""
    if not (target.unsafe if always else target.may_send(cop)):
        pytest.skip(f"{cop.spec.operation_id}: {what} is sent only to the sandbox or with --live-unsafe")


def send(client: Any, cop: ClientOperation, call: Call) -> httpx.Response:
    """Send ``call`` through the generated client; returns the HTTP response (success or error).

    A success body the client cannot parse fails the check (``ResponseValidationError``).
    """
    import recall_client

    try:
        raw = invoke(client, cop, call, raw=True)
    except recall_client.APIStatusError as exc:
        return exc.response
    raw.parse()
    return raw.http_response  # type: ignore[no-any-return]


def assert_server_response(cop: ClientOperation, response: httpx.Response, check: str) -> Any:
    """A documented status; body and declared headers valid for it. Returns the parsed JSON body."""
    op = cop.spec
    where = (
        f"{op.operation_id}: {check}: {response.request.method} {response.request.url.path} -> {response.status_code}"
    )
    assert response.status_code in documented_statuses(op), (
        f"{where}: status_code_conformance: undocumented status (documented: {sorted(documented_statuses(op))}); "
        f"body {response.text[:300]!r}"
    )
    for name, schema in response_headers(op, response.status_code).items():
        value = response.headers.get(name)
        assert value is not None, f"{where}: header {name} is declared for this status but missing"
        if schema is None:
            continue
        integer = "integer" in op.within.refs.types(schema.pointer)
        parsed: Any = int(value) if integer and value.strip().lstrip("-").isdigit() else value
        assert speclib.is_valid(parsed, schema), f"{where}: header {name}={value!r} fails {schema.node}"
    media = response.headers.get("content-type", "").split(";")[0].strip()
    json_schema = response_schema(op, response.status_code)
    if not response.content:
        assert json_schema is None, f"{where}: empty body, the spec declares a JSON body for this status"
        return None
    if media != "application/json":
        assert response_schema(op, response.status_code, media) is not None, f"{where}: undeclared media type {media}"
        return response.text
    assert json_schema is not None, f"{where}: a JSON body where the spec declares none"
    body = response.json()
    key = (id(op.within), json_schema.pointer, hashlib.blake2b(response.content, digest_size=16).digest())
    if key not in _VALID_BODIES:
        assert speclib.is_valid(body, json_schema, op.within), (
            f"{where}: response_schema_conformance: {speclib.errors(body, json_schema, op.within)}"
        )
        if len(_VALID_BODIES) >= VALID_BODIES_KEPT:
            _VALID_BODIES.clear()
        _VALID_BODIES.add(key)
    return body


#: How many verdicts :func:`assert_server_response` keeps (then it forgets them all and starts again).
VALID_BODIES_KEPT = 4096
#: (spec, schema pointer, digest of the body's bytes) of JSON bodies already judged valid: the same
#: bytes are the same JSON value, so their verdict for the same schema cannot change (a server
#: answers many requests with a body it sent before: a 404's ``Error``, a stored resource).
_VALID_BODIES: set[tuple[int, str, bytes]] = set()


def server_response_conformance(cop: ClientOperation, target: LiveTarget) -> None:
    """Valid arguments (stored ids and random ones) -> documented status, schema-valid body."""
    require_unsafe(target, cop, "a write")
    require_secrets(target, cop)
    ids = target.stored_ids(cop)
    with target.client(max_retries=0, strict_responses=False) as client:

        @live_settings(cop=cop)
        @given(call=calls(cop, ids=ids))
        def check(call: Call) -> None:
            note(f"operation {cop.spec.operation_id}")  # the call itself is the falsifying example Hypothesis prints
            response = send(client, cop, call)
            assert response.status_code != 429, f"{cop.spec.operation_id}: throttled although the client limits itself"
            assert_server_response(cop, response, "server_response_conformance")

        check()


def bare_request(target: LiveTarget, cop: ClientOperation, headers: dict[str, str]) -> httpx.Request:
    """The minimal valid request of ``cop`` (:func:`conformance_tests.arguments.minimal_call`, on a
    stored id when there is one) built without the client, with only ``headers`` as credentials (the
    client refuses to send without the credentials an operation needs): credentials are all it gets wrong."""
    ids = target.stored_ids(cop) or [str(uuid.UUID(int=0))]
    call = minimal_call(cop, ids[0])
    path = cop.spec.path
    for param in cop.path_params:
        path = path.replace("{" + param.name + "}", call.path[param.name])
    assert template_regex(cop.spec.path).match(path), path
    send_headers = {"Accept": "application/json", **headers}
    query: dict[str, Any] = {}
    for param in cop.keyword_params:  # required ones: scalars (httpx writes query lists exploded)
        if param.name in call.keywords and param.location == "query":
            query[param.name] = call.keywords[param.name]
        elif param.name in call.keywords:
            send_headers[param.name] = str(call.keywords[param.name])
    content = None
    if call.body is not None:
        content = json.dumps(call.body).encode()
        send_headers["Content-Type"] = "application/json"
    url = httpx.URL(target.base_url + path, params=query or None)
    return httpx.Request(cop.http_method, url, headers=send_headers, content=content)


def auth_probes(target: LiveTarget, cop: ClientOperation) -> list[tuple[str, dict[str, str]]]:
    """(label, credential headers) that must get 401; partial credentials only where writes are allowed."""
    wrong = security_headers(cop.spec, {name: "wrong-" + uuid.uuid4().hex for name in scheme_names()}) or {}
    probes: list[tuple[str, dict[str, str]]] = [("no credentials", {}), ("wrong credentials", wrong)]
    good = security_headers(cop.spec, target.secrets)
    if good and len(good) > 1 and target.may_send(cop):
        for missing in sorted(good):
            probes.append((f"without {missing}", {k: v for k, v in good.items() if k != missing}))
    return probes


def auth_conformance(cop: ClientOperation, target: LiveTarget) -> None:
    """Missing, wrong or incomplete credentials -> 401 with a schema-valid body; the client raises
    ``UnauthorizedError`` for a wrong key."""
    import recall_client

    if security_headers(cop.spec, {}) == {}:
        pytest.skip(f"{cop.spec.operation_id} needs no credentials")
    with httpx.Client(timeout=30.0) as http:
        for label, headers in auth_probes(target, cop):
            response = http.send(bare_request(target, cop, headers))
            assert response.status_code == 401, (
                f"{cop.spec.operation_id}: auth_conformance: {label} -> {response.status_code}"
            )
            assert_server_response(cop, response, f"auth_conformance ({label})")
    wrong = {name: "wrong-" + uuid.uuid4().hex for name in scheme_names()}
    with target.client(secrets=wrong, max_retries=0) as client:
        call = minimal_call(cop, str(uuid.UUID(int=0)))
        with pytest.raises(recall_client.UnauthorizedError) as info:
            invoke(client, cop, call)
    assert info.value.status_code == 401


def idempotency_conformance(cop: ClientOperation, target: LiveTarget) -> None:
    """The same ``Idempotency-Key`` with another body -> the first response again (status and body).

    Per example: the first call under key K; the second call under a fresh key (what the server
    answers it without a replay); the second call again under K (the replay). The replay must equal
    the first answer; the example is conclusive only when the fresh-key answer differs from the
    first. Skipped as inconclusive when no example is.
    """
    require_unsafe(target, cop, "an idempotency replay", always=True)
    require_secrets(target, cop)
    ids = target.stored_ids(cop)
    conclusive: list[str] = []
    with target.client(secrets=target.idempotency_secrets or None, max_retries=0) as client:

        @live_settings(cap=IDEMPOTENCY_EXAMPLES, cop=cop, requests=3)
        @given(first=calls(cop, ids=ids, keys=False), second=calls(cop, ids=ids, keys=False))
        def check(first: Call, second: Call) -> None:
            assume(cop.body_kind == "none" or second.body != first.body)  # a rerun may answer differently
            key = f"conformance-{uuid.uuid4()}"
            if ids:  # a stored resource, so the first response is a success that the replay must repeat
                first.path = {p.name: ids[0] for p in cop.path_params}
            second.path = first.path  # the key is scoped to the path (idempotency page)
            first.idempotency_key, second.idempotency_key = key, f"conformance-{uuid.uuid4()}"
            note(f"operation {cop.spec.operation_id}; first {first!r}; second and replay {second!r}")
            original = send(client, cop, first)
            body = assert_server_response(cop, original, "idempotency_conformance")
            rerun = send(client, cop, second)
            rerun_body = assert_server_response(cop, rerun, "idempotency_conformance")
            second.idempotency_key = key
            replay = send(client, cop, second)
            where = f"{cop.spec.operation_id}: idempotency_conformance: key {key}"
            assert replay.status_code == original.status_code, f"{where}: replay status {replay.status_code}"
            assert assert_server_response(cop, replay, "idempotency_conformance") == body, f"{where}: body differs"
            if (rerun.status_code, rerun_body) != (original.status_code, body):
                conclusive.append(key)

        check()
    if not conclusive:
        pytest.skip(
            f"{cop.spec.operation_id}: idempotency_conformance inconclusive: the server answered another "
            "request (fresh key) exactly like the first, so a replay cannot be told from a rerun "
            "(a server that does not reflect what it is sent, e.g. a stateless mock)"
        )


def rate_limit_conformance(cop: ClientOperation, target: LiveTarget) -> None:
    """``limit + 1`` requests within the period -> 429 with a valid ``Retry-After`` (at most ``limit + 1`` sent)."""
    import recall_client

    require_unsafe(target, cop, "rate-limit exhaustion", always=True)
    require_secrets(target, cop, target.limit_secrets)
    limit = cop.spec.rate_limit
    assert limit is not None, f"{cop.spec.operation_id} has no x-rate-limit"
    call = minimal_call(cop, str(uuid.uuid4()))  # unknown ids: a resource the path names is not changed
    where = f"{cop.spec.operation_id}: rate_limit_conformance ({limit.limit} per {limit.period:g} s)"
    throttled: recall_client.RateLimitError | None = None
    sent = 0
    with target.client(secrets=target.limit_secrets, max_retries=0, rate_limit=False) as client:
        while throttled is None and sent <= limit.limit:
            sent += 1
            try:
                invoke(client, cop, call)
            except recall_client.RateLimitError as exc:
                throttled = exc
            except recall_client.APIStatusError as exc:
                assert_server_response(cop, exc.response, "rate_limit_conformance")
    assert throttled is not None, f"{where}: no 429 after {limit.limit + 1} requests"
    if target.is_sandbox:  # a fresh bucket: exactly the documented limit is admitted
        assert sent == limit.limit + 1, f"{where}: 429 at request {sent}"
    assert_server_response(cop, throttled.response, "rate_limit_conformance")
    header = throttled.response.headers.get("retry-after")
    assert header is not None and header.strip().isdigit(), f"{where}: Retry-After {header!r} is not delay-seconds"
    assert 0 <= int(header) <= limit.period, f"{where}: Retry-After {header} outside the period"
    assert throttled.retry_after == float(header), f"{where}: the client read Retry-After as {throttled.retry_after}"


def client_rate_limit_conformance(cop: ClientOperation, target: LiveTarget) -> None:
    """``2 * limit`` requests through clients with their rate limiter on: no 429 (README "Rate limiting").

    The requests go to a sandbox started for the check on a free loopback port that reads the same
    fake clock as the clients (``SandboxConfig(clock=...)``, ``clock=``), so a client's wait is the
    server's time passing and the check takes no minutes of real time. They alternate between two
    client objects with the same credential: the limit is shared by every client of the process, not
    per object. A stored id is used where the operation takes one (unknown ids count as well).
    """
    from generator.sandbox import DEFAULT_API_KEY, DEFAULT_CALENDAR_TOKEN, SandboxConfig, start_sandbox

    if not target.is_sandbox:
        pytest.skip(f"{cop.spec.operation_id}: needs the sandbox (its clock is the client's; a real server: minutes)")
    limit = cop.spec.rate_limit
    assert limit is not None, f"{cop.spec.operation_id} has no x-rate-limit"
    clock = FakeTime()
    running = start_sandbox(speclib.SPEC, SandboxConfig(clock=clock))
    try:
        ids = sorted(set(running.app.state.sandbox.resources.sample_params(cop.spec.path).values()))
        call = minimal_call(cop, ids[0] if ids else str(uuid.uuid4()))
        secrets = {API_KEY_SCHEME: DEFAULT_API_KEY, CALENDAR_SCHEME: DEFAULT_CALENDAR_TOKEN}
        clients = [
            LiveTarget(running.base_url, secrets, unsafe=True, clock=clock).client(max_retries=0) for _ in range(2)
        ]
        started = clock.now
        statuses = [send(clients[i % 2], cop, call).status_code for i in range(2 * limit.limit)]
        for client in clients:
            client.close()
    finally:
        running.stop()
    where = f"{cop.spec.operation_id}: client_rate_limit_conformance ({limit.limit} per {limit.period:g} s)"
    refused = statuses.count(429)
    assert refused == 0, f"{where}: {refused} of {len(statuses)} requests got 429 although the client limits itself"
    assert clock.now - started >= limit.period, f"{where}: {len(statuses)} requests without waiting a whole window"
