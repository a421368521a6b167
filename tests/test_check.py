"""``recallgen check``: the drift check as a command, usable without the Makefile.

It ignores what is not generated output (``pip install ./generated`` leaves ``build/`` and
``*.egg-info``; tests leave ``__pycache__``; ``CHANGELOG.md`` is kept by ``update``), and names what
is stale with the command that regenerates it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECALLGEN = ROOT / ".venv" / "bin" / "recallgen"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this repository's spec/ and generated/ (no Makefile, no pyproject.toml)."""
    root = tmp_path_factory.mktemp("check") / "project"
    shutil.copytree(ROOT / "spec", root / "spec")
    shutil.copytree(ROOT / "generated", root / "generated", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    recallgen = RECALLGEN if RECALLGEN.exists() else Path(shutil.which("recallgen") or "recallgen")
    return subprocess.run([str(recallgen), "check", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_fresh_with_what_pip_install_and_tests_leave(project: Path) -> None:
    generated = project / "generated"
    (generated / "build" / "lib" / "recall_client").mkdir(parents=True)
    (generated / "build" / "lib" / "recall_client" / "models.py").write_text("stale copy\n")
    (generated / "recall_client.egg-info").mkdir()
    (generated / "recall_client.egg-info" / "PKG-INFO").write_text("Name: recall-client\n")
    (generated / "recall_client" / "__pycache__").mkdir()
    (generated / "recall_client" / "__pycache__" / "models.cpython-311.pyc").write_bytes(b"\0")
    (generated / "CHANGELOG.md").write_text("# Changelog\n")
    (generated / "notes.txt").write_text("mine\n")
    done = check(project)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "spec/openapi.yaml and generated follow spec/pages" in done.stderr


def test_a_stale_spec_and_package_are_named_with_the_command_to_run(tmp_path: Path, project: Path) -> None:
    root = tmp_path / "stale"
    shutil.copytree(project, root)
    spec = root / "spec" / "openapi.yaml"
    spec.write_text(spec.read_text().replace("title: Recall.ai API", "title: Recall.ai API (edited)", 1))
    models = root / "generated" / "recall_client" / "models.py"
    models.write_text(models.read_text() + "# edited\n")
    (root / "generated" / "recall_client" / "py.typed").unlink()
    done = check(root)
    assert done.returncode == 1
    assert "-  title: Recall.ai API (edited)\n+  title: Recall.ai API" in done.stderr  # the spec's diff
    assert "spec/openapi.yaml:0: error[check-stale]: does not follow spec/pages: regenerate it with " in done.stderr
    assert "`recallgen normalize spec/pages --overlay spec/overlay.yaml --version-file spec/version" in done.stderr
    assert "recall_client/models.py (differs)" in done.stderr
    assert "recall_client/py.typed (missing)" in done.stderr
    assert "regenerate with `recallgen generate spec/openapi.yaml -o generated`, once the spec is" in done.stderr


def test_paths_are_options(tmp_path: Path, project: Path) -> None:
    root = tmp_path / "elsewhere"
    (root / "api").mkdir(parents=True)
    shutil.copytree(project / "spec" / "pages", root / "api" / "pages")
    shutil.copy(project / "spec" / "openapi.yaml", root / "api" / "openapi.yaml")
    shutil.copy(project / "spec" / "overlay.yaml", root / "api" / "overlay.yaml")
    shutil.copytree(project / "generated", root / "client")
    args = ["--pages", "api/pages", "--overlay", "api/overlay.yaml", "--spec", "api/openapi.yaml"]
    done = check(root, *args, "--version-file", "", "--output", "client")
    assert done.returncode == 0, done.stderr[-3000:]
    (root / "api" / "overlay.yaml").unlink()
    done = check(root, *args, "--output", "client")
    assert done.returncode == 1 and "cannot read the overlay" in done.stderr
