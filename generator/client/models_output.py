"""What the client changes in the models datamodel-code-generator writes: open enums, model defaults.

datamodel-code-generator types a field whose schema is an enum as the enum class (``code:
ArtifactStatusCode``), which refuses every value the spec does not list. The client's models keep
them (a server newer than the spec sends new status codes): :func:`open_enums` rewrites each
reference to an enum class in a field's type as ``OpenEnum[ArtifactStatusCode]`` (the runtime's
``ArtifactStatusCode | str``, :mod:`generator.client.runtime._models`) and imports ``OpenEnum``
from the package's runtime. Only the type is rewritten: ``Annotated[...]`` metadata (``Field(...)``)
and default values keep naming the enum.

A spec default that is a JSON object for a field whose type is a model (``meeting_metadata:
RecordingConfigMeetingMetadata | None``, ``default: {}``) is written by datamodel-code-generator as
the dict itself (``= {}``, with ``validate_default=True``): pydantic would build the model from it,
but the type checker refuses a dict where a model is declared, and a lenient model would keep the
dict. :func:`model_defaults` makes it a factory of the model, ``Field(default_factory=lambda:
RecordingConfigMeetingMetadata.model_construct_lenient({}))`` (also for ``list[X]`` and ``dict[str,
X]``; ``TypeAdapter(T).validate_python(...)`` for any other type holding models), so every instance
gets its own model built from the spec's default, in validated and lenient models alike. The model is
built as a response's is (lenient): a default the spec gets wrong is kept as written, it does not
stop the model that holds it from being built.

The edits are made on the source text at the positions :mod:`ast` reports, so the rest of the module
is left as written (the formatter runs afterwards).
"""

from __future__ import annotations

import ast

from generator.client.pytypes import OPEN_ENUM, ModelIndex

#: The runtime's constructor of a model from JSON data that refuses nothing (``_models.BaseModel``).
LENIENT = "model_construct_lenient"
#: Base classes that make a class of the models module an enum.
ENUM_BASES = frozenset({"Enum", "StrEnum", "IntEnum"})


def enum_classes(tree: ast.Module) -> set[str]:
    """Names of the enum classes defined in ``tree`` (a class deriving from an enum base or enum)."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            bases = {ast.unparse(b) for b in node.bases}
            if bases & (ENUM_BASES | found):
                found.add(node.name)
    return found


def _type_names(node: ast.expr, enums: set[str]) -> list[ast.Name]:
    """The enum names in the type part of an annotation (not inside ``Annotated`` metadata)."""
    if isinstance(node, ast.Name):
        return [node] if node.id in enums else []
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _type_names(node.left, enums) + _type_names(node.right, enums)
    if isinstance(node, ast.Subscript):
        if isinstance(node.value, ast.Name) and node.value.id == "Annotated":
            first = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            return _type_names(first, enums)
        if isinstance(node.value, ast.Name) and node.value.id in ("Literal", OPEN_ENUM):
            return []
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return [found for part in parts for found in _type_names(part, enums)]
    return []


def open_enums(source: str, package: str) -> str:
    """``source`` (a models module) with every enum in a field type opened (module docstring)."""
    tree = ast.parse(source)
    enums = enum_classes(tree)
    targets: list[ast.Name] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name in enums:
            continue
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign):
                targets.extend(_type_names(statement.annotation, enums))
    if not targets:
        return source
    lines = source.split("\n")
    for target in sorted(targets, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        row = target.lineno - 1
        raw = lines[row].encode("utf-8")  # ast offsets count UTF-8 bytes
        start, end = target.col_offset, target.end_col_offset or target.col_offset
        lines[row] = (raw[:start] + f"{OPEN_ENUM}[{target.id}]".encode() + raw[end:]).decode("utf-8")
    return _with_import("\n".join(lines), tree, package)


def _with_import(source: str, tree: ast.Module, package: str) -> str:
    """``source`` with ``from <package>._models import OpenEnum`` after its last top-level import."""
    return _with_line(source, tree, f"from {package}._models import {OPEN_ENUM}")


def _type_part(annotation: ast.expr) -> ast.expr:
    """The type of an annotation without its ``Annotated[...]`` metadata."""
    if (
        isinstance(annotation, ast.Subscript)
        and isinstance(annotation.value, ast.Name)
        and annotation.value.id == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
    ):
        return annotation.slice.elts[0]
    return annotation


def _members(node: ast.expr) -> list[ast.expr]:
    """The members of a ``A | B | None`` union (one member for any other type)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _members(node.left) + _members(node.right)
    return [node]


def _default_factory(annotation: ast.expr, value: ast.expr, text: str, models: set[str]) -> str | None:
    """The ``Field(default_factory=...)`` replacing the default ``value`` (a literal holding a JSON
    object, written ``text``) of a field of type ``annotation``; None when the type holds no model."""
    kind = _type_part(annotation)
    if not any(isinstance(n, ast.Name) and n.id in models for n in ast.walk(kind)):
        return None
    members = [m for m in _members(kind) if not (isinstance(m, ast.Constant) and m.value is None)]
    one = members[0] if len(members) == 1 else None
    inner = one.slice if isinstance(one, ast.Subscript) else None
    if isinstance(one, ast.Name) and one.id in models and isinstance(value, ast.Dict):
        made = f"{one.id}.{LENIENT}({text})"
    elif (
        isinstance(one, ast.Subscript)
        and ast.unparse(one.value) == "list"
        and isinstance(inner, ast.Name)
        and inner.id in models
        and isinstance(value, ast.List)
        and all(isinstance(item, ast.Dict) for item in value.elts)
    ):
        made = f"[{inner.id}.{LENIENT}(item) for item in {text}]"
    elif (
        isinstance(one, ast.Subscript)
        and ast.unparse(one.value) == "dict"
        and isinstance(inner, ast.Tuple)
        and isinstance(inner.elts[-1], ast.Name)
        and inner.elts[-1].id in models
        and isinstance(value, ast.Dict)
        and all(isinstance(item, ast.Dict) for item in value.values)
    ):
        made = f"{{key: {inner.elts[-1].id}.{LENIENT}(item) for key, item in {text}.items()}}"
    else:  # another shape, or a default that does not fit the type: pydantic decides when it is used
        made = f"TypeAdapter({' | '.join(ast.unparse(m) for m in members)}).validate_python({text})"
    return f"Field(default_factory=lambda: {made})"


def model_defaults(source: str) -> str:
    """``source`` (a models module) with every object default of a model-typed field made a
    factory of the model (module docstring)."""
    tree = ast.parse(source)
    index = ModelIndex.from_source(source)
    models = {name for name in index.classes if index.is_model(name)}
    raw = source.encode("utf-8")
    starts = [0]  # the byte offset of each line (ast offsets count UTF-8 bytes)
    for line in source.split("\n"):
        starts.append(starts[-1] + len(line.encode("utf-8")) + 1)

    def span(value: ast.expr) -> tuple[int, int]:
        start = starts[value.lineno - 1] + value.col_offset
        end = starts[(value.end_lineno or value.lineno) - 1] + (value.end_col_offset or value.col_offset)
        return start, end

    edits: list[tuple[ast.expr, str]] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name not in models:
            continue
        for statement in node.body:
            if not isinstance(statement, ast.AnnAssign) or statement.value is None:
                continue
            value = statement.value
            if isinstance(value, ast.Call) or not any(isinstance(n, ast.Dict) for n in ast.walk(value)):
                continue  # no object in the default, or already a Field(...)
            start, end = span(value)  # as written (ast.get_source_segment would split the source again)
            text = raw[start:end].decode("utf-8") or ast.unparse(value)
            replacement = _default_factory(statement.annotation, value, text, models)
            if replacement is not None:
                edits.append((value, replacement))
    if not edits:
        return source
    for value, replacement in sorted(edits, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True):
        start, end = span(value)
        raw = raw[:start] + replacement.encode("utf-8") + raw[end:]
    needed = ["Field"] + (["TypeAdapter"] if any("TypeAdapter(" in r for _, r in edits) else [])
    imported = {name for name, module in index.imports.items() if module == "pydantic"}
    missing = [name for name in needed if name not in imported]
    result = raw.decode("utf-8")
    return _with_line(result, tree, f"from pydantic import {', '.join(missing)}") if missing else result


def _with_line(source: str, tree: ast.Module, line: str) -> str:
    """``source`` with ``line`` after its last top-level import (the formatter sorts imports)."""
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    last = max((node.end_lineno or node.lineno for node in imports), default=0)
    lines = source.split("\n")
    lines.insert(last, line)
    return "\n".join(lines)
