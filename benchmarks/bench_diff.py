"""``recallgen diff`` of two whole-API specs, as the process a user or CI waits for (target under 0.3 s).

The two specs are the real "docs changed" case: the oldest and the newest dated version of every
page of ``../shared/corpus/recall-docs-versions`` (copied into two folders by ``converted_at``),
each normalized with the project overlay. The process ``recallgen diff OLD NEW --format json`` is
timed, interpreter start, imports and reading both YAML files included (best of 5, CPU time of the
command and the process it forks in the note); beside it, alternated, the same command with yaml-rs
hidden (libyaml reads alone, in one process: :mod:`generator.spec.checked_read`), which must print
the same report, and the comparison alone in-process (:func:`generator.diff.changes.diff_specs`,
best of 5). Skipped without the corpus.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import ROOT, Result

VERSIONS = ROOT.parent / "shared" / "corpus" / "recall-docs-versions"
TARGET_SECONDS = 0.3  # issue 11, target 3
TARGET = f"< {TARGET_SECONDS:g} s"
NAME = "diff two whole-API specs (process)"
ROUNDS = 5


def version_specs(work: Path) -> tuple[Path, Path]:
    """Normalize the oldest and the newest version of every page: (old spec, new spec)."""
    from generator.diagnostics import Diagnostics
    from generator.normalize.pipeline import normalize
    from generator.spec.document import dump_yaml, write_atomic
    from generator.spec.overlay import load_overlay

    pages: dict[str, list[Path]] = {}
    for path in sorted(VERSIONS.glob("*.md")):
        pages.setdefault(path.name.split("__")[0], []).append(path)
    out = []
    for name, pick in (("old", 0), ("new", -1)):
        folder = work / name
        folder.mkdir()
        for versions in pages.values():
            chosen = sorted(versions)[pick]  # SLUG__CONVERTEDAT.md: names sort by converted_at
            shutil.copy(chosen, folder / chosen.name)
        diags = Diagnostics()
        result = normalize([folder], load_overlay(ROOT / "spec" / "overlay.yaml", diags), diags)
        spec = work / f"{name}.yaml"
        write_atomic(spec, dump_yaml(result.document))
        out.append(spec)
    return out[0], out[1]


def run() -> list[Result]:
    """Time the diff process and the comparison; an empty result when the corpus is absent."""
    if not VERSIONS.is_dir():
        return [Result(NAME, 0, "s", TARGET, None, "corpus absent")]
    from generator.diagnostics import Diagnostics
    from generator.diff.changes import counts, diff_specs
    from generator.spec.model import load_spec

    work = Path(tempfile.mkdtemp(prefix="recallgen-bench-diff-"))
    try:
        old, new = version_specs(work)
        command = [str(Path(sys.executable).parent / "recallgen"), "diff", str(old), str(new), "--format", "json"]
        hidden = work / "without-yaml-rs"  # a yaml_rs module that cannot be imported: libyaml reads alone
        hidden.mkdir()
        (hidden / "yaml_rs.py").write_text("raise ImportError('hidden by the benchmark')\n", encoding="utf-8")
        usual_env = {**os.environ, "PYTHONPATH": str(hidden)}
        best, cpu, usual, usual_cpu, report, usual_report = float("inf"), 0.0, float("inf"), 0.0, "", ""
        for _ in range(ROUNDS):  # alternated: the command, then the same with libyaml reading alone
            wall, used, report = _timed(command)
            if wall < best:
                best, cpu = wall, used
            wall, used, usual_report = _timed(command, usual_env)
            if wall < usual:
                usual, usual_cpu = wall, used
        assert usual_report == report, "the checked reading changed the report"
        summary = json.loads(report)["summary"]
        diags = Diagnostics()
        before, after = load_spec(old, diags), load_spec(new, diags)
        assert before is not None and after is not None
        compare = float("inf")
        for _ in range(ROUNDS):
            start = time.perf_counter()
            changes = diff_specs(before, after)
            compare = min(compare, time.perf_counter() - start)
        assert counts(changes)["breaking"] == summary["breaking"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    note = (
        f"oldest vs newest pages: {summary['total']} changes ({summary['breaking']} breaking, "
        f"{summary['warning']} warnings); CPU {cpu:.2f} s with the second process that confirms "
        f"yaml-rs's reading; comparison alone {compare * 1000:.0f} ms"
    )
    return [
        Result(NAME, best, "s", TARGET, best < TARGET_SECONDS, note),
        Result(
            "diff, libyaml reading alone (yaml-rs hidden)",
            usual,
            "s",
            "info",
            None,
            f"one process, CPU {usual_cpu:.2f} s; the same report",
        ),
        Result("diff: the comparison alone (in-process)", compare * 1000, "ms", "-", None, "diff_specs"),
    ]


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """``command`` as a process: (wall seconds, CPU seconds of it and its children, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout
