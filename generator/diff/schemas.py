"""Compare two JSON Schemas as a client sees them, one side at a time (``request`` or ``response``).

A :class:`Finding` is one difference at a place: ``path`` from the root of the comparison (a
request body, a response body, a parameter) and, for the report, its ``anchor``: the innermost
schema component of the new spec that holds the place (``Bot``), with ``apath`` inside it. A change
inside a shared component has the same anchor, path and message from every operation that uses it,
so the report shows it once, at the component, with those operations listed. Components are
compared once per pair of schemas and side (memoized; recursive components end at the cycle).

Paths are tuples of steps: a property name, ``[]`` (array items), ``*`` (``additionalProperties``
values) or ``|N`` (the N-th ``anyOf``/``oneOf`` branch). Boolean schemas are read as JSON Schema
says: ``true`` accepts anything (an untyped schema), ``false`` nothing.
"""

from __future__ import annotations

import json
import marshal
from collections import defaultdict
from collections.abc import Container, Mapping
from dataclasses import dataclass, replace
from typing import Any

from generator.spec.model import Spec
from generator.spec.refs import SpecRefError, component_name, join_pointer

Path = tuple[str, ...]

#: ``true`` (and ``{}``) accepts anything; ``false`` accepts nothing (``not: {}``).
_ANY: Mapping[str, Any] = {}
_NOTHING: Mapping[str, Any] = {"not": {}}
#: Constraints whose larger value accepts more (``maxLength: 10 -> 5`` is tighter).
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains")
#: Constraints whose smaller value accepts more (``minimum: 0 -> 1`` is tighter).
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains")
#: Longest schema nesting compared (deeper levels are not compared; the loader allows 100).
MAX_DEPTH = 64


def names_phrase(names: list[str], noun: str = "property") -> str:
    """``property `a``` or ``properties `a`, `b``` (``noun``: ``property`` or ``component``)."""
    shown = f"`{names[0]}`" if len(names) == 1 else ", ".join([f"`{n}`" for n in names])
    plural = "properties" if noun == "property" else noun + "s"
    return f"{noun if len(names) == 1 else plural} {shown}"


def render_path(path: Path) -> str:
    """``("results", "[]", "status", "code")`` -> ``results[].status.code``."""
    out = ""
    for step in path:
        out += step if step == "[]" or not out else "." + step
    return out


@dataclass(slots=True)
class Finding:
    """One difference found by :class:`SchemaComparer` (or by the operation comparison).

    ``pointer``/``old_pointer`` address the nearest node in the new/old document. For a property
    added or removed, ``name``, ``node`` (its schema as written in the spec it is in) and
    ``required`` serve the detection of moved properties (:mod:`generator.diff.moves`).
    """

    id: str
    message: str
    path: Path = ()
    anchor: str = ""
    apath: Path = ()
    pointer: str = ""
    old_pointer: str = ""
    name: str = ""
    node: Any = None
    required: bool = False
    new_property: bool = False
    removed_property: bool = False
    template: str = ""
    noun: str = "property"

    def under(self, prefix: Path) -> Finding:
        """The same finding seen from ``prefix`` levels higher up."""
        if not prefix:
            return self
        return Finding(
            self.id,
            self.message,
            prefix + self.path,
            self.anchor,
            self.apath,
            self.pointer,
            self.old_pointer,
            self.name,
            self.node,
            self.required,
            self.new_property,
            self.removed_property,
            self.template,
            self.noun,
        )


@dataclass(slots=True)
class Place:
    """Where the comparison is: path from the root, anchor component and path in it, pointers."""

    path: Path = ()
    anchor: str = ""
    apath: Path = ()
    pointer: str = ""
    old_pointer: str = ""

    def child(self, step: str, new_tokens: tuple[str, ...], old_tokens: tuple[str, ...]) -> Place:
        return Place(
            (*self.path, step),
            self.anchor,
            (*self.apath, step),
            _extend(self.pointer, new_tokens),
            _extend(self.old_pointer, old_tokens),
        )


def _extend(pointer: str, tokens: tuple[str, ...]) -> str:
    """``pointer`` with ``tokens`` (RFC 6901 escaped); ``""`` (unknown) stays unknown."""
    if not pointer:
        return ""
    for token in tokens:
        pointer += "/" + (token.replace("~", "~0").replace("/", "~1") if "~" in token or "/" in token else token)
    return pointer


@dataclass(slots=True)
class Shape:
    """What a schema node means for a client: JSON types without null (empty: any), nullable, and
    the schema that carries the type (``$ref``s followed, a nullable ``anyOf`` unwrapped)."""

    types: frozenset[str]
    nullable: bool
    target: Mapping[str, Any]
    component: str | None
    #: The target's pointer when a ``$ref`` was followed, else None (see :meth:`pointer_from`).
    absolute: str | None
    #: Tokens from the last ``$ref`` target (or the node itself) to the target (nullable branches).
    tokens: tuple[str, ...]

    def pointer_from(self, pointer: str) -> str:
        """The target's pointer, given the pointer of the node as written (``""``: unknown)."""
        return _extend(self.absolute, self.tokens) if self.absolute is not None else _extend(pointer, self.tokens)


def _as_schema(node: Any) -> Mapping[str, Any]:
    if node is True or node is None:
        return _ANY
    if node is False:
        return _NOTHING
    return node if type(node) is dict or isinstance(node, Mapping) else _ANY


def _types_of(schema: Mapping[str, Any]) -> set[str]:
    """The JSON types ``schema`` allows (empty: any; ``{"nothing"}`` for ``false``/``not: {}``)."""
    if schema.get("not") == {} and "type" not in schema:
        return {"nothing"}
    raw = schema.get("type")
    if isinstance(raw, str):
        return {raw}
    return {t for t in raw if isinstance(t, str)} if isinstance(raw, list) else set()


def _value_key(value: Any) -> str:
    """A comparable form of a JSON value (``1``, ``1.0`` and ``true`` stay apart)."""
    return json.dumps([type(value).__name__ if isinstance(value, bool) else "", value], sort_keys=True)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """True when every type in ``narrow`` is in ``wide`` (``number`` covers ``integer``); empty is any."""
    if not wide:
        return True
    if not narrow:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _show_types(types: frozenset[str]) -> str:
    return "/".join(sorted(types)) if types else "any"


class SchemaComparer:
    """Compares schemas of ``old`` against schemas of ``new`` (both read through the spec model)."""

    def __init__(self, old: Spec, new: Spec) -> None:
        self.old = old
        self.new = new
        self._memo: dict[tuple[int, str, str], list[Finding]] = {}
        self._active: set[tuple[int, str, str]] = set()
        self._shapes: dict[tuple[int, int], Shape] = {}
        self._props: dict[tuple[int, int], tuple[dict[str, Any], set[str]]] = {}
        self._same: dict[tuple[int, int, str], bool] = {}
        self._nested: dict[tuple[int, str, Path, str], list[Finding]] = {}
        self._texts: dict[int, bytes] = {}
        #: old component -> new components found at the same place (a component replaced by another).
        self.replaced_by: dict[str, set[str]] = defaultdict(set)

    # -- reading -------------------------------------------------------------------------------
    def shape(self, spec: Spec, node: Any) -> Shape:
        """The :class:`Shape` of ``node`` in ``spec``."""
        key = (id(spec), id(node))
        found = self._shapes.get(key)
        if found is None:
            found = self._shapes[key] = self._shape(spec, node)
        return found

    def _shape(self, spec: Spec, node: Any) -> Shape:
        nullable = False
        component: str | None = None
        absolute: str | None = None
        tokens: tuple[str, ...] = ()
        schema = _as_schema(node)
        for _ in range(16):
            name = component_name(schema)
            if name is not None:
                component, absolute, tokens = name, join_pointer("", "components", "schemas", name), ()
            try:
                schema = _as_schema(spec.refs.resolve(schema))
            except SpecRefError:
                schema = _ANY
            branches = schema.get("anyOf", schema.get("oneOf"))
            if "type" in schema or not isinstance(branches, list):
                break
            rest = [b for b in branches if _types_of(_as_schema(self._resolve(spec, b))) != {"null"}]
            if len(rest) == len(branches) or len(rest) != 1:
                nullable = nullable or len(rest) < len(branches)
                break
            nullable = True
            key = "anyOf" if "anyOf" in schema else "oneOf"
            tokens = (*tokens, key, str(branches.index(rest[0])))
            component = None
            schema = _as_schema(rest[0])
        types = _types_of(schema)
        if "null" in types:
            nullable = True
            types.discard("null")
        enum = schema.get("enum")
        if isinstance(enum, list) and None in enum:
            nullable = True
        return Shape(frozenset(types), nullable, schema, component, absolute, tokens)

    @staticmethod
    def _resolve(spec: Spec, node: Any) -> Any:
        try:
            return spec.refs.resolve(node)
        except SpecRefError:
            return {}

    def properties(self, spec: Spec, schema: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """Property name -> schema as written, and the required names, of an object schema
        (its own ``properties`` and ``required`` first, then those of ``allOf`` members)."""
        key = (id(spec), id(schema))
        found = self._props.get(key)
        if found is None:
            found = self._props[key] = self._properties_of(spec, schema)
        return found

    def _properties_of(self, spec: Spec, schema: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
        props: dict[str, Any] = {}
        required: set[str] = set()
        stack = [schema]
        for _ in range(MAX_DEPTH):
            if not stack:
                break
            current = stack.pop(0)
            own = current.get("properties")
            if own and (type(own) is dict or isinstance(own, Mapping)):
                for name, value in own.items():
                    props.setdefault(str(name), value)
            names = current.get("required")
            if isinstance(names, list):
                required.update(n for n in names if isinstance(n, str))
            members = current.get("allOf")
            if isinstance(members, list):
                stack += [_as_schema(self._resolve(spec, m)) for m in members]
        return props, required

    # -- comparing -----------------------------------------------------------------------------
    def compare(self, old: Any, new: Any, side: str, place: Place) -> list[Finding]:
        """Every difference between schema ``old`` and schema ``new`` seen from ``side``."""
        out: list[Finding] = []
        self._node(old, new, side, place, out, 0)
        return out

    def equivalent(self, old: Any, new: Any, side: str) -> bool:
        """True when ``old`` and ``new`` differ in nothing a client sees (descriptions aside)."""
        key = (id(old), id(new), side)
        same = self._same.get(key)
        if same is None:
            found = self.compare(old, new, side, Place())
            same = self._same[key] = all(f.id == "schema-description-changed" for f in found)
        return same

    def _add(self, out: list[Finding], place: Place, change_id: str, message: str, **extra: Any) -> None:
        out.append(
            Finding(
                change_id, message, place.path, place.anchor, place.apath, place.pointer, place.old_pointer, **extra
            )
        )

    def _about(self, out: list[Finding], place: Place, change_id: str, template: str, **extra: Any) -> None:
        """A finding about the property at ``place`` (its last step), merged per object in the report."""
        name = place.path[-1] if place.path else ""
        if not name or name in ("[]", "*") or name.startswith("|"):
            self._add(out, place, change_id, template.format("the schema"), **extra)
            return
        extra.setdefault("name", name)
        self._add(out, place, change_id, template.format(names_phrase([name])), template=template, **extra)

    def _text(self, node: dict[str, Any]) -> bytes:
        """The marshal bytes (format 2: no back-references) of a schema node, ``b""`` when it holds
        something marshal cannot write; memoized per node."""
        text = self._texts.get(id(node))
        if text is None:
            try:
                text = marshal.dumps(node, 2)
            except ValueError:
                text = b""
            self._texts[id(node)] = text
        return text

    def _same_text(self, old: Any, new: Any) -> bool:
        """True when ``old`` and ``new`` are written alike (the same marshal bytes, so ``1``, ``1.0``
        and ``true`` stay apart) and hold no ``$ref``: nothing there can differ, the comparison is
        skipped. (A reference reads another schema in each spec; the text of one says nothing of
        that. ``$ref`` anywhere in the bytes, a string holding it included, means a reference.)"""
        if type(old) is not dict or type(new) is not dict or old != new:  # equal bytes load as equal values
            return False
        text = self._text(old)
        return bool(text) and b"$ref" not in text and text == self._text(new)

    def _node(self, old: Any, new: Any, side: str, place: Place, out: list[Finding], depth: int) -> None:
        if depth > MAX_DEPTH or self._same_text(old, new):
            return
        before = self.shape(self.old, old)
        after = self.shape(self.new, new)
        old_pointer, new_pointer = before.pointer_from(place.old_pointer), after.pointer_from(place.pointer)
        if before.component and after.component and before.component != after.component:
            self.replaced_by[before.component].add(after.component)
        if before.nullable != after.nullable:
            verb = "added" if after.nullable else "removed"
            self._add(out, place, f"{side}-nullable-{verb}", "accepts null" if after.nullable else "no longer null")
        self._annotations(old, new, before, after, side, place, out)
        if after.component is None:
            inner = replace(place, old_pointer=old_pointer, pointer=new_pointer)
            self._content(before, after, side, inner, out, depth)
            return
        key = (id(before.target), after.component, side)
        if key in self._active:
            return  # a recursive component: compared where the cycle started
        found = self._memo.get(key)
        if found is None:
            self._active.add(key)
            try:
                found = []
                anchor = Place((), after.component, (), new_pointer, old_pointer)
                self._content(before, after, side, anchor, found, depth)
            finally:
                self._active.discard(key)
            self._memo[key] = found
        out.extend(f.under(place.path) for f in found)

    def _annotations(
        self, old: Any, new: Any, before: Shape, after: Shape, side: str, place: Place, out: list[Finding]
    ) -> None:
        """``description`` and ``default`` of this place: written beside a ``$ref`` or on a nullable
        wrapper (``anyOf: [{$ref}, {type: null}], default: null``) they win over the target's."""
        old_description, new_description = _effective(old, before, "description"), _effective(new, after, "description")
        if (old_description[0] or new_description[0]) and old_description != new_description:
            self._about(out, place, "schema-description-changed", "description of {} changed")
        was, now = _effective(old, before, "default"), _effective(new, after, "default")
        if was != now:
            if not now[0]:
                message = f"default {_show(was[1])} dropped"
            elif not was[0]:
                message = f"default {_show(now[1])} added"
            else:
                message = f"default {_show(was[1])} -> {_show(now[1])}"
            self._add(out, place, f"{side}-default-changed", message)

    def _content(self, before: Shape, after: Shape, side: str, place: Place, out: list[Finding], depth: int) -> None:
        old, new = before.target, after.target
        request = side == "request"
        if before.types != after.types:
            if request and _covers(after.types, before.types):
                change = "request-type-widened"
            elif not request and _covers(before.types, after.types):
                change = "response-type-narrowed"
            else:
                change = f"{side}-type-changed"
            message = f"type {_show_types(before.types)} -> {_show_types(after.types)}"
            self._add(out, place, change, message)
            if change.endswith("type-changed"):
                return
        if old.get("format") != new.get("format"):
            message = f"format {old.get('format') or 'none'} -> {new.get('format') or 'none'}"
            self._add(out, place, f"{side}-format-changed", message)
        self._enum(old, new, side, place, out)
        self._constraints(old, new, side, place, out)
        self._additional(old, new, side, place, out, depth)
        self._properties(old, new, side, place, out, depth)
        old_items, new_items = old.get("items"), new.get("items")
        if old_items is not None and new_items is not None:
            self._node(old_items, new_items, side, place.child("[]", ("items",), ("items",)), out, depth + 1)
        self._variants(old, new, side, place, out, depth)

    def _enum(
        self, old: Mapping[str, Any], new: Mapping[str, Any], side: str, place: Place, out: list[Finding]
    ) -> None:
        def values(schema: Mapping[str, Any]) -> dict[str, Any] | None:
            raw = schema.get("enum")
            if "const" in schema and raw is None:
                raw = [schema["const"]]
            return {_value_key(v): v for v in raw if v is not None} if isinstance(raw, list) else None

        before, after = values(old), values(new)
        if before is None and after is None:
            return
        if before is None or after is None:
            verb = "added" if before is None else "removed"
            shown = ", ".join(_show(v) for v in (after or before or {}).values())
            self._add(out, place, f"{side}-enum-{verb}", f"enum {verb}: {shown}" if verb == "added" else "enum dropped")
            return
        for verb, values_ in (("added", [after[k] for k in after if k not in before]),
                              ("removed", [before[k] for k in before if k not in after])):  # fmt: skip
            if values_:
                plural = "s" if len(values_) > 1 else ""
                shown = ", ".join(_show(v) for v in values_)
                self._add(out, place, f"{side}-enum-value-{verb}", f"enum value{plural} {shown} {verb}")

    def _constraints(
        self, old: Mapping[str, Any], new: Mapping[str, Any], side: str, place: Place, out: list[Finding]
    ) -> None:
        for keyword in (*UPPER_BOUNDS, *LOWER_BOUNDS, "multipleOf", "pattern", "uniqueItems"):
            was, now = old.get(keyword), new.get(keyword)
            if was == now or (keyword == "uniqueItems" and bool(was) == bool(now)):
                continue
            if keyword == "uniqueItems":
                tighter = bool(now)
            elif now is None or was is None:
                tighter = was is None
            elif keyword in UPPER_BOUNDS and _numbers(was, now):
                tighter = now < was
            elif keyword in LOWER_BOUNDS and _numbers(was, now):
                tighter = now > was
            else:
                tighter = True  # another pattern or multipleOf: values the old one accepted may fail
            verb = "tightened" if tighter else "loosened"
            shown = (
                f"{keyword} {_show(was) if was is not None else 'none'} -> {_show(now) if now is not None else 'none'}"
            )
            self._add(out, place, f"{side}-constraint-{verb}", shown)

    def _additional(
        self, old: Mapping[str, Any], new: Mapping[str, Any], side: str, place: Place, out: list[Finding], depth: int
    ) -> None:
        was, now = old.get("additionalProperties"), new.get("additionalProperties")
        if was is None and now is None:
            return
        before = self.shape(self.old, True if was is None else was)
        after = self.shape(self.new, True if now is None else now)
        closed_before, closed_after = was is False, now is False
        if (before.types, closed_before) == (after.types, closed_after):
            if isinstance(was, Mapping) and isinstance(now, Mapping):
                step = place.child("*", ("additionalProperties",), ("additionalProperties",))
                self._node(was, now, side, step, out, depth + 1)
            return

        def show(types: frozenset[str], closed: bool) -> str:
            return "none" if closed else _show_types(types)

        message = f"additionalProperties {show(before.types, closed_before)} -> {show(after.types, closed_after)}"
        if side == "response":
            self._add(out, place, "response-additional-properties-changed", message)
        elif not closed_after and (closed_before or _covers(after.types, before.types)):
            self._add(out, place, "request-additional-properties-widened", message)
        else:
            self._add(out, place, "request-additional-properties-narrowed", message)

    def _properties(
        self, old: Mapping[str, Any], new: Mapping[str, Any], side: str, place: Place, out: list[Finding], depth: int
    ) -> None:
        old_props, old_required = self.properties(self.old, old)
        new_props, new_required = self.properties(self.new, new)
        wrapper = self._wrapper(old_props, new_props)
        if wrapper is not None:
            self._wrapped(old, new_props, wrapper, side, place, out, depth)
        for name in sorted(set(old_props) | set(new_props)):
            if wrapper is not None and (name not in new_props or name == wrapper[0]):
                continue  # the old object was compared inside the wrapper
            if (
                name in old_props
                and name in new_props
                and (name in old_required) == (name in new_required)
                and self._same_text(old_props[name], new_props[name])
            ):
                continue  # written alike: nothing to compare (as :meth:`_node` would find)
            child = place.child(name, ("properties", name), ("properties", name))
            if name not in new_props:
                extra = {"node": old_props[name], "required": name in old_required}
                self._about(out, child, f"{side}-property-removed", "{} removed", removed_property=True, **extra)
            elif name not in old_props:
                required = name in new_required
                extra = {"node": new_props[name], "required": required, "new_property": True}
                if side == "request" and required:
                    self._about(out, child, "request-property-required-added", "new required {}", **extra)
                else:
                    self._about(out, child, f"{side}-property-added", "{} added", **extra)
            else:
                if (name in old_required) != (name in new_required):
                    verb = "added" if name in new_required else "removed"
                    template = "{} became required" if verb == "added" else "{} became optional"
                    self._about(out, child, f"{side}-property-required-{verb}", template)
                self._node(old_props[name], new_props[name], side, child, out, depth + 1)

    def _wrapper(self, old_props: Mapping[str, Any], new_props: Mapping[str, Any]) -> tuple[str, bool] | None:
        """(name, is an array) of the new property that now holds the old object, when none of the
        old properties stayed at this level and one new property's object (or its array's items)
        holds the most of them, at least two (a list response now paginated: ``results[]``)."""
        if set(old_props) & set(new_props) or len(old_props) < 2:
            return None
        found = []
        for name in set(new_props) - set(old_props):
            shape = self.shape(self.new, new_props[name])
            is_array = "array" in shape.types
            inner = self.shape(self.new, shape.target.get("items")).target if is_array else shape.target
            names, _ = self.properties(self.new, inner)
            found.append((len(set(names) & set(old_props)), name, is_array))
        found.sort(reverse=True)
        if not found or found[0][0] < 2 or (len(found) > 1 and found[1][0] == found[0][0]):
            return None
        return found[0][1], found[0][2]

    def _wrapped(
        self,
        old: Mapping[str, Any],
        new_props: Mapping[str, Any],
        wrapper: tuple[str, bool],
        side: str,
        place: Place,
        out: list[Finding],
        depth: int,
    ) -> None:
        """The old object compared with the new property that holds it (``results[]``)."""
        name, is_array = wrapper
        child = place.child(name, ("properties", name), ())
        node = new_props[name]
        if is_array:
            shape = self.shape(self.new, node)
            node = shape.target.get("items")
            child = Place(
                (*child.path, "[]"),
                child.anchor,
                (*child.apath, "[]"),
                _extend(shape.pointer_from(child.pointer), ("items",)),
            )
        self._add(
            out,
            place,
            f"{side}-property-moved",
            f"the object moved into `{render_path(child.apath[-2 if is_array else -1 :])}`",
        )
        self._node(old, node, side, replace(child, old_pointer=place.old_pointer), out, depth + 1)

    def _variants(
        self, old: Mapping[str, Any], new: Mapping[str, Any], side: str, place: Place, out: list[Finding], depth: int
    ) -> None:
        for key in ("anyOf", "oneOf"):
            was, now = old.get(key), new.get(key)
            if not isinstance(was, list) or not isinstance(now, list):
                continue
            if len(was) != len(now):
                self._add(out, place, f"{side}-type-changed", f"{key}: {len(was)} -> {len(now)} variants")
                continue
            for i, (a, b) in enumerate(zip(was, now, strict=True)):
                self._node(a, b, side, place.child(f"|{i}", (key, str(i)), (key, str(i))), out, depth + 1)

    # -- moved properties ----------------------------------------------------------------------
    def descendants(
        self, node: Any, place: Place, limit: int = 6, names: Container[str] | None = None
    ) -> list[Finding]:
        """The properties nested in ``node`` (a schema of the new spec that was added), each as a
        ``property added`` finding at its place (the anchor follows the components on the way);
        ``names``, when given, keeps only the properties of those names."""
        key = (id(node), place.anchor, place.apath, place.pointer)
        found = self._nested.get(key)
        if found is None:
            found = self._nested[key] = self._descendants(node, Place((), *key[1:]), limit)
        return [f.under(place.path) for f in found if names is None or f.name in names]

    def _descendants(self, node: Any, place: Place, limit: int) -> list[Finding]:
        found: list[Finding] = []
        stack: list[tuple[Any, Place, int, frozenset[str]]] = [(node, place, 0, frozenset())]
        while stack:
            current, where, level, seen = stack.pop()
            shape = self.shape(self.new, current)
            if shape.component is not None:
                if shape.component in seen:
                    continue
                seen = seen | {shape.component}
                where = Place(where.path, shape.component, (), shape.pointer_from(where.pointer), "")
            if level >= limit:
                continue
            props, required = self.properties(self.new, shape.target)
            for name, child in props.items():
                at = where.child(name, ("properties", name), ())
                found.append(
                    Finding(
                        "",
                        "",
                        at.path,
                        at.anchor,
                        at.apath,
                        at.pointer,
                        name=name,
                        node=child,
                        required=name in required,
                    )
                )
                stack.append((child, at, level + 1, seen))
            items = shape.target.get("items")
            if items is not None:
                stack.append((items, where.child("[]", ("items",), ()), level + 1, seen))
        return found


def _effective(written: Any, shape: Shape, keyword: str) -> tuple[bool, Any]:
    """(present, value) of an annotation at a place: on the schema as written, else on its target."""
    if isinstance(written, Mapping) and keyword in written:
        return True, written[keyword]
    return (keyword in shape.target, shape.target.get(keyword))


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
