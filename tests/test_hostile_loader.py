"""The toolkit's one safe loader (generator/spec/document.py) and ASCII names (generator/naming.py).

The loader refuses, before anything walks the document and in time linear in its size, what would
crash, hang or exhaust memory later: nesting deeper than MAX_DEPTH (libyaml's C composer overflows
the C stack at ~50,000 levels), alias expansion beyond MAX_NODES (a billion-laughs document is
10^9 nodes once expanded), recursive aliases; and it constructs JSON-compatible values only.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from generator.diagnostics import Diagnostics
from generator.naming import ascii_name, class_name, field_name, pep440_version, python_identifier
from generator.spec.document import MAX_DEPTH, MAX_NODES, LimitError, load_yaml_text, read_document
from generator.spec.structure import check_structure

BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
)


def refused(text: str) -> str:
    with pytest.raises(yaml.YAMLError) as info:
        load_yaml_text(text)
    return str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x: " + "[" * 50_000 + "]" * 50_000, f"nested deeper than {MAX_DEPTH} levels"),
        ('{"x": ' * 200 + "1" + "}" * 200, f"nested deeper than {MAX_DEPTH} levels"),
        ("x:\n" + "".join(" " * i + "- \n" for i in range(300)), f"nested deeper than {MAX_DEPTH} levels"),
        (BOMB + "b: *a9\n", f"more than {MAX_NODES} nodes once aliases are expanded"),
        ("a: &a [*a]\n", "refers to a node that contains it"),
        ("a: &deep " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 60 + "*deep" + "]" * 60, "nested deeper"),
    ],
)
def test_limits_are_checked_before_the_document_is_built(text: str, fragment: str) -> None:
    start = time.perf_counter()
    assert fragment in refused(text)
    assert time.perf_counter() - start < 5


def test_limit_errors_carry_the_line() -> None:
    with pytest.raises(LimitError) as info:
        load_yaml_text("a: 1\nb: 2\nc: &c [*c]\n")
    assert info.value.line == 3


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: !!binary aGVsbG8=", "not JSON-compatible"),
        ("a: !!set {x: null}", "not JSON-compatible"),
        ("a: !!timestamp 2024-06-10", "not JSON-compatible"),
        ("a: 1\na: 2\n", "found duplicate key 'a'"),
        ("200: a\n'200': b\n", "found duplicate key '200'"),
        ("? [a, b]\n: c\n", "unhashable"),
        ("1.5: x\n", "mapping keys must be strings"),
        ("a: 0x" + "f" * 300, "a number of 302 characters"),
        ('a: "\\ud800"', ""),  # libyaml refuses the escape; the loader checks strings too
        ("a: 1\n---\nb: 2\n", "expected a single document"),
    ],
)
def test_only_json_compatible_values_are_built(text: str, fragment: str) -> None:
    assert fragment in refused(text)


def test_what_json_allows_is_read_as_json_would() -> None:
    data = load_yaml_text(
        "version: 2024-06-10\nresponses:\n  200: {description: ok}\nbig: 18446744073709551616\n"
        'merge:\n  <<: &base {a: 1}\n  b: 2\nflags: [true, null, .inf]\njson: {"k": [1, 2.5, "\\u00e9"]}\n'
    )
    assert data["version"] == "2024-06-10"  # a string, not a date
    assert list(data["responses"]) == ["200"]  # an unquoted status code becomes the string key
    assert data["big"] == 2**64
    assert data["merge"] == {"a": 1, "b": 2}
    assert data["flags"][:2] == [True, None] and data["flags"][2] == float("inf")
    assert data["json"] == {"k": [1, 2.5, "é"]}


def test_a_document_at_the_limits_is_read() -> None:
    deep = "x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert load_yaml_text(deep) is not None
    shared = "a: &a [" + ", ".join(["x"] * 999) + "]\n" + "b: [" + ", ".join(["*a"] * 900) + "]\n"
    assert len(load_yaml_text(shared)["b"]) == 900  # about 900,000 nodes expanded: within MAX_NODES


def test_read_document_reports_size_encoding_and_yaml_errors(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("a: caf\xe9\n".encode("latin-1"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: 1\nb: [\n")
    diags = Diagnostics()
    for path in (big, latin, broken, tmp_path / "missing.yaml"):
        assert read_document(path, diags) is None
    found = [(d.path.rsplit("/", 1)[-1], d.line, d.code) for d in diags]
    assert found == [
        ("big.yaml", 0, "spec-unreadable"),
        ("latin.yaml", 0, "spec-unreadable"),
        ("broken.yaml", 3, "spec-unreadable"),
        ("missing.yaml", 0, "spec-unreadable"),
    ]
    assert "bytes" in diags.items[0].message and "not UTF-8" in diags.items[1].message


@pytest.mark.parametrize(
    ("document", "pointer", "fragment"),
    [
        ({"openapi": "3.1.0", "info": None}, "/info", "`info` must be a mapping"),
        ({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "components": "x"}, "/components", "mapping"),
        (
            {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "components": {"schemas": {"A": 5}}},
            "/components/schemas/A",
            "a schema must be a mapping or a boolean",
        ),
        (
            {
                "openapi": "3.1.0",
                "info": {"title": "t", "version": "1"},
                "components": {"schemas": {"A": {"properties": {"b": {"allOf": [{"minLength": -1}]}}}}},
            },
            "/components/schemas/A/properties/b/allOf/0/minLength",
            "non-negative integer",
        ),
        (
            {
                "openapi": "3.1.0",
                "info": {"title": "t", "version": "1"},
                "paths": {"/a": {"post": {"requestBody": {"content": {"application/json": []}}, "responses": {}}}},
            },
            "/paths/~1a/post/requestBody/content/application~1json",
            "a Media Type Object must be a mapping",
        ),
    ],
)
def test_structure_problems_name_the_node(document: dict[str, object], pointer: str, fragment: str) -> None:
    found = dict(check_structure(document))
    assert fragment in found[pointer], found


def test_structure_check_is_iterative() -> None:
    node: dict[str, object] = {"type": "string"}
    for _ in range(5000):  # far deeper than any loaded document; no RecursionError
        node = {"type": "object", "properties": {"a": node}}
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "components": {"schemas": {"A": node}}}
    assert check_structure(document) == []


@pytest.mark.parametrize(
    ("text", "identifier", "klass"),
    [
        ("сlass", "u0441lass", "U0441lass"),  # Cyrillic es: spelled out, never dropped ("lass")
        ("nаme", "nu0430me", "Nu0430me"),  # Cyrillic a in the middle: no look-alike of "name"
        ("ｆｕｌｌｗｉｄｔｈ", "fullwidth", "Fullwidth"),  # compatibility forms map to ASCII
        ("café", "cafe", "Cafe"),
        ("v1.Thing", "v1_thing", "V1Thing"),
        ("class", "class_", "Class"),
        ("日本", "u65e5u672c", "U65e5u672c"),
    ],
)
def test_names_are_ascii_and_keep_every_character(text: str, identifier: str, klass: str) -> None:
    assert python_identifier(text) == identifier
    assert class_name(text) == klass
    assert ascii_name(text).isascii()


def test_field_names_never_start_with_an_underscore() -> None:
    assert python_identifier("１st") == "_1st" and field_name("１st") == "field_1st"


@pytest.mark.parametrize(
    ("version", "expected", "changed"),
    [
        ("1.0.0", "1.0.0", False),
        ("v2.1", "v2.1", False),
        ("1.0.0-beta", "1.0.0-beta", False),
        ("2024-06-10", "2024.6.10", True),
        ("one point oh", "0.0.0", True),
        ('1.0"\n[tool.x]', "0.0.0", True),
    ],
)
def test_package_versions_are_pep_440(version: str, expected: str, changed: bool) -> None:
    found, note = pep440_version(version)
    assert found == expected and bool(note) is changed


YAMLISH = st.text(alphabet=st.sampled_from(list("ab01:-[]{},&*!|>'\"#\n .x\\u~<=?%@`\t")), max_size=80)


@given(st.one_of(YAMLISH, st.text(max_size=40)))
def test_any_text_is_data_or_a_yaml_error(text: str) -> None:
    try:
        data = load_yaml_text(text)
    except yaml.YAMLError:
        return
    stack = [data]
    while stack:  # JSON-compatible all the way down
        node = stack.pop()
        assert node is None or isinstance(node, (str, int, float, bool, list, dict)), repr(node)
        if isinstance(node, dict):
            assert all(isinstance(k, str) for k in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
