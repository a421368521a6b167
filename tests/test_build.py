"""``recallgen build``: the spec and package of ``normalize`` then ``generate``, in one run, both or neither."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app
from tests.conftest import OVERLAY, ROOT, SEED_PAGES

runner = CliRunner()
RECALLGEN = Path(sys.executable).parent / "recallgen"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> content)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build_args(spec: Path, out: Path, *extra: str, overlay: Path = OVERLAY) -> list[str]:
    return ["build", str(SEED_PAGES), "--overlay", str(overlay), "--spec", str(spec), "-o", str(out), *extra]


def test_build_writes_what_normalize_then_generate_write(tmp_path: Path) -> None:
    version = tmp_path / "version"
    version.write_text("2.3.4\n", encoding="utf-8")
    spec, out = tmp_path / "two" / "openapi.yaml", tmp_path / "two" / "client"
    normalized = runner.invoke(
        app, ["normalize", str(SEED_PAGES), "--overlay", str(OVERLAY), "--version-file", str(version), "-o", str(spec)]
    )
    assert normalized.exit_code == 0, normalized.output
    generated = runner.invoke(app, ["generate", str(spec), "-o", str(out)])
    assert generated.exit_code == 0, generated.output

    one_spec, one_out = tmp_path / "one" / "openapi.yaml", tmp_path / "one" / "client"
    built = runner.invoke(app, build_args(one_spec, one_out, "--version-file", str(version)))
    assert built.exit_code == 0, built.output
    assert "warning[method-mismatch]" in built.output  # the pages' diagnostics, as normalize prints them
    assert f"wrote {one_spec} (" in built.output
    assert one_spec.read_bytes() == spec.read_bytes()
    assert "version: 2.3.4" in one_spec.read_text(encoding="utf-8")
    assert tree(one_out) == tree(out)


def test_build_of_the_whole_api_gives_the_committed_spec_and_package(tmp_path: Path) -> None:
    """As ``make generate`` runs it, in a process of its own (the committed files are what
    ``normalize`` then ``generate`` write: ``make check`` keeps them so)."""
    spec, out = tmp_path / "openapi.yaml", tmp_path / "generated"
    command = [
        str(RECALLGEN), "build", "spec/pages", "--overlay", "spec/overlay.yaml", "--version-file", "spec/version",
        "--spec", str(spec), "-o", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    assert spec.read_bytes() == (ROOT / "spec" / "openapi.yaml").read_bytes()
    written = tree(out)
    listed = [line for line in written[".recallgen-manifest"].decode().splitlines() if not line.startswith("#")]
    assert sorted(written) == sorted([*listed, ".recallgen-manifest"])
    for name, content in written.items():
        assert content == (ROOT / "generated" / name).read_bytes(), name


@pytest.fixture
def existing(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A spec and a package folder from an earlier run, which a failing build must leave as they are."""
    spec, out = tmp_path / "openapi.yaml", tmp_path / "client"
    spec.write_text("openapi: 3.1.0\n# an earlier spec\n", encoding="utf-8")
    out.mkdir()
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    return spec, out, tree(tmp_path)


@pytest.mark.parametrize("jobs", ["", "1"], ids=["validated-in-a-fork", "validated-in-process"])
def test_invalid_spec_writes_nothing(
    tmp_path: Path, existing: tuple[Path, Path, dict[str, bytes]], jobs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECALLGEN_JOBS", jobs)
    spec, out, _ = existing
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: 1.0.0}\n"
        "actions:\n  - target: $.info\n    update:\n      termsOfService: 12\n",
        encoding="utf-8",
    )
    before = tree(tmp_path)
    result = runner.invoke(app, build_args(spec, out, "--force", overlay=overlay))
    assert result.exit_code == 1
    assert f"{spec}:0: error[spec-invalid]: info/termsOfService: 12 is not of type 'string'" in result.output
    assert "wrote" not in result.output
    assert tree(tmp_path) == before


def test_package_that_cannot_be_written_writes_no_spec(existing: tuple[Path, Path, dict[str, bytes]]) -> None:
    spec, out, before = existing
    result = runner.invoke(app, build_args(spec, out))  # out holds a file and no manifest: not ours
    assert result.exit_code == 1
    assert "error[output-not-owned]" in result.output
    assert tree(spec.parent) == before


def test_strict_build_with_warnings_writes_nothing(existing: tuple[Path, Path, dict[str, bytes]]) -> None:
    spec, out, before = existing
    result = runner.invoke(app, build_args(spec, out, "--strict", "--force"))
    assert result.exit_code == 1
    assert "warning[method-mismatch]" in result.output
    assert tree(spec.parent) == before


def test_build_replaces_what_an_earlier_build_wrote(existing: tuple[Path, Path, dict[str, bytes]]) -> None:
    spec, out, _ = existing
    first = runner.invoke(app, build_args(spec, out, "--force"))
    assert first.exit_code == 0, first.output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine\n"  # not the package's: kept
    written = tree(out)
    again = runner.invoke(app, build_args(spec, out))  # the manifest makes the folder ours now
    assert again.exit_code == 0, again.output
    assert tree(out) == written


def test_models_made_for_another_spec_are_not_used(seed_spec_file: Path, tmp_path: Path) -> None:
    """The process that makes the models answers the request it was sent first; a render that asks
    for other models makes them itself, and the package is the one it would have made anyway."""
    from generator.client.models_process import PRESTARTED, prestart_models, stop_prestarted
    from generator.client.render import render_package, send_models
    from generator.diagnostics import Diagnostics
    from generator.spec.model import Spec, load_spec

    spec = load_spec(seed_spec_file, Diagnostics())
    assert spec is not None
    assert render_package(spec, tmp_path / "alone", Diagnostics())
    document = dict(spec.document)
    document["components"] = {"schemas": {"Other": {"type": "object", "properties": {"a": {"type": "string"}}}}}
    prestart_models()
    try:
        assert send_models(Spec.from_document(document, "other.yaml")) is bool(PRESTARTED)
        assert render_package(spec, tmp_path / "after", Diagnostics())
    finally:
        stop_prestarted()
    assert tree(tmp_path / "after") == tree(tmp_path / "alone")
