"""Every real page normalizes without a crash into a valid spec: ``spec/pages`` (every reference
page of ../shared/corpus/recall-docs, the product's input) and the dated versions of
../shared/corpus/recall-docs-versions.

Both are normalized once per session (root ``conftest.py``: ``corpus_result``, ``versions_result``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from generator.diagnostics import Diagnostics
from generator.normalize.pipeline import NormalizeResult, discover, read_pages
from tests.conftest import PAGES, deref, operation, response_schema

SETTLED = {"duplicate-operation", "superseded-version"}
NORMALIZED = {"spec/pages": "corpus_result", "recall-docs-versions": "versions_result"}


def test_spec_pages_are_the_corpus_reference_pages(corpus: Path) -> None:
    """The product's input is every page of ``recall-docs``, unchanged (the seed pages among them)."""
    expected = {p.name: p.read_bytes() for p in (corpus / "recall-docs").glob("*.md")}
    assert len(expected) == 150
    assert {p.name: p.read_bytes() for p in PAGES.iterdir()} == expected


@pytest.mark.parametrize("folder", sorted(NORMALIZED))
def test_every_endpoint_page_yields_an_operation_or_a_diagnostic(
    corpus: Path, folder: str, request: pytest.FixtureRequest
) -> None:
    result: NormalizeResult = request.getfixturevalue(NORMALIZED[folder])
    assert not result.diagnostics.has_errors, [d.format() for d in result.diagnostics if d.severity.value == "error"]
    root = PAGES if folder == "spec/pages" else corpus / folder
    pages = read_pages(discover([root], Diagnostics()), Diagnostics())
    used = {op.page.path for op in result.operations}
    settled = {d.path for d in result.diagnostics if d.code in SETTLED}
    endpoint_pages = [p for p in pages if p.is_endpoint]
    assert len(endpoint_pages) >= 88
    for page in endpoint_pages:
        assert page.path in used or page.path in settled, page.path
    errors = list(OpenAPIV31SpecValidator(result.document).iter_errors())
    assert errors == []


def test_corpus_facts(corpus_result: NormalizeResult) -> None:
    doc = corpus_result.document
    # *_destroy pages headed POST are DELETE; *_create pages headed DELETE/GET are POST (the sample wins).
    assert operation(doc, "bot_output_audio_destroy")[:2] == ("/api/v1/bot/{id}/output_audio/", "delete")
    assert operation(doc, "bot_delete_media_create")[1] == "post"
    assert operation(doc, "calendar_authenticate_create")[1] == "post"
    assert operation(doc, "calendar_meetings_update")[1] == "put"
    # a category page duplicates bot_list; the operation page is used
    assert operation(doc, "bot_list")[2]["x-source"]["page"].endswith("bot_list.md")
    # list endpoint: rows absent from the response, listed first, are query parameters
    _, _, recording_list = operation(doc, "recording_list")
    query = {p["name"] for p in recording_list["parameters"] if p.get("in") == "query"}
    assert query == {
        "bot_id",
        "created_at_after",
        "created_at_before",
        "cursor",
        "desktop_sdk_upload_id",
        "status_code",
    }
    _, _, meetings = operation(doc, "calendar_meetings_list")
    assert {p["name"] for p in meetings["parameters"] if p.get("in") == "query"} == {
        "ical_uid",
        "start_time_after",
        "start_time_before",
    }
    assert response_schema(doc, recording_list) == {"$ref": "#/components/schemas/PaginatedRecordingList"}
    # digit-stripped payload keys are restored from the table
    _, _, audio = operation(doc, "bot_output_audio_create")
    body = deref(doc, audio["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["properties"]) == {"kind", "b64_data"}
    assert body["properties"]["kind"]["enum"] == ["mp3"]
    # bot create is a create: 201
    assert "201" in operation(doc, "bot_create")[2]["responses"]
    # a string row never replaces the object of the same name: zoom is Bot.zoom (object), variant.zoom the enum
    bot = doc["components"]["schemas"]["Bot"]
    assert "zoom" in bot["properties"]
    variant = doc["components"]["schemas"]["BotVariant"]
    assert variant["properties"]["zoom"]["enum"] == ["web", "web_4_core", "native"]


def test_dated_versions_settle_to_the_newest_pages(
    corpus_result: NormalizeResult, versions_result: NormalizeResult
) -> None:
    def keys(result: NormalizeResult) -> set[tuple[str, str, str]]:
        doc = result.document
        return {(path, method, op["operationId"]) for path, item in doc["paths"].items() for method, op in item.items()}

    # three dated versions of every page (the oldest without samples) give the newest pages' operations
    assert keys(versions_result) == keys(corpus_result)
