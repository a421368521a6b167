"""Escaping of spec text into generated code: any text round-trips through the literal it becomes.

Property tests (Hypothesis, derandomized): the docstring, Python string and TOML string literals
parse back to the text they were made from, and Markdown cells stay one unbroken cell.
"""

from __future__ import annotations

import ast
import os
import re
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.client.literals import clean_text, docstring, md_cell, md_code, py_str, toml_str

EXAMPLES = int(os.environ.get("RECALLGEN_LITERAL_EXAMPLES", "300"))
TRICKY = st.sampled_from(
    [
        '"""',
        "'''",
        "\\",
        '"',
        "{{ x }}",
        "{% raw %}",
        "\n",
        "\r\n",
        "\t",
        "\x00",
        "\x07",
        "\u2028",
        "é",
        "日本",
        "\\n",
        "`",
        "|",
        "<b>",
        " ",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=8), TRICKY), max_size=12).map("".join)
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None)


@SETTINGS
@given(TEXT, st.sampled_from([0, 4, 8]))
def test_docstring_literal_round_trips(text: str, indent: int) -> None:
    literal = docstring(text, indent)
    source = f"def f():\n{' ' * indent}{literal}\n" if indent else f"{literal}\n"
    compile(source if indent else literal, "<generated>", "exec")  # valid code at that indentation
    value = ast.literal_eval(literal)
    lines = (clean_text(text) or "(no description)").split("\n")
    pad = " " * indent
    expected = "\n".join([lines[0], *[pad + line if line else "" for line in lines[1:]]])
    if len(lines) > 1:
        expected += "\n" + pad
    assert value == expected


@SETTINGS
@given(TEXT)
def test_python_string_literal_round_trips(text: str) -> None:
    assert ast.literal_eval(py_str(text)) == text


@SETTINGS
@given(TEXT)
def test_toml_string_round_trips(text: str) -> None:
    assert tomllib.loads(f"value = {toml_str(text)}\n")["value"] == text


@SETTINGS
@given(TEXT)
def test_markdown_cell_is_one_cell(text: str) -> None:
    cell = md_cell(text)
    assert "\n" not in cell and "<" not in cell
    assert not re.search(r"(?<!\\)(\\\\)*\|", cell)


@SETTINGS
@given(TEXT)
def test_markdown_code_fence_is_longer_than_any_backtick_run(text: str) -> None:
    code = md_code(text)
    fence = re.match(r"`+", code)
    assert fence is not None
    inner = code[len(fence.group()) : -len(fence.group())]
    assert all(len(run) < len(fence.group()) for run in re.findall(r"`+", inner))


def test_known_hostile_docstring() -> None:
    literal = docstring('Say """hi""" to {{ name }} \\ and "quote"')
    assert literal == '"""Say \\"\\"\\"hi\\"\\"\\" to {{ name }} \\\\ and "quote\\""""'
    assert ast.literal_eval(literal) == 'Say """hi""" to {{ name }} \\ and "quote"'
