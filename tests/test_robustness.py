"""Bad input never crashes the normalizer: mutated seed pages and random text (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.diagnostics import Diagnostics
from generator.normalize.pages import parse_page
from generator.normalize.pipeline import normalize_pages
from tests.conftest import CORPUS, SEED_PAGES

SEEDS = [p.read_text(encoding="utf-8") for p in sorted(SEED_PAGES.glob("*.md"))]
_NOISE = st.sampled_from(["|", "\\|", "```", "```python", "## ", "{", "}", '"', "\x00", "\ufeff", "ðŸ“˜", "\n", " - "])


@st.composite
def mutated_page(draw: st.DrawFn) -> str:
    """A seed page with some lines dropped, duplicated or garbled."""
    lines = draw(st.sampled_from(SEEDS)).split("\n")
    for _ in range(draw(st.integers(1, 6))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "noise", "cut"]))
        if action == "drop":
            del lines[index]
        elif action == "dup":
            lines.insert(index, lines[index])
        elif action == "noise":
            lines[index] = lines[index] + draw(_NOISE) + draw(st.text(max_size=8))
        else:
            lines[index] = lines[index][: len(lines[index]) // 2]
        if not lines:
            lines = [""]
    return "\n".join(lines)


def run(texts: list[str]) -> Diagnostics:
    diags = Diagnostics()
    pages = [parse_page(text, f"page{i}.md", diags) for i, text in enumerate(texts)]
    result = normalize_pages(pages, None, diags)
    assert isinstance(result.document["paths"], dict)
    return diags


@given(st.lists(mutated_page(), min_size=1, max_size=3))
def test_mutated_seed_pages_never_crash(texts: list[str]) -> None:
    diags = run(texts)
    for diag in diags:
        assert diag.path.startswith("page") and diag.line >= 0


@given(st.text(max_size=400))
def test_random_text_never_crashes(text: str) -> None:
    run([text])


def test_garbled_sample_is_reported_and_the_verb_still_read() -> None:
    broken = SEEDS[0].replace("```python", "```python\nthis is ( not python", 1)
    diags = Diagnostics()
    page = parse_page(broken, "broken.md", diags)
    result = normalize_pages([page], None, diags)
    assert "sample-unparsable" in {d.code for d in diags}
    assert list(result.document["paths"]["/api/v1/calendar/user/"]) == ["put"]


def test_deeply_nested_samples_are_refused_not_crashing() -> None:
    page = SEEDS[1]
    start = page.index("```json")
    for deep in ("[" * 100_000 + "]" * 100_000, '{"a":' * 3000 + "1" + "}" * 3000):
        diags = Diagnostics()
        parsed = parse_page(page[:start] + "```json\n" + deep + "\n```\n", "deep.md", diags)
        normalize_pages([parsed], None, diags)
        assert [d.code for d in diags if d.code == "response-unparsable"] == ["response-unparsable"]


PROSE = [
    (CORPUS / "recall-docs" / f"{slug}.md").read_text(encoding="utf-8")
    for slug in ("authentication", "errors", "idempotency")
    if (CORPUS / "recall-docs" / f"{slug}.md").is_file()
]


@st.composite
def mutated_prose(draw: st.DrawFn) -> str:
    """A prose page (authentication, errors, idempotency) with lines dropped or garbled."""
    lines = draw(st.sampled_from(PROSE)).split("\n")
    for _ in range(draw(st.integers(1, 8))):
        index = draw(st.integers(0, len(lines) - 1))
        if draw(st.booleans()):
            del lines[index]
        else:
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))] + draw(_NOISE)
        if not lines:
            lines = [""]
    return "\n".join(lines)


@pytest.mark.skipif(not PROSE, reason="../shared/corpus is not present")
@given(mutated_prose())
def test_mutated_prose_pages_never_crash(text: str) -> None:
    diags = Diagnostics()
    slug = "errors" if "Error Code" in text else "authentication" if "API Keys" in text else "idempotency"
    pages = [parse_page(SEEDS[1], "seed.md", diags), parse_page(text, f"{slug}.md", diags, fallback_slug=slug)]
    result = normalize_pages(pages, None, diags)
    for response in result.document.get("components", {}).get("responses", {}).values():
        assert response["description"] is not None
