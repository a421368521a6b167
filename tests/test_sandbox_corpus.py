"""The sandbox serves the spec of the whole corpus (``../shared/corpus``), not only the seeds.

The corpus is normalized once per session (root ``conftest.py``: ``corpus_spec_file``, written as
``make corpus`` writes it); then every operation
gets one valid request: path parameters addressing stored resources, a body from the request
example (or synthesized when the example fails its schema), required query parameters. Each must
answer a documented 2xx status with a body valid against the declared schema. Skipped when the
corpus is not beside the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.diagnostics import Diagnostics
from generator.sandbox import ApiSpec, SandboxConfig, create_app, load_spec
from generator.sandbox.auth import DEFAULT_API_KEY, DEFAULT_CALENDAR_TOKEN
from generator.sandbox.spec import Operation
from generator.sandbox.testing import AsgiClient, FakeClock

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "recall-docs"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")


@pytest.fixture(scope="module")
def corpus_spec(corpus_spec_file: Path) -> ApiSpec:
    diags = Diagnostics()
    spec = load_spec(corpus_spec_file, diags)
    assert spec is not None, [d.format() for d in diags]
    return spec


def _headers(spec: ApiSpec) -> dict[str, str]:
    headers = {"Authorization": f"Token {DEFAULT_API_KEY}"}
    for op in spec.operations.values():
        for alternative in op.security:
            for scheme in alternative:
                if not scheme.is_authorization:
                    headers[scheme.header] = DEFAULT_CALENDAR_TOKEN
    return headers


def _request_body(spec: ApiSpec, op: Operation) -> Any:
    if op.body_schema is None:
        return None
    media = spec.index.at(op.pointer).get("requestBody", {})
    example = media.get("content", {}).get("application/json", {}).get("example") if isinstance(media, dict) else None
    if example is not None and spec.index.is_valid(example, op.body_schema):
        return example
    body = spec.index.fallback(op.body_schema)
    assert spec.index.is_valid(body, op.body_schema), f"{op.operation_id}: no valid request body"
    return body


def _order(op: Operation) -> tuple[int, int, str]:
    # deletions last, deepest first, so that no request addresses a resource already deleted
    if op.method == "DELETE":
        return (1, -op.path.count("/"), op.path)
    return (0, 0, op.path)


def test_corpus_spec_has_many_operations(corpus_spec: ApiSpec) -> None:
    assert len(corpus_spec.operations) >= 60
    assert any(op.rate_limit and op.rate_limit.scope == "calendar_user" for op in corpus_spec.operations.values())


def test_every_corpus_operation_answers_a_valid_request(corpus_spec: ApiSpec) -> None:
    app = create_app(corpus_spec, SandboxConfig(clock=FakeClock(), check_responses=True))
    sandbox = app.state.sandbox
    client = AsgiClient(app, headers=_headers(corpus_spec))
    problems = []
    for op in sorted(corpus_spec.operations.values(), key=_order):
        path = sandbox.routes.routes[op.path].fill(op.path, sandbox.resources.sample_params(op.path))
        query = {
            p.name: str(corpus_spec.index.fallback(p.schema))
            for p in op.parameters
            if p.location == "query" and p.required and p.schema
        }
        response = client.request(op.method, path, json=_request_body(corpus_spec, op), params=query)
        declared = op.responses.get(response.status_code)
        if declared is None or not 200 <= response.status_code < 300:
            problems.append(f"{op.method} {path}: {response.status_code} {response.text[:200]}")
        elif declared.schema is not None and not corpus_spec.index.is_valid(response.json(), declared.schema):
            problems.append(f"{op.method} {path}: body fails {declared.schema}")
        elif declared.schema is None and response.content:
            problems.append(f"{op.method} {path}: {response.status_code} declares no body, got {response.text[:80]}")
    assert problems == []


def test_every_corpus_operation_requires_the_api_key(corpus_spec: ApiSpec) -> None:
    client = AsgiClient(create_app(corpus_spec, SandboxConfig(clock=FakeClock())))
    statuses = {
        op.operation_id: client.request(op.method, op.path.replace("{", "").replace("}", "")).status_code
        for op in corpus_spec.operations.values()
    }
    assert set(statuses.values()) == {401}
