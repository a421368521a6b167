"""Hypothesis strategies for the spec's schemas (hypothesis-jsonschema where it serves).

Valid payloads come from hypothesis-jsonschema on the standalone schema, mixed with the
deterministic edge instances of :mod:`conformance_tests.instances` (every nullable field null,
optional fields absent, unknown fields present) so the edges are tried on every run.
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from conformance_tests import speclib
from conformance_tests.instances import instance, set_at, sites

UNKNOWN_FIELD = "x_unknown_field_from_the_future"


@functools.lru_cache(maxsize=None)
def component_strategy(name: str) -> st.SearchStrategy[Any]:
    """Valid instances of component ``name``: generated, edge cases, and unknown extra fields."""
    schema = speclib.component(name)
    generated = from_schema(_without_formats_hypothesis_cannot_draw(schema))
    edges = st.sampled_from(edge_instances(name))
    return st.one_of(edges, generated, generated.map(with_unknown_field))


def edge_instances(name: str) -> list[Any]:
    """Full and minimal instances, and the full instance with each nullable field set to null."""
    schema = speclib.component(name)
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


def _without_formats_hypothesis_cannot_draw(schema: Any) -> Any:
    """Formats hypothesis-jsonschema ignores (uuid, uri) become equivalent patterns."""
    if isinstance(schema, list):
        return [_without_formats_hypothesis_cannot_draw(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _without_formats_hypothesis_cannot_draw(v) for k, v in schema.items()}
    fmt = out.get("format")
    if isinstance(fmt, str) and fmt in _PATTERNS and "enum" not in out:
        out.pop("format")
        out["pattern"] = _PATTERNS[fmt]
    return out
