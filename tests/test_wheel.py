"""recallgen works after a plain ``pip install`` of its wheel, outside this repository.

The wheel is built (``pip wheel --no-deps``) and installed into a fresh virtual environment; its
dependencies come from this environment's site-packages through a ``.pth`` line (so the test needs no
package index; a ``.pth`` line adds a folder to ``sys.path`` without running that folder's own
``.pth`` files, so the editable install of this checkout stays out). Then, from another folder,
``recallgen generate`` renders the package from the wheel's templates and ``recallgen check`` runs on
a copy of the project.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_of_the_toolkit_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "generator").rglob("__init__.py")} | {
        "generator.templates",
        "generator.templates.resources",
    }
    assert listed == found


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh venv with the wheel installed."""
    root = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if build.returncode != 0 and "Could not find a version that satisfies" in build.stderr:
        pytest.skip("the build backend (setuptools) cannot be fetched: no package index here")
    assert build.returncode == 0, build.stderr[-3000:]
    [wheel] = (root / "dist").glob("recallgen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "generator/templates/_client.py.jinja" in names
    assert "generator/templates/resources/group.py.jinja" in names
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return venv / "bin"


def test_generate_from_another_folder(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "python"), "-c", "import generator; print(generator.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(ROOT) not in where, "the wheel's copy is imported, not this checkout"
    shutil.copy(ROOT / "spec" / "openapi.yaml", tmp_path / "openapi.yaml")
    done = subprocess.run(
        [str(installed / "recallgen"), "generate", "openapi.yaml", "-o", "client"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ours = {p.relative_to(ROOT / "generated").as_posix() for p in (ROOT / "generated").rglob("*.py")}
    theirs = {p.relative_to(tmp_path / "client").as_posix() for p in (tmp_path / "client").rglob("*.py")}
    assert theirs == {p for p in ours if "__pycache__" not in p}
    for name in ("recall_client/_client.py", "recall_client/models.py"):
        assert (tmp_path / "client" / name).read_text() == (ROOT / "generated" / name).read_text()


def test_check_in_a_project_without_the_repository(installed: Path, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "spec", tmp_path / "spec")
    shutil.copytree(ROOT / "generated", tmp_path / "generated", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [str(installed / "recallgen"), "check"], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
