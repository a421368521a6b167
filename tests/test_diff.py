"""``recallgen diff`` on the seed spec: levels, exit codes, ``--fail-on`` and every report format.

Each change id in both directions: ``test_diff_ids.py``; the real dated versions of the pages:
``test_diff_corpus.py``.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from generator.cli import app
from generator.diff.changes import Change, diff_specs
from generator.diff.codes import CHANGES, markdown_table
from generator.normalize.pipeline import NormalizeResult
from generator.spec.document import dump_yaml
from generator.spec.model import Spec

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def old(seed: NormalizeResult) -> dict[str, Any]:
    """The seed spec (a copy: tests change their ``new`` copy of it)."""
    return copy.deepcopy(seed.document)


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    return diff_specs(Spec.from_document(old), Spec.from_document(new))


def found(old: dict[str, Any], new: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(c.id, c.location, c.message) for c in diff(old, new)}


def write(tmp_path: Path, old: dict[str, Any], new: dict[str, Any]) -> tuple[str, str]:
    (tmp_path / "old.yaml").write_text(dump_yaml(old))
    (tmp_path / "new.yaml").write_text(dump_yaml(new))
    return str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")


def test_identical_specs_have_no_changes(old: dict[str, Any]) -> None:
    assert diff(old, copy.deepcopy(old)) == []


def test_response_enum_value_added_is_a_warning_removed_is_info(old: dict[str, Any]) -> None:
    new = copy.deepcopy(old)
    code = new["components"]["schemas"]["RecordingStatus"]["properties"]["code"]
    code["enum"] = [*code["enum"], "archived"]
    code["enum"].remove("paused")
    changes = {(c.id, c.level.value, c.message) for c in diff(old, new)}
    assert changes == {
        ("response-enum-value-added", "warning", "enum value 'archived' added"),
        ("response-enum-value-removed", "info", "enum value 'paused' removed"),
    }


def test_request_and_response_directions(old: dict[str, Any]) -> None:
    new = copy.deepcopy(old)
    new["components"]["schemas"]["CalendarUserRequest"]["required"] = ["external_id"]
    user = new["components"]["schemas"]["CalendarUser"]
    user["required"].remove("connections")
    del user["properties"]["external_id"]
    assert found(old, new) == {
        ("request-property-required-added", "schema CalendarUserRequest", "property `external_id` became required"),
        ("response-property-required-removed", "schema CalendarUser", "property `connections` became optional"),
        ("response-property-removed", "schema CalendarUser", "property `external_id` removed"),
    }


def test_a_method_change_is_an_operation_moved(old: dict[str, Any]) -> None:
    new = copy.deepcopy(old)
    item = new["paths"]["/api/v1/calendar/user/"]
    item["patch"] = item.pop("put")
    assert found(old, new) == {
        ("operation-moved", "calendar_user_update", "PUT /api/v1/calendar/user/ -> PATCH /api/v1/calendar/user/")
    }


def test_security_in_force_and_path_level_parameters_are_compared(old: dict[str, Any]) -> None:
    """The diff reads the spec model: a requirement inherited from the root security and a
    parameter declared on the Path Item count like ones written on the operation."""
    new = copy.deepcopy(old)
    new["security"] = [{"RecallApiKey": [], "CalendarAuthToken": []}]
    new["paths"]["/api/v1/recording/{id}/"]["parameters"] = [
        {"name": "expand", "in": "query", "required": True, "schema": {"type": "string"}}
    ]
    changes = {(c.id, c.location) for c in diff(old, new)}
    assert changes == {  # calendar_user_update has its own security; the seed's other operations inherit it
        ("operation-security-added", "participant_events_partial_update, recording_partial_update"),
        ("parameter-required-added", "recording_partial_update parameter expand (query)"),
    }


def test_rate_limit_compared_by_meaning(old: dict[str, Any]) -> None:
    new = copy.deepcopy(old)
    limit = new["paths"]["/api/v1/recording/{id}/"]["patch"]["x-rate-limit"]
    del limit["period"]  # the default period is a minute: the same limit
    assert diff(old, new) == []
    limit["scope"] = "bot"
    assert [(c.id, c.location) for c in diff(old, new)] == [("rate-limit-changed", "recording_partial_update")]


def test_exit_codes_and_fail_on(old: dict[str, Any], tmp_path: Path) -> None:
    """1: a change at or above --fail-on (default breaking); 0 otherwise; --no-fail reports only."""
    new = copy.deepcopy(old)
    new["paths"]["/api/v1/recording/{id}/"]["patch"]["summary"] = "Patch a recording"  # info
    paths = write(tmp_path, old, new)
    assert runner.invoke(app, ["diff", *paths]).exit_code == 0
    assert runner.invoke(app, ["diff", *paths, "--fail-on", "warning"]).exit_code == 0
    assert runner.invoke(app, ["diff", *paths, "--fail-on", "info"]).exit_code == 1
    code = new["components"]["schemas"]["RecordingStatus"]["properties"]["code"]
    code["enum"].append("archived")  # warning
    paths = write(tmp_path, old, new)
    assert runner.invoke(app, ["diff", *paths]).exit_code == 0
    assert runner.invoke(app, ["diff", *paths, "--fail-on", "warning"]).exit_code == 1
    del new["paths"]["/api/v1/recording/{id}/"]  # breaking
    paths = write(tmp_path, old, new)
    result = runner.invoke(app, ["diff", *paths])
    assert result.exit_code == 1
    assert (
        "breaking[operation-removed] recording_partial_update: PATCH /api/v1/recording/{id}/ removed" in result.stdout
    )
    assert runner.invoke(app, ["diff", *paths, "--no-fail"]).exit_code == 0
    usage = runner.invoke(app, ["diff", *paths, "--fail-on", "never"])
    assert usage.exit_code == 2


def test_formats(old: dict[str, Any], tmp_path: Path) -> None:
    new = copy.deepcopy(old)
    del new["paths"]["/api/v1/calendar/meetings/refresh/"]
    code = new["components"]["schemas"]["RecordingStatus"]["properties"]["code"]
    code["enum"].append("archived")
    new["paths"]["/api/v1/recording/{id}/"]["patch"]["summary"] = "Patch"
    new["info"]["version"] = "2.0.0"
    paths = write(tmp_path, old, new)

    document = json.loads(runner.invoke(app, ["diff", *paths, "--format", "json"]).stdout)
    assert document["summary"] == {"breaking": 1, "warning": 1, "info": 1, "total": 3}
    assert document["failed"] is True and document["fail_on"] == "breaking"
    assert document["new"]["version"] == "2.0.0"
    assert [(c["id"], c["level"], c["operations"]) for c in document["changes"]] == [
        ("operation-removed", "breaking", ["calendar_meetings_refresh_create"]),
        ("response-enum-value-added", "warning", ["recording_partial_update"]),
        ("operation-summary-changed", "info", ["recording_partial_update"]),
    ]

    text = runner.invoke(app, ["diff", *paths, "--format", "markdown"]).stdout
    assert text.startswith("## API changes (1.0.0 -> 2.0.0)")
    assert "### Breaking changes (1)" in text and "### Warnings (1)" in text and "<details>" in text

    lines = runner.invoke(app, ["diff", *paths, "--format", "github"]).stdout.splitlines()
    error = next(line for line in lines if line.startswith("::error "))
    assert error.startswith(f"::error file={paths[1]},")
    assert "title=breaking%3A operation-removed::" in error
    warning = next(line for line in lines if line.startswith("::warning "))
    assert ",line=" in warning  # the line of the schema of `code` in the new spec
    line = int(warning.split(",line=")[1].split(",")[0])
    assert Path(paths[1]).read_text().splitlines()[line - 2].strip() == "code:"

    xml = runner.invoke(app, ["diff", *paths, "--format", "junit", "--fail-on", "warning"]).stdout
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None and suite.get("tests") == "3" and suite.get("failures") == "2"
    failed = {case.get("name", "").split(":")[0] for case in suite.iter("testcase") if case.find("failure") is not None}
    assert failed == {"operation-removed", "response-enum-value-added"}


def test_no_changes_in_every_format(old: dict[str, Any], tmp_path: Path) -> None:
    paths = write(tmp_path, old, old)
    assert "No changes." in runner.invoke(app, ["diff", *paths, "--format", "markdown"]).stdout
    assert json.loads(runner.invoke(app, ["diff", *paths, "--format", "json"]).stdout)["changes"] == []
    suite = ET.fromstring(runner.invoke(app, ["diff", *paths, "--format", "junit"]).stdout)
    assert [case.get("name") for case in suite.iter("testcase")] == ["no changes"]


def test_the_readme_lists_every_change_id() -> None:
    """The README's table is :func:`markdown_table` (one row per id of ``CHANGES``)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme
    assert len(CHANGES) == markdown_table().count("\n") - 2
