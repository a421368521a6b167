"""stateful_conformance: sequences of create / update metadata / read back / delete keep their promises.

Two state machines (:mod:`conformance_tests.stateful`), both over an in-process sandbox:

- the whole API (``spec/openapi.yaml``) through the generated client: POST creates (bots,
  calendars, Zoom OAuth apps...), PATCH metadata, GET, DELETE, then 404;
- the seed spec (the four seed pages of ``tests/fixtures/seed_pages`` normalized alone, root
  ``conftest.py``) through plain httpx: PATCH metadata of recordings and participant events, read
  back with a PATCH without body (the seed pages document no GET), unknown ids 404.

Bounded for the ``ci`` profile: at most 20 runs of at most 15 steps each; ``thorough`` takes 100 x 50.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from conformance_tests import speclib
from conformance_tests.stateful import ClientDriver, HttpDriver, families, machine_for


def machine_settings() -> settings:
    """Bounded in ``ci`` (few examples by default), wider when the profile asks for more."""
    thorough = settings.default.max_examples > 100
    return settings(
        max_examples=100 if thorough else min(settings.default.max_examples, 20),
        stateful_step_count=50 if thorough else 15,
    )


@pytest.mark.conformance("stateful_conformance", subject="whole API (client)", family="specs")
def test_stateful_conformance_whole_api() -> None:
    """The whole API, generated client: created resources read back, deleted ones are 404
    everywhere, bodies schema-valid and parsed by the client."""
    found = families(speclib.SPEC)
    assert any(f.create is not None for f in found), "no creatable family in the spec"
    assert any(f.delete is not None and f.read is not None for f in found), "no family with GET and DELETE"
    run_state_machine_as_test(machine_for(speclib.SPEC, ClientDriver), settings=machine_settings())


@pytest.mark.conformance("stateful_conformance", subject="seed spec (httpx)", family="specs")
def test_stateful_conformance_seed(seed_spec_file: Path) -> None:
    """Seed spec (no GET): read returns the last written metadata through a PATCH without body;
    unknown ids are 404."""
    assert {f.item for f in families(seed_spec_file)} == {"/api/v1/recording/{id}/", "/api/v1/participant_events/{id}/"}
    run_state_machine_as_test(machine_for(seed_spec_file, HttpDriver), settings=machine_settings())
