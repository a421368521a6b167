"""Escaped literals for generated files: Python strings and docstrings, TOML strings, Markdown.

Spec text (summaries, descriptions, names) never reaches a generated file raw: every string that
lands in code goes through one of these functions, so a description containing ``\"\"\"``,
``{{ }}``, a backslash or a control character cannot break the generated code.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\x85]")


def py_str(text: str) -> str:
    """A Python string literal for ``text`` (``repr`` with double quotes preferred, ruff's style)."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        literal = '"' + literal[1:-1].replace("\\'", "'") + '"'
    return literal


def clean_text(text: str) -> str:
    """``text`` with CRLF/CR normalized, tabs expanded and trailing spaces stripped per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def one_line(text: str, limit: int = 0) -> str:
    """``text`` collapsed to one line (whitespace runs -> one space), cut at ``limit`` chars if > 0."""
    flat = " ".join(clean_text(text).split())
    if limit and len(flat) > limit:
        flat = flat[: limit - 3].rstrip() + "..."
    return flat


def seconds(value: float) -> str:
    """A number of seconds as prose: ``60.0`` -> ``60``, ``1.5`` -> ``1.5`` (never rounded)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _escape_docstring_body(text: str) -> str:
    body = text.replace("\\", "\\\\")
    body = _CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", body
    )
    # A run of three or more quotes, or quotes right before the closing ``"""``, would end the string.
    body = re.sub(r'"{3,}|"+$', lambda m: '\\"' * len(m.group()), body)
    return body


def docstring(text: str, indent: int = 0) -> str:
    """A triple-quoted docstring literal of ``text``; lines after the first indented by ``indent``.

    Backslashes, ``\"\"\"``, a trailing quote and control characters are escaped; the result is
    always a valid (non-raw) string literal whose value is ``text`` with blank-line whitespace removed.
    """
    lines = _escape_docstring_body(clean_text(text) or "(no description)").split("\n")
    pad = " " * indent
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    rest = [f"{pad}{line}" if line else "" for line in lines[1:]]
    return '"""' + "\n".join([lines[0], *rest]) + f'\n{pad}"""'


def toml_str(text: str) -> str:
    """A TOML basic string for ``text`` (quotes, backslashes and control characters escaped)."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def md_cell(text: str) -> str:
    """``text`` as one Markdown table cell: one line, pipes and backslashes escaped, HTML neutralized."""
    return one_line(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def md_code(text: str) -> str:
    """``text`` as inline Markdown code, with a backtick fence longer than any run inside it."""
    flat = one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_fence(text: str) -> str:
    """A fence (three or more backticks) longer than any backtick run in the block ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)
