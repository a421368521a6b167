"""Hypothesis strategies for the arguments of a client call (:class:`conformance_tests.adapter.Call`).

Path and keyword parameters come from their parameter schemas, request bodies from the
requestBody schema (the component strategies of :mod:`conformance_tests.strategies`: generated,
edge instances with every nullable field null, optional fields absent). Object bodies keep only
the properties the spec names (unknown extra fields have no keyword argument). Idempotency keys
are visible ASCII (HTTP field values, RFC 9110 section 5.5) within the parameter's length bounds.
"""

from __future__ import annotations

import copy
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from conformance_tests import speclib
from conformance_tests.adapter import Call, ClientOperation, Param, idempotency_schema
from conformance_tests.instances import instance
from conformance_tests.strategies import component_strategy, from_spec_schema
from generator.spec.model import SchemaRef
from generator.spec.refs import component_name

#: The path parameter value of :func:`minimal_call` (a valid uuid).
MINIMAL_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
#: Ids that need percent-encoding in a path segment (RFC 3986 section 2.1), plus random text.
AWKWARD_IDS = ["a/b", "a b", "?x=1&y", "#frag", "%2F", "..%2f", "ümlaut", "semi;colon", "plus+sign", "...", "~tilde"]


def idempotency_keys() -> st.SearchStrategy[str]:
    """Keys valid for the ``Idempotency-Key`` parameter schema (minLength/maxLength); built once."""
    return _idempotency_keys()


@functools.cache
def _idempotency_keys() -> st.SearchStrategy[str]:
    schema = speclib.resolve(idempotency_schema().node)
    low, high = int(schema.get("minLength", 1)), min(int(schema.get("maxLength", 255)), 255)
    visible = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
    return st.one_of(st.uuids().map(str), st.text(visible, min_size=low, max_size=high))


def awkward_ids() -> st.SearchStrategy[str]:
    """Path parameter values that must be percent-encoded (never empty, ``.`` or ``..``); built once."""
    return _awkward_ids()


@functools.cache
def _awkward_ids() -> st.SearchStrategy[str]:
    text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=16)
    return st.one_of(st.sampled_from(AWKWARD_IDS), text.filter(lambda s: s not in (".", "..")))


def _param_value(param: Param, ids: Sequence[str] | None) -> st.SearchStrategy[Any]:
    schema = speclib.resolve(param.schema)
    if param.location == "path" and schema.get("format") == "uuid":
        known = st.sampled_from(list(ids)) if ids else st.nothing()
        fresh = st.uuids()
        return st.one_of(known, fresh.map(str), fresh)  # the client takes ``str | UUID``
    if param.location == "path":  # one non-empty segment: "", "." and ".." address another resource
        known = st.sampled_from(list(ids)) if ids else st.nothing()
        return st.one_of(known, from_spec_schema(param.schema).filter(lambda v: str(v) not in ("", ".", "..")))
    return from_spec_schema(param.schema)


def body_values(cop: ClientOperation) -> st.SearchStrategy[Any]:
    """Valid request bodies of ``cop`` (object bodies: only the properties the spec names)."""
    schema = cop.spec.request_schema_ref
    if schema is None:
        return st.none()
    values = component_strategy(schema.component) if schema.component else from_spec_schema(schema.node)
    if cop.body_kind == "fields":
        return values.map(lambda v: {k: x for k, x in v.items() if k in cop.body_fields} if isinstance(v, dict) else {})
    return values


def _model_fields(cop: ClientOperation) -> list[str]:
    schema = cop.spec.request_schema_ref
    props = speclib.resolve(schema.node).get("properties", {}) if schema is not None else {}
    return sorted(name for name, prop in props.items() if component_name(prop) is not None)


@dataclass(frozen=True)
class _CallPlan:
    """The strategies of one operation's arguments, built once (a strategy built anew at every
    draw is validated and analysed anew by Hypothesis: most of a draw's time on the whole API)."""

    path: tuple[tuple[str, st.SearchStrategy[Any]], ...]
    keywords: tuple[tuple[str, bool, st.SearchStrategy[Any]], ...]
    body: st.SearchStrategy[Any] | None
    models: tuple[str, ...]
    keys: st.SearchStrategy[str] | None


def _plan(cop: ClientOperation, ids: Sequence[str] | None, awkward: bool, keys: bool) -> _CallPlan:
    return _CallPlan(
        path=tuple((p.name, awkward_ids() if awkward else _param_value(p, ids)) for p in cop.path_params),
        keywords=tuple((p.name, p.required, _param_value(p, ids)) for p in cop.keyword_params),
        body=body_values(cop) if cop.body_kind != "none" else None,
        models=tuple(_model_fields(cop)) if cop.body_kind == "fields" else (),
        keys=idempotency_keys() if cop.idempotent and keys else None,
    )


#: (operationId, ids, awkward, keys) -> (the operation, its strategy); the operation is kept to
#: tell apart operations of the same id read from different specs.
_CALLS: dict[tuple[str, tuple[str, ...] | None, bool, bool], tuple[ClientOperation, st.SearchStrategy[Call]]] = {}


def calls(
    cop: ClientOperation,
    ids: Sequence[str] | None = None,
    awkward: bool = False,
    keys: bool = True,
) -> st.SearchStrategy[Call]:
    """Valid calls (:class:`Call`) of ``cop`` (one strategy per operation and options, built once).

    ``ids``: stored ids to pick path parameters from (besides random uuids); ``awkward``: path
    parameters from :func:`awkward_ids` (not valid for a uuid schema: for encoding checks only);
    ``keys``: sometimes pass an ``idempotency_key``.
    """
    key = (cop.spec.operation_id, tuple(ids) if ids is not None else None, awkward, keys)
    found = _CALLS.get(key)
    if found is None or found[0] is not cop:
        found = _CALLS[key] = (cop, _calls(_plan(cop, ids, awkward, keys)))
    return found[1]


@st.composite
def _calls(draw: st.DrawFn, plan: _CallPlan) -> Call:
    call = Call()
    for name, strategy in plan.path:
        call.path[name] = draw(strategy, label=name)
    for name, required, strategy in plan.keywords:
        if required or draw(st.booleans(), label=f"send {name}"):
            call.keywords[name] = draw(strategy, label=name)
    if plan.body is not None:
        call.body = draw(plan.body, label="body")
    if plan.models and isinstance(call.body, dict):
        body = call.body
        call.models = frozenset(
            name for name in plan.models if isinstance(body.get(name), dict) and draw(st.booleans(), label=name)
        )
    if plan.keys is not None and draw(st.booleans(), label="caller idempotency key"):
        call.idempotency_key = draw(plan.keys, label="idempotency_key")
    return call


def minimal_call(cop: ClientOperation, path_value: str = MINIMAL_ID) -> Call:
    """The smallest valid call of ``cop``: every path parameter ``path_value`` and the required
    arguments only (required query/header parameters, the body's required properties, a body value
    when the request body is required), each a :func:`conformance_tests.instances.instance`
    without optional fields. AssertionError when such an instance fails its schema."""
    found = _MINIMAL.get(cop.spec.operation_id)
    if found is None:
        found = _MINIMAL[cop.spec.operation_id] = _minimal_arguments(cop)
    call = copy.deepcopy(found)
    call.path = {p.name: path_value for p in cop.path_params}
    return call


_MINIMAL: dict[str, Call] = {}


def _minimal_arguments(cop: ClientOperation) -> Call:
    op = cop.spec
    call = Call()
    for param in cop.keyword_params:
        declared = op.param(param.location, param.name)
        if param.required and declared is not None and declared.schema is not None:
            value = call.keywords[param.name] = instance(param.schema, speclib.resolve, full=False)
            assert speclib.is_valid(value, declared.schema, op.within), f"{op.operation_id}: {param.name}={value!r}"
    schema = op.request_schema_ref
    required = op.request_body is not None and op.request_body.required
    if schema is not None and (cop.body_kind == "fields" or (cop.body_kind == "value" and required)):
        call.body = instance(schema.node, speclib.resolve, full=False)
        assert speclib.is_valid(call.body, schema, op.within), f"{op.operation_id}: {speclib.errors(call.body, schema)}"
    return call


def success_bodies(schema: SchemaRef | None) -> st.SearchStrategy[Any]:
    """Valid success bodies for ``schema``: component strategies for ``$ref`` and arrays of them."""
    if schema is None:
        return st.none()
    if schema.component is not None:
        return component_strategy(schema.component)
    node = schema.node
    item = component_name(node.get("items")) if isinstance(node, dict) and node.get("type") == "array" else None
    if item is not None:
        return st.lists(component_strategy(item), max_size=3)
    return from_spec_schema(node)


def path_text(value: Any) -> str:
    """A path parameter as the client sends it before encoding."""
    return str(value) if isinstance(value, uuid.UUID) else value if isinstance(value, str) else str(value)
