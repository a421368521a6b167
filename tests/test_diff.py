"""Spec diff: which changes break clients, as a docs change would make them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from generator.cli import app
from generator.diff.changes import Change, diff_specs, to_markdown
from generator.normalize.pipeline import NormalizeResult
from generator.spec.document import dump_yaml
from generator.spec.model import Spec
from tests.conftest import run_normalize


@pytest.fixture
def old(seed: NormalizeResult) -> dict[str, Any]:
    """The seed spec (a copy: tests change their ``new`` copy of it)."""
    return copy.deepcopy(seed.document)


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    return diff_specs(Spec.from_document(old), Spec.from_document(new))


def messages(old: dict[str, Any], new: dict[str, Any]) -> set[tuple[str, str, bool]]:
    return {(c.where, c.message, c.breaking) for c in diff(old, new)}


def test_identical_specs_have_no_changes(old: dict[str, Any]) -> None:
    assert diff(old, copy.deepcopy(old)) == []


def test_response_enum_value_added_breaks_and_removed_does_not(old: dict[str, Any]) -> None:
    new = copy.deepcopy(old)
    code = new["components"]["schemas"]["RecordingStatus"]["properties"]["code"]
    code["enum"] = [*code["enum"], "archived"]
    code["enum"].remove("paused")
    found = {m for m in messages(old, new) if m[0] == "response.status.code"}
    assert found == {
        ("response.status.code", "enum value 'archived' added", True),
        ("response.status.code", "enum value 'paused' removed", False),
    }


def test_request_and_response_directions(old: dict[str, Any]) -> None:
    new = copy.deepcopy(old)
    body = new["components"]["schemas"]["CalendarUserRequest"]
    body["required"] = ["external_id"]  # optional -> required in a request: breaking
    user = new["components"]["schemas"]["CalendarUser"]
    user["required"].remove("connections")  # required -> optional in a response: breaking
    del user["properties"]["external_id"]  # removed from a response: breaking
    found = messages(old, new)
    assert ("request.external_id", "became required", True) in found
    assert ("response.connections", "became optional", True) in found
    assert ("response.external_id", "property removed", True) in found


def test_operation_removed_and_method_changed(old: dict[str, Any]) -> None:
    new = copy.deepcopy(old)
    item = new["paths"]["/api/v1/calendar/user/"]
    item["patch"] = item.pop("put")
    changes = diff(old, new)
    assert [(c.where, c.message, c.breaking) for c in changes if c.operation == "calendar_user_update"] == [
        ("PUT /api/v1/calendar/user/", "operation removed", True),
        ("PATCH /api/v1/calendar/user/", "operation added", False),
    ]
    assert "### Breaking changes" in to_markdown(changes)


def test_cli_exit_codes(old: dict[str, Any], tmp_path: Path) -> None:
    new = copy.deepcopy(old)
    new["paths"]["/api/v1/recording/{id}/"]["patch"]["x-rate-limit"]["limit"] = 60
    (tmp_path / "old.yaml").write_text(dump_yaml(old))
    (tmp_path / "new.yaml").write_text(dump_yaml(new))
    runner = CliRunner()
    result = runner.invoke(app, ["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["breaking"] == 0
    del new["paths"]["/api/v1/recording/{id}/"]
    (tmp_path / "new.yaml").write_text(dump_yaml(new))
    result = runner.invoke(app, ["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")])
    assert result.exit_code == 1
    assert "BREAKING recording_partial_update PATCH /api/v1/recording/{id}/: operation removed" in result.stdout
    allowed = runner.invoke(app, ["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--allow-breaking"])
    assert allowed.exit_code == 0


def test_dated_versions_of_a_page_diff_as_a_docs_change(corpus: Path, tmp_path: Path) -> None:
    versions = sorted((corpus / "recall-docs-versions").glob("recording_partial_update__*.md"))
    old = run_normalize(versions[0]).document
    new = run_normalize(versions[-1]).document
    found = messages(old, new)
    # the oldest page has no samples: its rows are flat; the newest nests them under status
    assert ("response.code", "property removed", True) in found
    assert ("response.status.code", "required property added", False) in found
    assert ("response.media_shortcuts.video_mixed", "required property added", False) in found


def test_security_in_force_and_path_level_parameters_are_compared(old: dict[str, Any]) -> None:
    """The diff reads the spec model: a requirement inherited from the root security and a
    parameter declared on the Path Item count like ones written on the operation."""
    new = copy.deepcopy(old)
    new["security"] = [{"RecallApiKey": []}, {"CalendarAuthToken": []}]
    new["paths"]["/api/v1/recording/{id}/"]["parameters"] = [
        {"name": "expand", "in": "query", "required": True, "schema": {"type": "string"}}
    ]
    changes = {(c.operation, c.where, c.message, c.breaking) for c in diff(old, new)}
    before, after = "[{'RecallApiKey': []}]", "[{'RecallApiKey': []}, {'CalendarAuthToken': []}]"
    assert ("recording_partial_update", "security", f"{before} -> {after}", True) in changes
    assert ("recording_partial_update", "parameter expand (query)", "required parameter added", True) in changes
    assert not [c for c in changes if c[0] == "calendar_user_update" and c[1] == "security"]  # its own security


def test_rate_limit_compared_by_meaning(old: dict[str, Any]) -> None:
    new = copy.deepcopy(old)
    limit = new["paths"]["/api/v1/recording/{id}/"]["patch"]["x-rate-limit"]
    del limit["period"]  # the default period is a minute: the same limit
    assert diff(old, new) == []
    limit["scope"] = "bot"
    assert [(c.where, c.breaking) for c in diff(old, new)] == [("x-rate-limit", False)]
