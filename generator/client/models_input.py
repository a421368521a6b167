"""What datamodel-code-generator reads, and the check of what it writes.

:func:`models_input` prepares ``components.schemas`` for datamodel-code-generator so that every
name it writes is an ASCII Python name (:mod:`generator.naming`) and nothing outside the spec is
read:

- a schema name that is no Python class name (``v1.Thing``: datamodel-code-generator would read the
  dot as a module path) is renamed (``V1Thing``) and its ``$ref``s rewritten; the renaming is
  returned (component -> class) for the client's type hints;
- a property name with characters outside ASCII gets an ASCII field name (``сlass`` ->
  ``u0441lass``, ``ｆｕｌｌｗｉｄｔｈ`` -> ``fullwidth``) through datamodel-code-generator's
  ``aliases``; one that would equal another property's field name of the same object (equal under
  Unicode NFKC) gets a ``_`` suffix, so no two properties collapse into one field;
- a string ``enum`` with such values gets ASCII member names (``x-enum-varnames``);
- a ``$ref`` that is not a local JSON pointer (``#/...``), anywhere in the schemas, examples
  included, is refused (``ir-bad-ref``): datamodel-code-generator would resolve it against the
  working directory or the network.

Each renaming is an ``ir-unsafe-name`` (spelled-out characters) or ``ir-name-clash`` warning.
:func:`check_models` then refuses a models module that still holds a name outside ASCII or defines
a name twice in one class (Python reads identifiers NFKC-normalized, so ``ｆｕｌｌ`` is ``full``).
"""

from __future__ import annotations

import ast
import copy
import io
import keyword
import tokenize
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from generator.diagnostics import Diagnostics
from generator.naming import class_name, field_name, foreign_characters, python_identifier, unique
from generator.spec.model import Spec
from generator.spec.refs import SCHEMA_PREFIX, escape_token, join_pointer
from generator.spec.structure import SCHEMA_KEYWORDS, SCHEMA_LIST_KEYWORDS, SCHEMA_MAP_KEYWORDS

#: Keywords whose value is a reference (JSON Schema 2020-12 and 2019-09).
REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
#: Fixed ``info`` given to datamodel-code-generator (the spec's is not needed for models).
_INFO = {"title": "API", "version": "0"}


class ModelsInputError(ValueError):
    """A reference datamodel-code-generator must not follow: ``pointer`` and why."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


@dataclass
class ModelsInput:
    """The document datamodel-code-generator reads, and how the spec's names map to Python names.

    ``component_classes`` maps every component schema name to its class name; ``aliases`` maps
    property names outside ASCII to field names (datamodel-code-generator's flat ``aliases``).
    """

    document: dict[str, Any]
    component_classes: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)


def models_input(spec: Spec, diags: Diagnostics) -> ModelsInput:
    """The :class:`ModelsInput` of ``spec`` (module docstring); warnings go to ``diags``.

    Raises :class:`ModelsInputError` for a ``$ref`` that is not a local JSON pointer.
    """
    schemas = copy.deepcopy(dict(spec.schemas))
    warn = _Warner(spec, diags)
    classes = _component_classes(schemas, warn)
    _rewrite_refs(schemas, {old: new for old, new in classes.items() if old != new})
    _operation_names(spec, warn)
    property_maps: list[tuple[str, list[str]]] = []
    for pointer, node in _schemas(schemas):
        props = node.get("properties")
        if isinstance(props, Mapping):
            property_maps.append((join_pointer(pointer, "properties"), [str(n) for n in props]))
        if isinstance(node.get("enum"), list):
            _enum_names(pointer, node, warn)
    document = {
        "openapi": spec.openapi,
        "info": dict(_INFO),
        "paths": {},
        "components": {"schemas": {classes[name]: schema for name, schema in schemas.items()}},
    }
    return ModelsInput(document, classes, _aliases(property_maps, warn))


class _Warner:
    """Warnings about names, each (code, name) once, at the line of its first occurrence."""

    def __init__(self, spec: Spec, diags: Diagnostics) -> None:
        self.spec = spec
        self.diags = diags
        self.seen: set[tuple[str, str]] = set()

    def __call__(self, code: str, pointer: str, name: str, message: str) -> None:
        if (code, name) not in self.seen:
            self.seen.add((code, name))
            self.diags.warning(self.spec.source, self.spec.line_of(pointer), code, f"#{pointer}: {message}")


def _spelled(name: str) -> str:
    chars = foreign_characters(name)
    return f" (characters outside ASCII: {', '.join(chars)})" if chars else ""


def _operation_names(spec: Spec, warn: _Warner) -> None:
    """Warn about operationIds, tags and parameter names the client spells out in ASCII."""
    for op in spec.operations:
        named = [(op.pointer + "/operationId", op.operation_id, "operationId"), (op.pointer + "/tags", op.tag, "tag")]
        named += [(p.pointer, p.name, f"{p.location} parameter") for p in op.parameters]
        for pointer, name, what in named:
            if foreign_characters(name):
                warn("ir-unsafe-name", pointer, name, f"{what} {name!r}{_spelled(name)}: {python_identifier(name)}")


def _component_classes(schemas: dict[str, Any], warn: _Warner) -> dict[str, str]:
    """Component name -> class name: unchanged for Python names, :func:`class_name` otherwise."""
    kept = {n for n in schemas if n.isascii() and n.isidentifier() and not keyword.iskeyword(n)}
    taken = set(kept)
    out: dict[str, str] = {}
    for name in schemas:
        if name in kept:
            out[name] = name
            continue
        base = class_name(name)
        out[name] = unique(base, taken)
        pointer = join_pointer("", "components", "schemas", name)
        code = "ir-name-clash" if out[name] != base else "ir-unsafe-name"
        warn(code, pointer, name, f"schema name {name!r} is no Python class name{_spelled(name)}: class {out[name]}")
    return out


def _rewrite_refs(schemas: dict[str, Any], renamed: Mapping[str, str]) -> None:
    """Refuse non-local references; point references to renamed components at their new names."""
    stack: list[tuple[str, Any]] = [(join_pointer("", "components", "schemas", n), s) for n, s in schemas.items()]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict):
            for key in REF_KEYWORDS:
                ref = node.get(key)
                if not isinstance(ref, str):
                    continue
                if not ref.startswith("#/") and ref != "#":
                    raise ModelsInputError(
                        join_pointer(pointer, key), f"{key} {ref!r} is not a reference into the document (#/...)"
                    )
                if ref.startswith(SCHEMA_PREFIX) and renamed:
                    head, sep, rest = ref[len(SCHEMA_PREFIX) :].partition("/")
                    name = unquote(head).replace("~1", "/").replace("~0", "~")
                    if name in renamed:
                        node[key] = SCHEMA_PREFIX + quote(escape_token(renamed[name]), safe="~") + sep + rest
            stack.extend((join_pointer(pointer, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((join_pointer(pointer, i), v) for i, v in enumerate(node))


def _schemas(schemas: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object under ``schemas`` (subschemas included) with its pointer."""
    stack: list[tuple[str, Any]] = [(join_pointer("", "components", "schemas", n), s) for n, s in schemas.items()]
    while stack:
        pointer, node = stack.pop()
        if not isinstance(node, dict):
            continue
        yield pointer, node
        for key in SCHEMA_KEYWORDS:
            if key in node:
                stack.append((join_pointer(pointer, key), node[key]))
        for key in SCHEMA_LIST_KEYWORDS:
            members = node.get(key)
            for i, member in enumerate(members if isinstance(members, list) else []):
                stack.append((join_pointer(pointer, key, i), member))
        for key in SCHEMA_MAP_KEYWORDS:
            members = node.get(key)
            for name, member in (members if isinstance(members, Mapping) else {}).items():
                stack.append((join_pointer(pointer, key, name), member))


def _enum_names(pointer: str, node: dict[str, Any], warn: _Warner) -> None:
    """ASCII member names (``x-enum-varnames``) for an enum whose values (strings) or given
    ``x-enum-varnames`` hold characters outside ASCII."""
    values = node["enum"]
    given = node.get("x-enum-varnames")
    if isinstance(given, list) and len(given) == len(values) and all(isinstance(g, str) for g in given):
        sources = list(given)
    elif all(isinstance(v, str) for v in values):
        sources = list(values)
    else:
        return
    if all(source.isascii() for source in sources):
        return
    taken: set[str] = set()
    names: list[str] = []
    where = join_pointer(pointer, "enum")
    for source in sources:
        base = python_identifier(source, fallback="value")
        names.append(unique(base, taken))
        if source.isascii():
            continue
        if names[-1] != base:
            warn("ir-name-clash", where, source, f"enum member {source!r} gives the name of another: {names[-1]}")
        elif foreign_characters(source):
            warn("ir-unsafe-name", where, source, f"enum member {source!r}{_spelled(source)}: {names[-1]}")
    node["x-enum-varnames"] = names


def _ascii_fields(names: list[str]) -> set[str]:
    """Every field name datamodel-code-generator may give the ASCII names of one object."""
    return {t for n in names if n.isascii() for t in (n, python_identifier(n), field_name(n))}


def _aliases(property_maps: list[tuple[str, list[str]]], warn: _Warner) -> dict[str, str]:
    """Field names for property names outside ASCII, distinct from every other field name of the
    objects they appear in (datamodel-code-generator's aliases apply to every object alike)."""
    taken = [
        {t for n in names if n.isascii() for t in (n, python_identifier(n), field_name(n))}
        for _, names in property_maps
    ]
    foreign = sorted({n for _, names in property_maps for n in names if not n.isascii()})
    out: dict[str, str] = {}
    for name in foreign:
        where = [i for i, (_, names) in enumerate(property_maps) if name in names]
        base = candidate = field_name(name)
        while any(candidate in taken[i] for i in where):
            candidate += "_"
        for i in where:
            taken[i].add(candidate)
        out[name] = candidate
        pointer = join_pointer(property_maps[where[0]][0], name)
        if candidate != base:
            others = sorted({n for i in where for n in property_maps[i][1] if n != name and field_name(n) == base})
            clash = f" and {others[0]!r}" if others else ""
            message = f"properties {name!r}{clash} give the same Python name: field {candidate}"
            warn("ir-name-clash", pointer, name, message)
        elif foreign_characters(name):
            warn("ir-unsafe-name", pointer, name, f"property {name!r}{_spelled(name)}: field {candidate}")
    return out


def check_models(source: str) -> str | None:
    """Why the models module ``source`` cannot be used (a name outside ASCII, a name defined twice
    in one class), or None when it can."""
    tree = None
    if source.isascii():  # no name can be outside ASCII: the tokens need not be read (unless it does not parse)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            tree = None
    if tree is None:
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        except (tokenize.TokenError, SyntaxError) as exc:
            return f"the models module does not tokenize: {exc}"
        for token in tokens:
            if token.type == tokenize.NAME and not token.string.isascii():
                return f"line {token.start[0]}: the name {token.string!r} is not ASCII"
        tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        seen: set[str] = set()
        for stmt in node.body:
            targets = [stmt.target] if isinstance(stmt, ast.AnnAssign) else getattr(stmt, "targets", [])
            for target in targets:
                if isinstance(target, ast.Name):
                    if target.id in seen:
                        return f"class {node.name} defines {target.id!r} twice"
                    seen.add(target.id)
    return None
