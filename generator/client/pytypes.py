"""Python type hints for the client, computed as ``ast`` expressions and printed per module.

Two sources: the models module written by datamodel-code-generator (parsed with :mod:`ast`, never
imported or executed), which gives the exact annotation of every field of a component; and a small
JSON Schema 2020-12 -> type mapping for parameters and inline schemas. Types are kept as ``ast``
nodes until a module prints them, so names can be qualified for that module (``models.Recording``;
``builtins.list`` where a method of the class is named ``list``).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.spec.refs import Refs, component_name

#: Names a module that prints type hints imports itself: where each comes from.
KNOWN_IMPORTS: dict[str, str] = {
    "Any": "typing",
    "Literal": "typing",
    "Mapping": "collections.abc",
    "Sequence": "collections.abc",
    "UUID": "uuid",
    "datetime": "datetime",
    "date": "datetime",
    "Decimal": "decimal",
}
#: pydantic types of model fields and the plain types a caller passes for them (keyword arguments).
INPUT_REPLACEMENTS: dict[str, str] = {
    "AwareDatetime": "datetime",
    "NaiveDatetime": "datetime",
    "PastDatetime": "datetime",
    "FutureDatetime": "datetime",
    "AnyUrl": "str",
    "AnyHttpUrl": "str",
    "HttpUrl": "str",
    "EmailStr": "str",
    "Base64Str": "str",
    "Base64Bytes": "bytes",
}
_BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_"))
#: The runtime's open-enum alias in model annotations (``OpenEnum[E]`` is ``E | str``; ``_models.py``).
OPEN_ENUM = "OpenEnum"


def name(text: str) -> ast.expr:
    """An ``ast.Name`` (or dotted attribute) for ``text``."""
    head, *rest = text.split(".")
    node: ast.expr = ast.Name(id=head, ctx=ast.Load())
    for part in rest:
        node = ast.Attribute(value=node, attr=part, ctx=ast.Load())
    return node


def union(members: list[ast.expr]) -> ast.expr:
    """``A | B | ...`` of ``members`` with duplicates (by printed form) removed; ``Any`` absorbs all."""
    seen: dict[str, ast.expr] = {}
    for member in members:
        seen.setdefault(ast.unparse(member), member)
    if "Any" in seen:
        return name("Any")
    nodes = list(seen.values())
    if not nodes:
        return name("Any")
    result = nodes[0]
    for node in nodes[1:]:
        result = ast.BinOp(left=result, op=ast.BitOr(), right=node)
    return result


def subscript(base: str, *args: ast.expr) -> ast.expr:
    """``base[args]``."""
    index: ast.expr = args[0] if len(args) == 1 else ast.Tuple(elts=list(args), ctx=ast.Load())
    return ast.Subscript(value=name(base), slice=index, ctx=ast.Load())


def union_members(node: ast.expr) -> list[ast.expr]:
    """The members of a ``|`` union (a non-union is a one-member list)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return union_members(node.left) + union_members(node.right)
    return [node]


def without_none(node: ast.expr) -> ast.expr:
    """``node`` with ``None`` members of a union removed (``X | None`` -> ``X``)."""
    members = [m for m in union_members(node) if not (isinstance(m, ast.Constant) and m.value is None)]
    return union(members) if members else node


def _is_annotated(node: ast.AST) -> bool:
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Annotated"


def strip_annotated(node: ast.expr) -> ast.expr:
    """``Annotated[T, ...]`` -> ``T``, everywhere inside ``node`` (which is left as it is: the result
    may share its parts)."""
    while isinstance(node, ast.Subscript) and _is_annotated(node):  # the usual place: the whole annotation
        node = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
    if not any(_is_annotated(inner) for inner in ast.walk(node)):
        return node

    class _Strip(ast.NodeTransformer):
        def visit_Subscript(self, sub: ast.Subscript) -> ast.AST:
            if isinstance(sub.value, ast.Name) and sub.value.id == "Annotated":
                first = sub.slice.elts[0] if isinstance(sub.slice, ast.Tuple) else sub.slice
                result: ast.AST = self.visit(first)
                return result
            self.generic_visit(sub)
            return sub

    result = _Strip().visit(ast.parse(ast.unparse(node), mode="eval").body)
    assert isinstance(result, ast.expr)
    return result


@dataclass(frozen=True)
class ModelField:
    """One field of a generated model class: Python name, wire name (alias) and annotation."""

    python_name: str
    wire_name: str
    annotation: ast.expr


@dataclass
class ModelIndex:
    """What the generated models module defines, read from its source with :mod:`ast`.

    ``classes`` maps class name -> base class names; ``fields`` maps class name -> fields by wire
    name (inherited fields included); ``imports`` maps an imported name -> its module.
    """

    classes: dict[str, list[str]] = field(default_factory=dict)
    fields: dict[str, dict[str, ModelField]] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_source(cls, source: str) -> ModelIndex:
        """Index the models module ``source`` (datamodel-code-generator output)."""
        index = cls()
        tree = ast.parse(source)
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    index.imports[alias.asname or alias.name] = node.module
            elif isinstance(node, ast.ClassDef):
                index.classes[node.name] = [ast.unparse(b) for b in node.bases]
                own: dict[str, ModelField] = {}
                for base in index.classes[node.name]:
                    own.update(index.fields.get(base, {}))
                for stmt in node.body:
                    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                        wire = _alias(stmt.annotation) or stmt.target.id
                        own[wire] = ModelField(stmt.target.id, wire, strip_annotated(stmt.annotation))
                index.fields[node.name] = own
        return index

    def is_model(self, class_name: str) -> bool:
        """True when ``class_name`` is a pydantic model class (``BaseModel``/``RootModel`` subclass)."""
        seen: set[str] = set()
        todo = [class_name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for base in self.classes.get(current, []):
                if base == "BaseModel" or base.startswith("RootModel"):
                    return True
                todo.append(base)
        return False


def _alias(annotation: ast.expr) -> str | None:
    for node in ast.walk(annotation):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Field":
            for kw in node.keywords:
                if kw.arg == "alias" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    return kw.value.value
    return None


def is_nullable(schema: Any) -> bool:
    """True when ``schema`` admits JSON ``null`` (type list, anyOf/oneOf member, enum, 3.0 ``nullable``)."""
    if not isinstance(schema, Mapping):
        return False
    types = schema.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types) or schema.get("nullable") is True:
        return True
    if isinstance(schema.get("enum"), list) and None in schema["enum"]:
        return True
    return any(is_nullable(s) for key in ("anyOf", "oneOf") for s in schema.get(key) or [])


@dataclass
class SchemaTypes:
    """Maps JSON Schema to type hints; ``$ref`` to a component becomes ``models.<Class>``.

    ``for_input`` makes hints liberal for what a caller passes (``str | UUID`` for a uuid string,
    ``Sequence`` for arrays, ``Mapping`` for objects); otherwise they describe parsed responses.
    Any other ``$ref`` is followed with ``refs`` (the spec's resolver) and its target typed.
    """

    index: ModelIndex
    component_classes: dict[str, str]
    refs: Refs
    _following: set[str] = field(default_factory=set, repr=False)

    def component_class(self, component: str | None) -> str | None:
        """The model class of the schema component ``component``, or None."""
        cls = self.component_classes.get(component) if component is not None else None
        return cls if cls is not None and cls in self.index.classes else None

    def of(self, schema: Any, *, for_input: bool) -> ast.expr:
        """The type hint of ``schema``."""
        if not isinstance(schema, Mapping):
            return name("Any")
        if "$ref" in schema:
            component = component_name(schema)
            if component is not None:
                cls = self.component_class(component)
                return name(f"models.{cls}") if cls else name("Any")
            return self._followed(str(schema["$ref"]), for_input)
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                return union([self.of(s, for_input=for_input) for s in schema[key]])
        if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
            return self.of(schema["allOf"][0], for_input=for_input)
        types = schema.get("type")
        type_list = types if isinstance(types, list) else [types] if isinstance(types, str) else []
        if "enum" in schema and isinstance(schema["enum"], list):
            values = [v for v in schema["enum"] if isinstance(v, str | int | bool) and not isinstance(v, float)]
            members: list[ast.expr] = []
            if values:
                members.append(subscript("Literal", *[ast.Constant(v) for v in values]))
            if any(isinstance(v, str) for v in values):  # open: a value newer than the spec is a str too
                members.append(name("str"))
            if None in schema["enum"] or "null" in type_list:
                members.append(ast.Constant(None))
            return union(members) if members else name("Any")
        if not type_list:
            return name("Any")
        return union([self._scalar(t, schema, for_input) for t in type_list])

    def _followed(self, ref: str, for_input: bool) -> ast.expr:
        """The type of what a non-component ``$ref`` points at (``Any`` for a reference cycle)."""
        if ref in self._following:
            return name("Any")
        self._following.add(ref)
        try:
            return self.of(self.refs.target(ref)[1], for_input=for_input)
        finally:
            self._following.discard(ref)

    def _scalar(self, kind: str, schema: Mapping[str, Any], for_input: bool) -> ast.expr:
        fmt = schema.get("format")
        if kind == "null":
            return ast.Constant(None)
        if kind == "string":
            special = {"uuid": "UUID", "date-time": "datetime", "date": "date"}.get(str(fmt))
            if special is None:
                return name("bytes") if fmt == "binary" else name("str")
            return union([name("str"), name(special)]) if for_input else name(special)
        if kind in ("integer", "number", "boolean"):
            return name({"integer": "int", "number": "float", "boolean": "bool"}[kind])
        if kind == "array":
            item = self.of(schema.get("items", {}), for_input=for_input)
            return subscript("Sequence" if for_input else "list", item)
        if kind == "object":
            extra = schema.get("additionalProperties")
            value = self.of(extra, for_input=for_input) if isinstance(extra, Mapping) and extra else name("Any")
            return subscript("Mapping" if for_input else "dict", name("str"), value)
        return name("Any")

    def field(self, class_name: str, wire_name: str, *, for_input: bool) -> ast.expr | None:
        """The annotation of field ``wire_name`` of model ``class_name``, model names qualified."""
        model_field = self.index.fields.get(class_name, {}).get(wire_name)
        if model_field is None:
            return None
        return self.qualify_models(model_field.annotation, for_input=for_input)

    def qualify_models(self, node: ast.expr, *, for_input: bool) -> ast.expr:
        """Prefix model classes with ``models.``; map pydantic types to plain ones for input."""
        index = self.index

        class _Qualify(ast.NodeTransformer):
            def visit_Subscript(self, sub: ast.Subscript) -> ast.AST:
                if isinstance(sub.value, ast.Name) and sub.value.id == OPEN_ENUM:  # OpenEnum[E]: E | str
                    member = self.visit(sub.slice)
                    assert isinstance(member, ast.expr)
                    return union([member, name("str")])
                self.generic_visit(sub)
                return sub

            def visit_Name(self, n: ast.Name) -> ast.AST:
                if n.id in index.classes:
                    return name(f"models.{n.id}")
                if for_input and n.id in ("dict", "list"):
                    return name("Mapping" if n.id == "dict" else "Sequence")
                if for_input and n.id in INPUT_REPLACEMENTS:
                    return name(INPUT_REPLACEMENTS[n.id])
                if for_input and n.id == "UUID":
                    return union([name("str"), name("UUID")])
                if n.id in index.imports and n.id not in KNOWN_IMPORTS:
                    return name(f"models.{n.id}") if n.id in index.classes else name("Any")
                return n

        result = _Qualify().visit(ast.parse(ast.unparse(node), mode="eval").body)
        assert isinstance(result, ast.expr)
        return result


def render(node: ast.expr, shadowed: frozenset[str] = frozenset()) -> str:
    """Print ``node``; builtin names in ``shadowed`` (method names of the class) become ``builtins.X``."""
    if shadowed:

        class _Builtins(ast.NodeTransformer):
            def visit_Name(self, n: ast.Name) -> ast.AST:
                if n.id in shadowed and n.id in _BUILTIN_NAMES:
                    return name(f"builtins.{n.id}")
                return n

        node = _Builtins().visit(ast.parse(ast.unparse(node), mode="eval").body)
    return ast.unparse(node)


def names_used(node: ast.expr) -> set[str]:
    """Top-level names ``node`` refers to (for imports)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
