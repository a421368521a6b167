"""The sandbox serves the whole API (``spec/openapi.yaml``, from every reference page).

Every operation gets one valid request: path parameters addressing stored resources, a body from
the request example (or synthesized when the example fails its schema), required query
parameters. Each must answer a documented 2xx status with a body valid against the declared schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.diagnostics import Diagnostics
from generator.sandbox import Credentials, SandboxConfig, create_app, load_spec
from generator.sandbox.auth import credential_headers
from generator.sandbox.schemas import Shaper
from generator.sandbox.spec import schema_of
from generator.sandbox.testing import AsgiClient, FakeClock
from generator.spec.model import Operation, Spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "openapi.yaml"


@pytest.fixture(scope="module")
def api_spec() -> Spec:
    diags = Diagnostics()
    spec = load_spec(SPEC, diags)
    assert spec is not None, [d.format() for d in diags]
    return spec


def _request_body(spec: Spec, op: Operation) -> Any:
    schema = schema_of(op.request_body)
    if op.request_body is None or op.request_body.json is None or schema is None:
        return None
    example = op.request_body.json.example
    if example is not None and spec.refs.is_valid(example, schema):
        return example
    body = Shaper(spec.refs).fallback(schema)
    assert spec.refs.is_valid(body, schema), f"{op.operation_id}: no valid request body"
    return body


def _order(op: Operation) -> tuple[int, int, str]:
    # deletions last, deepest first, so that no request addresses a resource already deleted
    if op.method == "DELETE":
        return (1, -op.path.count("/"), op.path)
    return (0, 0, op.path)


def test_api_spec_has_many_operations(api_spec: Spec) -> None:
    assert len(api_spec.operations) >= 100
    assert any(op.rate_limit and op.rate_limit.scope == "calendar_user" for op in api_spec.operations)


def test_every_operation_answers_a_valid_request(api_spec: Spec) -> None:
    app = create_app(api_spec, SandboxConfig(clock=FakeClock(), check_responses=True))
    sandbox = app.state.sandbox
    client = AsgiClient(app, headers=credential_headers(api_spec, Credentials()))
    problems = []
    for op in sorted(api_spec.operations, key=_order):
        path = sandbox.routes.routes[op.path].fill(op.path, sandbox.resources.sample_params(op.path))
        query = {
            p.name: str(sandbox.shaper.fallback(p.schema.pointer))
            for p in op.parameters
            if p.location == "query" and p.required and p.schema
        }
        response = client.request(op.method, path, json=_request_body(api_spec, op), params=query)
        declared = op.response(response.status_code)
        schema = schema_of(declared)
        if declared is None or not 200 <= response.status_code < 300:
            problems.append(f"{op.method} {path}: {response.status_code} {response.text[:200]}")
        elif schema is not None and not api_spec.refs.is_valid(response.json(), schema):
            problems.append(f"{op.method} {path}: body fails {schema}")
        elif schema is None and response.content:
            problems.append(f"{op.method} {path}: {response.status_code} declares no body, got {response.text[:80]}")
    assert problems == []


def test_every_operation_requires_the_api_key(api_spec: Spec) -> None:
    client = AsgiClient(create_app(api_spec, SandboxConfig(clock=FakeClock())))
    statuses = {
        op.operation_id: client.request(op.method, op.path.replace("{", "").replace("}", "")).status_code
        for op in api_spec.operations
    }
    assert set(statuses.values()) == {401}
