"""Fixtures and the reporting plugin of the conformance suite.

- ``@pytest.mark.conformance(check, subject=...)`` tags a test for the summary table and the
  JUnit properties (:mod:`conformance_tests.report`);
- ``@pytest.mark.live`` tests run only with ``--live`` (options in the root ``conftest.py``);
- ``live_target`` (session): the sandbox started on a free loopback port and stopped afterwards,
  or the ``--base-url`` server (:mod:`conformance_tests.live`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from conformance_tests.live import LiveTarget, remote_target, sandbox_target
from conformance_tests.report import ConformanceReport, tag_items


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers and the summary plugin (once, also on xdist workers)."""
    config.addinivalue_line("markers", "conformance(check, subject): a conformance check, for the summary table")
    config.addinivalue_line("markers", "live: needs --live (a server: the bundled sandbox or --base-url)")
    if not config.pluginmanager.has_plugin("conformance-report"):
        config.pluginmanager.register(ConformanceReport(), "conformance-report")


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection loaded lives as long as the session (the spec's model and compiled checks, the
    client package, the operations' strategies): moved out of the garbage collector's scans
    (:func:`gc.freeze`), which Hypothesis' many short-lived objects otherwise repeat all along."""
    gc.freeze()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tag conformance checks for the report; skip ``live`` tests without ``--live``."""
    tag_items(items)
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="live check: run with --live (sandbox) or --live --base-url URL")
    for item in items:
        if item.get_closest_marker("live") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_target(pytestconfig: pytest.Config) -> Iterator[LiveTarget]:
    """The server under test for ``--live`` checks (sandbox unless ``--base-url``/``RECALL_BASE_URL``)."""
    base_url = pytestconfig.getoption("--base-url")
    if base_url:
        yield remote_target(base_url, bool(pytestconfig.getoption("--live-unsafe")))
    else:
        yield from sandbox_target()
