"""Normalized output is byte-identical on re-run and across hash seeds; the committed spec is fresh."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from generator.normalize.pipeline import NormalizeResult
from generator.spec.document import dump_yaml
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
