"""Spec diff: which changes break clients, as a docs change would make them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from generator.cli import app
from generator.diff.changes import diff_specs, to_markdown
from generator.spec.document import dump_yaml
from tests.conftest import run_normalize


def seed_doc() -> dict[str, Any]:
    from tests.conftest import PAGES

    return run_normalize(PAGES).document


def messages(old: dict[str, Any], new: dict[str, Any]) -> set[tuple[str, str, bool]]:
    return {(c.where, c.message, c.breaking) for c in diff_specs(old, new)}


def test_identical_specs_have_no_changes() -> None:
    doc = seed_doc()
    assert diff_specs(doc, copy.deepcopy(doc)) == []


def test_response_enum_value_added_breaks_and_removed_does_not() -> None:
    old = seed_doc()
    new = copy.deepcopy(old)
    code = new["components"]["schemas"]["RecordingStatus"]["properties"]["code"]
    code["enum"] = [*code["enum"], "archived"]
    code["enum"].remove("paused")
    found = {m for m in messages(old, new) if m[0] == "response.status.code"}
    assert found == {
        ("response.status.code", "enum value 'archived' added", True),
        ("response.status.code", "enum value 'paused' removed", False),
    }


def test_request_and_response_directions() -> None:
    old = seed_doc()
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


def test_operation_removed_and_method_changed(tmp_path: Path) -> None:
    old = seed_doc()
    new = copy.deepcopy(old)
    item = new["paths"]["/api/v1/calendar/user/"]
    item["patch"] = item.pop("put")
    changes = diff_specs(old, new)
    assert [(c.where, c.message, c.breaking) for c in changes if c.operation == "calendar_user_update"] == [
        ("PUT /api/v1/calendar/user/", "operation removed", True),
        ("PATCH /api/v1/calendar/user/", "operation added", False),
    ]
    assert "### Breaking changes" in to_markdown(changes)


def test_cli_exit_codes(tmp_path: Path) -> None:
    old = seed_doc()
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
