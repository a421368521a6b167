"""yaml-rs readings confirmed by libyaml in a second process (generator/spec/checked_read.py), and
``recallgen diff``, which uses them: the data, and every byte the command prints, are the ones the
toolkit's reader gives, whether the readings agree or not."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from generator.spec import checked_read
from generator.spec.checked_read import read_checked, string_keys
from generator.spec.document import load_yaml_text
from generator.spec.model import Spec, document_is_sound

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
RECALLGEN = Path(sys.executable).parent / "recallgen"


@pytest.fixture(autouse=True)
def _single_threaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test runners may keep helper threads; the forked process here only reads and exits."""
    monkeypatch.setattr(threading, "active_count", lambda: 1)


def readings(*texts: str) -> tuple[list[Any], bool]:
    checked = read_checked(list(texts))
    assert checked is not None
    with checked:
        return checked.documents, checked.confirmed()


def test_the_whole_api_spec_is_read_as_the_toolkit_reads_it() -> None:
    text = SPEC.read_text(encoding="utf-8")
    documents, confirmed = readings(text, "openapi: 3.1.0\nresponses:\n  200: ok\n")
    assert confirmed
    assert documents == [load_yaml_text(text), {"openapi": "3.1.0", "responses": {"200": "ok"}}]


@pytest.mark.parametrize(
    "text",
    [
        "a: 1e3\n",  # YAML 1.2: the float 1000.0; YAML 1.1 (PyYAML): the string "1e3"
        "a: 0o17\n",
        "a: 017\n",  # 17 against octal 15
        "a: yes\n",  # a string against true
        "a: 12:30\n",  # a string against sexagesimal 750
        "a: 1\n---\nb: 2\n",  # two documents: a list against an error
        "a: \x07\n",  # a control character yaml-rs accepts and libyaml refuses
        "x: " + "[" * 101 + "]" * 101 + "\n",  # deeper than MAX_DEPTH: refused by the toolkit
        "a: 1\n'1': 2\nb: {1: 3}\n",
    ],
)
def test_readings_that_differ_are_not_confirmed(text: str) -> None:
    documents, confirmed = readings("a: b\n", text)
    assert not confirmed
    assert documents[0] == {"a": "b"}


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "- " * 20_000 + "x\n", "a: [\n", "200: a\n'200': b\n"])
def test_texts_yaml_rs_refuses_or_could_not_survive_are_left_to_the_usual_reader(text: str) -> None:
    assert read_checked(["a: b\n", text]) is None


def test_integer_keys_become_strings_once() -> None:
    data: Any = {200: {"a": [{404: None}]}, "x": 1}
    assert string_keys(data) == {"200": {"a": [{"404": None}]}, "x": 1}
    assert string_keys({1: "a", "1": "b"}) is None


def test_without_yaml_rs_or_with_threads_nothing_is_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checked_read, "_rust_loads", lambda: None)
    assert read_checked(["a: b\n"]) is None
    monkeypatch.undo()
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert read_checked(["a: b\n"]) is None


def test_documents_the_second_process_does_not_accept_are_not_confirmed() -> None:
    checked = read_checked(["a: b\n", "c: d\n"], accept=lambda document: "a" in document)
    assert checked is not None
    with checked:
        assert not checked.confirmed()


def test_a_sound_spec_reads_the_same_without_the_two_walks() -> None:
    document = load_yaml_text(SPEC.read_text(encoding="utf-8"))
    assert document_is_sound(document)
    checked, unchecked = Spec.from_document(document), Spec.from_document(document, checks=False)
    assert unchecked.operations == checked.operations and len(checked.operations) > 100
    assert unchecked.problems == checked.problems


@pytest.mark.parametrize(
    ("document", "sound"),
    [
        (
            {"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}}}},
            False,
        ),
        ({"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"A": {"type": 5}}}}, False),
        ({"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}, True),
        (["not", "a", "mapping"], True),  # refused the same way with or without the walks
    ],
)
def test_soundness_is_what_the_two_walks_find(document: Any, sound: bool) -> None:
    assert document_is_sound(document) is sound


def test_leaving_early_stops_the_second_process() -> None:
    checked = read_checked([SPEC.read_text(encoding="utf-8")])
    assert checked is not None
    pid = checked._pid
    with checked:
        pass  # never asked for the verdict
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


SPEC_TEXT = """openapi: 3.1.0
info: {{title: t, version: '1'}}
paths:
  /a:
    get:
      operationId: a_get
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  n: {{type: {kind}, enum: [a, {example}]}}
                  m: {{$ref: '#/components/schemas/{target}'}}
components:
  schemas:
    M: {{type: string}}
"""


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
@pytest.mark.parametrize(("example", "target"), [("1e3", "M"), ("12", "M"), ("12", "Missing")])
def test_diff_prints_what_the_toolkit_reader_gives(tmp_path: Path, fmt: str, example: str, target: str) -> None:
    """``recallgen diff`` as a process (no threads: the readings are checked): the same output as
    with the toolkit's reader alone, also when the readings differ (``1e3``) or a ``$ref`` does
    not resolve (found by the second process), and the command starts again."""
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(SPEC_TEXT.format(kind="string", example="b", target="M"), encoding="utf-8")
    new.write_text(SPEC_TEXT.format(kind="string", example=example, target=target), encoding="utf-8")
    command = [str(RECALLGEN), "diff", str(old), str(new), "--format", fmt, "--fail-on", "warning"]
    checked = subprocess.run(command, capture_output=True, text=True, check=False)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}  # yaml_rs hidden: the toolkit's reader alone
    (tmp_path / "yaml_rs.py").write_text("raise ImportError('hidden by the test')\n", encoding="utf-8")
    usual = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert (checked.returncode, checked.stdout, checked.stderr) == (usual.returncode, usual.stdout, usual.stderr)
    if target == "Missing":
        assert checked.returncode == 2 and "spec-bad-ref" in checked.stderr
    else:
        assert checked.returncode == 1 and example in checked.stdout  # enum value b removed (a warning), one added
