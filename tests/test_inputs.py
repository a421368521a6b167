"""What an input is: ``x-source`` relative to its input root, and inputs that yield nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from generator.cli import app
from generator.spec.document import dump_yaml
from tests.conftest import CORPUS, ROOT, SEED_PAGES, operation, run_normalize

runner = CliRunner()


def _normalize(cwd: Path, *inputs: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, Any]]:
    """The spec text (as ``recallgen normalize`` writes it) of ``inputs`` named from ``cwd``."""
    with monkeypatch.context() as patch:
        patch.chdir(cwd)
        result = run_normalize(*(Path(i) for i in inputs))
    assert not result.diagnostics.has_errors, [d.format() for d in result.diagnostics]
    return dump_yaml(result.document), result.document


def test_spec_is_byte_identical_from_two_working_directories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = tmp_path / "some" / "where" / "pages"
    shutil.copytree(SEED_PAGES, pages)
    # the same folder, named relatively from two different working directories
    first, doc = _normalize(tmp_path, "some/where/pages", monkeypatch=monkeypatch)
    second, _ = _normalize(pages.parent, "pages", monkeypatch=monkeypatch)
    assert first == second
    assert operation(doc, "calendar_user_update")[2]["x-source"] == {"page": "000_calendar_user_update.md", "line": 9}


def test_x_source_of_a_file_argument_is_its_name_and_of_a_subfolder_page_its_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "root" / "sub").mkdir(parents=True)
    shutil.copy(SEED_PAGES / "001_recording_partial_update.md", tmp_path / "root" / "sub" / "recording.md")
    shutil.copy(SEED_PAGES / "000_calendar_user_update.md", tmp_path / "single.md")
    _, doc = _normalize(ROOT, str(tmp_path / "root"), str(tmp_path / "single.md"), monkeypatch=monkeypatch)
    assert operation(doc, "recording_partial_update")[2]["x-source"]["page"] == "sub/recording.md"
    assert operation(doc, "calendar_user_update")[2]["x-source"]["page"] == "single.md"


@pytest.mark.skipif(not (CORPUS / "recall-guides").is_dir(), reason="../shared/corpus is not present")
def test_a_folder_of_guides_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "o.yaml"
    result = runner.invoke(app, ["normalize", str(CORPUS / "recall-guides"), "-o", str(out)])
    assert result.exit_code == 1
    assert "error[no-operations]" in result.output
    assert "wrote" not in result.output
    assert not out.exists()


def test_a_stray_file_among_good_inputs_is_an_error(tmp_path: Path) -> None:
    stray = tmp_path / "notes.md"
    stray.write_text("# Notes\n\nNothing to see here.\n", encoding="utf-8")
    out = tmp_path / "o.yaml"
    result = runner.invoke(app, ["normalize", str(SEED_PAGES), str(stray), "-o", str(out)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "error[" in line]
    assert len(errors) == 1 and "notes.md:0: error[no-operations]" in errors[0]
    assert not out.exists()
