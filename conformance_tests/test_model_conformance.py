"""model_conformance: the generated pydantic models accept what the spec accepts, and no more.

The spec is the judge: every payload is first checked with jsonschema against the component
schema, then validated into the generated model; the model's dump must satisfy the spec again.
Near-miss payloads (a wrong enum value, a wrong type, a missing required field, null where not
nullable) are invalid for the judge and must be rejected by the model validated strictly (the
context ``strict_responses=True`` uses: enums are open otherwise, README "Responses").
"""

from __future__ import annotations

import importlib
from typing import Any

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance_tests import speclib
from conformance_tests.instances import delete_at, instance, set_at, sites, wrong_type
from conformance_tests.strategies import UNKNOWN_FIELD, component_strategy

COMPONENTS = sorted(speclib.spec().schemas)
models = importlib.import_module("recall_client.models")
STRICT = importlib.import_module("recall_client._models").STRICT_CONTEXT


def model_for(name: str) -> type[pydantic.BaseModel]:
    model = getattr(models, name, None)
    assert model is not None, f"recall_client.models has no class for component {name}"
    return model  # type: ignore[no-any-return]


def round_trip(name: str, payload: Any) -> None:
    schema = speclib.component_ref(name)
    assert speclib.is_valid(payload, schema), speclib.errors(payload, schema)  # the judge accepts it first
    parsed = model_for(name).model_validate(payload, context=STRICT)
    dumped = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert speclib.is_valid(dumped, schema), (name, speclib.errors(dumped, schema))
    assert set(dumped) == set(payload), "fields were lost or invented in the round trip"


@pytest.mark.conformance("model_conformance", subject="name", family="components")
@pytest.mark.parametrize("name", COMPONENTS)
@given(data=st.data())
def test_model_conformance(name: str, data: st.DataObject) -> None:
    round_trip(name, data.draw(component_strategy(name), label=name))


@pytest.mark.conformance("unknown_field_conformance", subject="name", family="components")
@pytest.mark.parametrize("name", COMPONENTS)
def test_unknown_fields_are_kept(name: str) -> None:
    full = instance(speclib.component_ref(name).node, speclib.resolve)
    parsed = model_for(name).model_validate({**full, UNKNOWN_FIELD: 1})
    assert (parsed.model_extra or {}).get(UNKNOWN_FIELD) == 1


def near_misses(name: str) -> list[tuple[str, Any]]:
    """(label, payload) pairs that the judge rejects: one per constraint of the component."""
    judge = speclib.component_ref(name)
    full = instance(judge.node, speclib.resolve)
    found: list[tuple[str, Any]] = []
    for site in sites(judge.node, full, speclib.resolve):
        where = "/".join(map(str, site.path))
        if "enum" in site.schema:
            found.append((f"{where}: value outside the enum", set_at(full, site.path, "not-a-valid-enum-value")))
        bad = wrong_type(site.schema)
        if bad is not None:
            found.append((f"{where}: wrong type", set_at(full, site.path, bad)))
        if site.required:
            found.append((f"{where}: required field missing", delete_at(full, site.path)))
        if not site.nullable and site.required:
            found.append((f"{where}: null where not nullable", set_at(full, site.path, None)))
    return [(label, payload) for label, payload in found if not speclib.is_valid(payload, judge)]


@pytest.mark.conformance("near_miss_conformance", subject="name", family="components")
@pytest.mark.parametrize("name", COMPONENTS)
def test_near_misses_are_rejected(name: str) -> None:
    misses = near_misses(name)
    assert misses, f"{name}: no near-miss payload was built (the check would pass without checking anything)"
    accepted = []
    for label, payload in misses:
        try:
            model_for(name).model_validate(payload, context=STRICT)
        except pydantic.ValidationError:
            continue
        accepted.append(label)
    assert accepted == [], f"{name} accepted invalid payloads: {accepted}"


def enum_payloads(name: str) -> list[Any]:
    """The full instance of component ``name`` with each enum site set to each of its values."""
    schema = speclib.component_ref(name).node
    full = instance(schema, speclib.resolve)
    return [
        set_at(full, site.path, value)
        for site in sites(schema, full, speclib.resolve)
        for value in site.schema.get("enum", [])
        if value is not None or site.nullable
    ]


#: Components with at least one enum (the others have nothing for ``enum_conformance`` to check).
ENUM_COMPONENTS = [name for name in COMPONENTS if enum_payloads(name)]


@pytest.mark.conformance("enum_conformance", subject="name", family="components")
@pytest.mark.parametrize("name", ENUM_COMPONENTS)
def test_every_enum_value_is_accepted(name: str) -> None:
    for payload in enum_payloads(name):
        round_trip(name, payload)
