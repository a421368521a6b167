"""Shared fixtures and helpers: the normalized seed spec, and look-ups in a normalized document.

``spec/pages`` (``PAGES``) holds every reference page of the corpus: the product's input. The four
seed pages the seed-fact tests are about are a fixture of their own (``SEED_PAGES``,
``tests/fixtures/seed_pages``); ``seed`` is them normalized alone with the project overlay.

The corpus fixtures (``corpus``, ``corpus_result``, ``seed_spec_file``...) are in the root
``conftest.py``. The look-ups read a document through the typed spec model
(:class:`generator.spec.model.Spec`, ``$ref``s resolved by :class:`generator.spec.refs.Refs`),
built once per document; they return the nodes as written, so tests assert on the document itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.diagnostics import Diagnostics
from generator.normalize.pipeline import NormalizeResult, normalize
from generator.spec.model import Spec
from generator.spec.overlay import load_overlay

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "spec" / "pages"
SEED_PAGES = ROOT / "tests" / "fixtures" / "seed_pages"
OVERLAY = ROOT / "spec" / "overlay.yaml"
CORPUS = ROOT.parent / "shared" / "corpus"


def run_normalize(*inputs: Path, overlay: bool = True) -> NormalizeResult:
    """Normalize pages with the project overlay (or none)."""
    diags = Diagnostics()
    loaded = load_overlay(OVERLAY, diags) if overlay else None
    return normalize(list(inputs), loaded, diags)


@pytest.fixture(scope="session")
def seed() -> NormalizeResult:
    """The seed pages (``tests/fixtures/seed_pages``) normalized alone with the project overlay."""
    return run_normalize(SEED_PAGES)


_MODELS: dict[int, tuple[dict[str, Any], Spec]] = {}


def model(doc: dict[str, Any]) -> Spec:
    """The spec model of ``doc``, built once per document (``doc`` must not change afterwards)."""
    cached = _MODELS.get(id(doc))
    if cached is None or cached[0] is not doc:
        cached = _MODELS[id(doc)] = (doc, Spec.from_document(doc))
    return cached[1]


def request_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema (as written) of the request body of ``op`` (an Operation Object of ``doc``)."""
    body = model(doc).operation(op["operationId"]).request_body
    media = body.json if body is not None else None
    if media is None or media.schema is None:
        raise KeyError(f"{op['operationId']}: no JSON request body")
    return media.schema.node  # type: ignore[no-any-return]


def deref(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` (and a nullable ``anyOf [ref, null]``) to the schema that carries the type."""
    return model(doc).refs.unwrap(schema)


def operation(doc: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(path, method in lower case, Operation Object as written) of an operationId; KeyError when absent."""
    found = model(doc).operation(operation_id)
    return found.path, found.method.lower(), model(doc).refs.at(found.pointer)


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
    return any(deref(doc, s).get("type") == "null" for s in schema.get("anyOf", []))


def response_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema (as written) of the success response of ``op`` (an Operation Object of ``doc``)."""
    success = model(doc).operation(op["operationId"]).success
    media = success.json if success is not None else None
    if media is None or media.schema is None:
        raise KeyError(f"{op['operationId']}: no JSON success response")
    return media.schema.node  # type: ignore[no-any-return]
