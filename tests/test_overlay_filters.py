"""Overlay targets whose filters are evaluated directly (generator/spec/overlay_filters.py) match
what python-jsonpath alone matches: the same nodes, at the same paths, in the same order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonpath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonpath.selectors import Filter

from generator.diagnostics import Diagnostics
from generator.spec.overlay import load_overlay
from generator.spec.overlay_filters import _DirectFilter, compile_target

ROOT = Path(__file__).resolve().parent.parent

TARGETS = [
    "$.s[?@.p.a]",
    "$.s[?@.p.a && @.p.b]",
    "$.s[?@.p.a || @.p.b && !@.p.c]",
    "$.s[?!@.p.a].p",
    "$.s[?@.p.a.t == 'string']",
    "$.s[?'string' == @.p.a.t]",
    "$.s[?@.t[0] == 'a' && @['x-y'].z == 'b']",
    "$.s[?@.t[-1] == 'a']",
    "$.s[?@.t[5]]",
    "$.s[?@.p.a['$ref']].p.a",
    "$.s[?@[?@.a || @.b && @.c]]",
    "$.s.*[?@.q[?@.in == 'path'] || @.id == 'x']",
    "$.s.*['a','b']",
    "$.*[?@.p[?@.a]]",
    "$[?@.s]",
    "$.s[?@.p.a] | $.s[?@.p.b && @.t[0] == 'a']",
    # shapes left to the library
    "$.s[?@.p.a == 1]",
    "$.s[?@.p.a != 'a']",
    "$.s[?@..a]",
    "$.s[?@.t[0] == $.s.x.t[0]]",
    "$.s[?count(@.p) > 1]",
    "$.s[?@.p.a || @.p.b == 1]",
    "$.s[?length(@.t) == 1]",
]

KEYS = st.sampled_from(["s", "p", "a", "b", "c", "t", "x-y", "z", "$ref", "q", "in", "id", "0", "x"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from(["a", "b", "x", "path", "string", ""])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=40,
)


def found(matches: Any) -> list[tuple[str, int]]:
    return [(str(match.path), id(match.obj)) for match in matches]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=4), st.sampled_from(TARGETS))
def test_direct_filters_match_what_the_library_matches(document: dict[str, Any], target: str) -> None:
    assert found(compile_target(target).finditer(document)) == found(jsonpath.finditer(target, document))


@pytest.mark.parametrize(
    "document",
    [
        {"s": {"one": {"t": {"0": "a"}}, "two": {"t": ["a"]}, "three": {"t": "a"}}},  # an index into an object
        {"s": {"one": {"p": {"a": {"t": True}}}, "two": {"p": {"a": {"t": "string"}}}}},
        {"s": [{"p": {"a": None}}, {"p": {"a": False}}, {"p": {}}, "p", 3]},  # null and false exist
    ],
)
def test_direct_filters_on_values_they_hand_back_or_must_tell_apart(document: dict[str, Any]) -> None:
    for target in TARGETS:
        assert found(compile_target(target).finditer(document)) == found(jsonpath.finditer(target, document)), target


def test_every_filter_of_the_overlay_is_evaluated_directly() -> None:
    overlay = load_overlay(ROOT / "spec" / "overlay.yaml", Diagnostics())
    assert overlay is not None
    filters = [
        selector
        for action in overlay.actions
        for segment in getattr(compile_target(action["target"]), "segments", ())
        for selector in segment.selectors
        if isinstance(selector, Filter)
    ]
    assert filters
    assert all(isinstance(selector.expression, _DirectFilter) for selector in filters)


def test_shapes_it_does_not_know_stay_with_the_library() -> None:
    path = compile_target("$.s[?@.p.a == 1]")
    selectors = [selector for segment in getattr(path, "segments", ()) for selector in segment.selectors]
    assert not any(isinstance(getattr(s, "expression", None), _DirectFilter) for s in selectors)
