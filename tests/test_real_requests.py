"""Requests real Recall client programs send, and response fields they read, against the spec of
all pages (``../shared/corpus/recall-docs``).

Each request is taken from a guide of ``../shared/corpus/recall-guides/`` (cited beside it): its
method and path must be an operation of the spec, its query parameters must be declared by the
operation and valid for their schemas (the operation's required ones sent), its JSON body must
validate against the operation's request schema (JSON Schema Draft 2020-12 with the spec's
components, formats checked) and its credentials must satisfy the operation's ``security``. The
reads are fields the guides' programs take from responses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from generator.normalize.pipeline import NormalizeResult

SPEC_URI = "urn:test:corpus-spec"
BOT = "8f1a4a1e-2c1b-4d8e-9a55-7b3b5c0d9e11"
RECORDING = "03d06804-0cb2-42f8-a255-5b950dde7c57"
EVENT = "6f0f6a3e-4b51-4f7b-8d3d-2a1b3c4d5e6f"
CALENDAR = "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
MEETING = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
LOGIN_GROUP = "2d40abfe-c692-4723-b26f-869ebfbde4cf"
SLACK_TEAM = "0c1d2e3f-4a5b-4c6d-9e7f-8a9b0c1d2e3f"
#: A short JPEG and MP3 in base64 (the guides' programs send whole files).
JPEG = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcU"
MP3 = "SUQzBAAAAAAAI1RTU0UAAAAPAAADTGF2ZjU4Ljc2LjEwMAAAAAAAAAAAAAAA"
API_KEY = {"Authorization": "Token 8c0f1e2d3c4b5a69"}
CALENDAR_TOKEN = {"x-recallcalendarauthtoken": "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"}


@dataclass
class Request:
    """A request a real program sends (``source``: the guide it comes from); ``path`` may carry a
    query string, as the program writes it."""

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
    # --- creating bots: recording artifacts, real-time endpoints, platforms, automatic behaviour ---
    Request(
        "receive-a-recording",
        "POST",
        "/api/v1/bot/",
        {"meeting_url": "https://meet.google.com/pdh-dwvu-cqn", "recording_config": {"video_mixed_mp4": {}}},
    ),
    Request(
        "quickstart",
        "POST",
        "/api/v1/bot",  # the guide's URL has no trailing slash
        {
            "meeting_url": "https://us02web.zoom.us/j/1234567890",
            "bot_name": "My Bot",
            "recording_config": {"transcript": {"provider": {"meeting_captions": {}}}},
        },
    ),
    Request(
        "meeting-participants-events",
        "POST",
        "/api/v1/bot/",
        {"meeting_url": "https://meet.google.com/ggt-kpdk-mrj", "recording_config": {"participant_events": {}}},
    ),
    Request(
        "meeting-metadata",
        "POST",
        "/api/v1/bot/",
        {"meeting_url": "https://meet.google.com/gtt-vjsi-jhj", "recording_config": {"meeting_metadata": {}}},
    ),
    Request(
        "how-to-get-separate-audio-per-participant-async",
        "POST",
        "/api/v1/bot",
        {"meeting_url": "https://zoom.us/j/123456789", "recording_config": {"audio_separate_raw": {}}},
    ),
    Request(
        "how-to-get-separate-audio-per-participant-realtime",
        "POST",
        "/api/v1/bot",
        {
            "meeting_url": "https://zoom.us/j/123456789",
            "recording_config": {
                "audio_separate_raw": {},
                "realtime_endpoints": [
                    {"type": "websocket", "url": "wss://my-app.com/api/ws/audio", "events": ["audio_separate_raw.data"]}
                ],
            },
        },
    ),
    Request(
        "how-to-get-separate-videos-per-participant-realtime; real-time-video",
        "POST",
        "/api/v1/bot",
        {
            "meeting_url": "https://meet.google.com/sde-zixx-iry",
            "recording_config": {
                "video_mixed_layout": "gallery_view_v2",
                "video_separate_png": {},
                "realtime_endpoints": [
                    {"type": "websocket", "url": "wss://my-app.com/api/ws/video", "events": ["video_separate_png.data"]}
                ],
            },
        },
    ),
    Request(
        "real-time-media; real-time-audio-protocol (endpoint url and events under `config`)",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://meet.google.com/sde-zixx-iry",
            "recording_config": {
                "audio_mixed_raw": {},
                "realtime_endpoints": [
                    {
                        "type": "websocket",
                        "config": {"url": "wss://my-tunnel-domain.ngrok-free.app", "events": ["audio_mixed_raw.data"]},
                    }
                ],
            },
        },
    ),
    Request(
        "stream-real-time-video-rtmp",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://meet.google.com/sde-zixx-iry",
            "recording_config": {
                "video_mixed_flv": {},
                "realtime_endpoints": [
                    {"type": "rtmp", "url": "rtmps://my-app.com/live/stream-key", "events": ["video_mixed_flv.data"]}
                ],
            },
        },
    ),
    Request(
        "real-time-webhook-endpoints",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://meet.google.com/hzj-adhd-inu",
            "recording_config": {
                "realtime_endpoints": [
                    {
                        "type": "webhook",
                        "url": "https://my-app.com/api/webhook/recall",
                        "events": ["participant_events.join", "participant_events.leave"],
                    }
                ]
            },
        },
    ),
    Request(
        "receiving-chat-messages",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://meet.google.com/hzj-adhd-inu",
            "recording_config": {
                "realtime_endpoints": [
                    {
                        "type": "webhook",
                        "url": "https://my-app.com/api/webhook/recall",
                        "events": ["participant_events.chat_message"],
                    }
                ]
            },
        },
    ),
    Request(
        "perfect-diarization; diarization",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://zoom.us/j/123456789",
            "recording_config": {
                "transcript": {
                    "provider": {"deepgram_streaming": {"diarize": True}},
                    "diarization": {"use_separate_streams_when_available": True},
                }
            },
        },
    ),
    Request(
        "storage-and-playback; data-retention (timed)",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://zoom.us/j/123456789",
            "recording_config": {"retention": {"type": "timed", "hours": 72}},
        },
    ),
    Request(
        "storage-and-playback; data-retention (forever)",
        "POST",
        "/api/v1/bot/",
        {"meeting_url": "https://zoom.us/j/123456789", "recording_config": {"retention": {"type": "forever"}}},
    ),
    Request(
        "recording-control (start_recording_on manual)",
        "POST",
        "/api/v1/bot/",
        {"meeting_url": "https://zoom.us/j/123456789", "recording_config": {"start_recording_on": "manual"}},
    ),
    Request(
        "automatic-leaving-behavior; bot-detection (the documented defaults)",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://zoom.us/j/123456789",
            "automatic_leave": {
                "silence_detection": {"timeout": 3600, "activate_after": 1200},
                "bot_detection": {
                    "using_participant_events": {"timeout": 600, "activate_after": 1200},
                    "using_participant_names": {"matches": ["notetaker"], "timeout": 3600, "activate_after": 1200},
                },
                "waiting_room_timeout": 1200,
                "noone_joined_timeout": 1200,
                "everyone_left_timeout": 2,
                "in_call_not_recording_timeout": 3600,
                "recording_permission_denied_timeout": 30,
            },
        },
    ),
    Request(
        "sending-chat-messages; chat-messages (chat on join)",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://zoom.us/j/123456789",
            "chat": {
                "on_bot_join": {"send_to": "everyone", "message": "I am taking notes for this call."},
                "on_participant_join": {"exclude_host": True, "message": "Welcome! This call is recorded."},
            },
        },
    ),
    Request(
        "output-video-in-meetings (automatic_video_output)",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://us02web.zoom.us/j/1234567890",
            "bot_name": "Recall.ai Notetaker",
            "automatic_video_output": {
                "in_call_recording": {"kind": "jpeg", "b64_data": JPEG},
                "in_call_not_recording": {"kind": "jpeg", "b64_data": JPEG},
            },
        },
    ),
    Request(
        "output-audio-in-meetings (automatic_audio_output)",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://zoom.us/j/123456789",
            "automatic_audio_output": {
                "in_call_recording": {
                    "data": {"kind": "mp3", "b64_data": MP3},
                    "replay_on_participant_join": {
                        "debounce_mode": "trailing",
                        "debounce_interval": 10,
                        "disable_after": 60,
                    },
                }
            },
        },
    ),
    Request(
        "stream-media (output_media in Create Bot)",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://us02web.zoom.us/j/1234567890",
            "bot_name": "Recall.ai Notetaker",
            "output_media": {"camera": {"kind": "webpage", "config": {"url": "https://www.recall.ai"}}},
        },
    ),
    Request(
        "zoom-webinars; registration-required-meetings-webinars",
        "POST",
        "/api/v1/bot/",
        {"meeting_url": "https://zoom.us/w/123456789?tk=abc", "zoom": {"user_email": "bot@yourcompany.com"}},
    ),
    Request(
        "zoom-signed-in-bots",
        "POST",
        "/api/v1/bot/",
        {"meeting_url": "https://zoom.us/j/123456789", "zoom": {"zak_url": "https://my-app.com/zak?token=abc"}},
    ),
    Request(
        "google-meet-login-getting-started (a signed-in bot, scheduled)",
        "POST",
        "/api/v1/bot/",
        {
            "meeting_url": "https://meet.google.com/abc-defg-hij",
            "join_at": "2025-07-01T17:00:00Z",
            "google_meet": {"google_login_group_id": LOGIN_GROUP, "login_required": True},
        },
    ),
    # --- bots after creation: list with filters, read, reschedule, control, output, delete ---
    Request(
        "bot_list (filters and pagination of the reference page)",
        "GET",
        "/api/v1/bot/?join_at_after=2025-06-01T00:00:00Z&status=done&status=fatal&platform=zoom&page=2",
    ),
    Request("receive-a-recording; meeting-caption-transcription (Retrieve Bot)", "GET", f"/api/v1/bot/{BOT}/"),
    Request(
        "scheduling-guide (self-managed: reschedule the bot)",
        "PATCH",
        f"/api/v1/bot/{BOT}/",
        {"join_at": "2025-07-01T18:00:00Z"},
    ),
    Request("calendar-v2-integration-guide (self-managed: delete the bot)", "DELETE", f"/api/v1/bot/{BOT}/"),
    Request("recording-control (start)", "POST", f"/api/v1/bot/{BOT}/start_recording/"),
    Request("recording-control (pause)", "POST", f"/api/v1/bot/{BOT}/pause_recording/"),
    Request("recording-control (resume)", "POST", f"/api/v1/bot/{BOT}/resume_recording/"),
    Request("recording-control (stop)", "POST", f"/api/v1/bot/{BOT}/stop_recording/"),
    Request(
        "output-audio-in-meetings (Output Audio)",
        "POST",
        f"/api/v1/bot/{BOT}/output_audio/",
        {"kind": "mp3", "b64_data": MP3},
    ),
    Request("stream-media (stop)", "DELETE", f"/api/v1/bot/{BOT}/output_media/", {"camera": True}),
    Request("storage-and-playback (delete media now)", "POST", f"/api/v1/bot/{BOT}/delete_media/"),
    # --- recordings, artifacts and transcripts ---
    Request("desktop-sdk (Retrieve Recording)", "GET", f"/api/v1/recording/{RECORDING}/"),
    Request("recording_list (a bot's recordings)", "GET", f"/api/v1/recording/?bot_id={BOT}&status_code=done"),
    Request(
        "meeting-participants-events (List Participant Events)",
        "GET",
        f"/api/v1/participant_events/?recording_id={RECORDING}",
    ),
    Request(
        "how-to-get-separate-audio-per-participant-async (List Audio Separate)",
        "GET",
        f"/api/v1/audio_separate?recording_id={RECORDING}",
    ),
    Request(
        "how-to-get-separate-videos-per-participant-async (List Video Separate)",
        "GET",
        f"/api/v1/video_separate?recording_id={RECORDING}",
    ),
    Request("meeting-metadata (List Meeting Metadata)", "GET", f"/api/v1/meeting_metadata/?recording_id={RECORDING}"),
    Request("bot-async-transcription (Retrieve Transcript)", "GET", f"/api/v1/transcript/{RECORDING}/"),
    Request(
        "diarization (assembly_ai_async.speaker_labels)",
        "POST",
        f"/api/v1/recording/{RECORDING}/create_transcript/",
        {"provider": {"assembly_ai_async": {"speaker_labels": True}}},
    ),
    # --- desktop SDK uploads ---
    Request("desktop-sdk (Create SDK Upload)", "POST", "/api/v1/sdk-upload/"),
    Request(
        "desktop-sdk (Create SDK Upload with real-time transcription)",
        "POST",
        "/api/v1/sdk-upload/",
        {"transcript": {"provider": {"assembly_ai_streaming": {}}}},
    ),
    # --- calendar V1, from the browser with the per-user token ---
    Request(
        "calendar-v1-integration-guide (Get Calendar User)", "GET", "/api/v1/calendar/user/", None, dict(CALENDAR_TOKEN)
    ),
    Request(
        "calendar-v1-recording-preferences (all preferences)",
        "PUT",
        "/api/v1/calendar/user/",
        {
            "preferences": {
                "record_non_host": False,
                "record_recurring": False,
                "record_external": True,
                "record_internal": True,
                "record_confirmed": False,
                "record_only_host": False,
            }
        },
        dict(CALENDAR_TOKEN),
    ),
    Request(
        "calendar-v1-integration-guide (override one meeting)",
        "PUT",
        f"/api/v1/calendar/meetings/{MEETING}/",
        {"override_should_record": True},
        dict(CALENDAR_TOKEN),
    ),
    Request(
        "calendar-v1-integration-guide (refresh meetings)",
        "POST",
        "/api/v1/calendar/meetings/refresh/",
        None,
        dict(CALENDAR_TOKEN),
    ),
    Request(
        "calendar-v1-integration-guide (disconnect a calendar)",
        "POST",
        "/api/v1/calendar/user/disconnect/",
        {"platform": "google"},
        dict(CALENDAR_TOKEN),
    ),
    Request(
        "calendar-v1-integration-guide (delete the user)",
        "DELETE",
        "/api/v1/calendar/user/",
        None,
        dict(CALENDAR_TOKEN),
    ),
    Request("calendar-v1-faq (List Calendar Users, from the server)", "GET", "/api/v1/calendar/users/"),
    # --- calendar V2: calendars, events, scheduling ---
    Request(
        "calendar-v2-integration-guide (Create Calendar, Outlook)",
        "POST",
        "/api/v2/calendars/",
        {
            "oauth_client_id": "00000000-0000-0000-0000-000000000000",
            "oauth_client_secret": "outlook-secret",
            "oauth_refresh_token": "M.R3_BAY.refresh",
            "platform": "microsoft_outlook",
        },
    ),
    Request(
        "calendar-v2-integration-guide (Update Calendar: a new refresh token)",
        "PATCH",
        f"/api/v2/calendars/{CALENDAR}/",
        {"oauth_refresh_token": "1//0g-new-refresh-token"},
    ),
    Request("calendar-v2-integration-guide (Retrieve Calendar)", "GET", f"/api/v2/calendars/{CALENDAR}/"),
    Request("scheduling-guide (Delete Calendar)", "DELETE", f"/api/v2/calendars/{CALENDAR}/"),
    Request(
        "scheduling-guide (incremental sync: updated_at__gte)",
        "GET",
        f"/api/v2/calendar-events/?calendar_id={CALENDAR}&updated_at__gte=2025-06-01T00:00:00Z",
    ),
    Request("scheduling-guide (Remove Bot)", "DELETE", f"/api/v2/calendar-events/{EVENT}/bot/"),
    # --- Zoom, Slack, Google logins ---
    Request(
        "integration-guide-zoom-oauth-legacy-scopes (Create Zoom OAuth App)",
        "POST",
        "/api/v2/zoom-oauth-apps/",
        {
            "kind": "user_level",
            "client_id": "zoom-client-id",
            "client_secret": "zoom-secret",
            "webhook_secret": "zoom-token",
        },
    ),
    Request("zoom-oauth-sync-status-and-debugging", "GET", "/api/v2/zoom-meetings-to-credentials"),
    Request(
        "zoom-oauth-sync-status-and-debugging (one meeting)",
        "GET",
        "/api/v2/zoom-meetings-to-credentials/?meeting_id=12347589873",
    ),
    Request(
        "slack-huddle-bots-integration-guide (activate on slack_team.invited)",
        "PATCH",
        f"/api/v2/slack-teams/{SLACK_TEAM}",
        {"bot_name": "Slack Bot"},
    ),
    Request(
        "slack-huddle-bots-integration-guide (on slack_team.access_revoked)",
        "DELETE",
        f"/api/v2/slack-teams/{SLACK_TEAM}/",
    ),
    Request(
        "google-meet-login-getting-started (Create Google Login)",
        "POST",
        "/api/v2/google-logins/",
        {
            "group_id": LOGIN_GROUP,
            "email": "bot@sso.yourcompany.com",
            "sso_v2_workspace_domain": "sso.yourcompany.com",
            "sso_v2_private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE...\\n-----END PRIVATE KEY-----",
            "sso_v2_cert": "-----BEGIN CERTIFICATE-----\\nMIID...\\n-----END CERTIFICATE-----",
            "is_active": True,
        },
    ),
    Request(
        "google-meet-login-getting-started (Retrieve Google Login Group)",
        "GET",
        f"/api/v2/google-login-groups/{LOGIN_GROUP}/",
    ),
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
    "recording_retrieve": [
        "media_shortcuts.participant_events.data.participants_download_url",
        "media_shortcuts.participant_events.data.speaker_timeline_download_url",  # speaker-timeline
        "media_shortcuts.transcript.data.download_url",  # desktop-sdk
        "media_shortcuts.video_mixed.data.download_url",  # desktop-sdk
        "expires_at",  # storage-and-playback
        "status.code",
    ],
    # receive-a-recording, meeting-metadata, speaker-timeline, transcription-faq, debugging-bots
    "bot_create": ["id", "status_changes", "join_at"],
    "bot_list": ["results[].id", "results[].status_changes[].code", "next"],
    "audio_separate_list": ["next", "results[].data.download_url", "results[].recording.id", "results[].status.code"],
    "video_separate_list": ["results[].data.download_url", "results[].recording.id", "results[].format"],
    "participant_events_list": [
        "results[].data.participant_events_download_url",
        "results[].data.speaker_timeline_download_url",
        "results[].data.participants_download_url",
    ],
    "meeting_metadata_retrieve": ["data.title"],  # meeting-metadata
    "calendar_events_bot_create": ["id", "bots[].bot_id", "bots[].deduplication_key", "bots[].start_time"],
    "calendars_create": ["id", "status", "platform"],  # calendar-v2-integration-guide: keep the id
    "zoom_meetings_to_credentials_list": ["results[].meeting_id", "results[].credential", "results[].synced_at"],
    "zoom_oauth_apps_create": ["id", "kind", "created_at"],  # integration-guide-zoom-oauth-legacy-scopes
    # customer-managed-oauth, step-2-alternative-customer-managed-oauth: the created credential
    "zoom_oauth_credentials_create": ["id", "oauth_app", "user_id", "account_id", "access_token_callback_url"],
    "sdk_upload_create": ["id", "upload_token"],  # desktop-sdk
    "google_login_groups_retrieve": ["logins[].id", "logins[].email", "logins[].is_active"],
    "transcript_list": ["results[].data.download_url", "results[].status.code"],
    "calendar_user_retrieve": ["external_id", "connections[].platform", "connections[].connected", "preferences"],
}
#: Read in the same guides, checked in the response of these operations too.
READS["bot_retrieve"] += [
    "join_at",
    "status_changes[].sub_code",  # bot-status-change-events, sub-codes
    "status_changes[].created_at",
    "recordings[].started_at",  # transcription-faq
    "recordings[].completed_at",
    "recordings[].expires_at",  # storage-and-playback
    "recordings[].status.code",
    "recordings[].media_shortcuts.participant_events.data.participants_download_url",  # meeting-participants-events
    "recordings[].media_shortcuts.participant_events.data.speaker_timeline_download_url",  # speaker-timeline
    "recordings[].media_shortcuts.meeting_metadata.data.title",  # meeting-metadata
    "meeting_participants[].name",  # chat-messages
    "meeting_participants[].events[].code",
]
READS["calendar_events_list"] += [
    "next",
    "results[].is_deleted",  # scheduling-guide
    "results[].ical_uid",
    "results[].start_time",
    "results[].calendar_id",
    "results[].bots[].deduplication_key",
    "results[].bots[].start_time",
    "results[].bots[].meeting_url",
]


@pytest.fixture(scope="module")
def doc(corpus_result: NormalizeResult) -> dict[str, Any]:
    return corpus_result.document


@pytest.fixture(scope="module")
def registry(doc: dict[str, Any]) -> Registry[Any]:
    return Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(doc))


def _operation(doc: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The operation a program's request reaches. The API's paths end in ``/``; the guides' programs
    often leave it out (``/api/v1/bot``), which the API accepts."""
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^{}/]+\\\}", "[^/]+", re.escape(template.rstrip("/"))) + "/?$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    raise AssertionError(f"{method} {path}: no such operation in the spec")


def _query_value(schema: dict[str, Any], values: list[str]) -> Any:
    """The JSON value of a query parameter as the API reads it (OpenAPI style ``form``, exploded)."""
    kind = schema.get("type")
    if kind == "array":
        return [_query_value(schema.get("items", {}), [value]) for value in values]
    (value,) = values
    if kind == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _query_problems(op: dict[str, Any], query: str) -> list[str]:
    declared = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
    sent = parse_qs(query, keep_blank_values=True)
    problems = [f"query parameter {name!r} is not declared" for name in sent if name not in declared]
    for name, values in sent.items():
        if name in declared:
            schema = declared[name].get("schema", {})
            validator = Draft202012Validator(schema, format_checker=FormatChecker())
            problems += [f"{name}: {e.message}" for e in validator.iter_errors(_query_value(schema, values))]
    problems += [
        f"required query parameter {n!r} not sent" for n, p in declared.items() if p.get("required") and n not in sent
    ]
    return problems


def _pointer(*tokens: str) -> str:
    return "#/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens)


@pytest.mark.parametrize("request_", REQUESTS, ids=[f"{r.method} {r.path} ({r.source})" for r in REQUESTS])
def test_real_request_validates(doc: dict[str, Any], registry: Registry[Any], request_: Request) -> None:
    url = urlsplit(request_.path)
    template, op = _operation(doc, request_.method, url.path)
    assert _query_problems(op, url.query) == [], f"{op['operationId']} ({request_.source})"
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
