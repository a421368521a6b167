"""Shortcuts taken for speed give what the long way gives: the overlay's copy of the document,
the models check of ASCII modules, datamodel-code-generator's process started ahead, the import
check run beside ruff's last step, the node look-ups of ``Refs.at``, the garbage collector during
``diff`` and while the page workers' results are read, schema trees pickled (from the page workers)
and copied through their own state, the digit-stripped keys of samples restored with an index built
on first need."""

from __future__ import annotations

import copy
import dataclasses
import gc
import os
import pickle
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.client import models_process
from generator.client.models_input import check_models
from generator.diagnostics import Diagnostics
from generator.normalize import parallel
from generator.normalize.samples import DUPLICATE_MARK, repair_keys
from generator.normalize.schema import Schema
from generator.spec.overlay import _copy
from generator.spec.refs import Refs, SpecRefError, escape_token
from tests.conftest import ROOT

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=30,
)


@given(st.dictionaries(st.text(max_size=4), JSON, max_size=5))
def test_the_overlay_copy_is_a_deep_copy(document: dict[str, Any]) -> None:
    copied = _copy(document)
    assert copied == document and copied is not document
    assert repr(copied) == repr(copy.deepcopy(document))  # 1 stays 1, 1.0 stays 1.0, True stays True


def test_the_overlay_copy_keeps_shared_objects_shared_and_copies_the_rest() -> None:
    shared: dict[str, Any] = {"type": "string"}
    document = {"a": shared, "b": shared, "c": [shared], "t": (1, 2)}
    copied = _copy(document)
    assert copied["a"] is copied["b"] is copied["c"][0] and copied["a"] is not shared
    odd = {"a": shared, "x": frozenset({1})}  # marshal writes frozensets; a set subclass it does not
    assert _copy(odd) == odd

    class Tagged(dict[str, Any]):
        pass

    tagged = {"t": Tagged(x=1)}
    assert type(_copy(tagged)["t"]) is Tagged  # the deepcopy fallback


@pytest.mark.parametrize(
    "source",
    [
        "class A:\n    x: int\n    y: int\n",
        "class A:\n    x: int\n    x: str\n",
        "class A:\n    x = 1\n    y: int = 2\n    x = 3\n",
        "class Ä:\n    x: int\n",
        "x = 'é'\nclass A:\n    x: int\n",
        "class A(:\n",
        "x = (\n",
        "def f(:\n    pass\n",
    ],
)
def test_models_check_of_an_ascii_module_says_what_the_tokens_say(source: str) -> None:
    import ast
    import io
    import tokenize

    def long_way(text: str) -> str | None:  # check_models before it skipped the tokens of ASCII text
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
        except (tokenize.TokenError, SyntaxError) as exc:
            return f"the models module does not tokenize: {exc}"
        for token in tokens:
            if token.type == tokenize.NAME and not token.string.isascii():
                return f"line {token.start[0]}: the name {token.string!r} is not ASCII"
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            return f"raises {type(exc).__name__}"
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                seen: set[str] = set()
                for stmt in node.body:
                    targets = [stmt.target] if isinstance(stmt, ast.AnnAssign) else getattr(stmt, "targets", [])
                    for target in targets:
                        if isinstance(target, ast.Name):
                            if target.id in seen:
                                return f"class {node.name} defines {target.id!r} twice"
                            seen.add(target.id)
        return None

    try:
        found = check_models(source)
    except SyntaxError as exc:
        found = f"raises {type(exc).__name__}"
    assert found == long_way(source)


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "properties": {"id": {"type": "string", "format": "uuid"}, "kind": {"enum": ["a", "b"]}},
                "required": ["id"],
            }
        }
    },
}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
@pytest.mark.parametrize("document", [DOCUMENT, {"openapi": "3.1.0", "components": {"schemas": {"X": {"$ref": 3}}}}])
def test_the_process_started_ahead_answers_as_this_one(document: dict[str, Any]) -> None:
    request = (document, "pkg", "# header", None)
    process = models_process._ModelsProcess()
    assert process.run(request) == models_process.models_answer(*request)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_process_started_ahead_and_not_used_is_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECALLGEN_JOBS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    models_process.prestart_models()
    assert len(models_process.PRESTARTED) == 1
    pid = models_process.PRESTARTED[0].pid
    models_process.stop_prestarted()
    assert not models_process.PRESTARTED
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # already reaped
    monkeypatch.setenv("RECALLGEN_JOBS", "1")
    models_process.prestart_models()
    assert not models_process.PRESTARTED


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_request_sent_early_is_answered_and_another_is_made_here() -> None:
    request = (DOCUMENT, "pkg", "# header", None)
    process = models_process._ModelsProcess()
    process.send(request)
    assert process.run(copy.deepcopy(request)) == models_process.models_answer(*request)
    other = models_process._ModelsProcess()
    other.send(request)
    assert other.run((DOCUMENT, "other", "# header", None)) is None  # the caller makes those models itself
    with pytest.raises(ChildProcessError):
        os.waitpid(other.pid, 0)  # the process that made the unwanted models was ended and reaped


BROKEN = "raise ImportError('broken')\n"


@pytest.mark.parametrize(
    ("before", "after", "fails"),
    [("", "", False), (BROKEN, BROKEN, True), ("", BROKEN, True), (BROKEN, "", False)],
    ids=["imports", "broken", "broken-by-the-last-step", "fixed-by-the-last-step"],
)
def test_the_import_check_beside_the_last_ruff_step_judges_the_final_files(
    tmp_path: Path, before: str, after: str, fails: bool
) -> None:
    """The package is imported while ruff's last ``check --fix`` runs; what that step changes is
    imported again, so that the verdict is about the files as they are written."""
    from generator.client.render import GenerateError, _check_while_finishing

    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "__init__.py"
    module.write_text(before, encoding="utf-8")
    write = f"import pathlib; pathlib.Path({str(module)!r}).write_text({after!r})" if after != before else "pass"
    last = ("check --fix", [sys.executable, "-c", write], (0,))
    if fails:
        with pytest.raises(GenerateError, match="broken") as raised:
            _check_while_finishing(tmp_path, "pkg", None, last)
        assert raised.value.code == "ir-import-failed"
    else:
        _check_while_finishing(tmp_path, "pkg", None, last)


def _walk(document: Any, pointer: str) -> Any:
    """The node at ``pointer`` walked from the root, as ``Refs.at`` walked it before it remembered nodes."""
    node = document
    for token in [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")] if pointer else []:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise SpecRefError(f"#{pointer} does not exist")
    return node


KEYS = st.sampled_from(["a", "b", "a/b", "~", "~1", "0", "1", "", "x~0y"])
TREES = st.recursive(
    st.integers(0, 3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=25,
)
POINTERS = st.lists(
    st.lists(KEYS.map(escape_token) | st.sampled_from(["00", "-1", "2", "9", "１"]), max_size=6).map(
        lambda tokens: "".join("/" + t for t in tokens)
    )
    | st.sampled_from(["x", "#/a", "/", "//"]),
    max_size=20,
)


@given(st.dictionaries(KEYS, TREES, max_size=4), POINTERS)
def test_refs_at_finds_what_a_walk_from_the_root_finds(document: dict[str, Any], pointers: list[str]) -> None:
    refs = Refs(document)
    for pointer in pointers + pointers:  # asked again: from what was remembered
        try:
            expected: tuple[str, Any] = ("node", id(_walk(document, pointer)))
        except SpecRefError as exc:
            expected = ("error", str(exc))
        if pointer and not pointer.startswith("/"):
            expected = ("error", f"not a JSON pointer: {pointer!r}")
        try:
            found: tuple[str, Any] = ("node", id(refs.at(pointer)))
        except SpecRefError as exc:
            found = ("error", str(exc))
        assert found == expected, pointer


@pytest.mark.parametrize("enabled", [True, False])
def test_diff_leaves_the_garbage_collector_as_it_found_it(capsys: pytest.CaptureFixture[str], enabled: bool) -> None:
    import gc

    from generator.cli import run_diff

    spec = ROOT / "tests" / "hostile" / "specs" / "ok_recursive_schema.yaml"
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert run_diff(spec, spec, "json") == 0
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert '"total": 0' in capsys.readouterr().out


def test_a_schema_tree_pickles_and_copies_with_every_field() -> None:
    def node(depth: int) -> Schema:
        child = node(depth - 1) if depth else None
        return Schema(["object"], True, "uuid", {"a": node(depth - 1)} if depth else {}, ["a"], ["b"], child, child,
                      ["x", 1], "d", {"k": [1]}, True, "table", 7 + depth, "#/r", "s")  # fmt: skip

    tree = node(3)
    names = [f.name for f in dataclasses.fields(Schema)]
    assert [getattr(tree, name) for name in names] == list(tree.__getstate__())
    assert pickle.loads(pickle.dumps(tree, pickle.HIGHEST_PROTOCOL)) == tree
    clone = tree.clone()
    assert clone == tree
    assert clone.items is clone.additional  # shared stays shared
    assert clone.items is not tree.items  # nothing is shared with the original


def _repair_keys_eagerly(value: object, known: set[str]) -> tuple[object, list[tuple[str, str]]]:
    """:func:`repair_keys` as it was written first: ``known`` indexed before anything is walked."""
    renames: list[tuple[str, str]] = []
    by_stripped: dict[str, list[str]] = {}
    for name in sorted(known):
        by_stripped.setdefault(re.sub(r"[0-9]", "", name), []).append(name)

    def walk(node: object) -> object:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, object] = {}
        used: dict[str, int] = {}
        for key, item in node.items():
            base = key.split(DUPLICATE_MARK)[0] if DUPLICATE_MARK in key else key
            new = base
            if base not in known:
                candidates = [c for c in by_stripped.get(re.sub(r"[0-9]", "", base), []) if c not in node]
                index = used.get(base, 0)
                if index < len(candidates):
                    new = candidates[index]
                    used[base] = index + 1
                    renames.append((base, new))
            if new in out:
                continue
            out[new] = walk(item)
        return out

    return walk(value), renames


KEYS = st.sampled_from(["a", "a1", "a2", "b_v1", "b_v", "b_v2", "c", f"b_v{DUPLICATE_MARK}2", "x9y", "xy"])
PAYLOADS = st.recursive(
    st.integers(0, 3) | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


@given(PAYLOADS, st.sets(KEYS, max_size=6))
def test_repair_keys_indexes_names_only_when_a_key_needs_them(payload: object, known: set[str]) -> None:
    """Building the index of ``known`` on first need: the same repairs, in the same order."""
    assert repair_keys(payload, known) == _repair_keys_eagerly(payload, known)


def test_repair_keys_leaves_no_reference_cycle() -> None:
    """The walk is no self-calling closure any more: the collector finds nothing after calls that
    rename keys and that do not (a full collection per call is slow here, so a few calls only)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for payload in ({"a": 1, "b_v": [{"x9y": 2}]}, [{"c": None}], {"a1": {"a1": 3}}):
            repair_keys(payload, {"a", "a1", "b_v2", "xy", "c"})
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()


def _square(item: int, diags: Diagnostics) -> int:
    diags.info(f"item{item}", item, "sample-repaired", "seen")
    return item * item


def _plus_one(value: int, diags: Diagnostics) -> int:
    return value + 1


def _negated(value: int) -> int:
    return -value


@pytest.mark.parametrize("enabled", [True, False])
def test_page_workers_leave_the_garbage_collector_as_they_found_it(
    monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    """:class:`parallel.Held` reads the workers' results with the collector paused
    (:func:`parallel.collector_paused`): the same results and diagnostics as a serial run, and the
    collector on or off as before."""
    runs = []
    was = gc.isenabled()
    for jobs in ("1", "2"):
        monkeypatch.setenv("RECALLGEN_JOBS", jobs)
        (gc.enable if enabled else gc.disable)()
        try:
            diags = Diagnostics()
            with parallel.Held[int, int](range(100)) as work:
                first = work.first(_square, _negated, diags)
                second = work.second(_plus_one, diags)
            assert work.workers == int(jobs)
            assert gc.isenabled() is enabled
        finally:
            (gc.enable if was else gc.disable)()
        runs.append((first, second, [d.format() for d in diags]))
    assert runs[0] == runs[1]
    assert runs[0][0] == [-(i * i) for i in range(100)] and runs[0][1] == [i * i + 1 for i in range(100)]
