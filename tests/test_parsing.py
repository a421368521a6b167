"""Page reading and row interpretation, through small inline pages and cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.diagnostics import Diagnostics
from generator.normalize.pages import parse_page
from generator.normalize.pipeline import normalize
from generator.normalize.rowtypes import parse_description, parse_type
from generator.normalize.samples import parse_code_sample, repair_keys

PAGE = """---
title: "Update ThingMoon (Dark Mode)Sun (Light Mode)"
description: "Update a thing. This endpoint is rate limited to: {fm} requests per min per workspace"
source_file: "reference/{slug}.html"
is_api_reference: "true"
converted_at: "{converted}"
---
## {method} https://us-east-1.recall.ai/api/v1/thing/{{id}}/

Update a thing

> **Rate Limiting**: 300 requests per min per workspace

## Parameters

| Name | Type | Required | Description |
| --- | --- | --- | --- |
| id | uuid | Yes |  |
| name | string | No |  |
{sample}"""

SAMPLE = """
## Python Code Sample

```python
import requests
url = "https://us-east-1.recall.ai/api/v1/thing/id/"
payload = {{ "name": "string" }}
response = requests.{verb}(url, json = payload)
```
"""


def page_text(
    slug: str = "thing_partial_update",
    method: str = "PATCH",
    verb: str | None = "patch",
    fm: int = 300,
    converted: str = "2025-06-10T10:00:00.000Z",
) -> str:
    sample = SAMPLE.format(verb=verb) if verb else ""
    return PAGE.format(slug=slug, method=method, sample=sample, fm=fm, converted=converted)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("string", {"type": "string"}),
        ("uuid", {"type": "string", "format": "uuid"}),
        ("date-time", {"type": "string", "format": "date-time"}),
        ("uri", {"type": "string", "format": "uri"}),
        ("boolean", {"type": "boolean"}),
        ("integer", {"type": "integer"}),
        ("double", {"type": "number", "format": "double"}),
        ("object", {"type": "object"}),
        ("array", {"type": "array", "items": {}}),
        ("array of objects", {"type": "array", "items": {"type": "object"}}),
        ("array of strings", {"type": "array", "items": {"type": "string"}}),
        ("string \\| null", {"type": ["string", "null"]}),
        ("uuid \\| null", {"type": ["string", "null"], "format": "uuid"}),
        ("date-time \\| null", {"type": ["string", "null"], "format": "date-time"}),
        ("uri \\| null", {"type": ["string", "null"], "format": "uri"}),
        ("boolean \\| null", {"type": ["boolean", "null"]}),
        ("object \\| null", {"type": ["object", "null"]}),
        ("integer | null", {"type": ["integer", "null"]}),
    ],
)
def test_every_type_cell_maps_to_json_schema(cell: str, expected: dict[str, object]) -> None:
    node = parse_type(cell)
    assert node is not None and node.to_dict() == expected


def test_unknown_type_is_none() -> None:
    assert parse_type("frobnicator") is None


def test_enum_forms() -> None:
    keys = parse_description("processing - Processing paused - Paused done - Done  processing paused done")
    assert (keys.enum, keys.enum_form, keys.text) == (["processing", "paused", "done"], "pairs+keys", "")
    pairs = parse_description("in_call - In Call call_ended - Call Ended")
    assert (pairs.enum, pairs.enum_form) == (["in_call", "call_ended"], "pairs")
    quoted = parse_description(
        "Google('a' \\| 'b'). Outlook('b' \\| 'c'). Additionally, this field may contain 'null' value."
    )
    assert (quoted.enum, quoted.nullable) == (["a", "b", "c"], True)
    prose = parse_description("The number of seconds - roughly")
    assert prose.enum is None and prose.text == "The number of seconds - roughly"
    default = parse_description("Capture video. Default: {}")
    assert (default.has_default, default.default, default.text) == (True, {}, "Capture video.")


def test_field_notes_written_like_pairs_stay_prose() -> None:
    """calendar_events_bot_create.md line 63: ``bot_config`` notes two of its fields as
    ``name - sentence.``; they are not enum values of an object, and the text is kept."""
    cell = (
        "The config object(JSON) to be passed to the bot. It supports all properties available in Create Bot"
        " request.  meeting_url - automatically populated from the calendar event unless specified in"
        " bot_config. join_at - automatically populated from the calendar event unless specified in bot_config"
    )
    facts = parse_description(cell)
    assert facts.enum is None
    assert facts.text.endswith(
        "join_at - automatically populated from the calendar event unless specified in bot_config"
    )
    assert "meeting_url - automatically populated" in facts.text


def test_stray_quote_is_repaired_and_payload_kept() -> None:
    sample = parse_code_sample(
        'url = "https://x/a/"\npayload = { "on": True"\n}\nrequests.put(url, json=payload)\n', 10
    )
    assert sample.verb == "put" and sample.payload == {"on": True}
    assert [p[0] for p in sample.problems] == ["sample-repaired"]


def test_unparsable_sample_keeps_verb_without_evaluating() -> None:
    sample = parse_code_sample(
        'url = "https://x/a/"\npayload = {"a": __import__("os")}\nrequests.post(url, json=payload)', 1
    )
    assert sample.verb == "post" and sample.payload is None
    assert [p[0] for p in sample.problems] == ["sample-not-literal"]
    broken = parse_code_sample('url = "https://x/a/"\npayload = {{{\nrequests.delete(url)', 1)
    assert broken.verb == "delete" and [p[0] for p in broken.problems] == ["sample-unparsable"]


def test_duplicate_digit_stripped_keys_are_restored() -> None:
    sample = parse_code_sample(
        'payload = {"gladia_v_streaming": {"a": 1}, "gladia_v_streaming": {"b": 2}}\nrequests.post("u", json=payload)',
        1,
    )
    fixed, renames = repair_keys(sample.payload, {"gladia_v1_streaming", "gladia_v2_streaming"})
    assert fixed == {"gladia_v1_streaming": {"a": 1}, "gladia_v2_streaming": {"b": 2}}
    assert len(renames) == 2


def test_mojibake_is_repaired() -> None:
    diags = Diagnostics()
    page = parse_page(page_text().replace("Update a thing\n", "Update a thing ðŸ“˜\n"), "p.md", diags)
    assert "📘" in page.description and "ðŸ" not in page.description
    assert "mojibake-repaired" in {d.code for d in diags}


def run(tmp_path: Path, pages: dict[str, str]) -> tuple[dict[str, object], Diagnostics]:
    for name, text in pages.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    diags = Diagnostics()
    result = normalize([tmp_path], None, diags)
    return result.document, diags


def test_no_sample_method_from_operation_id_suffix(tmp_path: Path) -> None:
    doc, diags = run(tmp_path, {"a.md": page_text(slug="thing_update", method="PATCH", verb=None)})
    assert list(doc["paths"]["/api/v1/thing/{id}/"]) == ["put"]  # type: ignore[index]
    assert "method-mismatch" in {d.code for d in diags}


def test_newest_version_wins(tmp_path: Path) -> None:
    doc, diags = run(
        tmp_path,
        {
            "thing__old.md": page_text(converted="2025-06-10T09:00:00.000Z").replace("Update a thing\n", "Old text\n"),
            "thing__new.md": page_text(converted="2025-06-10T11:00:00.000Z"),
        },
    )
    op = doc["paths"]["/api/v1/thing/{id}/"]["patch"]  # type: ignore[index]
    assert op["x-source"]["page"].endswith("thing__new.md")
    assert [d.code for d in diags if d.path.endswith("thing__old.md") and d.code == "superseded-version"]


def test_rate_limit_conflict_is_reported(tmp_path: Path) -> None:
    doc, diags = run(tmp_path, {"a.md": page_text(fm=60)})
    op = doc["paths"]["/api/v1/thing/{id}/"]["patch"]  # type: ignore[index]
    assert op["x-rate-limit"] == {"limit": 300, "period": 60, "scope": "workspace"}  # the callout is chosen
    assert [d.line for d in diags if d.code == "rate-limit-conflict"] == [12]
