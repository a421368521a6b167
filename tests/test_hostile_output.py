"""`recallgen generate -o DIR` never destroys what it did not write, and never writes outside DIR.

A run lists what it wrote in ``DIR/.recallgen-manifest``; the next run replaces or removes those
files only. A non-empty directory without a manifest (``-o .`` in a project, a folder of notes) is
refused unless ``--force``, which writes the package and still keeps every other file. Nothing is
written through a symbolic link, to a path a hostile manifest names outside DIR, or as a cache in
the working directory.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from generator.cli import app
from generator.client.output import MANIFEST
from generator.spec.document import dump_yaml
from tests.hostile.build_corpus import BASE

runner = CliRunner()


def two_groups() -> dict[str, Any]:
    """The base spec with a second resource group (``gadget``)."""
    document = copy.deepcopy(BASE)
    item = copy.deepcopy(document["paths"]["/things/{id}/"])
    for op in item.values():
        op["operationId"] = op["operationId"].replace("thing", "gadget")
        op["tags"] = ["gadget"]
    document["paths"]["/gadgets/{id}/"] = item
    return document


def generate(spec: Path, out: Path | str, *extra: str) -> Result:
    return runner.invoke(app, ["generate", str(spec), "-o", str(out), *extra])


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec" / "openapi.yaml"
    path.parent.mkdir()
    path.write_text(dump_yaml(two_groups()), encoding="utf-8")
    return path


def test_a_run_lists_what_it_wrote_and_a_rerun_replaces_only_that(tmp_path: Path, spec: Path) -> None:
    out = tmp_path / "client"
    first = generate(spec, out)
    assert first.exit_code == 0, first.output
    written = files(out)
    listed = [line for line in (out / MANIFEST).read_text().splitlines() if not line.startswith("#")]
    assert listed == sorted(written - {MANIFEST}) and "recall_client/resources/gadget.py" in listed
    # the user adds files next to and inside the package; Python leaves its caches
    (out / "notes.txt").write_text("mine")
    (out / "recall_client" / "custom.py").write_text("# mine\n")
    (out / "recall_client" / "resources" / "__pycache__").mkdir()
    (out / "recall_client" / "resources" / "__pycache__" / "gadget.cpython-311.pyc").write_bytes(b"x")
    smaller = two_groups()
    del smaller["paths"]["/gadgets/{id}/"]
    spec.write_text(dump_yaml(smaller), encoding="utf-8")
    second = generate(spec, out)
    assert second.exit_code == 0, second.output
    assert not (out / "recall_client" / "resources" / "gadget.py").exists()  # generated before, not now
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "recall_client" / "custom.py").read_text() == "# mine\n"
    assert (out / "recall_client" / "resources" / "__pycache__" / "gadget.cpython-311.pyc").exists()
    assert "recall_client/resources/gadget.py" not in (out / MANIFEST).read_text()


def test_a_folder_generate_did_not_write_is_refused_unless_forced(tmp_path: Path, spec: Path) -> None:
    out = tmp_path / "v"
    out.mkdir()
    (out / "notes.txt").write_text("precious")
    refused = generate(spec, out)
    assert refused.exit_code == 1
    assert "error[output-not-owned]" in refused.output and "notes.txt" in refused.output
    assert files(out) == {"notes.txt"}
    forced = generate(spec, out, "--force")
    assert forced.exit_code == 0, forced.output
    assert (out / "notes.txt").read_text() == "precious"
    assert {MANIFEST, "README.md", "pyproject.toml", "recall_client/__init__.py"} <= files(out)
    assert "notes.txt" not in (out / MANIFEST).read_text()
    again = generate(spec, out)  # now the folder has a manifest: no --force needed
    assert again.exit_code == 0, again.output
    assert (out / "notes.txt").read_text() == "precious"


def test_output_dot_is_the_working_directory_and_is_refused_there(
    tmp_path: Path, spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "setup.cfg").write_text("[metadata]\n")
    monkeypatch.chdir(project)
    refused = generate(spec, ".")
    assert refused.exit_code == 1 and "error[output-not-owned]" in refused.output
    assert refused.exception is None or isinstance(refused.exception, SystemExit)
    assert files(project) == {"setup.cfg"}
    forced = generate(spec, ".", "--force")
    assert forced.exit_code == 0, forced.output
    assert (project / "setup.cfg").read_text() == "[metadata]\n"
    assert (project / "recall_client" / "__init__.py").is_file()
    assert not (project / ".ruff_cache").exists() and not (tmp_path / ".ruff_cache").exists()


def test_a_generated_path_taken_by_a_file_generate_did_not_write_is_refused(tmp_path: Path, spec: Path) -> None:
    out = tmp_path / "client"
    assert generate(spec, out).exit_code == 0
    manifest = (out / MANIFEST).read_text()
    (out / MANIFEST).write_text(manifest.replace("README.md\n", ""))  # as if README.md were the user's
    (out / "README.md").write_text("my readme")
    refused = generate(spec, out)
    assert refused.exit_code == 1 and "README.md, which generate did not write" in refused.output
    assert (out / "README.md").read_text() == "my readme"


def test_a_hostile_manifest_cannot_make_generate_delete_outside_the_folder(tmp_path: Path, spec: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    out = tmp_path / "client"
    out.mkdir()
    for entry in ("../outside.txt", str(outside), "a/../../outside.txt"):
        (out / MANIFEST).write_text(f"# forged\n{entry}\n")
        result = generate(spec, out)
        assert result.exit_code == 1 and "error[output-not-owned]" in result.output, entry
        assert "is not a path inside the directory" in result.output
        assert outside.read_text() == "keep me"
        assert files(out) == {MANIFEST}


def test_nothing_is_written_through_a_symbolic_link(tmp_path: Path, spec: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "client"
    out.mkdir()
    (out / MANIFEST).write_text("# a previous run\n")
    os.symlink(elsewhere, out / "recall_client")
    result = generate(spec, out)
    assert result.exit_code == 1 and "symbolic link" in result.output
    assert list(elsewhere.iterdir()) == []


def test_an_output_that_is_a_file_is_refused(tmp_path: Path, spec: Path) -> None:
    target = tmp_path / "client"
    target.write_text("a file")
    result = generate(spec, target)
    assert result.exit_code == 1 and "is not a directory" in result.output
    assert target.read_text() == "a file"


@pytest.mark.parametrize(
    ("where", "key", "value", "code"),
    [
        (("paths", "/things/{id}/", "get"), "x-rate-limit", {"limit": 0}, "ir-rate-limit"),  # refused when read
        (("components", "schemas", "Thing", "properties", "id"), "pattern", "[", "ir-import-failed"),  # when built
    ],
)
def test_a_refused_spec_leaves_no_trace(
    tmp_path: Path, spec: Path, where: tuple[str, ...], key: str, value: Any, code: str
) -> None:
    broken = two_groups()
    node: Any = broken
    for step in where:
        node = node[step]
    node[key] = value
    spec.write_text(dump_yaml(broken), encoding="utf-8")
    before = files(tmp_path)
    result = generate(spec, tmp_path / "new" / "client")
    assert result.exit_code == 1 and f"error[{code}]" in result.output, result.output
    assert files(tmp_path) == before and not (tmp_path / "new").exists()
