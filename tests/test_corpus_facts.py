"""Facts the real pages of ``../shared/corpus`` must yield (issue 7: items 2 to 7).

Each test names the page it reads and asserts meaning: which side of the table a row belongs
to, what is required, nullable, an object, an enum. The corpus is normalized once per session
(``corpus_result`` in ``tests/conftest.py``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from generator.normalize.pipeline import NormalizeResult
from tests.conftest import deref, is_nullable, operation, prop, request_schema, response_schema, run_normalize

#: The fallback of names from meaning: ``BotVariantB``, ``BotVariantC`` (``BotVariant`` is the ``variant`` role).
_LETTERED = re.compile(r"Variant[A-Z]{1,2}$")
RESPONSE_ONLY = {"id", "created_at", "updated_at", "status", "status_changes"}


def _doc(result: NormalizeResult) -> dict[str, Any]:
    return result.document


# --- 2. request rows and response rows --------------------------------------------------------


def test_response_only_fields_are_never_required_in_a_request(corpus_result: NormalizeResult) -> None:
    doc = _doc(corpus_result)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if "requestBody" not in op:
                continue
            body = deref(doc, request_schema(doc, op))
            assert not RESPONSE_ONLY & set(body.get("required", [])), (method, path, body.get("required"))


def test_zoom_oauth_credential_create_takes_only_the_request_rows(corpus_result: NormalizeResult) -> None:
    # zoom_oauth_credentials_create.md: oauth_app, authorization_code, access_token_callback_url are
    # the request; id, status, user_id, account_id, created_at, meeting_sync_status the response.
    doc = _doc(corpus_result)
    _, _, op = operation(doc, "zoom_oauth_credentials_create")
    body = deref(doc, request_schema(doc, op))
    assert set(body["properties"]) == {"oauth_app", "authorization_code", "access_token_callback_url"}
    assert body["required"] == ["oauth_app"]
    assert set(deref(doc, body["properties"]["authorization_code"])["properties"]) >= {"code", "redirect_uri"}
    response = deref(doc, response_schema(doc, op))
    assert {"id", "status", "created_at", "meeting_sync_status"} <= set(response["properties"])
    assert response["properties"]["meeting_sync_status"]["enum"] == [
        "not_started",
        "in_progress",
        "completed",
        "failed",
    ]


def test_bot_config_of_schedule_bot_for_calendar_event_is_a_request_field(corpus_result: NormalizeResult) -> None:
    # calendar_events_bot_create.md: bot_config sits among the request rows, in no sample.
    doc = _doc(corpus_result)
    _, _, op = operation(doc, "calendar_events_bot_create")
    body = deref(doc, request_schema(doc, op))
    assert body["properties"]["bot_config"]["type"] == "object"
    assert sorted(body["required"]) == ["bot_config", "deduplication_key"]
    assert "bot_config" not in deref(doc, response_schema(doc, op))["properties"]


def test_transcript_provider_alternatives_are_not_all_required(corpus_result: NormalizeResult) -> None:
    # recording_create_transcript_create.md lists each provider with `Required: Yes`: one is chosen.
    doc = _doc(corpus_result)
    _, _, op = operation(doc, "recording_create_transcript_create")
    body = deref(doc, request_schema(doc, op))
    assert body["required"] == ["provider"]
    provider = prop(doc, request_schema(doc, op), "provider")
    assert {"assembly_ai_async", "deepgram_async", "rev_async"} <= set(provider["properties"])
    assert "required" not in provider
    # gladia_v2_async.diarization is a boolean in the payload; the object row is the response's
    assert (
        prop(doc, request_schema(doc, op), "provider.gladia_v2_async")["properties"]["diarization"]["type"] == "boolean"
    )


def test_response_rows_describe_nested_request_fields_only_at_the_same_place(corpus_result: NormalizeResult) -> None:
    # bot_create.md: `message | string | Yes` describes status_changes[].message (response), not
    # the chat message of the request; `login_required | boolean | null` describes google_meet's.
    doc = _doc(corpus_result)
    _, _, op = operation(doc, "bot_create")
    on_join = prop(doc, request_schema(doc, op), "chat.on_bot_join")
    assert "message" in on_join["properties"] and "message" not in on_join.get("required", [])
    login = prop(doc, request_schema(doc, op), "google_meet")["properties"]["login_required"]
    assert is_nullable(doc, login) and login["type"] == ["boolean", "null"]
    assert "message" in prop(doc, response_schema(doc, op), "status_changes[]").get("required", [])


@pytest.mark.parametrize("operation_id", ["slack_teams_create", "slack_teams_update", "slack_teams_partial_update"])
def test_a_request_field_one_page_leaves_optional_is_not_required_by_another(
    corpus_result: NormalizeResult, operation_id: str
) -> None:
    # slack_teams_create.md lists huddle_bot_config's meeting_url among the response rows (after `id`);
    # the update pages, whose path id hides the response's `id` row, list it among the request rows
    doc = _doc(corpus_result)
    config = prop(doc, request_schema(doc, operation(doc, operation_id)[2]), "huddle_bot_config")
    assert "meeting_url" in config["properties"] and "meeting_url" not in config.get("required", [])


# --- 4. repeated names --------------------------------------------------------------------


@pytest.mark.parametrize("operation_id", ["video_mixed_retrieve", "transcript_retrieve", "audio_mixed_retrieve"])
def test_metadata_row_after_recording_belongs_to_recording(corpus_result: NormalizeResult, operation_id: str) -> None:
    # artifact pages: `recording | object`, then `metadata | object | null`: recording.metadata
    doc = _doc(corpus_result)
    schema = response_schema(doc, operation(doc, operation_id)[2])
    artifact = deref(doc, schema)
    assert is_nullable(doc, deref(doc, artifact["properties"]["recording"])["properties"]["metadata"])
    assert not is_nullable(doc, artifact["properties"]["metadata"])
    assert deref(doc, artifact["properties"]["metadata"])["type"] == "object"


# --- 5. facts from one row stay on that row --------------------------------------------------


def test_path_parameter_row_does_not_type_the_response_id(corpus_result: NormalizeResult) -> None:
    doc = _doc(corpus_result)
    # bot_screenshots_retrieve.md: path `id | uuid`; the sample response shows "id": "string"
    _, _, op = operation(doc, "bot_screenshots_retrieve")
    assert {p["name"]: p["schema"].get("format") for p in op["parameters"] if p.get("in") == "path"}["id"] == "uuid"
    assert deref(doc, response_schema(doc, op))["properties"]["id"] == {"type": "string"}
    # recording_create_transcript_create.md: the path's id is the recording's, the response's the transcript's
    _, _, create = operation(doc, "recording_create_transcript_create")
    transcript_id = deref(doc, response_schema(doc, create))["properties"]["id"]
    assert "recording" not in transcript_id.get("description", "")


@pytest.mark.parametrize(
    "operation_id",
    ["google_logins_create", "google_logins_retrieve", "google_logins_list", "google_logins_partial_update"],
)
def test_required_no_stays_optional(corpus_result: NormalizeResult, operation_id: str) -> None:
    # google_logins_*.md: `is_active | boolean | No` on every page that lists it
    doc = _doc(corpus_result)
    _, _, op = operation(doc, operation_id)
    schema = response_schema(doc, op)
    login = (
        deref(doc, deref(doc, schema)["properties"]["results"]["items"])
        if "results" in deref(doc, schema).get("properties", {})
        else deref(doc, schema)
    )
    assert "is_active" in login["properties"] and "is_active" not in login.get("required", [])
    if "requestBody" in op:
        assert "is_active" not in deref(doc, request_schema(doc, op)).get("required", [])


def test_a_default_survives_when_the_field_becomes_a_ref(corpus_result: NormalizeResult) -> None:
    # bot_create.md: `transcript | object | null | ... Default: null`, an object the sample shows
    doc = _doc(corpus_result)
    config = prop(doc, request_schema(doc, operation(doc, "bot_create")[2]), "recording_config")
    transcript = config["properties"]["transcript"]
    assert "$ref" in str(transcript) and transcript["default"] is None
    assert config["properties"]["realtime_endpoints"]["default"] == []


# --- 6. pages without samples -----------------------------------------------------------------


def _oldest_versions(corpus: Path, into: Path) -> Path:
    folder = corpus / "recall-docs-versions"
    into.mkdir()
    for slug in sorted({p.name.split("__")[0] for p in folder.glob("*.md")}):
        shutil.copy(sorted(folder.glob(f"{slug}__*.md"))[0], into)
    return into


def test_pages_without_samples_keep_every_row_and_names_from_meaning(corpus: Path, tmp_path: Path) -> None:
    # the oldest dated version of every page has neither a Python sample nor a sample response
    result = run_normalize(_oldest_versions(corpus, tmp_path / "oldest"))
    doc = result.document
    _, _, create = operation(doc, "bot_create")
    body = deref(doc, request_schema(doc, create))
    assert body["required"] == ["meeting_url"]
    assert {"bot_name", "join_at", "recording_config"} <= set(body["properties"])
    assert not {"id", "status_changes", "created_at"} & set(body["properties"])  # the response's rows
    assert "meeting_url" in deref(doc, response_schema(doc, create))["properties"]
    for path, item in doc["paths"].items():  # no page of the oldest versions requires a response-only field
        for method, op in item.items():
            if "requestBody" in op:
                required = set(deref(doc, request_schema(doc, op)).get("required", []))
                assert not RESPONSE_ONLY & required, (method, path, required)
    names = set(doc["components"]["schemas"])
    assert not [n for n in names if _LETTERED.search(n)]
    assert {"BotRetrieve", "BotCreate"} <= names  # flat shapes that differ, named after their operation


def test_oldest_versions_normalize_to_valid_specs_together_and_alone(corpus: Path, tmp_path: Path) -> None:
    oldest = _oldest_versions(corpus, tmp_path / "oldest")
    assert list(OpenAPIV31SpecValidator(run_normalize(oldest).document).iter_errors()) == []
    # the flat bot list of the oldest `bot` category page has no meeting_url: the correction that
    # adds one must bring the MeetingUrl component along
    alone = run_normalize(oldest / next(p.name for p in oldest.iterdir() if p.name.startswith("bot__")))
    assert list(OpenAPIV31SpecValidator(alone.document).iter_errors()) == []
    assert "MeetingUrl" in alone.document["components"]["schemas"]


def test_no_letter_or_number_names_anywhere(corpus_result: NormalizeResult, versions_result: NormalizeResult) -> None:
    for result in (corpus_result, versions_result):
        for name in result.document["components"]["schemas"]:
            assert not _LETTERED.search(name), name


# --- 3. digits stripped from keys -------------------------------------------------------------


def _property_names(doc: dict[str, Any], schema: Any, seen: set[str]) -> set[str]:
    """Every property name reachable from ``schema`` (through $refs, items, anyOf)."""
    names: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                target = ref.rsplit("/", 1)[-1]
                if target not in seen:
                    seen.add(target)
                    stack.append(doc["components"]["schemas"][target])
                continue
            names.update(node.get("properties", {}))
            stack.extend(node.get("properties", {}).values())
            stack.extend(node.get("anyOf", []))
            for key in ("items", "additionalProperties"):
                if isinstance(node.get(key), dict):
                    stack.append(node[key])
    return names


def test_digits_stripped_from_payload_keys_are_restored_everywhere(corpus_result: NormalizeResult) -> None:
    doc = _doc(corpus_result)
    _, _, op = operation(doc, "bot_create")
    # bot_create.md's payload writes `"b_data"` in three nested places and never lists b64_data
    video = prop(doc, request_schema(doc, op), "automatic_video_output.in_call_recording")
    assert "b64_data" in video["properties"] and "b_data" not in video["properties"]
    audio = prop(doc, request_schema(doc, op), "automatic_audio_output.in_call_recording.data")
    assert set(audio["properties"]) == {"kind", "b64_data"}
    example = op["requestBody"]["content"]["application/json"]["example"]
    assert "b64_data" in example["automatic_video_output"]["in_call_recording"]
    # no request body of the corpus keeps a key that is a known name with its digits removed
    digit_names = {n for n in _property_names(doc, {"$ref": "#/components/schemas/Bot"}, set()) if re.search(r"\d", n)}
    stripped = {re.sub(r"\d", "", n) for n in digit_names} | {"b_data", "gladia_v_streaming", "sso_v_cert"}
    for path, item in doc["paths"].items():
        for method, operation_object in item.items():
            if "requestBody" in operation_object:
                names = _property_names(doc, request_schema(doc, operation_object), set())
                assert not names & stripped, (method, path, names & stripped)


# --- 1. calendar V1 credentials -----------------------------------------------------------------

PER_USER = {
    "calendar_meetings_list",
    "calendar_meetings_retrieve",
    "calendar_meetings_update",
    "calendar_meetings_refresh_create",
    "calendar_user_retrieve",
    "calendar_user_update",
    "calendar_user_destroy",
    "calendar_user_disconnect_create",
}


def test_calendar_v1_per_user_operations_accept_the_token_alone(corpus_result: NormalizeResult) -> None:
    doc = _doc(corpus_result)
    seen = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            security = op.get("security", doc["security"])
            if op["operationId"] in PER_USER:
                seen.add(op["operationId"])
                assert {"CalendarAuthToken": []} in security, (method, path)
            else:  # account-wide (calendar_users_list, calendar_authenticate_create) and all others
                assert security == [{"RecallApiKey": []}], (op["operationId"], security)
    assert seen == PER_USER
    schemes = doc["components"]["securitySchemes"]
    assert (
        schemes["CalendarAuthToken"] | {"type": "apiKey", "in": "header", "name": "x-recallcalendarauthtoken"}
        == (schemes["CalendarAuthToken"])
    )


# --- 7. shapes the pages state wrongly ----------------------------------------------------------


def _notes(result: NormalizeResult) -> list[str]:
    return [d.message for d in result.diagnostics if d.code == "shape-corrected"]


def test_meeting_urls_in_responses_have_the_guides_shape(corpus_result: NormalizeResult) -> None:
    doc = _doc(corpus_result)
    meeting_url = doc["components"]["schemas"]["MeetingUrl"]
    assert meeting_url["required"] == ["platform"]
    assert {"meeting_id", "meeting_password", "organizer_id", "tenant_id", "meeting_subdomain"} <= set(
        meeting_url["properties"]
    )
    bot = deref(doc, response_schema(doc, operation(doc, "bot_retrieve")[2]))
    assert {"$ref": "#/components/schemas/MeetingUrl"} in bot["properties"]["meeting_url"]["anyOf"]
    # requests keep the string the tables state (guide meeting-urls: parameters are strings)
    create = deref(doc, request_schema(doc, operation(doc, "bot_create")[2]))
    assert create["properties"]["meeting_url"]["type"] == "string"
    event = deref(doc, response_schema(doc, operation(doc, "calendar_events_retrieve")[2]))
    assert {"type": "string"} in event["properties"]["meeting_url"]["anyOf"]
    assert any("meeting-urls" in note and "Bot" in note for note in _notes(corpus_result))


def test_calendar_event_raw_is_the_platforms_object(corpus_result: NormalizeResult) -> None:
    doc = _doc(corpus_result)
    for operation_id in ("calendar_events_retrieve", "calendar_events_bot_create"):
        event = deref(doc, response_schema(doc, operation(doc, operation_id)[2]))
        assert event["properties"]["raw"]["type"] == "object", operation_id
    op = operation(doc, "calendar_events_retrieve")[2]  # its example follows the corrected schema
    assert isinstance(op["responses"]["200"]["content"]["application/json"]["example"]["raw"], dict)
    assert any("calendar-event-platform-data" in note for note in _notes(corpus_result))


def test_status_changes_are_arrays_of_objects(corpus_result: NormalizeResult) -> None:
    doc = _doc(corpus_result)
    calendar = deref(doc, response_schema(doc, operation(doc, "calendars_retrieve")[2]))
    assert calendar["properties"]["status_changes"]["type"] == "array"
    assert calendar["properties"]["status_changes"]["items"]["type"] == "object"
    for name, schema in doc["components"]["schemas"].items():
        changes = schema.get("properties", {}).get("status_changes")
        if changes is not None:
            assert deref(doc, changes).get("type") == "array", name


def test_the_bot_has_meeting_participants(corpus_result: NormalizeResult) -> None:
    doc = _doc(corpus_result)
    participant = prop(doc, response_schema(doc, operation(doc, "bot_retrieve")[2]), "meeting_participants[]")
    assert participant["properties"]["id"]["type"] == "integer"
    assert {"name", "events", "is_host", "platform"} <= set(participant["properties"])
    assert any("meeting_participants" in note and "chat-messages" in note for note in _notes(corpus_result))


def test_corrections_are_notes_on_seed_runs_not_warnings(seed: NormalizeResult) -> None:
    assert not [d for d in seed.diagnostics if d.code == "overlay-no-match" and d.severity.value != "info"]
    assert "MeetingUrl" not in seed.document["components"]["schemas"]


def test_a_transcript_response_names_one_provider(corpus_result: NormalizeResult) -> None:
    # guide asynchronous-transcription: Retrieve Transcript answers `"provider": {"assembly_ai_async": {...}}`
    doc = _doc(corpus_result)
    provider = prop(doc, response_schema(doc, operation(doc, "transcript_retrieve")[2]), "provider")
    assert "assembly_ai_async" in provider["properties"] and "required" not in provider
    assert any("one of the providers" in note for note in _notes(corpus_result))
