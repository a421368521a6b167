"""The commands a user runs, as processes, beside openapi-python-client (issue 11, target 1).

Every command is a fresh process (``recallgen`` of this virtual environment): interpreter start,
imports and validation included, as a user waits for them. :data:`ROUNDS` rounds alternate ours
and the peer's so that a busy machine slows both alike; the medians are reported. Wall time is
judged; CPU time (user + system, child processes included) is in the notes.

- **pages -> spec -> client**: ``recallgen build`` of the whole API (``../shared/corpus/recall-docs``,
  150 pages, the project overlay: the command ``make generate`` runs, which writes the spec and the
  package), against ``openapi-python-client generate`` of the same spec alone (the spec -> client
  step only). Target: at most :data:`PIPELINE_TARGET` times the peer's time.
- the same as two commands, ``recallgen normalize`` then ``recallgen generate`` of that spec
  (informational: the same files, written by two processes).
- **spec -> client**: ``recallgen generate`` alone beside the same peer run (informational: the lead
  to keep).

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


def _build(work: Path) -> Timed:
    spec, out = work / "built.yaml", work / "built-client"
    shutil.rmtree(out, ignore_errors=True)
    done = run_timed([RECALLGEN, "build", str(CORPUS), "--overlay", OVERLAY, "--spec", str(spec), "-o", str(out)])
    if done.code:
        raise RuntimeError(f"recallgen build failed (exit {done.code})")
    return done


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


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def pipeline(work: Path) -> list[Result]:
    """Rows for target 1 (see the module docstring)."""
    try:
        opc = OPENAPI_PYTHON_CLIENT.install()
    except RuntimeError as exc:
        return [Result("pages -> spec -> client (whole API)", 0, "s", f"<= {PIPELINE_TARGET}x", False, str(exc))]
    _ours(work)  # warm the file cache for all; the spec the peer reads
    _build(work)
    _peer(work, opc)
    built: list[Timed] = []
    normalize: list[Timed] = []
    generate: list[Timed] = []
    peer: list[Timed] = []
    for _ in range(ROUNDS):
        built.append(_build(work))
        n, g = _ours(work)
        normalize.append(n)
        generate.append(g)
        peer.append(_peer(work, opc))
    if (work / "built.yaml").read_bytes() != (work / "openapi.yaml").read_bytes() or _files(
        work / "built-client"
    ) != _files(work / "client"):
        raise RuntimeError("recallgen build wrote another spec or package than recallgen normalize and generate")
    build_wall, build_cpu = median([b.wall for b in built]), median([b.cpu for b in built])
    two_wall = median([n.wall + g.wall for n, g in zip(normalize, generate, strict=True)])
    two_cpu = median([n.cpu + g.cpu for n, g in zip(normalize, generate, strict=True)])
    peer_wall, peer_cpu = median([p.wall for p in peer]), median([p.cpu for p in peer])
    gen_wall, gen_cpu = median([g.wall for g in generate]), median([g.cpu for g in generate])
    norm_wall, norm_cpu = median([n.wall for n in normalize]), median([n.cpu for n in normalize])
    name = OPENAPI_PYTHON_CLIENT.requirement.replace("==", " ")
    runs = f"median of {ROUNDS} alternated runs, {load_average()}"
    return [
        compare(
            "pages -> spec -> client, whole API (recallgen build vs peer's generate)",
            build_wall, peer_wall, "s", peer_name=name, at_most=PIPELINE_TARGET,
            note=f"wall; CPU {build_cpu:.2f} s vs {peer_cpu:.2f} s ({build_cpu / peer_cpu:.2f}x); "
            f"validation on; {runs}",
        ),
        compare(
            "pages -> spec -> client as two commands (normalize + generate vs peer's generate)",
            two_wall, peer_wall, "s", peer_name=name,
            note=f"wall; CPU {two_cpu:.2f} s vs {peer_cpu:.2f} s ({two_cpu / peer_cpu:.2f}x); "
            f"normalize {norm_wall:.2f} s ({norm_cpu:.2f} s CPU, validation on)",
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
