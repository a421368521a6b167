"""Responses are read leniently, strictly on demand (generated/README.md "Responses"), sync and async.

Black-box through the seed client against respx: an enum value or a field the spec does not know
parses (open enums, ``is_known``), a missing optional field takes its default, a value that does not
fit is kept; ``strict_responses=True`` refuses what the spec refuses; the lazily built models behave
as validated ones (equality, dumps, copies, pickling, repr); request ids reach raw responses and
errors. The lazy construction is also checked property-style against pydantic's validation.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import json
import pickle
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import recall_client
import respx
import yaml
from hypothesis import given
from hypothesis import strategies as st
from recall_client import AsyncRecallClient, RecallClient, is_known, models
from recall_client._models import STRICT_CONTEXT

from conformance_tests.fakes import FakeTime

SPEC = yaml.safe_load((Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml").read_text())
BASE = "https://us-east-1.recall.ai"
UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
REC_PATH = f"/api/v1/recording/{UUID}/"
REFRESH_PATH = "/api/v1/calendar/meetings/refresh/"


def sample(path: str, method: str) -> Any:
    responses = SPEC["paths"][path][method]["responses"]
    code = min(c for c in responses if str(c).startswith("2"))
    return copy.deepcopy(responses[code]["content"]["application/json"]["example"])


RECORDING = sample("/api/v1/recording/{id}/", "patch")
MEETINGS = sample("/api/v1/calendar/meetings/refresh/", "post")


def newer(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` as a newer server sends it: a new status code, a new field, nested too, optional fields left out."""
    changed = copy.deepcopy(body)
    changed["status"]["code"] = "archived_to_glacier"
    changed["status"]["archive_tier"] = "deep"
    changed["retention_policy"] = {"days": 30}
    changed["media_shortcuts"]["transcript"] = None
    changed["bot"].pop("metadata")  # optional in RecordingBot (Recording's own fields are all required)
    return changed


def call(body: Any, *, use_async: bool, raw: bool = False, path: str = REC_PATH, **options: Any) -> Any:
    """Call the seed operation answering ``body`` (recording_partial_update, or the meetings refresh)."""
    headers = {"x-request-id": "req-42"}
    options = {"api_key": "k", "calendar_auth_token": "t", "clock": FakeTime(), **options}
    with respx.mock(base_url=BASE) as mock:
        mock.route(path=path).respond(200, json=body, headers=headers)
        if use_async:

            async def run() -> Any:
                async with AsyncRecallClient(**options) as client:
                    return await _method(client, path, raw)(*_args(path))

            return asyncio.run(run())
        with RecallClient(**options) as client:
            return _method(client, path, raw)(*_args(path))


def _method(client: Any, path: str, raw: bool) -> Any:
    root = client.with_raw_response if raw else client
    return root.recording.partial_update if path == REC_PATH else root.calendar.meetings_refresh_create


def _args(path: str) -> tuple[Any, ...]:
    return (UUID,) if path == REC_PATH else ()


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_a_newer_server_still_parses(use_async: bool) -> None:
    """A status code, fields the spec does not know and optional fields left out: no error."""
    result = call(newer(RECORDING), use_async=use_async)
    assert isinstance(result, models.Recording)
    assert result.status is not None
    assert result.status.code == "archived_to_glacier" and not is_known(result.status.code)
    assert not isinstance(result.status.code, models.RecordingStatusCode)
    assert result.status.model_extra == {"archive_tier": "deep"}
    assert result.model_extra == {"retention_policy": {"days": 30}}
    assert result.bot is not None and result.bot.metadata is None  # optional, not sent: the default
    assert "metadata" not in result.bot.model_fields_set
    assert result.id == uuid.UUID(UUID) and isinstance(result.created_at, datetime.datetime)


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_known_enum_values_are_members(use_async: bool) -> None:
    result = call(RECORDING, use_async=use_async)
    assert result.status is not None
    code = result.status.code
    assert is_known(code) and isinstance(code, models.RecordingStatusCode) and code == RECORDING["status"]["code"]
    assert code is models.RecordingStatusCode(RECORDING["status"]["code"])


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_lists_of_models_are_lenient_too(use_async: bool) -> None:
    meetings = copy.deepcopy(MEETINGS)
    meetings[0]["attendees"][0]["status"] = "maybe_later"
    meetings[0]["visibility"] = "team_only"
    result = call(meetings, use_async=use_async, path=REFRESH_PATH)
    assert isinstance(result, list) and all(isinstance(m, models.CalendarMeeting) for m in result)
    assert result[0].attendees[0].status == "maybe_later" and not is_known(result[0].attendees[0].status)
    assert result[0].visibility == "team_only"


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_strict_responses_refuse_what_the_spec_refuses(use_async: bool) -> None:
    for body in (newer(RECORDING), {**RECORDING, "id": "not-a-uuid"}):
        with pytest.raises(recall_client.ResponseValidationError) as info:
            call(body, use_async=use_async, strict_responses=True)
        assert info.value.status_code == 200 and info.value.request_id == "req-42"
    strict = call(RECORDING, use_async=use_async, strict_responses=True)
    assert strict == call(RECORDING, use_async=use_async)


def test_strict_responses_accept_unknown_fields_but_not_missing_required_ones() -> None:
    assert call({**RECORDING, "brand_new": 1}, use_async=False, strict_responses=True).model_extra == {"brand_new": 1}
    missing = {k: v for k, v in RECORDING.items() if k != "created_at"}
    with pytest.raises(recall_client.ResponseValidationError, match="created_at"):
        call(missing, use_async=False, strict_responses=True)
    lenient = call(missing, use_async=False)  # lenient: the rest is readable
    assert str(lenient.id) == UUID and "created_at" not in lenient.model_fields_set
    with pytest.raises(AttributeError):
        _ = lenient.created_at


def test_values_that_do_not_fit_are_kept_as_sent() -> None:
    body = {**RECORDING, "id": "rec_123", "created_at": "yesterday", "status": "done"}
    result = call(body, use_async=False)
    assert (result.id, result.created_at, result.status) == ("rec_123", "yesterday", "done")


def test_lazy_models_behave_as_validated_ones() -> None:
    validated = models.Recording.model_validate(RECORDING, context=STRICT_CONTEXT)
    for view in (
        lambda m: m,
        lambda m: m.model_dump(),
        lambda m: m.model_dump(mode="json", by_alias=True),
        lambda m: json.loads(m.model_dump_json()),
        lambda m: copy.copy(m),
        lambda m: copy.deepcopy(m),
        lambda m: pickle.loads(pickle.dumps(m)),
        lambda m: m.model_copy(update={"metadata": {"a": "b"}}).model_dump(),
        lambda m: repr(m),
        lambda m: dict(m),
    ):
        assert view(call(RECORDING, use_async=False)) == view(validated)
    lazy = call(RECORDING, use_async=False)
    lazy.metadata = {"set": "by me"}  # an assignment is kept when the rest is converted
    assert lazy.model_dump()["metadata"] == {"set": "by me"}


def test_raw_response_carries_the_request_id_and_parses_once() -> None:
    raw = call(newer(RECORDING), use_async=False, raw=True)
    assert raw.request_id == "req-42" and raw.status_code == 200 and raw.retries_taken == 0
    assert raw.parse() is raw.parse() and raw.parse().status.code == "archived_to_glacier"


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_errors_carry_the_request_id(use_async: bool) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).respond(404, json={"detail": "Not found."}, headers={"X-Request-Id": "rid-404"})
        with pytest.raises(recall_client.NotFoundError) as info:
            call_error(use_async)
    assert info.value.request_id == "rid-404" and info.value.body == {"detail": "Not found."}


def call_error(use_async: bool) -> None:
    if use_async:

        async def run() -> None:
            async with AsyncRecallClient(api_key="k", clock=FakeTime()) as client:
                await client.recording.partial_update(UUID)

        asyncio.run(run())
    else:
        RecallClient(api_key="k", clock=FakeTime()).recording.partial_update(UUID)


def test_a_connection_error_has_no_request_id() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.patch(REC_PATH).mock(side_effect=httpx.ConnectError("refused"))
        with pytest.raises(recall_client.APIConnectionError) as info:
            RecallClient(api_key="k", clock=FakeTime(), max_retries=0).recording.partial_update(UUID)
    assert info.value.request_id is None


def test_models_built_by_the_caller_take_any_enum_string() -> None:
    """Requests never refuse a value only because the spec's enum is older than the server."""
    status = models.RecordingStatus.model_validate({**RECORDING["status"], "code": "a_new_code"})
    assert status.code == "a_new_code"
    with pytest.raises(ValueError):
        models.RecordingStatus.model_validate({**RECORDING["status"], "code": "a_new_code"}, context=STRICT_CONTEXT)


# -- the lazy construction agrees with pydantic's validation -----------------------------------------


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.uuids().map(str),
    st.datetimes(timezones=st.just(datetime.UTC)).map(lambda d: d.isoformat()),
    st.sampled_from(["processing", "done", "1", "true", "2025-06-10", "https://example.com/x"]),
)
JSON_VALUES = st.one_of(
    JSON_SCALARS, st.lists(JSON_SCALARS, max_size=2), st.dictionaries(st.text(max_size=3), JSON_SCALARS, max_size=2)
)
#: Where a change lands: a top-level field of Recording or one of its status, or of a nested model.
SITES = [(name,) for name in sorted(RECORDING)] + [("status", name) for name in sorted(RECORDING["status"])]
SITES += [("media_shortcuts", "video_mixed", name) for name in sorted(RECORDING["media_shortcuts"]["video_mixed"])]


@given(
    changes=st.lists(st.tuples(st.sampled_from(SITES), JSON_VALUES), max_size=3),
    extra=st.dictionaries(st.text(min_size=1, max_size=6), JSON_SCALARS, max_size=2),
)
def test_lenient_equals_validation_wherever_validation_succeeds(
    changes: list[tuple[tuple[str, ...], Any]], extra: dict[str, Any]
) -> None:
    """The lazily built model equals pydantic's (lax) validation of the same body whenever that
    validation succeeds; when it fails, the lenient one still reads and dumps."""
    body = {**copy.deepcopy(RECORDING), **{k: v for k, v in extra.items() if k not in RECORDING}}
    for site, value in changes:
        target = body
        for step in site[:-1]:
            if not isinstance(target.get(step), dict):
                target[step] = {}
            target = target[step]
        target[site[-1]] = value
    lenient = models.Recording.model_construct_lenient(json.loads(json.dumps(body)))
    try:
        validated = models.Recording.model_validate(body)
    except ValueError:
        lenient.model_dump(mode="json")  # never fails: what does not fit is kept
        return
    assert lenient == validated
    assert lenient.model_dump(mode="json") == validated.model_dump(mode="json")
    assert lenient.model_extra == validated.model_extra
