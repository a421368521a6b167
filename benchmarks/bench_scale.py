"""``recallgen normalize`` of synthetic corpora of 150 to 10,000 pages (issue 11, target 2).

A corpus of N pages is the 150 real pages of ``../shared/corpus/recall-docs`` and renamed copies
of them: copy k of ``bot_create.md`` is ``xb_bot_create.md`` (``x`` + k in base-26 letters), its
``source_file`` says so, and every ``/api/vN/`` URL of it (heading and sample) becomes
``/api/vN/xb_`` (``/api/v1/xb_bot/``): new operationIds, paths, tags and components, the pages
otherwise as the vendor wrote them. Corpora are written once into ``build/scale/``.

Each size is normalized once as a process (validation on, the project overlay): wall time, CPU time
(workers included) and the peak resident memory of the process and its workers together
(:func:`benchmarks._common.run_timed`). Targets at :data:`LARGEST` pages: under :data:`WALL_TARGET`
s of wall time and :data:`MEMORY_TARGET` bytes; time linear in pages (CPU seconds per page at the
largest size at most :data:`LINEAR_TARGET` times that at 1,000 pages). ``BENCH_SCALE_MAX=3000``
stops at a smaller size. Skipped without ``../shared/corpus``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

from benchmarks._common import BUILD, CORPUS, ROOT, Result, Timed, load_average, run_timed

SIZES = (150, 1_000, 3_000, 10_000)
LARGEST = SIZES[-1]
WALL_TARGET = 60.0
MEMORY_TARGET = 2 * 1024**3
LINEAR_TARGET = 1.25
_API = re.compile(r"/api/(v\d+)/")


def tag(copy: int) -> str:
    """``x`` and ``copy`` in base-26 letters (1 -> ``xb``): letters only, never a number."""
    letters = ""
    while True:
        letters = chr(ord("a") + copy % 26) + letters
        copy //= 26
        if copy == 0:
            return "x" + letters


def make_corpus(size: int) -> Path:
    """``build/scale/pages-SIZE`` (written when missing): see the module docstring."""
    folder = BUILD / "scale" / f"pages-{size}"
    if folder.is_dir() and len(list(folder.glob("*.md"))) == size:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    pages = sorted(CORPUS.glob("*.md"))
    for index in range(size):
        page = pages[index % len(pages)]
        copy, slug, text = index // len(pages), page.stem, page.read_text(encoding="utf-8")
        if copy:
            name = tag(copy)
            text = _API.sub(lambda m, name=name: f"/api/{m.group(1)}/{name}_", text)  # type: ignore[misc]
            text = text.replace(f"reference/{slug}.html", f"reference/{name}_{slug}.html")
            slug = f"{name}_{slug}"
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
    return folder


def normalize(size: int) -> Timed:
    folder = make_corpus(size)
    out = BUILD / "scale" / f"openapi-{size}.yaml"
    recallgen = str(Path(sys.executable).parent / "recallgen")
    done = run_timed(
        [recallgen, "normalize", str(folder), "--overlay", str(ROOT / "spec" / "overlay.yaml"), "-o", str(out)]
    )
    if done.code != 0:
        raise RuntimeError(f"normalize of {size} pages exited {done.code}")
    return done


def run() -> list[Result]:
    """Measure (see the module docstring)."""
    if not CORPUS.is_dir():
        return [Result(f"normalize {LARGEST:,} pages", 0, "s", f"< {WALL_TARGET:.0f} s", None, "no corpus")]
    largest = int(os.environ.get("BENCH_SCALE_MAX", LARGEST))
    sizes = [size for size in SIZES if size <= largest]
    timed = {size: normalize(size) for size in sizes}
    rows = []
    for size, t in timed.items():
        note = (f"CPU {t.cpu:.1f} s ({1000 * t.cpu / size:.1f} ms/page), peak {t.peak_rss / 2**20:,.0f} MiB "
                f"(process and workers, PSS), {load_average()}")  # fmt: skip
        rows.append(Result(f"normalize {size:,} pages (wall)", t.wall, "s", "curve", None, note))
    top = timed[max(sizes)]
    if max(sizes) == LARGEST:
        rows.append(Result(f"normalize {LARGEST:,} pages: wall time", top.wall, "s", f"< {WALL_TARGET:.0f} s",
                           top.wall < WALL_TARGET, f"CPU {top.cpu:.1f} s on {os.cpu_count()} cores"))  # fmt: skip
        limit = f"< {MEMORY_TARGET / 2**20:,.0f} MiB"
        rows.append(Result(f"normalize {LARGEST:,} pages: peak memory", top.peak_rss / 2**20, "MiB", limit,
                           top.peak_rss < MEMORY_TARGET, "process and workers (proportional set size)"))  # fmt: skip
    if 1_000 in timed and max(sizes) > 1_000:
        base = timed[1_000].cpu / 1_000
        ratio = (top.cpu / max(sizes)) / base
        rows.append(Result(f"CPU per page, {max(sizes):,} pages / 1,000 pages", ratio, "x", f"<= {LINEAR_TARGET}",
                           ratio <= LINEAR_TARGET, "linear in pages: 1.0"))  # fmt: skip
    return rows
