"""Validation in the workers started ahead (generator/spec/validation_workers.py) reports exactly the
errors of the validator run here (generator/spec/document.py: validation_errors), in its order:
whether the document goes whole to a worker or in pieces, whatever is wrong with it and wherever."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from generator.spec import document as spec_document
from generator.spec import validation_workers as workers
from generator.spec.document import load_yaml_text, validation_errors
from tests.test_fast_paths import INVALID_SCHEMAS, SPEC

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")

#: Documents from this many paths are split here (small documents: quick tests).
SPLIT = 8
PATHS = 12


@pytest.fixture(scope="module", autouse=True)
def _workers() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers, "SPLIT_PATHS", SPLIT)
        patch.setattr(workers, "PIECE_PATHS", 1)  # as many pieces as can be
        workers.stop_validation()
        workers.PRESTARTED.extend(workers._Worker() for _ in range(2))
        yield
        workers.stop_validation()


def _document(components: bool = True) -> dict[str, Any]:
    """PATHS paths whose responses refer to five components (or are inline, without components)."""
    paths: dict[str, Any] = {}
    for i in range(PATHS):
        schema: dict[str, Any] = {"$ref": f"#/components/schemas/C{i % 5}"} if components else {"type": "object"}
        body = {"a": {"type": "string", "default": "x"}, "b": {"type": "array", "items": copy.deepcopy(schema)}}
        paths[f"/p{i}/{{id}}"] = {
            "get": {
                "operationId": f"get{i}",
                "tags": [f"t{i % 3}"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}},
            },
            "post": {
                "operationId": f"post{i}",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": body}}}},
                "responses": {"201": {"description": "created"}},
            },
        }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "tags": [{"name": f"t{i}"} for i in range(3)],
        "paths": paths,
    }
    if components:
        document["components"] = {
            "schemas": {
                f"C{i}": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": {"type": "string"}, "next": {"$ref": f"#/components/schemas/C{(i + 1) % 5}"}},
                }
                for i in range(5)
            }
            | {"Unused": {"type": "integer"}}
        }
    return document


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def _response(document: dict[str, Any], i: int) -> dict[str, Any]:
    media: dict[str, Any] = document["paths"][f"/p{i}/{{id}}"]["get"]["responses"]["200"]["content"]["application/json"]
    return media


PLACES: dict[str, Callable[[dict[str, Any], Any], None]] = {
    "late response": lambda d, s: _response(d, PATHS - 3).__setitem__("schema", s),
    "referenced component": lambda d, s: _schemas(d).__setitem__("C3", s),
    "unreferenced component": lambda d, s: _schemas(d).__setitem__("Unused", s),
    "nested in a component": lambda d, s: _schemas(d)["C1"]["properties"].__setitem__("id", s),
    "request property": lambda d, s: d["paths"]["/p7/{id}"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]["properties"].__setitem__("a", s),
}


def _outcome(validate: Callable[[], list[tuple[str, str]]]) -> Any:
    try:
        return validate()
    except Exception as exc:  # the validator's own failure (components: []) is met the same way
        return type(exc).__name__, str(exc)


def _answers(document: dict[str, Any]) -> tuple[Any, Any]:
    expected = _outcome(lambda: validation_errors(copy.deepcopy(document), (0, 1)))
    found = _outcome(lambda: workers.validate_beside(document, lambda: None)[1])
    return found, expected


SOME = ({"type": "strin"}, {"required": "a"}, None, {"$ref": 5})
CASES = [(schema, "late response") for schema in INVALID_SCHEMAS] + [
    (schema, place) for place in list(PLACES)[1:] for schema in SOME
]


@pytest.mark.parametrize(("schema", "place"), CASES, ids=lambda v: repr(v)[:30])
def test_an_invalid_schema_anywhere_is_reported_as_here(schema: Any, place: str) -> None:
    document = _document()
    PLACES[place](document, copy.deepcopy(schema))
    found, expected = _answers(document)
    assert found == expected
    assert expected or place == "request property"  # upstream does not look into request bodies


def _dangling(d: dict[str, Any]) -> None:
    _response(d, 5)["schema"] = {"$ref": "#/paths/~1p10~1{id}/get/responses/200/content/application~1json/schema"}


def _shared(d: dict[str, Any]) -> None:
    bad = {"type": "object", "allOf": [{"properties": {"a": {}}}], "required": ["b"]}
    _response(d, 2)["schema"] = _response(d, PATHS - 1)["schema"] = bad  # one object, two places


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "duplicate operationId in two pieces": lambda d: d["paths"]["/p10/{id}"]["get"].__setitem__("operationId", "get1"),
    "path item $ref": lambda d: d["paths"].__setitem__("/q", {"$ref": "#/paths/~1p1~1{id}"}),
    "$ref into another piece's path": _dangling,
    "unresolved path parameter": lambda d: d["paths"]["/p11/{id}"]["get"].pop("parameters"),
    "duplicate tags": lambda d: d["tags"].append({"name": "t1"}),
    "required not defined beside allOf": lambda d: _response(d, 7).__setitem__(
        "schema", {"type": "object", "allOf": [{"properties": {"a": {}}}], "required": ["b"]}
    ),
    "one invalid object in two places": _shared,
    "bad default": lambda d: _schemas(d).__setitem__("C2", {"type": "string", "default": 1}),
    "no info": lambda d: d.pop("info"),
    "path without slash": lambda d: d["paths"].__setitem__("p", {}),
    "components not a mapping": lambda d: d.__setitem__("components", []),
    "paths not a mapping": lambda d: d.__setitem__("paths", []),
    "valid": lambda d: None,
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_any_document_is_reported_as_here(mutation: str) -> None:
    document = _document()
    MUTATIONS[mutation](document)
    found, expected = _answers(document)
    assert found == expected


@pytest.mark.parametrize("schema", [{"type": "object"}, {"type": "strin"}, {"required": "a"}])
def test_a_document_without_components_is_reported_as_here(schema: Any) -> None:
    document = _document(components=False)
    _response(document, PATHS - 1)["schema"] = schema
    found, expected = _answers(document)
    assert found == expected


def test_a_valid_document_in_pieces_is_not_validated_again_here(monkeypatch: pytest.MonkeyPatch) -> None:
    document = load_yaml_text(SPEC.read_text(encoding="utf-8"))
    assert len(document["paths"]) >= workers.SPLIT_PATHS
    monkeypatch.setattr(spec_document, "validation_errors", None)  # fails if called
    text, found = workers.validate_beside(document, lambda: "text")
    assert (text, found) == ("text", [])


def test_a_dead_worker_leaves_the_validation_to_this_process() -> None:
    document = _document()
    _schemas(document)["C3"] = {"type": "strin"}
    dead = workers._Worker()
    dead.process.kill()
    dead.process.join()
    kept = list(workers.PRESTARTED)
    workers.PRESTARTED[:] = [dead, workers._Worker()]
    try:
        found = workers.validate_beside(document, lambda: "text")[1]
        assert not workers.PRESTARTED  # none of them is used again
    finally:
        workers.stop_validation()
        workers.PRESTARTED[:] = kept
    assert found == validation_errors(document, (0, 1))
    assert found


def test_a_large_document_that_may_not_be_split_is_validated_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "WHOLE_PATHS", PATHS)
    document = _document()
    MUTATIONS["duplicate operationId in two pieces"](document)
    assert workers.pieces(document, 4) is None
    found, expected = _answers(document)
    assert found == expected
    assert expected
