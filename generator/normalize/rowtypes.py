"""Interpret one parameter-table row: its ``Type`` cell and its ``Description`` cell.

Type cells (18 values over the corpus, ``../shared/corpus/README.md``, "The parameter table"):
``string``, ``uuid``, ``date-time``, ``uri``, ``boolean``, ``integer``, ``double``, ``object``,
``array``, ``array of objects``, ``array of strings`` and their ``X | null`` forms.

Descriptions carry enums in three written forms, ``Default: ...`` values and link text whose
URL was lost. :func:`parse_description` separates these from the prose.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from generator.normalize.samples import NotLiteral, literal_value, load_json
from generator.normalize.schema import Schema

_SCALARS: dict[str, tuple[str, str | None]] = {
    "string": ("string", None),
    "str": ("string", None),
    "text": ("string", None),
    "uuid": ("string", "uuid"),
    "date-time": ("string", "date-time"),
    "datetime": ("string", "date-time"),
    "date": ("string", "date"),
    "time": ("string", "time"),
    "uri": ("string", "uri"),
    "url": ("string", "uri"),
    "email": ("string", "email"),
    "binary": ("string", "binary"),
    "file": ("string", "binary"),
    "boolean": ("boolean", None),
    "bool": ("boolean", None),
    "integer": ("integer", None),
    "int": ("integer", None),
    "int32": ("integer", "int32"),
    "int64": ("integer", "int64"),
    "double": ("number", "double"),
    "float": ("number", "float"),
    "number": ("number", None),
    "decimal": ("number", None),
    "object": ("object", None),
    "json": ("object", None),
    "array": ("array", None),
}
_PLURALS = {
    "objects": "object",
    "strings": "string",
    "integers": "integer",
    "booleans": "boolean",
    "uuids": "uuid",
    "uris": "uri",
    "numbers": "number",
    "doubles": "double",
}


def parse_type(cell: str) -> Schema | None:
    """Map a Type cell to a :class:`Schema` (origin ``table``); None for an unknown type.

    ``date-time | null`` -> ``{type: [string, "null"], format: date-time}``;
    ``array of objects`` -> ``{type: array, items: {type: object}}``.
    """
    parts = [p.strip().lower() for p in cell.replace("\\|", "|").split("|")]
    nullable = "null" in parts
    parts = [p for p in parts if p and p != "null"]
    if len(parts) != 1:
        return Schema(nullable=True, origin="table") if not parts else None
    text = parts[0]
    node = _type_node(text)
    if node is None:
        return None
    node.nullable = nullable
    return node


def _type_node(text: str) -> Schema | None:
    match = re.fullmatch(r"array of (?P<inner>[a-z\-]+)", text)
    if match:
        inner = _PLURALS.get(match.group("inner"), match.group("inner").rstrip("s"))
        item = _type_node(inner)
        if item is None:
            return None
        return Schema(types=["array"], items=item, origin="table")
    if text in _SCALARS:
        json_type, fmt = _SCALARS[text]
        return Schema(types=[json_type], format=fmt, origin="table")
    return None


@dataclass
class DescriptionFacts:
    """What a Description cell states besides prose.

    ``enum`` is None when no enum is written; ``nullable`` is True when the text says the
    field may be null; ``default``/``has_default`` come from a trailing ``Default: X``.
    """

    text: str = ""
    enum: list[str] | None = None
    enum_form: str = ""
    nullable: bool = False
    default: Any = None
    has_default: bool = False
    default_text: str = ""
    lost_links: list[str] = field(default_factory=list)


_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/+\-]*$")
_QUOTED_GROUP = re.compile(r"\(\s*'[^']*'(?:\s*\|\s*'[^']*')+\s*\)")
_QUOTED_VALUE = re.compile(r"'([^']*)'")
_MAY_BE_NULL = re.compile(r"may (?:contain|be) (?:a )?'?null'?(?: value)?|can be null|is nullable", re.I)
_DEFAULT = re.compile(r"\s*Default:\s*(?P<value>.+?)\s*$")
_LOST_LINKS = re.compile(
    r"\s*\b(See response format here|Read more in this guide|For the error message reference, go here)\b\.?",
    re.I,
)


def strip_lost_links(text: str) -> tuple[str, list[str]]:
    """Remove link text whose URL was lost (``For the error message reference, go here.``).

    Returns the cleaned text and the phrases removed.
    """
    removed = [match.group(1) for match in _LOST_LINKS.finditer(text)]
    return re.sub(r"\s{2,}", " ", _LOST_LINKS.sub("", text)).strip(), removed


def parse_description(cell: str) -> DescriptionFacts:
    """Split a Description cell into prose, enum values, nullability and default.

    Enum forms (``../shared/corpus/README.md``, "The parameter table"):

    1. ``processing - Processing paused - Paused  processing paused`` (pairs, then the keys);
    2. ``speaker_view - speaker_view gallery_view - gallery_view`` (pairs only);
    3. ``('default' | 'public' | 'private')`` (quoted values; every group is unioned).
    """
    facts = DescriptionFacts()
    text = cell.replace("\\|", "|").strip()
    for match in _LOST_LINKS.finditer(text):
        facts.lost_links.append(match.group(1))
    text = _LOST_LINKS.sub("", text).strip()

    default = _DEFAULT.search(text)
    if default:
        value = _default_value(default.group("value"))
        if value is not _NO_VALUE:
            facts.default, facts.has_default = value, True
            facts.default_text = default.group("value")
            text = text[: default.start()].rstrip()

    groups = _QUOTED_GROUP.findall(text)
    if groups:
        values: list[str] = []
        for group in groups:
            for value in _QUOTED_VALUE.findall(group):
                if value not in values and value != "null":
                    values.append(value)
        facts.enum, facts.enum_form = values, "quoted"
    if _MAY_BE_NULL.search(text):
        facts.nullable = True

    if facts.enum is None:
        pairs = _pairs_enum(text)
        if pairs is not None:
            keys, prose, form = pairs
            facts.enum, facts.enum_form, text = keys, form, prose
    facts.text = re.sub(r"\s{2,}", " ", text).strip()
    return facts


_NO_VALUE = object()


def _default_value(text: str) -> object:
    """A ``Default:`` value written as JSON (``null``, ``[]``) or as a Python literal (``{'a': 1}``)."""
    try:
        return load_json(text)
    except (ValueError, RecursionError):
        pass
    try:
        return literal_value(ast.parse(text, mode="eval").body)
    except (SyntaxError, NotLiteral, ValueError, RecursionError, MemoryError):
        return _NO_VALUE


def _pairs_enum(text: str) -> tuple[list[str], str, str] | None:
    """Find a ``key - Label key - Label [ key key]`` tail; return (keys, prose before, form)."""
    segments = re.split(r"\s{2,}", text)
    trailing: list[str] | None = None
    if len(segments) >= 2 and all(_KEY.match(tok) for tok in segments[-1].split()):
        candidate = segments[-1].split()
        body = "  ".join(segments[:-1])
        parsed = _parse_pairs(body)
        if parsed and [k for k, _ in parsed[0]] == candidate:
            trailing = candidate
            return trailing, parsed[1], "pairs+keys"
    parsed = _parse_pairs(re.sub(r"\s{2,}", " ", text))
    if parsed is None:
        return None
    return [k for k, _ in parsed[0]], parsed[1], "pairs"


#: The most words an enum label of the corpus has, its trailing keys included, is 6 (``processing -
#: Processing ... deleted``); ``calendar_events_bot_create``'s ``bot_config`` describes its fields
#: as ``name - sentence.`` pairs, 10 words each.
_LABEL_WORDS = 8


def _parse_pairs(text: str) -> tuple[list[tuple[str, str]], str] | None:
    tokens = text.split()
    key_positions = [i for i in range(len(tokens) - 1) if tokens[i + 1] == "-" and _KEY.match(tokens[i])]
    if not key_positions:
        return None
    # Labels run from after "key -" to the next key; the first key must start the enum part.
    pairs: list[tuple[str, str]] = []
    for n, pos in enumerate(key_positions):
        end = key_positions[n + 1] if n + 1 < len(key_positions) else len(tokens)
        label = " ".join(tokens[pos + 2 : end])
        if not label or (n + 1 < len(key_positions) and label.endswith(".")) or len(label.split()) > _LABEL_WORDS:
            return None  # a sentence, not a label: "meeting_url - automatically populated from ... ."
        pairs.append((tokens[pos], label))
    prose = " ".join(tokens[: key_positions[0]])
    if prose and not prose.endswith((".", ":", ")")):
        return None
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        return None
    return pairs, prose
