"""Hypothesis strategies for the spec's schemas.

Our own direct builder (:func:`from_spec_schema`) knows the subset of JSON Schema the normalizer
emits and draws an instance of any component in milliseconds. hypothesis-jsonschema, an
independent generator, re-canonicalises at every draw and fills every object that is not closed
with random extra members: seconds per example on the large nested schemas (``Recording``, with
its transcript provider tree), and ten to thirty times the direct builder's time even on small
ones (1 to 9 s per component for 25 examples), which over the whole API's 229 components was a
third of ``make test``'s time. So the ``ci`` profile
uses the direct builder for every component, and the ``thorough`` profile
(``HYPOTHESIS_PROFILE=thorough``) mixes in hypothesis-jsonschema for schemas of at most
:data:`SMALL_SCHEMA` (an estimate of their size, in nodes). Both are mixed with deterministic edge
instances of :mod:`conformance_tests.instances` (every nullable field null, optional fields
absent, unknown fields present) so the edges are tried on every run. Whatever generates it, a
payload is checked against the spec (the judge) before it is used.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from conformance_tests import speclib
from conformance_tests.instances import MAX_DEPTH, instance, set_at, sites, types_of

UNKNOWN_FIELD = "x_unknown_field_from_the_future"
#: With the ``thorough`` profile, schemas of at most this many nodes also get hypothesis-jsonschema.
SMALL_SCHEMA = 40
INDEPENDENT_GENERATOR = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_DATETIMES = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
).map(lambda d: d.isoformat().replace("+00:00", "Z"))
_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "uuid": st.uuids().map(str),
    "date-time": _DATETIMES,
    "date": st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)).map(dt.date.isoformat),
    "uri": st.from_regex(r"\Ahttps://[a-z]{1,10}\.example\.com/[a-z0-9_]{0,10}\Z"),
    "email": st.from_regex(r"\A[a-z]{1,8}@example\.com\Z"),
}


def from_spec_schema(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Valid values of a schema the normalizer emits (type lists, enum, format, properties,
    required, items, additionalProperties, ``anyOf [ref, null]``) and the overlay's unions
    (``anyOf`` of several alternatives)."""
    target = speclib.resolve(schema)
    allowed = set(types_of(schema)) | set(types_of(target))
    nullable = "null" in allowed
    if depth > MAX_DEPTH:
        return st.just(instance(schema, speclib.resolve, full=False))
    if "enum" in target:
        values = [v for v in target["enum"] if v is not None or nullable]
        base: st.SearchStrategy[Any] = st.sampled_from(values)
        return base
    branches = [b for b in target.get("anyOf", []) if types_of(speclib.resolve(b)) != ["null"]]
    if branches and "type" not in target:  # a union (``anyOf: [integer, {$ref}]``): any of its alternatives
        union = st.one_of(*(from_spec_schema(b, depth + 1) for b in branches))
        return st.one_of(st.none(), union) if nullable else union
    kinds = sorted(allowed - {"null"})
    options = [_kind_strategy(kind, target, depth) for kind in kinds] or [
        st.one_of(st.none(), st.booleans(), st.integers(), _TEXT)
    ]
    strategy = st.one_of(*options)
    return st.one_of(st.none(), strategy) if nullable else strategy


def _kind_strategy(kind: str, target: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if kind == "string":
        return _FORMATS.get(target.get("format", ""), _TEXT)
    if kind == "integer":
        return st.integers(min_value=-(2**31), max_value=2**31 - 1)
    if kind == "number":
        return st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(from_spec_schema(target.get("items", {}), depth + 1), max_size=2)
    if kind == "object":
        props = target.get("properties", {})
        required = set(target.get("required", []))
        fields = {name: from_spec_schema(prop, depth + 1) for name, prop in props.items()}
        fixed = st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required},
            optional={k: v for k, v in fields.items() if k not in required},
        )
        extra = target.get("additionalProperties")
        if isinstance(extra, dict) and not props:
            return st.dictionaries(
                st.text(st.characters(codec="ascii", categories=("Ll",)), min_size=1, max_size=6),
                from_spec_schema(extra, depth + 1),
                max_size=2,
            )
        return fixed
    return st.none()


def _size(schema: dict[str, Any]) -> int:
    return len(json.dumps(schema)) // 40


@functools.cache
def component_strategy(name: str) -> st.SearchStrategy[Any]:
    """Valid instances of component ``name``: generated, edge cases, and unknown extra fields.

    Our own builder walks the spec's node, ``$ref``s resolved by the spec's resolver;
    hypothesis-jsonschema (``thorough`` profile, small schemas) gets the standalone schema
    (:func:`speclib.component`).
    """
    generated = from_spec_schema(speclib.component_ref(name).node)
    standalone = speclib.component(name) if INDEPENDENT_GENERATOR else None
    if standalone is not None and _size(standalone) <= SMALL_SCHEMA:
        generated = st.one_of(generated, from_schema(_patterns_for_formats(standalone)))
    edges = st.sampled_from(edge_instances(name))
    return st.one_of(edges, generated, generated.map(with_unknown_field))


def edge_instances(name: str) -> list[Any]:
    """Full and minimal instances, and the full instance with each nullable field set to null."""
    schema = speclib.component_ref(name).node
    full = instance(schema, speclib.resolve)
    out = [full, instance(schema, speclib.resolve, full=False), with_unknown_field(full)]
    out.extend(set_at(full, site.path, None) for site in sites(schema, full, speclib.resolve) if site.nullable)
    return out


def with_unknown_field(value: Any) -> Any:
    """Add a field the spec does not know at the top level (forward compatibility)."""
    if isinstance(value, dict):
        return {**value, UNKNOWN_FIELD: {"nested": [1, "two", None]}}
    return value


_PATTERNS = {
    "uuid": "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    "uri": "^https://[a-z]{1,12}\\.example\\.com/[a-z0-9_]{0,12}$",
}


def _patterns_for_formats(schema: Any) -> Any:
    """Formats hypothesis-jsonschema ignores (uuid, uri) become equivalent patterns."""
    if isinstance(schema, list):
        return [_patterns_for_formats(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _patterns_for_formats(v) for k, v in schema.items()}
    fmt = out.get("format")
    if isinstance(fmt, str) and fmt in _PATTERNS and "enum" not in out:
        out.pop("format")
        out["pattern"] = _PATTERNS[fmt]
    return out
