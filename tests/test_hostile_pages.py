"""Hostile pages and overlays through ``normalize`` (as processes), and the normalizer's bounds.

Pages (``tests/hostile/pages``, written by ``tests/hostile/build_corpus.py``) carry an alias bomb or
50,000-deep nesting in their frontmatter, 5000-digit numbers in a rate-limit sentence, a
``Default:`` cell, a sample or a sample response, and a 64 kB line with a stray quote. Each must be
read with diagnostics (warnings: the page is used without the part that cannot be read), within
the timeout, without a traceback. Pages of 4 MB (written here) must finish too: the work per page is
bounded and linear in its size. Overlays whose update does not fit its target, or that are alias
bombs, are refused with ``overlay-invalid`` and nothing is written.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import pytest

from generator.diagnostics import Diagnostics
from generator.normalize import samples
from generator.normalize.pages import parse_page
from tests.hostile.build_corpus import PAGE
from tests.hostile.runner import HOSTILE, Run, Sandbox, run_all

#: Page -> the warning it must get (None: read without one, the bad part ignored).
PAGES: dict[str, str | None] = {
    "default_5000_digits.md": None,
    "default_hex_5000_digits.md": None,
    "frontmatter_alias_bomb.md": "frontmatter-invalid",
    "frontmatter_alias_title.md": "frontmatter-invalid",
    "frontmatter_deep.md": "frontmatter-invalid",
    "frontmatter_not_mapping.md": "frontmatter-invalid",
    "rate_limit_5000_digits.md": None,
    "rate_limit_digit_run.md": None,
    "response_5000_digits.md": "response-unparsable",
    "response_infinity.md": "response-unparsable",
    "sample_hex_literal.md": "sample-not-literal",
    "sample_infinite_float.md": "sample-not-literal",
    "sample_quote_64k_line.md": "sample-unparsable",
}
#: Pages of about 4 MB, written by the test: name -> (text, warning).
BIG: dict[str, tuple[str, str | None]] = {
    "big_sample_stray_quotes.md": (
        PAGE.replace(
            "response = requests.get(url)",
            "y = [" + "1, " * 1_300_000 + "]\n" + "".join(f'x{i} = 5"\n' for i in range(40)) + "response = 1",
        ),
        "sample-unparsable",
    ),
    "big_quote_lines.md": (
        PAGE.replace("response = requests.get(url)", ('x = "a"' + " " * 4000 + 'b"\n') * 1000 + "response = 1"),
        "sample-unparsable",
    ),
    "big_digit_run.md": (PAGE.replace("300 requests per min", "9" * 4_000_000 + " requests per min"), None),
    "big_frontmatter.md": (
        PAGE.replace('is_api_reference: "true"\n', "".join(f"k{i}: v\n" for i in range(400_000))),
        "frontmatter-invalid",
    ),
}
OVERLAYS = sorted(p.name for p in (HOSTILE / "overlays").iterdir())


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    root = tmp_path_factory.mktemp("hostile-pages")
    (root / "cwd").mkdir()
    (root / "pages").mkdir()
    for name, (text, _) in BIG.items():
        (root / "pages" / name).write_text(text, encoding="utf-8")
    canary = root / "canary.yaml"
    canary.write_text("unused\n")
    return Sandbox(root, canary, secrets.token_hex(8))


@pytest.fixture(scope="module")
def runs(box: Sandbox) -> dict[str, Run]:
    jobs: dict[str, list[str]] = {}
    for name in PAGES:
        jobs[name] = ["normalize", str(HOSTILE / "pages" / name), "-o", str(box.root / "out" / f"{name}.yaml")]
    for name in BIG:
        jobs[name] = ["normalize", str(box.root / "pages" / name), "-o", str(box.root / "out" / f"{name}.yaml")]
    for name in OVERLAYS:
        out = str(box.root / "out" / f"overlay-{name}")
        pages = str(HOSTILE.parents[1] / "tests" / "fixtures" / "seed_pages")
        jobs[f"overlay:{name}"] = ["normalize", pages, "--overlay", str(HOSTILE / "overlays" / name), "-o", out]
    return run_all(box, jobs)


def test_every_corpus_page_has_an_expectation() -> None:
    assert sorted(p.name for p in (HOSTILE / "pages").iterdir()) == sorted(PAGES)


@pytest.mark.parametrize("name", [*sorted(PAGES), *sorted(BIG)])
def test_hostile_page_is_read_with_diagnostics(name: str, runs: dict[str, Run], box: Sandbox) -> None:
    run = runs[name]
    warning = PAGES[name] if name in PAGES else BIG[name][1]
    assert run.code == 0, run.describe()
    assert "Traceback" not in run.stderr and not run.has("error", "internal-error"), run.describe()
    if warning is not None:
        assert run.has("warning", warning), run.describe()
    assert (box.root / "out" / f"{name}.yaml").is_file()


@pytest.mark.parametrize("name", OVERLAYS)
def test_overlay_that_does_not_fit_is_refused(name: str, runs: dict[str, Run], box: Sandbox) -> None:
    run = runs[f"overlay:{name}"]
    assert run.code == 1 and run.has("error", "overlay-invalid"), run.describe()
    assert "Traceback" not in run.stderr
    assert not (box.root / "out" / f"overlay-{name}").exists()


def _seconds(action: object, *args: object) -> float:
    start = time.perf_counter()
    action(*args)  # type: ignore[operator]
    return time.perf_counter() - start


def test_stray_quote_repair_is_linear_in_the_line() -> None:
    """The repair regex was quadratic: a 64 kB line took 40 s. Now 16 times the line is at most
    about 16 times the time (with room for a busy machine)."""
    short = 'x = {"a": "b"' + " " * 4_000 + 'c"}\n'
    long = 'x = {"a": "b"' + " " * 64_000 + 'c"}\n'
    samples.parse_code_sample(short, 1)  # warm up
    small = min(_seconds(samples.parse_code_sample, short, 1) for _ in range(3))
    large = min(_seconds(samples.parse_code_sample, long, 1) for _ in range(3))
    assert large < 1.0 and large < max(small, 1e-4) * 64, (small, large)


def test_sample_parse_work_is_bounded() -> None:
    huge = "y = [" + "1, " * 100_000 + "]\n" + "".join(f'x{i} = 5"\n' for i in range(40))
    assert len(huge) > samples.MAX_SAMPLE_CHARS
    found = samples.parse_code_sample(huge + "r = requests.post(url)\n", 1)
    assert found.verb == "post"  # the regex fallback still reads the verb
    assert [code for code, _, _ in found.problems] == ["sample-unparsable"]
    assert "are parsed" in found.problems[0][1]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0x" + "f" * 5000, None),
        ("1e999", None),
        ("0xff", 255),
        ("-12", -12),
    ],
)
def test_sample_literals_are_json_numbers(text: str, value: int | None) -> None:
    import ast

    node = ast.parse(text, mode="eval").body
    if value is None:
        with pytest.raises(samples.NotLiteral):
            samples.literal_value(node)
    else:
        assert samples.literal_value(node) == value


@pytest.mark.parametrize("text", ["9" * 5000, "[1e400]", "NaN", '{"a": Infinity}', "-" + "1" * 200])
def test_json_numbers_outside_json_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        samples.load_json(text)


def test_rate_limit_with_5000_digits_is_not_a_limit() -> None:
    diags = Diagnostics()
    page = parse_page(PAGE.replace("300 requests", "9" * 5000 + " requests"), "p.md", diags)
    assert page.rate_limits == []
    page = parse_page(PAGE.replace("300 requests", "1,200 requests"), "p.md", diags)
    assert [(r.limit, r.period, r.scope) for r in page.rate_limits] == [(1200, 60, "workspace")]


def test_frontmatter_alias_bomb_is_refused_quickly() -> None:
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
    )
    text = PAGE.replace('is_api_reference: "true"\n', bomb + "title2: *a9\n")
    diags = Diagnostics()
    start = time.perf_counter()
    page = parse_page(text, "p.md", diags)
    assert time.perf_counter() - start < 5
    assert [d.code for d in diags if d.code == "frontmatter-invalid"] == ["frontmatter-invalid"]
    assert page.heading_method == "GET"  # the page is still read


def test_timestamps_in_frontmatter_stay_text() -> None:
    diags = Diagnostics()
    page = parse_page(PAGE.replace('is_api_reference: "true"\n', "converted_at: 2025-06-10T18:56:01Z\n"), "p", diags)
    assert page.converted_at == "2025-06-10T18:56:01Z"


def test_huge_tables_are_cut_with_a_warning() -> None:
    from generator.normalize.pages import MAX_TABLE_ROWS

    rows = "".join(f"| n{i} | string | Yes |  |\n" for i in range(MAX_TABLE_ROWS + 10))
    diags = Diagnostics()
    page = parse_page(PAGE.replace("| name | string | Yes |  |\n", rows), "p.md", diags)
    assert len(page.rows) == MAX_TABLE_ROWS
    assert any(d.code == "table-malformed" and "are ignored" in d.message for d in diags)


if os.environ.get("HYPOTHESIS_PROFILE") == "thorough":  # minutes of markdown parsing: thorough only

    def test_a_4_mb_table_finishes(tmp_path: Path) -> None:
        rows = "".join(f"| n{i} | string | Yes | Default: {i} |\n" for i in range(100_000))
        diags = Diagnostics()
        start = time.perf_counter()
        parse_page(PAGE.replace("| name | string | Yes |  |\n", rows), "p.md", diags)
        assert time.perf_counter() - start < 60
