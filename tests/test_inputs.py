"""What an input is: ``x-source`` relative to its input root, and inputs that yield nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from generator.cli import app
from tests.conftest import CORPUS, OVERLAY, PAGES, ROOT, operation

runner = CliRunner()


def _normalize(cwd: Path, *inputs: str, out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "generator.cli", "normalize", *inputs, "--overlay", str(OVERLAY), "-o", str(out)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False)


def test_spec_is_byte_identical_from_two_working_directories(tmp_path: Path) -> None:
    pages = tmp_path / "some" / "where" / "pages"
    shutil.copytree(PAGES, pages)
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    # the same folder, named relatively from two different working directories
    assert _normalize(tmp_path, "some/where/pages", out=first).returncode == 0
    assert _normalize(pages.parent, "pages", out=second).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    doc = yaml.safe_load(first.read_text())
    assert operation(doc, "calendar_user_update")[2]["x-source"] == {"page": "000_calendar_user_update.md", "line": 9}


def test_x_source_of_a_file_argument_is_its_name_and_of_a_subfolder_page_its_relative_path(tmp_path: Path) -> None:
    (tmp_path / "root" / "sub").mkdir(parents=True)
    shutil.copy(PAGES / "001_recording_partial_update.md", tmp_path / "root" / "sub" / "recording.md")
    shutil.copy(PAGES / "000_calendar_user_update.md", tmp_path / "single.md")
    out = tmp_path / "o.yaml"
    result = _normalize(ROOT, str(tmp_path / "root"), str(tmp_path / "single.md"), out=out)
    assert result.returncode == 0, result.stderr
    doc = yaml.safe_load(out.read_text())
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
    result = runner.invoke(app, ["normalize", str(PAGES), str(stray), "-o", str(out)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "error[" in line]
    assert len(errors) == 1 and "notes.md:0: error[no-operations]" in errors[0]
    assert not out.exists()
