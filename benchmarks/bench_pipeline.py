"""The commands a user runs, as processes, beside openapi-python-client (issue 11, target 1).

Every command is a fresh process (``recallgen`` of this virtual environment): interpreter start,
imports and validation included, as a user waits for them. :data:`ROUNDS` rounds alternate ours
and the peer's so that a busy machine slows both alike; the medians are reported. Wall time is
judged; CPU time (user + system, child processes included) is in the notes.

- **pages -> spec -> client**: ``recallgen normalize`` of the whole API
  (``../shared/corpus/recall-docs``, 150 pages, the project overlay) then ``recallgen generate``
  of that spec, against ``openapi-python-client generate`` of the same spec alone (the spec ->
  client step only). Target: at most :data:`PIPELINE_TARGET` times the peer's time.
- **spec -> client** alone beside the same peer run (informational: the lead to keep).

``recallgen diff`` is timed by :mod:`benchmarks.bench_diff`.

The peer is installed once into ``build/peers/`` (:mod:`benchmarks._peers`). Skipped without
``../shared/corpus``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks._common import CORPUS, ROOT, Result, Timed, compare, load_average, median, run_timed
from benchmarks._peers import OPENAPI_PYTHON_CLIENT

ROUNDS = 3
PIPELINE_TARGET = 0.75
RECALLGEN = str(Path(sys.executable).parent / "recallgen")
OVERLAY = str(ROOT / "spec" / "overlay.yaml")


def _ours(work: Path) -> tuple[Timed, Timed]:
    spec, out = work / "openapi.yaml", work / "client"
    shutil.rmtree(out, ignore_errors=True)
    normalized = run_timed([RECALLGEN, "normalize", str(CORPUS), "--overlay", OVERLAY, "-o", str(spec)])
    generated = run_timed([RECALLGEN, "generate", str(spec), "-o", str(out)])
    if normalized.code or generated.code:
        raise RuntimeError(f"recallgen failed: normalize exit {normalized.code}, generate exit {generated.code}")
    return normalized, generated


def _peer(work: Path, opc: Path) -> Timed:
    out = work / "opc-client"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(opc), "generate", "--path", str(work / "openapi.yaml"), "--output-path", str(out), "--overwrite"]
    done = run_timed(command, cwd=work)
    if done.code:
        raise RuntimeError(f"openapi-python-client failed (exit {done.code})")
    return done


def pipeline(work: Path) -> list[Result]:
    """Rows for target 1 (see the module docstring)."""
    try:
        opc = OPENAPI_PYTHON_CLIENT.install()
    except RuntimeError as exc:
        return [Result("pages -> spec -> client (whole API)", 0, "s", f"<= {PIPELINE_TARGET}x", False, str(exc))]
    _ours(work)  # warm the file cache for both; the spec the peer reads
    _peer(work, opc)
    normalize: list[Timed] = []
    generate: list[Timed] = []
    peer: list[Timed] = []
    for _ in range(ROUNDS):
        n, g = _ours(work)
        normalize.append(n)
        generate.append(g)
        peer.append(_peer(work, opc))
    ours_wall = median([n.wall + g.wall for n, g in zip(normalize, generate, strict=True)])
    ours_cpu = median([n.cpu + g.cpu for n, g in zip(normalize, generate, strict=True)])
    peer_wall, peer_cpu = median([p.wall for p in peer]), median([p.cpu for p in peer])
    gen_wall, gen_cpu = median([g.wall for g in generate]), median([g.cpu for g in generate])
    norm_wall, norm_cpu = median([n.wall for n in normalize]), median([n.cpu for n in normalize])
    name = OPENAPI_PYTHON_CLIENT.requirement.replace("==", " ")
    runs = f"median of {ROUNDS} alternated runs, {load_average()}"
    return [
        compare(
            "pages -> spec -> client, whole API (normalize + generate vs peer's generate)",
            ours_wall, peer_wall, "s", peer_name=name, at_most=PIPELINE_TARGET,
            note=f"wall; CPU {ours_cpu:.2f} s vs {peer_cpu:.2f} s ({ours_cpu / peer_cpu:.2f}x); "
            f"normalize {norm_wall:.2f} s ({norm_cpu:.2f} s CPU, validation on); {runs}",
        ),
        compare(
            "spec -> client, whole API (generate vs peer's generate)",
            gen_wall, peer_wall, "s", peer_name=name,
            note=f"wall; CPU {gen_cpu:.2f} s vs {peer_cpu:.2f} s ({gen_cpu / peer_cpu:.2f}x)",
        ),
    ]  # fmt: skip


def run() -> list[Result]:
    """Measure (see the module docstring)."""
    if not CORPUS.is_dir():
        return [Result("pages -> spec -> client (whole API)", 0, "s", f"<= {PIPELINE_TARGET}x", None, "no corpus")]
    work = Path(tempfile.mkdtemp(prefix="recallgen-bench-"))
    try:
        return pipeline(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
