"""The CI recipe (``.github/workflows/recallgen.yml``): its steps' commands run here, on a pull
request made in a temporary repository that touches ``spec/pages``.

The repository's files are copied into a temporary ``origin`` (branch ``main``) and cloned; on a
branch ``pr`` of the clone one page changes and ``recallgen update`` ships it, as a user would. Then
every ``run:`` step of the workflow runs in order with the environment GitHub Actions gives it
(``RUNNER_TEMP``, ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, the ``${{ }}`` values of its ``env``),
except the steps that need GitHub itself or that the environment stands for (:data:`NOT_RUN`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "recallgen.yml"
BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
#: Steps not run here, and why.
NOT_RUN = {
    "install": "recallgen is installed here already (tests/test_wheel.py installs the wheel into a fresh venv)",
    "comment": "posting a comment needs GitHub: gh and a token",
}
_EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def _steps() -> list[dict[str, Any]]:
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = document.get("on", document.get(True))  # YAML 1.1 reads the key `on` as true
    assert triggers["pull_request"]["paths"][0] == "spec/pages/**"
    [job] = document["jobs"].values()
    return list(job["steps"])


def _repository(tmp_path: Path) -> Path:
    """A clone of a copy of this repository's files, on a branch ``pr`` that changes one page."""
    origin = tmp_path / "origin"
    for name in _git(ROOT, "ls-files").splitlines():
        source = ROOT / name
        if source.is_file():
            (origin / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, origin / name)
    (origin / "spec" / "version").write_text((ROOT / "spec" / "version").read_text())
    _git(origin, "init", "-q", "-b", "main")
    _git(origin, "add", "-A")
    _git(origin, "commit", "-q", "-m", "base")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    _git(clone, "checkout", "-q", "-b", "pr")
    new_pages = tmp_path / "new-pages"
    shutil.copytree(clone / "spec" / "pages", new_pages)
    page = new_pages / "recording_partial_update.md"
    old, new = "deleted - Deleted  processing paused done failed deleted", "deleted - Deleted archived - Archived  "
    page.write_text(page.read_text().replace(old, new + "processing paused done failed deleted archived"))
    done = subprocess.run([str(BIN / "recallgen"), "update", str(new_pages)], cwd=clone, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    _git(clone, "add", "-A")
    _git(clone, "commit", "-q", "-m", "New pages")
    return clone


def _expand(value: str, values: dict[str, str]) -> str:
    return _EXPRESSION.sub(lambda m: values[m[1]], value)


def test_the_workflow_steps_run(tmp_path: Path) -> None:
    steps = _steps()
    assert {step.get("id") for step in steps if "run" in step} >= set(NOT_RUN)
    clone = _repository(tmp_path)
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    output, summary = runner_temp / "output", runner_temp / "summary"
    values = {"github.base_ref": "main", "github.token": "", "github.event.pull_request.number": "1"}
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    for step in steps:
        if "run" not in step or step.get("id") in NOT_RUN:
            continue
        status = re.findall(r"^status=(\d+)$", output.read_text(), re.M) if output.exists() else []
        values["steps.diff.outputs.status"] = status[-1] if status else ""
        condition = step.get("if", "")
        if "steps.diff.outputs.status != '0'" in condition and values["steps.diff.outputs.status"] == "0":
            continue
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "RUNNER_TEMP": str(runner_temp)}
        env |= {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
        env |= {name: _expand(str(value), values) for name, value in step.get("env", {}).items()}
        results[step["id"]] = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=clone, env=env, capture_output=True, text=True
        )
    assert set(results) == {"check", "diff"}  # the verdict step runs only when the diff failed
    assert results["check"].returncode == 0, results["check"].stderr[-3000:]
    assert results["diff"].returncode == 0, results["diff"].stderr[-3000:]
    comment = (runner_temp / "spec-diff.md").read_text()
    assert comment.startswith("## API changes (1.0.0 -> 1.1.0)")  # an enum value added: a minor release
    assert "response-enum-value-added" in comment and "'archived'" in comment
    assert "::warning file=spec/openapi.yaml,line=" in results["diff"].stdout
    assert summary.read_text() == comment
    assert "status=0" in output.read_text()  # a warning does not fail the pull request


def test_the_verdict_step_fails_with_the_diff(tmp_path: Path) -> None:
    """The last step exits with the diff's status: 1 for breaking changes, 2 for an unreadable spec."""
    verdict = next(step for step in _steps() if step.get("id") == "verdict")
    for status in ("1", "2"):
        env = {**os.environ, "STATUS": _expand(verdict["env"]["STATUS"], {"steps.diff.outputs.status": status})}
        done = subprocess.run(["bash", "-e", "-c", verdict["run"]], env=env, capture_output=True, text=True)
        assert done.returncode == int(status)
