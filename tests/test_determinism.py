"""Normalized output is byte-identical on re-run and across hash seeds; the committed spec is fresh."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.diagnostics import Diagnostics
from generator.normalize import parallel
from generator.normalize.pipeline import NormalizeResult, normalize
from generator.spec.document import dump_yaml
from generator.spec.overlay import load_overlay
from tests.conftest import OVERLAY, PAGES, ROOT, SEED_PAGES, run_normalize

SPEC = ROOT / "spec" / "openapi.yaml"


def test_rerun_is_byte_identical() -> None:
    assert dump_yaml(run_normalize(SEED_PAGES).document) == dump_yaml(run_normalize(SEED_PAGES).document)


def test_committed_spec_matches_a_fresh_normalization(corpus_result: NormalizeResult) -> None:
    """``spec/openapi.yaml`` is ``spec/pages`` (every reference page) normalized with the overlay."""
    assert SPEC.read_text(encoding="utf-8") == dump_yaml(corpus_result.document), "run `make generate`"


def test_identical_under_two_hash_seeds(tmp_path: Path) -> None:
    """The whole API normalized under two ``PYTHONHASHSEED`` values: the committed spec both times."""
    outputs = []
    for seed in ("0", "4242"):
        out = tmp_path / f"openapi-{seed}.yaml"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "generator.cli", "normalize", str(PAGES), "--overlay", str(OVERLAY), "-o", str(out)],
            check=True,
            env=env,
            capture_output=True,
            cwd=ROOT,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == SPEC.read_bytes()


def test_parallel_run_is_byte_identical_to_the_serial_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Pages read and reconciled in worker processes: the same spec and the same diagnostics, in order."""
    corpus = ROOT.parent / "shared" / "corpus" / "recall-docs"
    if not corpus.is_dir():
        pytest.skip("no ../shared/corpus")
    pages = tmp_path / "pages"
    pages.mkdir()
    for page in sorted(corpus.glob("*.md"))[:70]:  # enough for several chunks, whatever the page count
        (pages / page.name).write_bytes(page.read_bytes())
    (pages / "broken.md").write_bytes(b"\xff\xfe not utf-8")  # a page refused with an error, mid-way
    monkeypatch.setattr(parallel, "CHUNK", 7)
    runs = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("RECALLGEN_JOBS", jobs)
        assert parallel.jobs(71) == int(jobs)
        diags = Diagnostics()
        result = normalize([pages], load_overlay(OVERLAY, diags), diags)
        runs.append((dump_yaml(result.document), [d.format() for d in diags]))
    assert runs[0] == runs[1]
    assert any("broken.md" in line for line in runs[0][1])
