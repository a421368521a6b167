"""Shared fixtures: the normalized seed spec, the corpus location, and a $ref resolver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.diagnostics import Diagnostics
from generator.normalize.pipeline import NormalizeResult, normalize
from generator.spec.overlay import load_overlay

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "spec" / "pages"
OVERLAY = ROOT / "spec" / "overlay.yaml"
CORPUS = ROOT.parent / "shared" / "corpus"


def run_normalize(*inputs: Path, overlay: bool = True) -> NormalizeResult:
    """Normalize pages with the project overlay (or none)."""
    diags = Diagnostics()
    loaded = load_overlay(OVERLAY, diags) if overlay else None
    return normalize(list(inputs), loaded, diags)


@pytest.fixture(scope="session")
def seed() -> NormalizeResult:
    """The seed pages normalized with the project overlay."""
    return run_normalize(PAGES)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """``../shared/corpus``; tests that need it are skipped where it is absent."""
    if not (CORPUS / "recall-docs").is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


@pytest.fixture(scope="session")
def corpus_result(corpus: Path) -> NormalizeResult:
    """All newest pages of ``../shared/corpus/recall-docs`` normalized with the project overlay,
    once per test session (what ``make corpus`` writes)."""
    return run_normalize(corpus / "recall-docs")


@pytest.fixture(scope="session")
def versions_result(corpus: Path) -> NormalizeResult:
    """Every dated version of every page (``recall-docs-versions``), normalized once per session."""
    return run_normalize(corpus / "recall-docs-versions")


def request_schema(op: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of an operation's request body."""
    return op["requestBody"]["content"]["application/json"]["schema"]


def deref(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` (and a nullable ``anyOf [ref, null]``) to the component schema."""
    while True:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = doc["components"]["schemas"][name]
            continue
        any_of = schema.get("anyOf")
        if any_of:
            non_null = [s for s in any_of if s.get("type") != "null"]
            if len(non_null) == 1:
                schema = non_null[0]
                continue
        return schema


def operation(doc: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(path, method, operation object) of an operationId; KeyError when absent."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return path, method, op
    raise KeyError(operation_id)


def prop(doc: dict[str, Any], schema: dict[str, Any], dotted: str) -> dict[str, Any]:
    """The schema at a dotted property path; ``[]`` steps into array items (``attendees[].status``)."""
    node = deref(doc, schema)
    for step in dotted.split("."):
        items = step.endswith("[]")
        name = step[:-2] if items else step
        node = deref(doc, node["properties"][name])
        if items:
            node = deref(doc, node["items"])
    return node


def is_nullable(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    """True when ``null`` is allowed by the schema (type list or anyOf null)."""
    t = schema.get("type")
    if isinstance(t, list) and "null" in t:
        return True
    return any(s.get("type") == "null" for s in schema.get("anyOf", []))


def response_schema(op: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of the success response of an operation."""
    for status in ("200", "201"):
        if status in op["responses"]:
            return op["responses"][status]["content"]["application/json"]["schema"]
    raise KeyError("no 200/201 response")
