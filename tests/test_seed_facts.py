"""The facts the seed pages must yield (issue: normalize, items 2, 5, 6 and 7, and the rest)."""

from __future__ import annotations

import re

from generator.normalize.pipeline import NormalizeResult
from tests.conftest import deref, is_nullable, operation, prop, response_schema

ARTIFACT_CODES = ["processing", "done", "failed", "deleted"]
PREFERENCES = [
    "record_non_host",
    "record_recurring",
    "record_external",
    "record_internal",
    "record_confirmed",
    "record_only_host",
    "bot_name",
]


def test_method_mismatch_sample_wins_with_warning_at_heading(seed: NormalizeResult) -> None:
    path, method, _ = operation(seed.document, "calendar_user_update")
    assert (path, method) == ("/api/v1/calendar/user/", "put")
    warnings = [d for d in seed.diagnostics if d.code == "method-mismatch"]
    assert [(d.path.rsplit("/", 1)[-1], d.line, d.severity.value) for d in warnings] == [
        ("000_calendar_user_update.md", 9, "warning")
    ]


def test_seed_operations_methods_and_paths(seed: NormalizeResult) -> None:
    found = {
        op["operationId"]: (method, path)
        for path, item in seed.document["paths"].items()
        for method, op in item.items()
    }
    assert found == {
        "calendar_user_update": ("put", "/api/v1/calendar/user/"),
        "recording_partial_update": ("patch", "/api/v1/recording/{id}/"),
        "calendar_meetings_refresh_create": ("post", "/api/v1/calendar/meetings/refresh/"),
        "participant_events_partial_update": ("patch", "/api/v1/participant_events/{id}/"),
    }


def test_path_parameter_typed_from_table_and_no_literal_id_path(seed: NormalizeResult) -> None:
    doc = seed.document
    assert not any("/id/" in path for path in doc["paths"])
    _, _, op = operation(doc, "recording_partial_update")
    (param,) = [p for p in op["parameters"] if p.get("in") == "path"]
    assert param["name"] == "id" and param["required"] is True
    assert param["schema"] == {"type": "string", "format": "uuid"}


def test_recording_status_code_enum(seed: NormalizeResult) -> None:
    doc = seed.document
    _, _, op = operation(doc, "recording_partial_update")
    status = prop(doc, response_schema(doc, op), "status")
    assert sorted(status["properties"]) == ["code", "sub_code", "updated_at"]
    assert prop(doc, response_schema(doc, op), "status.code")["enum"] == [
        "processing",
        "paused",
        "done",
        "failed",
        "deleted",
    ]
    assert is_nullable(doc, status["properties"]["sub_code"])
    assert prop(doc, response_schema(doc, op), "status.updated_at")["format"] == "date-time"
    assert "enum" not in status  # the enum written on the parent row moved to its child


def test_attendee_status_enum_moved_from_parent_row(seed: NormalizeResult) -> None:
    doc = seed.document
    _, _, op = operation(doc, "calendar_meetings_refresh_create")
    schema = response_schema(doc, op)
    assert schema["type"] == "array"
    attendee = prop(doc, schema["items"], "attendees[]")
    assert list(attendee["properties"]) == ["name", "email", "is_organizer", "status"]
    assert attendee["properties"]["status"]["enum"] == ["accepted", "declined", "tentative", "not_available"]
    attendees = deref(doc, schema["items"])["properties"]["attendees"]
    assert "enum" not in attendees and "enum" not in attendees["items"]


def test_visibility_union_of_both_platforms_and_nullable(seed: NormalizeResult) -> None:
    doc = seed.document
    _, _, op = operation(doc, "calendar_meetings_refresh_create")
    visibility = prop(doc, response_schema(doc, op)["items"], "visibility")
    values = [v for v in visibility["enum"] if v is not None]
    assert set(values) == {"default", "public", "private", "confidential", "normal", "personal"}
    assert len(values) == 6
    assert None in visibility["enum"] and is_nullable(doc, visibility)


def test_calendar_user_nesting_rebuilt_from_sample(seed: NormalizeResult) -> None:
    doc = seed.document
    _, _, op = operation(doc, "calendar_user_update")
    user = response_schema(doc, op)
    assert list(deref(doc, user)["properties"]) == ["id", "external_id", "connections", "preferences"]
    prefs = prop(doc, user, "preferences")
    assert list(prefs["properties"]) == ["id", *PREFERENCES]
    assert prefs["properties"]["id"] == {"type": "string", "format": "uuid"}  # from the sample, not the table
    assert prefs["properties"]["record_non_host"]["type"] == "boolean"
    connection = prop(doc, user, "connections[]")
    assert list(connection["properties"]) == ["connected", "platform", "email", "id"]
    assert connection["properties"]["id"] == {"type": "string"}  # sample placeholder "string"
    assert sorted(connection["required"]) == ["connected", "platform"]
    assert sorted(deref(doc, user)["required"]) == ["connections", "id"]


def test_recording_nesting_and_nullable_fields(seed: NormalizeResult) -> None:
    doc = seed.document
    _, _, op = operation(doc, "recording_partial_update")
    recording = deref(doc, response_schema(doc, op))
    assert is_nullable(doc, recording["properties"]["started_at"])
    assert not is_nullable(doc, recording["properties"]["created_at"])
    shortcuts = prop(doc, response_schema(doc, op), "media_shortcuts")
    assert sorted(shortcuts["properties"]) == ["meeting_metadata", "participant_events", "transcript", "video_mixed"]
    assert all(is_nullable(doc, s) for s in shortcuts["properties"].values())
    assert recording["properties"]["metadata"]["additionalProperties"] == {"type": "string"}


def test_request_body_is_the_sample_payload(seed: NormalizeResult) -> None:
    doc = seed.document
    _, _, op = operation(doc, "calendar_user_update")
    body = deref(doc, op["requestBody"]["content"]["application/json"]["schema"])
    assert list(body["properties"]) == ["external_id", "preferences"]
    prefs = deref(doc, body["properties"]["preferences"])
    assert list(prefs["properties"]) == PREFERENCES
    assert "required" not in body  # Required: No on both rows
    _, _, patch = operation(doc, "recording_partial_update")
    patch_body = deref(doc, patch["requestBody"]["content"]["application/json"]["schema"])
    assert list(patch_body["properties"]) == ["metadata"]


def test_post_without_payload_has_no_body_and_array_response(seed: NormalizeResult) -> None:
    _, method, op = operation(seed.document, "calendar_meetings_refresh_create")
    assert method == "post"
    assert "requestBody" not in op
    assert "200" in op["responses"]  # an action, not a create: 200
    schema = response_schema(seed.document, op)
    assert schema["type"] == "array" and schema["items"] == {"$ref": "#/components/schemas/CalendarMeeting"}


def test_participant_events_data_urls_are_nullable_uris(seed: NormalizeResult) -> None:
    doc = seed.document
    _, _, op = operation(doc, "participant_events_partial_update")
    data = prop(doc, response_schema(doc, op), "data")
    for name in ("participant_events_download_url", "speaker_timeline_download_url", "participants_download_url"):
        assert data["properties"][name]["type"] == ["string", "null"]
        assert data["properties"][name]["format"] == "uri"
        assert "See response format here" not in data["properties"][name].get("description", "")
    assert prop(doc, response_schema(doc, op), "status.code")["enum"] == ARTIFACT_CODES


def test_named_components_from_meaning(seed: NormalizeResult) -> None:
    names = set(seed.document["components"]["schemas"])
    assert {
        "Recording",
        "CalendarUser",
        "CalendarMeeting",
        "MeetingAttendee",
        "ArtifactStatus",
        "RecordingStatus",
    } <= names
    assert not [n for n in names if re.search(r"\d+$", n) or re.fullmatch(r"Model\d*", n)]
    artifact_status = seed.document["components"]["schemas"]["ArtifactStatus"]
    assert sorted(artifact_status["properties"]) == ["code", "sub_code", "updated_at"]


def test_rate_limits_as_extension(seed: NormalizeResult) -> None:
    doc = seed.document
    assert operation(doc, "calendar_user_update")[2]["x-rate-limit"] == {
        "limit": 120,
        "period": 60,
        "scope": "calendar_user",
    }
    assert operation(doc, "recording_partial_update")[2]["x-rate-limit"] == {
        "limit": 300,
        "period": 60,
        "scope": "workspace",
    }


def test_security_servers_errors_and_idempotency(seed: NormalizeResult) -> None:
    doc = seed.document
    schemes = doc["components"]["securitySchemes"]
    assert schemes["RecallApiKey"] == schemes["RecallApiKey"] | {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
    }
    assert schemes["CalendarAuthToken"]["name"] == "x-recallcalendarauthtoken"
    assert doc["security"] == [{"RecallApiKey": []}]
    assert [s["url"] for s in doc["servers"]] == [
        "https://us-east-1.recall.ai",
        "https://us-west-2.recall.ai",
        "https://eu-central-1.recall.ai",
        "https://ap-northeast-1.recall.ai",
    ]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            calendar_v1 = path.startswith("/api/v1/calendar/")
            security = op.get("security", doc["security"])
            # calendar V1 per-user operations: the per-user token alone (calendar-v1 guide, seed 003)
            assert security == ([{"CalendarAuthToken": []}] if calendar_v1 else [{"RecallApiKey": []}]), path
            statuses = set(op["responses"])
            assert {"400", "401", "402", "403", "405", "409", "429", "502", "503", "504", "507"} <= statuses
            idempotency = {"$ref": "#/components/parameters/IdempotencyKey"} in op.get("parameters", [])
            assert idempotency == (method in ("post", "put", "patch"))
    too_many = doc["components"]["responses"]["TooManyRequests"]
    assert "Retry-After" in too_many["headers"]


def test_provenance_and_clean_text(seed: NormalizeResult) -> None:
    for path, item in seed.document["paths"].items():
        for op in item.values():
            assert op["x-source"]["page"].endswith(f"_{op['operationId']}.md")  # relative to the pages folder
            assert "/" not in op["x-source"]["page"]
            assert op["x-source"]["line"] == 9
            text = op["summary"] + op.get("description", "")
            for debris in ("Moon (Dark Mode)", "CALLOUT", "📘", "ðŸ", ".md)", "rate limited to"):
                assert debris not in text, (path, debris)
    _, _, op = operation(seed.document, "calendar_user_update")
    assert op["summary"] == "Update Recording Preferences"
    assert "docs.recall.ai/docs/calendar-v1-recording-preferences#recording-preferences)" in op["description"]


def test_placeholder_values_give_formats_never_enums(seed: NormalizeResult) -> None:
    doc = seed.document
    _, _, op = operation(doc, "recording_partial_update")
    video = prop(doc, response_schema(doc, op), "media_shortcuts.video_mixed")
    assert video["properties"]["format"] == {"type": "string"}  # "mp4" in the sample is not an enum
    assert video["properties"]["id"] == {"type": "string", "format": "uuid"}
    assert video["properties"]["created_at"] == {"type": "string", "format": "date-time"}


def test_nested_short_form_takes_facts_from_its_resource_pages(seed: NormalizeResult) -> None:
    doc = seed.document
    _, _, op = operation(doc, "recording_partial_update")
    shortcut = prop(doc, response_schema(doc, op), "media_shortcuts.participant_events")
    # the recording's table never lists these (names are not repeated); seed 004 describes them
    assert {"id", "created_at"} <= set(shortcut["required"])
    code = prop(doc, response_schema(doc, op), "media_shortcuts.participant_events.status.code")
    assert code["enum"] == ARTIFACT_CODES
    video = prop(doc, response_schema(doc, op), "media_shortcuts.video_mixed")
    assert "required" not in video  # no page describes video_mixed: nothing is invented
