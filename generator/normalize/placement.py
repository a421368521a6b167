"""Place flat parameter-table rows into the nested shapes the samples show.

The table lists nested fields as top-level rows with no parent, and never repeats a name
(``../shared/corpus/README.md``, "The parameter table"). A row is placed at the shallowest
node of that name in a sample tree; between equally shallow nodes the one nearest the
previous row wins (``connected`` after ``connections`` belongs to ``connections[]``).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.normalize.pages import TableRow
from generator.normalize.rowtypes import DescriptionFacts, parse_description, parse_type
from generator.normalize.schema import Schema

Path = tuple[str, ...]


def depth(path: Path) -> int:
    """Nesting depth of a node path, array steps (``"[]"``) not counted."""
    return sum(1 for step in path if step != "[]")


def _shared(a: Path, b: Path) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class NameIndex:
    """Paths of every named node of a tree, by name, built once (placement only adds leaves)."""

    def __init__(self, tree: Schema) -> None:
        self.tree = tree
        self.paths: dict[str, list[Path]] = {}
        for path, _node in tree.walk():
            if path:
                self.paths.setdefault(path[-1], []).append(path)
        self.path_set = {path for paths in self.paths.values() for path in paths}

    def locate(self, name: str, context: Path, typed: Schema | None = None, follows: bool = False) -> Path | None:
        """The path of the node named ``name`` that a row most likely describes, or None.

        Ranked by: the sample's kind agrees with the row's Type (a ``string`` row never
        describes an object), then, when the row ``follows`` the row placed at ``context``
        directly, being a child of that node (the table is a depth-first flattening that drops
        repeated names: ``metadata`` right after ``recording`` is ``recording.metadata``),
        then depth, then closeness to the previous row (``context``).
        """
        children = {(*context, name), (*context, "[]", name)} if follows and context else set()
        best: tuple[int, int, int, int, Path] | None = None
        for path in self.paths.get(name, ()):
            try:
                node = node_at(self.tree, path)
            except KeyError:
                continue
            key = (
                _kind_mismatch(typed, node),
                0 if path in children else 1,
                depth(path),
                -_shared(path[:-1], context),
                path,
            )
            if best is None or key < best:
                best = key
        return best[4] if best else None


def _kind(node: Schema) -> str:
    if node.is_object:
        return "object"
    if node.is_array:
        return "array"
    return "scalar" if node.types else "any"


def _kind_mismatch(typed: Schema | None, node: Schema) -> int:
    """0 when a row's Type and a sample node are the same kind (object/array/scalar)."""
    if typed is None or not typed.types:
        return 0
    a, b = _kind(typed), _kind(node)
    return 0 if a == b or "any" in (a, b) else 1


def node_at(tree: Schema, path: Path) -> Schema:
    """The node at ``path`` (KeyError when absent)."""
    node = tree
    for step in path:
        if step == "[]":
            if node.items is None:
                raise KeyError(path)
            node = node.items
        else:
            node = node.properties[step]
    return node


def parent_of(tree: Schema, path: Path) -> Schema:
    """The object node holding the last step of ``path``."""
    return node_at(tree, path[:-1])


@dataclass
class RowFacts:
    """A row's parsed type and description facts, computed once per row."""

    row: TableRow
    type: Schema | None
    facts: DescriptionFacts


def row_facts(row: TableRow) -> RowFacts:
    """Parse a row's Type and Description cells."""
    return RowFacts(row, parse_type(row.type), parse_description(row.description))


def apply_row(node: Schema, info: RowFacts) -> None:
    """Overlay a row's facts on a sample-inferred node: the table's type wins, the sample's
    structure (properties, items) is kept, the description's enum/nullable/default are added.
    """
    typed, facts = info.type, info.facts
    sample_null = node.nullable and not node.types and node.origin == "sample"  # the sample shows null
    node.origin, node.line = "table", info.row.line
    row_nullable = facts.nullable or (typed is not None and typed.nullable)
    if typed is not None and typed.types and _kind(typed) == "scalar" and node.properties:
        typed = None  # readme renders polymorphic objects (oneOf) as "string"; the sample shows the object
    elif typed is not None and typed.types:
        _apply_type(node, typed)
    node.nullable = row_nullable or sample_null or (typed is None and node.nullable)
    _apply_default(node, facts)


def _apply_type(node: Schema, typed: Schema) -> None:
    """The table's JSON type on a node; objects keep the sample's properties, arrays its items."""
    if typed.is_object and node.is_object:
        return
    if typed.is_array and node.is_array:
        if typed.items is not None and (
            node.items is None or (typed.items.types and node.items.types != typed.items.types)
        ):
            node.items = typed.items.clone()
        return
    node.types, node.format = list(typed.types), typed.format
    node.properties, node.additional = {}, None
    node.items = typed.items.clone() if typed.items is not None else None


def _apply_default(node: Schema, facts: DescriptionFacts) -> None:
    """The description, and a ``Default:`` as the schema default when it fits the node.

    Object and array defaults are defaults like any other (``meeting_metadata``: ``Default: {}``,
    ``retention``: ``Default: {'type': 'timed', 'hours': 168}``). A default that does not fit the
    node's schema (a row typed ``string`` that no sample shows as an object) stays readable in the
    description.
    """
    node.description = facts.text
    if not facts.has_default:
        return
    value = facts.default
    if default_fits(node, value):
        node.default, node.has_default = value, True
    else:
        node.description = f"{facts.text} Default: {facts.default_text}".strip()


def default_fits(node: Schema, value: object) -> bool:
    """True when a ``Default:`` value fits the node (so the spec stays valid): its JSON type, the
    enum, and for an object the types of the properties it names and the required ones; the items
    of an array."""
    if value is None:
        return node.nullable
    if node.enum is not None and value not in node.enum:
        return False
    if not node.types:
        return True
    kind = node.types[0]
    checks = {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
    }
    if not checks.get(kind, False):
        return False
    if isinstance(value, dict):
        if node.additional is not None and any(
            not default_fits(node.additional, v) for k, v in value.items() if k not in node.properties
        ):
            return False
        return all(name in value for name in node.required) and all(
            default_fits(node.properties[k], v) for k, v in value.items() if k in node.properties
        )
    if isinstance(value, list) and node.items is not None:
        return all(default_fits(node.items, item) for item in value)
    return True


def set_enum(node: Schema, values: list[str]) -> Schema | None:
    """Put an enum where it can live: on a scalar node or on a scalar array's items.

    Returns the node that took the enum, or None when ``node`` is a container whose child
    must be found by the caller.
    """
    if node.is_array and node.items is not None and not node.items.is_object and not node.items.is_array:
        node.items.enum = list(values)
        if not node.items.types:
            node.items.types = ["string"]
        return node.items
    if node.is_object or node.is_array:
        return None
    node.enum = list(values)
    if not node.types:
        node.types = ["string"]
    return node


def enum_child(node: Schema, values: list[str]) -> Schema | None:
    """The shallowest scalar descendant whose sample value is one of ``values``."""
    best: tuple[int, Schema] | None = None
    for path, child in node.walk():
        if not path or child.is_object or child.is_array:
            continue
        if child.sample_value is not None and child.sample_value in values and (best is None or depth(path) < best[0]):
            best = (depth(path), child)
    return best[1] if best else None
