"""What the client changes in the models datamodel-code-generator writes: open enums.

datamodel-code-generator types a field whose schema is an enum as the enum class (``code:
ArtifactStatusCode``), which refuses every value the spec does not list. The client's models keep
them (a server newer than the spec sends new status codes): :func:`open_enums` rewrites each
reference to an enum class in a field's type as ``OpenEnum[ArtifactStatusCode]`` (the runtime's
``ArtifactStatusCode | str``, :mod:`generator.client.runtime._models`) and imports ``OpenEnum``
from the package's runtime. Only the type is rewritten: ``Annotated[...]`` metadata (``Field(...)``)
and default values keep naming the enum.

The edit is made on the source text at the positions :mod:`ast` reports, so the rest of the module
is left as written (the formatter runs afterwards).
"""

from __future__ import annotations

import ast

from generator.client.pytypes import OPEN_ENUM

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
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    last = max((node.end_lineno or node.lineno for node in imports), default=0)
    lines = source.split("\n")
    lines.insert(last, f"from {package}._models import {OPEN_ENUM}")
    return "\n".join(lines)
