"""Property: a spec with any one node replaced by any JSON value never crashes a consumer.

Hypothesis replaces one node of the valid base spec (``tests/hostile/build_corpus.BASE``) with an
arbitrary JSON value. Reading it through the safe loader and the spec model must give either
diagnostics or a :class:`Spec`; for a spec without error problems, what ``generate`` feeds
datamodel-code-generator (:func:`models_input`), the IR build up to the models, and ``diff``
(in-process, CLI) must answer without an exception other than their documented diagnostics.
``HYPOTHESIS_PROFILE=thorough`` runs 500 examples.
"""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from generator.cli import app
from generator.client.models_input import ModelsInputError, models_input
from generator.diagnostics import Diagnostics
from generator.spec.document import dump_yaml
from generator.spec.model import load_spec
from tests.hostile.build_corpus import BASE

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
ERROR_KINDS = {"bad-ref", "bad-operation", "structure"}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = [p for p in _paths(BASE) if p]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    path = draw(st.sampled_from(PATHS))
    parent: Any = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = draw(JSON_VALUES)
    return document


@given(mutated())
def test_one_wrong_node_gives_diagnostics_not_exceptions(tmp_path_factory: Any, document: dict[str, Any]) -> None:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    spec_path = folder / "spec.json"
    spec_path.write_text(json.dumps(document), encoding="utf-8")
    diags = Diagnostics()
    spec = load_spec(spec_path, diags)
    if spec is None:
        assert diags.has_errors
        return
    if not any(p.kind in ERROR_KINDS for p in spec.problems):
        with contextlib.suppress(ModelsInputError):
            models_input(spec, Diagnostics())
    base_path = folder / "base.yaml"
    base_path.write_text(dump_yaml(BASE), encoding="utf-8")
    result = CliRunner().invoke(app, ["diff", str(base_path), str(spec_path)])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
