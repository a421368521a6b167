"""A table row's facts stay on the field the row describes, wherever the samples nest it.

The tables are a depth-first flattening of the schema; the samples of the newest page versions
nest the fields inside objects (``status.code``, ``data.download_url``), the older versions have
no samples and keep them flat. Either way, the row's enum, format, ``| null``, ``Required`` and
``Default:`` must reach the spec at the place the row was put, also when that nested object
becomes a component another page named first (``Bot.recordings[].status`` names
``RecordingStatus`` before ``recording_retrieve`` describes ``Recording.status``).

The corpus is normalized once per session (``corpus_result``, ``dated_results`` in the root
``conftest.py``); ``Operation.placements`` tells where each row went.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from generator.normalize.operation import Operation, Placement
from generator.normalize.pages import TableRow
from generator.normalize.pipeline import NormalizeResult
from generator.normalize.placement import default_fits, row_facts
from tests.conftest import deref, is_nullable, operation, prop, request_schema, response_schema

RECORDING_CODES = ["processing", "paused", "done", "failed", "deleted"]
DOWNLOAD_URLS = ["participant_events_download_url", "speaker_timeline_download_url", "participants_download_url"]
PROVIDERS = {
    "assembly_ai_async",
    "deepgram_async",
    "gladia_v1_async",
    "gladia_v2_async",
    "rev_async",
    "speechmatics_async",
}

#: (fact, tree, row name) the spec states otherwise on purpose, and why.
ON_PURPOSE = {
    ("description", "response", "meeting_url"): "overlay: in responses a meeting URL is the MeetingUrl object",
    **{
        ("required", "response", name): "overlay: a transcript's provider holds the one provider chosen"
        for name in PROVIDERS
    },
    **{
        ("description", kind, "everyone_left_timeout"): "overlay: seconds or {timeout, activate_after} (guide "
        "automatic-leaving-behavior), described anew"
        for kind in ("request", "response")
    },
    ("required", "request", "meeting_url"): "huddle_bot_config.meeting_url: optional on slack_teams_create, and a "
    "request field is required only if every page showing it requires it",
}
#: (fact, page slug, row name) of the older dated versions (no samples: flat rows) that the spec states
#: otherwise for reasons other than placement (see the report of the issue).
FLAT_PAGES_OTHERWISE = {
    # the overlay's transcript-provider correction removes the `required` of the whole flat object
    **{
        ("required", slug, name): "overlay"
        for slug in ("transcript_retrieve", "transcript_partial_update", "recording_create_transcript_create")
        for name in (
            "recording",
            "metadata",
            "created_at",
            "status",
            "code",
            "sub_code",
            "updated_at",
            "data",
            "download_url",
            "provider_data_download_url",
            "diarization",
            "use_separate_streams_when_available",
            "provider",
        )
    },
    # without a sample, the list page's query filter `ical_uid` (Required: No) is taken for a response field
    ("required", "calendar_meetings_refresh_create", "ical_uid"): "query row of the flat list page",
}
#: Operations whose response the overlay replaces (the rows describe a body the spec no longer has).
RESPONSE_REPLACED = {
    "zoom_oauth_credentials_create": "overlay: the sample and its rows are the 409 conflict body, not the 201 body",
}


@dataclass(frozen=True)
class Lost:
    """A fact a row states that the spec does not state at the row's place."""

    slug: str
    line: int
    kind: str
    name: str
    where: str
    fact: str
    detail: str


def _root(doc: dict[str, Any], op: Operation, kind: str) -> dict[str, Any]:
    _, _, written = operation(doc, op.operation_id)
    return request_schema(doc, written) if kind == "request" else response_schema(doc, written)


def _walk(doc: dict[str, Any], root: dict[str, Any], path: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the property as written, its parent object) at ``path`` (``"[]"``: array items)."""
    node, written, parent = deref(doc, root), root, root
    for step in path:
        if step == "[]":
            written = node["items"]
        else:
            parent, written = node, node["properties"][step]
        node = deref(doc, written)
    return written, deref(doc, parent)


def _scalar(doc: dict[str, Any], written: dict[str, Any]) -> dict[str, Any] | None:
    """The scalar schema an enum or format describes: the node or its array's items (None: a container)."""
    node = deref(doc, written)
    if "items" in node:
        node = deref(doc, node["items"])
    return None if "properties" in node or node.get("type") == "object" else node


def lost_facts(result: NormalizeResult) -> list[Lost]:
    """Every row fact (enum, format, ``| null``, default, description, ``Required``) missing where the row landed."""
    doc = result.document
    lost: list[Lost] = []
    for op in result.operations:
        rows = {row.line: row for row in op.page.rows}
        for placed in op.placements:
            if placed.kind == "error":
                continue  # error sample bodies give way to the API-wide error responses
            if placed.kind == "response" and op.operation_id in RESPONSE_REPLACED:
                continue
            row = rows[placed.line]
            for fact, detail in _row_lost(doc, op, placed, row):
                lost.append(Lost(op.page.slug, row.line, placed.kind, row.name, ".".join(placed.path), fact, detail))
    return lost


def _row_lost(doc: dict[str, Any], op: Operation, placed: Placement, row: TableRow) -> list[tuple[str, str]]:
    info = row_facts(row)
    written, parent = _walk(doc, _root(doc, op, placed.kind), placed.path)
    out: list[tuple[str, str]] = []
    scalar = _scalar(doc, written)
    if info.facts.enum is not None and scalar is not None and not set(info.facts.enum) <= set(scalar.get("enum") or []):
        out.append(("enum", f"{info.facts.enum} -> {scalar.get('enum')}"))
    typed = info.type
    wanted = typed.items.format if typed is not None and typed.items is not None else None
    wanted = wanted or (typed.format if typed is not None else None)
    if wanted and scalar is not None and scalar.get("format") != wanted:
        out.append(("format", f"{wanted} -> {scalar.get('format')}"))
    if ((typed is not None and typed.nullable) or info.facts.nullable) and not is_nullable(doc, written):
        out.append(("nullable", "the row allows null, the spec does not"))
    if info.facts.has_default and written.get("default", ...) != info.facts.default:
        # a default the row's own Type cannot take (`retention | string`, `Default: {...}`) where no
        # sample shows the object stays readable in the description
        misfit = typed is not None and not default_fits(typed, info.facts.default)
        if not (misfit and f"Default: {info.facts.default_text}" in written.get("description", "")):
            out.append(("default", f"{info.facts.default!r} -> {written.get('default', 'none')!r}"))
    text = info.facts.text
    if text and not any(text in str(s.get("description", "")) for s in (written, deref(doc, written))):
        holder = deref(doc, written)
        holder = deref(doc, holder["items"]) if "items" in holder else holder
        children = holder.get("properties", {}).values()  # a container's copy of its child's text is dropped
        if not any(text in str(child.get("description", "")) for child in children):
            out.append(("description", text[:60]))
    if placed.kind == "request" and not placed.request_row:
        return out  # a response row says nothing of the request's required-ness
    required = placed.path[-1] in parent.get("required", [])
    top_of_patch = placed.kind == "request" and op.method == "patch" and len(placed.path) == 1
    if row.required and not required and not top_of_patch:
        out.append(("required", "Required: Yes, not required"))
    if row.required is False and required and (placed.kind == "request" or not placed.request_row):
        out.append(("required", "Required: No, required"))
    return out


def _unexpected(lost: list[Lost], flat: bool) -> list[Lost]:
    return [
        x
        for x in lost
        if (x.fact, x.kind, x.name) not in ON_PURPOSE
        and not (flat and (x.fact, x.slug, x.name) in FLAT_PAGES_OTHERWISE)
    ]


def test_every_row_of_the_newest_pages_keeps_its_facts_where_it_lands(corpus_result: NormalizeResult) -> None:
    lost = lost_facts(corpus_result)
    assert _unexpected(lost, flat=False) == []
    # the facts the spec states otherwise on purpose are still those
    assert {(x.fact, x.kind, x.name) for x in lost} <= set(ON_PURPOSE)


@pytest.mark.parametrize("rank", [0, 1, 2], ids=["oldest", "middle", "newest"])
def test_every_row_of_every_dated_version_keeps_its_facts_where_it_lands(
    dated_results: list[NormalizeResult], rank: int
) -> None:
    assert _unexpected(lost_facts(dated_results[rank]), flat=rank < 2) == []


def _recording_code(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the object holding ``code``, ``code``) of recording_retrieve: ``status.code``, or flat ``code``."""
    body = deref(doc, response_schema(doc, operation(doc, "recording_retrieve")[2]))
    holder = deref(doc, body["properties"]["status"]) if "code" not in body["properties"] else body
    return holder, deref(doc, holder["properties"]["code"])


@pytest.mark.parametrize("rank", [0, 1, 2], ids=["oldest", "middle", "newest"])
def test_recording_status_code_keeps_its_enum_in_every_version(
    corpus_result: NormalizeResult, dated_results: list[NormalizeResult], rank: int
) -> None:
    # recording_retrieve.md: `code | string | Yes | processing - Processing paused - Paused ...`, a row
    # the newest sample nests in `status` (whose component, RecordingStatus, the bot pages name first)
    for doc in (corpus_result.document, dated_results[rank].document):
        holder, code = _recording_code(doc)
        assert code["enum"] == RECORDING_CODES
        assert "code" in holder["required"]
        assert is_nullable(doc, holder["properties"]["sub_code"])  # `sub_code | string | null`
    status = corpus_result.document["components"]["schemas"]["RecordingStatus"]
    assert status["properties"]["code"]["enum"] == RECORDING_CODES
    assert status["required"] == ["code", "sub_code", "updated_at"]


@pytest.mark.parametrize("rank", [0, 1, 2], ids=["oldest", "middle", "newest"])
def test_participant_events_download_urls_are_nullable_uris_in_every_version(
    corpus_result: NormalizeResult, dated_results: list[NormalizeResult], rank: int
) -> None:
    # participant_events_retrieve.md: `participant_events_download_url | uri \| null | Yes`, ... nested in
    # `data` by the newest sample (ParticipantEventData, named first from Recording.media_shortcuts)
    for doc in (corpus_result.document, dated_results[rank].document):
        body = deref(doc, response_schema(doc, operation(doc, "participant_events_retrieve")[2]))
        holder = deref(doc, body["properties"]["data"]) if DOWNLOAD_URLS[0] not in body["properties"] else body
        for name in DOWNLOAD_URLS:
            url = holder["properties"][name]
            assert url["format"] == "uri" and is_nullable(doc, url), (name, url)
            assert name in holder["required"]
        assert holder["properties"]["speaker_timeline_download_url"]["description"] == (
            "Download speaker timeline for the recording."
        )
    data = corpus_result.document["components"]["schemas"]["ParticipantEventData"]
    assert {name: data["properties"][name]["format"] for name in DOWNLOAD_URLS} == dict.fromkeys(DOWNLOAD_URLS, "uri")


def test_nested_artifact_data_keeps_format_and_nullability(corpus_result: NormalizeResult) -> None:
    # video_mixed_retrieve.md: `download_url | uri \| null | Yes`; meeting_metadata_retrieve.md:
    # `title | string \| null`, `zoom | object \| null`, all nested in `data` by the samples
    doc = corpus_result.document
    video = response_schema(doc, operation(doc, "video_mixed_retrieve")[2])
    url = prop(doc, video, "data")["properties"]["download_url"]
    assert url["format"] == "uri" and is_nullable(doc, url)
    meta = prop(doc, response_schema(doc, operation(doc, "meeting_metadata_retrieve")[2]), "data")
    assert is_nullable(doc, meta["properties"]["title"]) and is_nullable(doc, meta["properties"]["zoom"])
    # recording_retrieve.md: `video_mixed | object \| null` ... nested in `media_shortcuts`
    shortcuts = prop(doc, response_schema(doc, operation(doc, "recording_retrieve")[2]), "media_shortcuts")
    for name in ("video_mixed", "transcript", "participant_events", "meeting_metadata"):
        assert is_nullable(doc, shortcuts["properties"][name]) and name in shortcuts["required"], name


OBJECT_DEFAULTS = {
    "retention": {"type": "timed", "hours": 168},
    "video_mixed_mp4": {},
    "participant_events": {},
    "meeting_metadata": {},
}


@pytest.mark.parametrize("rank", [0, 1, 2], ids=["oldest", "middle", "newest"])
def test_recording_config_object_defaults_are_defaults_in_every_version(
    corpus_result: NormalizeResult, dated_results: list[NormalizeResult], rank: int
) -> None:
    # bot_create.md: `meeting_metadata | object \| null | No | Capture meeting metadata ... Default: {}`,
    # `retention | object \| null | No | ... Default: {'type': 'timed', 'hours': 168}`: rows the newest
    # sample nests in `recording_config`, flat in the older versions
    for doc in (corpus_result.document, dated_results[rank].document):
        body = deref(doc, request_schema(doc, operation(doc, "bot_create")[2]))
        config = deref(doc, body["properties"]["recording_config"])
        holder = config if "meeting_metadata" in config.get("properties", {}) else body
        for name, default in OBJECT_DEFAULTS.items():
            field = holder["properties"][name]
            if name == "retention" and holder is body:  # the row says `string`: without a sample, no object
                assert field["type"] == "string" and field["description"].endswith(
                    "Default: {'type': 'timed', 'hours': 168}"
                )
                continue
            assert field["default"] == default, (name, field)
            assert "Default:" not in field.get("description", ""), (name, field)
    config = corpus_result.document["components"]["schemas"]["BotRecordingConfigRequest"]
    assert config["properties"]["meeting_metadata"]["default"] == {}
