"""Options, Hypothesis profiles and the corpus fixtures shared by tests/ and conformance_tests/.

Profiles: ``ci`` (derandomized, bounded; the default, used by ``make test``) and
``thorough`` (``HYPOTHESIS_PROFILE=thorough``). ``HYPOTHESIS_MAX_EXAMPLES`` overrides the
``ci`` example count.

The pages are normalized once per test session (per pytest-xdist worker), in-process, with the
project overlay: ``corpus_result``, the ``NormalizeResult`` of ``spec/pages`` (the product's
input: every reference page of ``../shared/corpus/recall-docs``, so the same document as
``spec/openapi.yaml`` when that is fresh); ``versions_result``, the dated versions of
``../shared/corpus/recall-docs-versions`` (the newest version of each page);
``dated_results``, each dated version of every page on its own (the oldest, the middle one, the
newest);
``seed_spec_file``, the four seed pages of
``tests/fixtures/seed_pages`` normalized alone and written as a spec file (for tests about the seed
operations only). ``corpus`` is the ``../shared/corpus`` folder; tests that need it are skipped
where it is absent. The conformance suite's modules never import the normalizer; only these
fixtures do, when a test asks for them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent
CORPUS = ROOT.parent / "shared" / "corpus"
PAGES = ROOT / "spec" / "pages"
SEED_PAGES = ROOT / "tests" / "fixtures" / "seed_pages"
GENERATED = ROOT / "generated"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))  # the committed client package, importable without installing

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "25")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=_SUPPRESS,
    print_blob=True,
)
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=_SUPPRESS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance")
    group.addoption("--live", action="store_true", help="run the live checks against a server (the sandbox by default)")
    group.addoption(
        "--base-url",
        default=os.environ.get("RECALL_BASE_URL"),
        help="server for --live (default: start the bundled sandbox; env RECALL_BASE_URL)",
    )
    group.addoption(
        "--live-unsafe",
        action="store_true",
        help="with --base-url: also send writes, idempotency replays and rate-limit exhaustion (README)",
    )


def _corpus_folder(name: str) -> Path:
    folder = CORPUS / name
    if not folder.is_dir():
        pytest.skip(f"the corpus is not present at {folder}")
    return folder


def _normalized(name: str | Path) -> Any:
    from tests.conftest import run_normalize  # the normalizer, only when a test asks for it

    result = run_normalize(name if isinstance(name, Path) else _corpus_folder(name))
    errors = [d.format() for d in result.diagnostics if d.severity.value == "error"]
    assert not errors, errors[:20]
    return result


@pytest.fixture(scope="session")
def corpus() -> Path:
    """``../shared/corpus`` (skipped where it is absent)."""
    _corpus_folder("recall-docs")
    return CORPUS


@pytest.fixture(scope="session")
def corpus_result() -> Any:
    """``spec/pages`` (every reference page) normalized with the project overlay, once per session
    (a ``NormalizeResult``; treat it as read-only)."""
    return _normalized(PAGES)


@pytest.fixture(scope="session")
def versions_result() -> Any:
    """``recall-docs-versions`` (three dated versions of every page) normalized once per session."""
    return _normalized("recall-docs-versions")


@pytest.fixture(scope="session")
def dated_results(versions_result: Any, tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """Every page of ``recall-docs-versions`` normalized version by version, oldest first: the
    oldest and the middle dated versions (tables only, no samples) each normalized on their own,
    and the newest (samples nest the rows), which ``versions_result`` keeps."""
    folder = _corpus_folder("recall-docs-versions")
    by_slug: dict[str, list[Path]] = {}
    for page in sorted(folder.glob("*.md")):
        by_slug.setdefault(page.name.split("__")[0], []).append(page)
    results = []
    for rank in range(2):
        into = tmp_path_factory.mktemp(f"dated-{rank}")
        for versions in by_slug.values():
            if len(versions) > 2:
                (into / versions[rank].name).write_bytes(versions[rank].read_bytes())
        results.append(_normalized(into))
    return [*results, versions_result]


@pytest.fixture(scope="session")
def seed_spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed pages (``tests/fixtures/seed_pages``) normalized alone with the project overlay and
    written as ``recallgen normalize`` writes a spec: the four seed operations, for tests about them."""
    from generator.spec.document import dump_yaml, write_atomic

    out = tmp_path_factory.mktemp("seed-spec") / "openapi.yaml"
    write_atomic(out, dump_yaml(_normalized(SEED_PAGES).document))
    return out
