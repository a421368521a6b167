"""``recallgen update``: new pages -> spec -> package, the version moved by the diff, a changelog
section, all or nothing; ``--dry-run`` writes nothing.

One project (the seed pages and the overlay, in a temporary folder) goes through a patch, a minor
and a major release, as a user would ship them.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app
from generator.diff.changes import Change
from generator.release import changelog
from generator.release.files import Transaction
from generator.release.version import bump, bump_kind, parse

ROOT = Path(__file__).resolve().parent.parent
PAGE = "001_recording_partial_update.md"
runner = CliRunner()


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` and its sha256 (what an update may not touch)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def edit_page(pages: Path, old: str, new: str) -> None:
    page = pages / PAGE
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with only the overlay and the seed pages (as new pages beside it); cwd is the project."""
    root = tmp_path / "project"
    (root / "spec").mkdir(parents=True)
    shutil.copy(ROOT / "spec" / "overlay.yaml", root / "spec" / "overlay.yaml")
    shutil.copytree(ROOT / "tests" / "fixtures" / "seed_pages", tmp_path / "new")
    monkeypatch.chdir(root)
    return root


def update(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["update", *args])
    return result.exit_code, result.output


def test_versions_follow_the_diff(project: Path) -> None:
    new = project.parent / "new"
    code, output = update(str(new))  # no committed spec: the first version
    assert code == 0, output
    assert (project / "spec" / "version").read_text() == "1.0.0\n"
    assert "version: 1.0.0" in (project / "spec" / "openapi.yaml").read_text()
    assert (project / "spec" / "pages" / PAGE).read_text() == (new / PAGE).read_text()
    assert not (project / "generated" / "CHANGELOG.md").exists()
    assert runner.invoke(app, ["check"]).exit_code == 0

    edit_page(new, "A UUID string identifying this recording.", "The recording's UUID.")  # a description
    code, output = update(str(new))
    assert code == 0, output
    assert "shipped 1.0.0 -> 1.0.1 (patch bump)" in output
    assert "parameter-description-changed" in output

    old, added = "deleted - Deleted  processing paused done failed deleted", "deleted - Deleted archived - Archived  "
    edit_page(new, old, added + "processing paused done failed deleted archived")  # a response enum value
    code, output = update(str(new))
    assert "shipped 1.0.1 -> 1.1.0 (minor bump)" in output

    edit_page(new, "/api/v1/recording/", "/api/v1/recordings/")  # the path of the operation
    before = tree(project)
    code, output = update(str(new), "--dry-run")
    assert code == 0 and "would ship 1.1.0 -> 2.0.0 (major bump)" in output
    assert "breaking[operation-moved] recording_partial_update" in output
    assert tree(project) == before, "--dry-run writes nothing"
    code, output = update(str(new))
    assert "shipped 1.1.0 -> 2.0.0 (major bump)" in output

    assert (project / "spec" / "version").read_text() == "2.0.0\n"
    assert "version: 2.0.0" in (project / "spec" / "openapi.yaml").read_text()
    assert 'version = "2.0.0"' in (project / "generated" / "pyproject.toml").read_text()
    log = (project / "generated" / "CHANGELOG.md").read_text()
    headings = [line for line in log.splitlines() if line.startswith("## ")]
    assert headings == ["## [2.0.0] - 2025-06-10", "## [1.1.0] - 2025-06-10", "## [1.0.1] - 2025-06-10"]
    assert "- **breaking** `recording_partial_update`: PATCH /api/v1/recording/{id}/ -> " in log
    assert runner.invoke(app, ["check"]).exit_code == 0

    before = tree(project)
    code, output = update(str(new))  # the same pages again: nothing to ship
    assert "shipped 2.0.0 -> 2.0.0 (no change)" in output
    assert tree(project) == before, "the same pages give the same files, byte for byte"


def test_a_refused_output_writes_nothing(project: Path) -> None:
    (project / "generated").mkdir()
    (project / "generated" / "README.md").write_text("mine\n")  # not written by generate: not replaced
    before = tree(project)
    code, output = update(str(project.parent / "new"))
    assert code == 1 and "error[output-not-owned]" in output
    assert tree(project) == before


def test_a_failure_while_writing_restores_everything(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new = project.parent / "new"
    assert update(str(new))[0] == 0
    edit_page(new, "/api/v1/recording/", "/api/v1/recordings/")
    before = tree(project)

    def broken(self: Transaction, *args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Transaction, "package", broken)  # after the pages, the spec and the version
    code, output = update(str(new))
    assert code == 1 and "error[file-unwritable]" in output and "nothing was changed" in output
    assert tree(project) == before
    assert sorted(p.name for p in (project / "spec").iterdir()) == ["openapi.yaml", "overlay.yaml", "pages", "version"]


def test_a_bad_version_file_is_refused(project: Path) -> None:
    (project / "spec" / "version").write_text("v1\n")
    code, output = update(str(project.parent / "new"))
    assert code == 1 and "error[version-invalid]" in output
    assert not (project / "spec" / "openapi.yaml").exists()


@pytest.mark.parametrize(
    ("ids", "kind", "version"),
    [
        ((), "none", "1.4.2"),
        (("schema-description-changed",), "patch", "1.4.3"),
        (("schema-description-changed", "operation-added"), "minor", "1.5.0"),
        (("response-enum-value-added",), "minor", "1.5.0"),
        (("operation-added", "operation-removed"), "major", "2.0.0"),
    ],
)
def test_semantic_version_bumps(ids: tuple[str, ...], kind: str, version: str) -> None:
    changes = [Change(i, "x", "y") for i in ids]
    assert bump_kind(changes) == kind
    assert bump("1.4.2", kind) == version
    assert parse("01.2.3") is None and parse("1.2") is None and parse("1.2.3") == (1, 2, 3)


def test_changelog_sections_go_first() -> None:
    first = changelog.prepend(
        None, changelog.section("1.0.1", [Change("operation-added", "op", "GET /x added")], "ab", "")
    )
    assert first.startswith(changelog.PREAMBLE)
    assert "## [1.0.1]\n" in first and "### Added\n\n- `op`: GET /x added (`operation-added`)" in first
    second = changelog.prepend(first, changelog.section("2.0.0", [Change("operation-removed", "op", "gone")], "cd", ""))
    assert second.index("## [2.0.0]") < second.index("## [1.0.1]")
    assert "- **breaking** `op`: gone (`operation-removed`)" in second
