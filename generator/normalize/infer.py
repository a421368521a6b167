"""Infer a schema skeleton from a sample value (a sample response or a Python payload).

Samples hold placeholders, not data (``../shared/corpus/README.md``, "Samples"): ``"string"``,
``0``, ``true``, one uuid everywhere, conversion-time timestamps, and digits stripped from some
values (``3faf64-57-42-bfc-2cf6afa6``, ``25-06-1T18: 49: 26.2Z``). Placeholders give a type and
a format, never an enum or a const. ``{"additionalProp": ...}`` is how the vendor's renderer
draws a free-form map, so it becomes ``additionalProperties``.
"""

from __future__ import annotations

import re

from generator.normalize.schema import Schema

_UUID = re.compile(r"^[0-9a-f]{4,8}-[0-9a-f]{2,4}-[0-9a-f]{2,4}-[0-9a-f]{2,4}-[0-9a-f]{6,12}$", re.I)
_DATETIME = re.compile(r"^\d{2,4}-\d{1,2}-\d{1,2}T\d{1,2}:\s?\d{1,2}(:\s?\d{1,2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URI = re.compile(r"^https?://\S+$")
_MAP_KEY = re.compile(r"^additionalProp\d*$")


def infer(value: object, line: int = 0) -> Schema:
    """Schema of one sample value; ``None`` gives an untyped nullable node.

    Objects keep key order; arrays merge all their elements' schemas into ``items``.
    """
    if value is None:
        return Schema(nullable=True, origin="sample", line=line)
    if isinstance(value, bool):
        return Schema(types=["boolean"], origin="sample", line=line)
    if isinstance(value, int):
        return Schema(types=["integer"], origin="sample", line=line)
    if isinstance(value, float):
        return Schema(types=["number"], origin="sample", line=line)
    if isinstance(value, str):
        return Schema(types=["string"], format=string_format(value), origin="sample", line=line, sample_value=value)
    if isinstance(value, list):
        node = Schema(types=["array"], origin="sample", line=line)
        for element in value:
            item = infer(element, line)
            node.items = item if node.items is None else merge_samples(node.items, item)
        return node
    if isinstance(value, dict):
        node = Schema(types=["object"], origin="sample", line=line)
        if value and all(_MAP_KEY.match(str(key)) for key in value):
            first = next(iter(value.values()))
            node.additional = infer(first, line)
            return node
        for key, element in value.items():
            node.properties[str(key)] = infer(element, line)
        return node
    return Schema(origin="sample", line=line)


def string_format(value: str) -> str | None:
    """The format a placeholder string implies: uuid, date-time, date, uri or None."""
    text = value.strip()
    if _UUID.match(text):
        return "uuid"
    if _DATETIME.match(text):
        return "date-time"
    if _DATE.match(text):
        return "date"
    if _URI.match(text):
        return "uri"
    return None


def merge_samples(a: Schema, b: Schema) -> Schema:
    """Union of two sample-inferred schemas (array elements seen with different shapes)."""
    if not a.types:
        b.nullable = b.nullable or a.nullable
        return b
    if not b.types:
        a.nullable = a.nullable or b.nullable
        return a
    if a.types != b.types:
        if {*a.types, *b.types} == {"integer", "number"}:
            a.types = ["number"]
        return a
    if a.format != b.format:
        a.format = None
    for key, prop in b.properties.items():
        a.properties[key] = merge_samples(a.properties[key], prop) if key in a.properties else prop
    if a.items is not None and b.items is not None:
        a.items = merge_samples(a.items, b.items)
    elif b.items is not None:
        a.items = b.items
    return a
