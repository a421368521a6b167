"""The real "the docs changed" case: the oldest against the newest dated version of every page.

``../shared/corpus/recall-docs-versions`` holds three versions of each of the 150 reference pages.
Between the oldest and the newest, no table row changed (the middle version only rewrote `.md`
anchors): the newest adds a ``## Python Code Sample`` and a ``## Sample Response`` to the endpoint
pages. The samples give the normalizer the method, the nesting of the flat table rows and which rows
are request fields, so the normalized specs differ a lot, and ``recallgen diff`` must say how in a
report short enough for a pull-request comment (it said 3,319 changes, 1,807 breaking, before).

:data:`CHECKED` lists the items compared with the pages by hand, each with what was found there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.diagnostics import Diagnostics
from generator.diff.changes import Change, counts, diff_specs
from generator.diff.formats import MAX_MARKDOWN, Context, markdown
from generator.normalize.pipeline import normalize
from generator.spec.model import Spec
from generator.spec.overlay import load_overlay
from tests.conftest import CORPUS, OVERLAY

VERSIONS = CORPUS / "recall-docs-versions"
pytestmark = pytest.mark.skipif(not VERSIONS.is_dir(), reason="../shared/corpus is absent")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> list[Change]:
    """The diff of the spec of the oldest versions against the spec of the newest ones."""
    root = tmp_path_factory.mktemp("versions")
    pages: dict[str, list[Path]] = {}
    for path in sorted(VERSIONS.glob("*.md")):
        pages.setdefault(path.name.split("__")[0], []).append(path)
    specs = []
    for name, pick in (("old", 0), ("new", -1)):
        folder = root / name
        folder.mkdir()
        for versions in pages.values():
            chosen = sorted(versions)[pick]  # SLUG__CONVERTEDAT.md: the names sort by converted_at
            shutil.copy(chosen, folder / chosen.name)
        diags = Diagnostics()
        result = normalize([folder], load_overlay(OVERLAY, diags), diags)
        assert not diags.has_errors
        specs.append(Spec.from_document(result.document, f"{name}.yaml"))
    return diff_specs(specs[0], specs[1])


def find(report: list[Change], change_id: str, location: str, message: str) -> Change:
    """The change with this id whose location contains ``location`` and message ``message``."""
    found = [c for c in report if c.id == change_id and location in c.location and message in c.message]
    assert len(found) == 1, (change_id, location, message, [c.format() for c in report if c.id == change_id])
    return found[0]


#: Items of the report compared with the pages by hand: (id, part of the location, part of the
#: message, what the pages say). Page names are slugs of recall-docs-versions; "oldest" and
#: "newest" are its first and third version.
CHECKED = [
    (
        "operation-removed",
        "calendar_authenticate_retrieve",
        "GET /api/v1/calendar/authenticate/ removed",
        "Right. calendar-v1 and calendar_authenticate_create both head `GET /calendar/authenticate/`. In the "
        "oldest versions (no sample) calendar-v1 stays a GET (operationId derived: ..._retrieve) and "
        "calendar_authenticate_create becomes a POST by its `_create` suffix; the newest calendar-v1 sample calls "
        "requests.post, so it is the same POST and one page is kept: the GET the oldest spec invented is gone.",
    ),
    (
        "success-status-changed",
        "bot_output_media_destroy",
        "200 -> 204",
        "Right. The oldest page (heading POST, no sample) gave a DELETE whose rows camera/screenshare were a 200 "
        "body; the newest sample sends them as the payload of requests.delete and shows no response: 204.",
    ),
    (
        "request-body-added",
        "bot_output_media_destroy",
        "request body added",
        "Right: the newest sample's payload is {camera: False, screenshare: False} (rows 'Stop outputting media "
        "on the bot camera/screenshare'), which the oldest spec read as response fields.",
    ),
    (
        "request-body-removed",
        "bot_leave_call_create",
        "request body removed",
        "Right. The newest bot_leave_call_create sample is requests.post(url, headers=headers) with no payload "
        "and a Bot as sample response: the table rows (the bot's fields) are response fields, which the oldest "
        "spec took for a request body. Same for pause/resume/stop recording, delete media, recording permission.",
    ),
    (
        "request-property-removed",
        "BotOutputAudioRequest",
        "`bot_name`",
        "Right. The newest bot_output_audio_create payload is {kind, b64_data}; the other rows (bot_name, "
        "meeting_url, recording_config...) are the Bot of the sample response. The oldest spec had them as "
        "request properties.",
    ),
    (
        "response-property-moved",
        "Recording",
        "properties `code`, `sub_code`, `updated_at` moved into `status`",
        "Right. recording_retrieve lists code, sub_code, updated_at as flat rows after `status`; the newest "
        "sample response nests them: status: {code, sub_code, updated_at}. The same holds for the other "
        "artifacts named in the location (AudioMixed, Transcript, VideoMixed...).",
    ),
    (
        "response-property-moved",
        "schema CalendarMeeting",
        "properties `email`, `is_organizer`, `name`, `status` moved into `attendees[]`",
        "Right. calendar_meetings_retrieve rows 53-57: attendees, then name, email, is_organizer, status; the "
        "newest sample shows attendees: [{name, email, is_organizer, status}] (the corpus README's quirk).",
    ),
    (
        "response-type-changed",
        "calendar_meetings_list response",
        "type object -> array",
        "Right: the newest calendar_meetings_list sample response is a JSON array; the oldest spec built one "
        "object from the rows. Likewise for the other list operations named in the location.",
    ),
    (
        "parameter-added",
        "billing_usage_retrieve parameter start (query)",
        "new parameter `start`",
        "Right. billing_usage_retrieve (GET) lists start and end first; the newest sample response lacks them, "
        "so they are query parameters (README: GET rows listed before the response fields), no longer response "
        "properties (the matching response-property-removed at BillingUsage).",
    ),
    (
        "response-nullable-added",
        "schema Bot.metadata",
        "accepts null",
        "Right, by the merge rule: bot_retrieve says `metadata | object | No`, but the category page `bot` and "
        "bot_list say `object | null`; in the newest spec one Bot schema serves all bot operations and keeps "
        "null. The oldest spec had one flat schema per operation (BotRetrieve...), non-null.",
    ),
]


#: Items the report showed while the normalizer lost a row's facts once the newest sample nested the row
#: (issue "facts from one row stay on that row"): no table row changed, so no change is reported now.
NO_LONGER_REPORTED = [
    (
        "response-enum-removed",
        "schema RecordingStatus.code",
        "recording_retrieve's `code` row lists processing/paused/done/failed/deleted in every version",
    ),
    (
        "response-format-changed",
        "schema ParticipantEventData.participant_events_download_url",
        "the row says `uri | null`, Required Yes, in every version",
    ),
    (
        "request-default-changed",
        "BotRecordingConfigRequest.meeting_metadata",
        "bot_create's row says 'Default: {}' in every version (an object default is a default)",
    ),
]


@pytest.mark.parametrize("item", NO_LONGER_REPORTED, ids=[f"{c[0]}:{c[1]}" for c in NO_LONGER_REPORTED])
def test_row_facts_nested_by_the_newest_samples_are_kept(report: list[Change], item: tuple[str, str, str]) -> None:
    change_id, location, _found_on_the_pages = item
    field = location.rsplit(".", 1)[-1]
    assert [c.format() for c in report if c.id == change_id and field in c.location + c.message] == []


@pytest.mark.parametrize("item", CHECKED, ids=[f"{c[0]}:{c[1]}" for c in CHECKED])
def test_items_checked_by_hand_against_the_pages(report: list[Change], item: tuple[str, str, str, str]) -> None:
    change_id, location, message, _found_on_the_pages = item
    find(report, change_id, location, message)


def test_short_enough_for_a_pull_request_comment(report: list[Change]) -> None:
    n = counts(report)
    assert len(report) < 400 and n["breaking"] < 150, n  # was 3,319 changes, 1,807 breaking
    assert len({(c.id, c.location, c.message) for c in report}) == len(report), "no change twice"
    text = markdown(report, Context("old.yaml", "new.yaml"))
    assert len(text) <= MAX_MARKDOWN + 200


def test_a_change_to_a_shared_component_is_reported_once(report: list[Change]) -> None:
    """Bot is the response of 16 bot operations: its moves are one change each, listing them all."""
    moved = find(report, "response-property-moved", "schema Bot", "moved into `recording_config`")
    assert moved.location == "schema Bot"
    assert {"bot_create", "bot_retrieve", "bot_leave_call_create", "bot_partial_update"} <= set(moved.operations)
    assert len([c for c in report if c.location == "schema Bot" and "recording_config" in c.message]) == 1
