"""Requests real Recall client programs send, and response fields they read, against the spec of
all pages (``../shared/corpus/recall-docs``).

Each request is taken from a guide of ``../shared/corpus/recall-guides/`` (cited beside it): its
method and path must be an operation of the spec, its JSON body must validate against the
operation's request schema (JSON Schema Draft 2020-12 with the spec's components, formats
checked) and its credentials must satisfy the operation's ``security``. The reads are fields the
guides' programs take from responses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from generator.normalize.pipeline import NormalizeResult

SPEC_URI = "urn:test:corpus-spec"
BOT = "8f1a4a1e-2c1b-4d8e-9a55-7b3b5c0d9e11"
RECORDING = "03d06804-0cb2-42f8-a255-5b950dde7c57"
EVENT = "6f0f6a3e-4b51-4f7b-8d3d-2a1b3c4d5e6f"
API_KEY = {"Authorization": "Token 8c0f1e2d3c4b5a69"}
CALENDAR_TOKEN = {"x-recallcalendarauthtoken": "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"}


@dataclass
class Request:
    """A request a real program sends (``source``: the guide it comes from)."""

    source: str
    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=lambda: dict(API_KEY))


REQUESTS = [
    Request(
        "meeting-caption-transcription",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://meet.google.com/sft-iwmv-eur",
            "recording_config": {"transcript": {"provider": {"meeting_captions": {}}}},
        },
    ),
    Request(
        "bot-real-time-transcription (Recall.ai streaming provider)",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://zoom.us/j/123456789?pwd=abc",
            "bot_name": "Meeting Notetaker",
            "recording_config": {
                "transcript": {"provider": {"recallai_streaming": {}}},
                "realtime_endpoints": [
                    {
                        "type": "webhook",
                        "url": "https://my-app.com/api/webhook/recall/transcript",
                        "events": ["transcript.data", "transcript.partial_data"],
                    }
                ],
            },
        },
    ),
    Request(
        "bot-real-time-transcription",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://meet.google.com/hzj-adhd-inu",
            "recording_config": {
                "transcript": {"provider": {"assembly_ai_streaming": {}}},
                "realtime_endpoints": [
                    {
                        "type": "webhook",
                        "url": "https://my-app.com/api/webhook/recall/transcript",
                        "events": ["transcript.data", "transcript.partial_data"],
                    }
                ],
            },
        },
    ),
    Request(
        "real-time-websocket-endpoints",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://meet.google.com/sde-zixx-iry",
            "recording_config": {
                "realtime_endpoints": [
                    {"type": "websocket", "url": "wss://my-app.com/api/ws/audio", "events": ["audio_mixed_raw.data"]}
                ]
            },
        },
    ),
    Request(
        "native-bots",
        "POST",
        "/api/v1/bot/",
        {"meeting_url": "https://zoom.us/j/123456789", "variant": {"zoom": "native"}},
    ),
    Request(
        "how-to-get-separate-videos-per-participant-async; automatic-leaving-behavior; custom-metadata",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0",
            "join_at": "2025-07-01T17:00:00Z",
            "recording_config": {
                "video_mixed_layout": "gallery_view_v2",
                "video_separate_mp4": {},
                "meeting_metadata": {},
                "metadata": {"user_id": "12345"},
            },
            "automatic_leave": {"waiting_room_timeout": 600, "noone_joined_timeout": 300},
            "metadata": {"customer": "acme"},
        },
    ),
    Request(
        "output-video-in-meetings",
        "POST",
        f"/api/v1/bot/{BOT}/output_video/",
        {"kind": "jpeg", "b64_data": "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcU"},
    ),
    Request(
        "stream-media",
        "POST",
        f"/api/v1/bot/{BOT}/output_media/",
        {"camera": {"kind": "webpage", "config": {"url": "https://recall.ai"}}},
    ),
    Request(
        "sending-chat-messages",
        "POST",
        f"/api/v1/bot/{BOT}/send_chat_message/",
        {"to": "16778240", "message": "Hello! I am a virtual meeting assistant that will be taking notes."},
    ),
    Request(
        "asynchronous-transcription",
        "POST",
        f"/api/v1/recording/{RECORDING}/create_transcript/",
        {"provider": {"assembly_ai_async": {"language": "en"}}},
    ),
    Request(
        "desktop-sdk",
        "POST",
        f"/api/v1/recording/{RECORDING}/create_transcript/",
        {
            "provider": {"assembly_ai_async": {"language_code": "en"}},
            "diarization": {"algorithm_priority": ["speaker_timeline"]},
        },
    ),
    Request(
        "scheduling-guide (Add Bot with deduplication_key and bot_config)",
        "POST",
        f"/api/v2/calendar-events/{EVENT}/bot/",
        {
            "deduplication_key": "2025-07-01T17:00:00Z-https://zoom.us/j/123456789",
            "bot_config": {
                "bot_name": "Acme Notetaker",
                "recording_config": {"transcript": {"provider": {"recallai_streaming": {}}}},
            },
        },
    ),
    Request(
        "calendar-v2-integration-guide (Create Calendar)",
        "POST",
        "/api/v2/calendars/",
        {
            "oauth_client_id": "1234-abc.apps.googleusercontent.com",
            "oauth_client_secret": "GOCSPX-secret",
            "oauth_refresh_token": "1//0g-refresh-token",
            "platform": "google_calendar",
        },
    ),
    Request(
        "calendar-v1-integration-guide (token from your server)",
        "POST",
        "/api/v1/calendar/authenticate/",
        {"user_id": "user-42"},
    ),
    Request(
        "calendar-v1-integration-guide (recording preferences, from the browser)",
        "PUT",
        "/api/v1/calendar/user/",
        {"preferences": {"record_external": True, "record_internal": False, "record_only_host": False}},
        dict(CALENDAR_TOKEN),
    ),
    Request(
        "calendar-v1-integration-guide (upcoming meetings, from the browser)",
        "GET",
        "/api/v1/calendar/meetings/",
        None,
        dict(CALENDAR_TOKEN),
    ),
    Request(
        "google-meet-login-getting-started",
        "POST",
        "/api/v2/google-login-groups/",
        {"login_mode": "always", "name": "Bot Group 1"},
    ),
    Request(
        "recall-managed-oauth",
        "POST",
        "/api/v2/zoom-oauth-credentials/",
        {
            "oauth_app": "2d40abfe-c692-4723-b26f-869ebfbde4cf",
            "authorization_code": {
                "code": "JFiSLNVIEejhfiJLmU6AuTnKZQ",
                "redirect_uri": "https://my-static-domain.ngrok-free.app/oauth-callback/zoom",
            },
        },
    ),
    Request(
        "customer-managed-oauth",
        "POST",
        "/api/v2/zoom-oauth-credentials/",
        {"oauth_app": "2d40abfe-c692-4723-b26f-869ebfbde4cf", "access_token_callback_url": "https://my-app.com/token"},
    ),
    Request("recording-control (leave call)", "POST", f"/api/v1/bot/{BOT}/leave_call/"),
]

#: Response fields the guides' programs read, by operationId (``[]`` steps into array items).
READS = {
    "bot_retrieve": [
        "id",
        "status_changes[].code",
        "recordings[].id",
        "recordings[].media_shortcuts.transcript.data.download_url",
        "recordings[].media_shortcuts.video_mixed.data.download_url",
        "meeting_participants[].id",  # sending-chat-messages
        "meeting_participants[].is_host",  # common-zoom-recording-errors
        "meeting_url.platform",  # meeting-urls
        "metadata",
    ],
    "transcript_retrieve": ["id", "data.download_url", "status.code", "provider"],
    "calendar_events_list": ["results[].id", "results[].raw", "results[].bots[].bot_id", "results[].meeting_url"],
    "calendar_meetings_list": ["[].id", "[].bot_id", "[].will_record", "[].start_time"],
    "calendar_authenticate_create": ["token"],
    "recording_retrieve": ["media_shortcuts.participant_events.data.participants_download_url"],
}


@pytest.fixture(scope="module")
def doc(corpus_result: NormalizeResult) -> dict[str, Any]:
    return corpus_result.document


@pytest.fixture(scope="module")
def registry(doc: dict[str, Any]) -> Registry[Any]:
    return Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(doc))


def _operation(doc: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^{}/]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    raise AssertionError(f"{method} {path}: no such operation in the spec")


def _pointer(*tokens: str) -> str:
    return "#/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens)


@pytest.mark.parametrize("request_", REQUESTS, ids=[f"{r.method} {r.path} ({r.source})" for r in REQUESTS])
def test_real_request_validates(doc: dict[str, Any], registry: Registry[Any], request_: Request) -> None:
    template, op = _operation(doc, request_.method, request_.path)
    body = op.get("requestBody")
    if request_.body is None:
        assert not (body or {}).get("required"), f"{op['operationId']} demands a body the program does not send"
    else:
        assert body is not None, f"{op['operationId']} takes no body"
        ref = SPEC_URI + _pointer("paths", template, request_.method.lower(), "requestBody", "content")
        validator = Draft202012Validator(
            {"$ref": ref + "/application~1json/schema"}, registry=registry, format_checker=FormatChecker()
        )
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(request_.body)]
        assert errors == [], f"{op['operationId']} ({request_.source})"
    schemes = doc["components"]["securitySchemes"]
    sent = {name.lower() for name in request_.headers}
    security = op.get("security", doc.get("security", []))
    assert any(all(schemes[name]["name"].lower() in sent for name in requirement) for requirement in security), (
        f"{op['operationId']}: {sorted(sent)} satisfy none of {security}"
    )


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The object/array alternatives a schema allows ($refs followed, anyOf branches, null dropped)."""
    out: list[dict[str, Any]] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if "$ref" in node:
            stack.append(doc["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]])
        elif "anyOf" in node:
            stack.extend(branch for branch in node["anyOf"] if branch.get("type") != "null")
        else:
            out.append(node)
    return out


def _reachable(doc: dict[str, Any], schema: dict[str, Any], dotted: str) -> bool:
    nodes = [schema]
    for step in dotted.split("."):
        name, items = (step[:-2], True) if step.endswith("[]") else (step, False)
        nodes = [n for s in nodes for n in _resolve(doc, s)]
        if name:
            nodes = [n["properties"][name] for n in nodes if name in n.get("properties", {})]
        if items:
            nodes = [n["items"] for s in nodes for n in _resolve(doc, s) if "items" in n]
        if not nodes:
            return False
    return True


@pytest.mark.parametrize("operation_id", sorted(READS))
def test_response_fields_programs_read_are_in_the_schema(doc: dict[str, Any], operation_id: str) -> None:
    op = next(o for item in doc["paths"].values() for o in item.values() if o["operationId"] == operation_id)
    status = min(code for code in op["responses"] if code.startswith("2"))
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    missing = [path for path in READS[operation_id] if not _reachable(doc, schema, path)]
    assert missing == []


def test_bot_meeting_url_reads_as_the_guides_object(doc: dict[str, Any], registry: Registry[Any]) -> None:
    # meeting-urls: a bot response's meeting_url is an object; a request's is a string
    bot = Draft202012Validator({"$ref": SPEC_URI + "#/components/schemas/Bot"}, registry=registry)
    schema = bot.schema
    assert schema is not None
    meeting = {"meeting_id": "123456789", "meeting_password": None, "platform": "zoom"}
    url_schema = {"$ref": SPEC_URI + "#/components/schemas/Bot/properties/meeting_url"}
    validator = Draft202012Validator(url_schema, registry=registry)
    assert validator.is_valid(meeting) and validator.is_valid(None)
    assert not validator.is_valid("https://zoom.us/j/123456789")
