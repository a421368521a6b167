"""Stage 3: name object schemas, merge what describes the same thing, share identical ones.

Naming rules (component names from meaning, never numbered):

* a response body is named after its resource: the path's segments, parameters and a trailing
  action (``refresh``, ``leave_call``) removed, the last word singular
  (``/api/v1/calendar/meetings/refresh/`` -> ``CalendarMeeting``); a request body adds
  ``Request`` (``Patched...Request`` for PATCH); a cursor page is ``Paginated<R>List``;
* a nested object is its parent's name without the tag's words plus the property's role
  (``CalendarMeeting.attendees[]`` -> ``MeetingAttendee``, ``Recording.status`` -> ``RecordingStatus``);
* nodes that get the same name and have compatible properties are merged (facts unioned):
  ``Recording`` from the retrieve, update and list pages is one component;
* structurally identical nodes with the same role are shared once; when their parents all
  belong to a family declared in the overlay (``x-recallgen-families``), the shared name is
  family + role (``ArtifactStatus``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from generator.naming import ACTION_WORDS, camel, singular, words
from generator.normalize.operation import Operation, path_segments, split_suffix
from generator.normalize.schema import ORIGINS, Schema


@dataclass
class _Entry:
    node: Schema
    role: str
    families: set[str] = field(default_factory=set)
    root: bool = False


@dataclass
class ComponentRegistry:
    """Named component schemas of one spec, built from all operations."""

    families: dict[str, list[str]] = field(default_factory=dict)
    entries: dict[str, _Entry] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def resolve(self, name: str) -> str:
        """The final name of a component after sharing (aliases followed)."""
        while name in self.aliases:
            name = self.aliases[name]
        return name

    def schemas(self) -> dict[str, dict[str, Any]]:
        """``components.schemas`` as plain data, sorted by name."""
        out: dict[str, dict[str, Any]] = {}
        for name in sorted(self.entries):
            if name in self.aliases:
                continue
            out[name] = self.emit(self.entries[name].node, top=True)
        return out

    def emit(self, node: Schema, top: bool = False) -> dict[str, Any]:
        """JSON Schema of ``node`` with ``$ref`` names resolved through the aliases."""
        if node.ref is not None and not top:
            return _ref_dict(self.resolve(node.ref), node)
        data = node.to_dict() if node.ref is None else _strip_ref(node).to_dict()
        if node.properties:
            data["properties"] = {key: self.emit(child) for key, child in node.properties.items()}
        if node.items is not None:
            data["items"] = self.emit(node.items)
        if node.additional is not None:
            data["additionalProperties"] = self.emit(node.additional)
        return data

    # ------------------------------------------------------------------ naming

    def register(self, node: Schema, candidates: list[str], role: str, families: set[str]) -> str:
        """Give ``node`` the first candidate name that is free or holds a compatible schema."""
        for name in candidates:
            entry = self.entries.get(name)
            if entry is None:
                self.entries[name] = _Entry(node, role, set(families))
                node.ref = name
                return name
            if compatible(entry.node, node):
                merge(entry.node, node, request=name.endswith("Request"), body=self.body)
                entry.families |= families
                node.ref = name
                return name
        base = candidates[-1]
        suffix = 2
        while (name := f"{base}Variant{_letters(suffix)}") in self.entries:
            entry = self.entries[name]
            if compatible(entry.node, node):
                merge(entry.node, node, request=name.endswith("Request"), body=self.body)
                entry.families |= families
                node.ref = name
                return name
            suffix += 1
        self.entries[name] = _Entry(node, role, set(families))
        node.ref = name
        return name

    def body(self, node: Schema) -> Schema:
        """The node that holds the structure of ``node``: its component's node once it has a name.

        A property named into a component keeps only what belongs to the property (description,
        default, nullability); its properties, ``required`` and items live on the component's
        node, which is another object when the component was named from another page first
        (``Bot.recordings[].status`` names ``RecordingStatus`` before ``Recording.status``).
        """
        if node.ref is None:
            return node
        entry = self.entries.get(self.resolve(node.ref))
        return entry.node if entry is not None else node

    def families_of(self, node: Schema) -> set[str]:
        """Families whose keys a node's properties include (``x-recallgen-families``)."""
        keys = set(node.properties)
        return {family for family, required in self.families.items() if required and set(required) <= keys}


def _letters(n: int) -> str:
    """2 -> B, 3 -> C ...: a distinguishing word that is not a number."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _ref_dict(name: str, node: Schema) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{name}"}
    extra: dict[str, Any] = {}
    if node.description:
        extra["description"] = node.description
    if node.has_default:
        extra["default"] = node.default
    if node.nullable:
        return {"anyOf": [ref, {"type": "null"}], **extra}
    return {**ref, **extra}


def _strip_ref(node: Schema) -> Schema:
    # A component is the type; nullability and defaults belong to the property that refers to it.
    return dataclasses.replace(node, ref=None, nullable=False, has_default=False, default=None)


def compatible(a: Schema, b: Schema) -> bool:
    """True when two nodes can be one component: same kind and mostly the same properties."""
    if a.types != b.types:
        return False
    if a.is_array:
        if a.items is None or b.items is None:
            return True
        return compatible(a.items, b.items)
    ka, kb = set(a.properties), set(b.properties)
    if not ka or not kb or ka <= kb or kb <= ka:
        return all(compatible_leaf(a.properties[k], b.properties[k]) for k in ka & kb)
    return len(ka & kb) / len(ka | kb) >= 0.75 and all(
        compatible_leaf(a.properties[k], b.properties[k]) for k in ka & kb
    )


def compatible_leaf(a: Schema, b: Schema) -> bool:
    """Properties of the same name agree on their JSON type (or one is untyped)."""
    return not a.types or not b.types or a.types == b.types


def _itself(node: Schema) -> Schema:
    return node


def merge(into: Schema, other: Schema, request: bool = False, body: Callable[[Schema], Schema] = _itself) -> None:
    """Union ``other``'s facts into ``into`` (table facts beat sample guesses).

    ``request``: both describe a request body. A field is then required only if every page
    that shows it requires it (``huddle_bot_config.meeting_url`` is required on the PUT page,
    whose table has no response id to end its request rows, and optional on the POST page): a
    request another page documents must still validate. Responses take the union.

    ``body`` maps a node to the node holding its structure (:meth:`ComponentRegistry.body`): a
    property already named into a component takes the property's facts (type, format, enum,
    nullability, description, default) itself, and its properties, ``required`` and items go
    to the component's node, so that no row of a later page is merged into a copy that is
    never emitted.
    """
    if other is into:
        return
    stronger = ORIGINS.index(other.origin) > ORIGINS.index(into.origin)
    if not into.types and other.types:
        into.types = list(other.types)
    into.nullable = into.nullable or other.nullable
    if other.format and (not into.format or stronger):
        into.format = other.format
    if other.enum is not None:
        if into.enum is None:
            into.enum = list(other.enum)
        else:
            into.enum = into.enum + [v for v in other.enum if v not in into.enum]
    if other.description and (not into.description or stronger):
        into.description = other.description
    if other.has_default and not into.has_default:
        into.default, into.has_default = other.default, True
    _merge_structure(body(into), body(other), request, body)
    if stronger:
        into.origin, into.line = other.origin, other.line


def _merge_structure(into: Schema, other: Schema, request: bool, body: Callable[[Schema], Schema]) -> None:
    """The properties, ``required``/``optional``, items and map values of ``other`` into ``into``."""
    if other is into:
        return
    for name in other.optional:
        if name not in into.optional:
            into.optional.append(name)
    if request:
        into.required = [n for n in into.required if n in other.required or n not in other.properties] + [
            n for n in other.required if n not in into.required and n not in into.properties
        ]
    else:
        for name in other.required:
            if name not in into.required:
                into.required.append(name)
    into.required = [name for name in into.required if name not in into.optional]  # a row's `No` wins
    for key, child in other.properties.items():
        if key in into.properties:
            target = into.properties[key]
            if compatible_leaf(target, child):
                merge(target, child, request, body)
        else:
            into.properties[key] = child
    if other.items is not None:
        if into.items is None:
            into.items = other.items
        elif compatible_leaf(into.items, other.items):
            merge(into.items, other.items, request, body)
    if other.additional is not None and into.additional is None:
        into.additional = other.additional


def resource_words(op: Operation) -> tuple[list[str], list[str]]:
    """(resource words, resource + action words) of an operation's path."""
    segments = path_segments(op.path)
    action: list[str] = []
    if len(segments) > 1 and words(segments[-1]) and words(segments[-1])[0] in ACTION_WORDS:
        action = [segments[-1]]
        segments = segments[:-1]
    resource = [w for seg in segments for w in words(seg)]
    if resource:
        resource[-1] = singular(resource[-1])
    full = resource + [w for seg in action for w in words(seg)]
    return resource or ["root"], full or ["root"]


def name_operation(registry: ComponentRegistry, op: Operation) -> None:
    """Register the request, response and error bodies of ``op`` and their nested objects.

    When the resource's name already holds an incompatible schema (pages without samples give
    flat objects that differ from page to page), the body is named after its operation:
    ``BotRetrieve``, ``BotPartialUpdate``, ``BotListItem``; never a number or a letter.
    """
    resource, full = resource_words(op)
    base = [camel(resource)]
    if full != resource:
        base.append(camel(full))
    split = split_suffix(op.operation_id)
    verb = _SUFFIX_WORDS[split[1]] if split is not None else _METHOD_WORDS.get(op.method, camel(words(op.method)))
    own = f"{camel(full)}{verb}"
    tag_words = words(op.tag)
    if op.response is not None:
        root = op.response
        if op.list_kind == "paginated":
            results = root.properties["results"]
            if results.items is not None and results.items.is_object and results.items.properties:
                _name_tree(registry, results.items, [*base, f"{own}Item"], tag_words, "")
            registry.register(root, [*(f"Paginated{n}List" for n in base), f"{own}Page"], "List", set())
        elif op.list_kind == "array":
            if root.items is not None and root.items.is_object and root.items.properties:
                _name_tree(registry, root.items, [*base, f"{own}Item"], tag_words, "")
        elif root.is_object and root.properties:
            _name_tree(registry, root, [*base, own], tag_words, "")
    if op.request is not None and op.request.is_object and op.request.properties:
        prefix = "Patched" if op.method == "patch" else ""
        ordered = list(reversed(base)) if full != resource else base  # an action's body is its own
        names = [f"{prefix}{n}Request" for n in ordered]
        names.append(f"{prefix}{camel(full)}{_METHOD_WORDS.get(op.method, camel(words(op.method)))}Request")
        _name_tree(registry, op.request, [n[: -len("Request")] for n in names], tag_words, "Request")
    if op.error_response is not None and op.error_response.is_object and op.error_response.properties:
        _name_tree(registry, op.error_response, [f"{camel(full)}Error", f"{own}Error"], tag_words, "")


_SUFFIX_WORDS = {
    "list": "List",
    "retrieve": "Retrieve",
    "create": "Create",
    "update": "Update",
    "partial_update": "PartialUpdate",
    "destroy": "Destroy",
}
_METHOD_WORDS = {"post": "Create", "put": "Update", "patch": "PartialUpdate", "delete": "Destroy", "get": "Retrieve"}


def is_action(op: Operation) -> bool:
    """True when the path ends in an action segment (``/calendar/meetings/refresh/``)."""
    resource, full = resource_words(op)
    return resource != full


def _name_tree(registry: ComponentRegistry, node: Schema, names: list[str], tag_words: list[str], suffix: str) -> None:
    name = registry.register(node, [n + suffix for n in names], names[0], set())
    registry.entries[name].root = registry.entries[name].root or not suffix
    canonical = registry.entries[name].node
    root = name[: -len(suffix)] if suffix and name.endswith(suffix) else name
    root = root[len("Patched") :] if root.startswith("Patched") else root
    _name_children(registry, canonical, [_strip_tag(root, tag_words), root], suffix)


def _name_children(registry: ComponentRegistry, parent: Schema, stems: list[str], suffix: str) -> None:
    """Name the object properties of ``parent``: stem + role, the shortest free stem first."""
    families = registry.families_of(parent)
    for key, child in parent.properties.items():
        for node in (child, child.items):
            if node is None or not node.is_object or not node.properties or node.ref is not None:
                continue
            role_words = words(key)
            if role_words:  # singular like resource names: participant_events -> ParticipantEvent
                role_words[-1] = singular(role_words[-1])
            role = camel(role_words) or "Value"
            candidates = list(dict.fromkeys(stem + role for stem in stems))
            name = registry.register(node, [c + suffix for c in candidates], role, {f + role for f in families})
            own = name[: -len(suffix)] if suffix and name.endswith(suffix) else name
            _name_children(registry, registry.entries[name].node, list(dict.fromkeys([role, own])), suffix)


def _strip_tag(name: str, tag_words: list[str]) -> str:
    """``CalendarMeeting`` with tag ``calendar`` -> ``Meeting``; a name the tag covers is kept."""
    name_words = re.findall(r"[A-Z][a-z0-9]*|[0-9]+", name)
    lowered = [w.lower() for w in name_words]
    n = len(tag_words)
    if 0 < n < len(lowered) and [singular(w) for w in lowered[:n]] == [singular(w) for w in tag_words]:
        return "".join(name_words[n:])
    return name


def _shape(node: Schema) -> str:
    """Property names and JSON types of an object: its structure without annotations."""
    return json.dumps(sorted((key, child.types, child.ref is not None) for key, child in node.properties.items()))


def merge_families(registry: ComponentRegistry) -> None:
    """Merge same-shaped members of a family role into one component (``ArtifactStatus``).

    The status object of every artifact (video_mixed, transcript, participant_events...) has the
    same properties; pages annotate some copies (the enum of ``code``) and not others. Members
    with the same family role and shape are one schema, named family + role, with the union of
    their facts.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for name, entry in sorted(registry.entries.items()):
        if name in registry.aliases or not entry.node.properties:
            continue
        for family_role in sorted(entry.families):
            groups.setdefault((family_role, _shape(entry.node)), []).append(name)
            break
    for (family_role, _shape_key), names in sorted(groups.items()):
        if len(names) < 2 or any(n in registry.aliases for n in names):
            continue
        suffix = "Request" if all(n.endswith("Request") for n in names) else ""
        target = family_role + suffix
        if target in registry.entries and target not in names:
            continue
        canonical = registry.entries[names[0]]
        for name in names[1:]:
            merge(canonical.node, registry.entries[name].node, body=registry.body)
        registry.entries[target] = canonical
        canonical.node.ref = target
        for name in names:
            if name != target:
                registry.aliases[name] = target


def enrich_from_resources(registry: ComponentRegistry) -> None:
    """Give a nested copy of a resource the facts its own pages state.

    ``Recording.media_shortcuts.video_mixed`` is a short form of the ``VideoMixed`` resource;
    its rows are never in the recording's table (names are not repeated), so its scalar
    properties lack the enums, formats and nullability the video_mixed pages give. When a
    nested object's role names a resource whose properties include all of its own, the
    resource's facts are copied onto properties that only a sample described. Only objects with
    an ``id`` and another property qualify (``recording_config.participant_events`` does not).
    """
    for _name, entry in sorted(registry.entries.items()):
        resource = registry.entries.get(entry.role)
        if entry.root or _name.endswith("Request") or resource is None or not resource.root or resource is entry:
            continue
        source, target = resource.node, entry.node
        keys = set(target.properties)
        if "id" not in keys or len(keys) < 2 or not keys <= set(source.properties):
            continue  # a short form carries the resource's id (and more); config objects do not
        for key, child in target.properties.items():
            known = source.properties[key]
            if child.origin != "sample" or child.ref is not None or known.ref is not None:
                continue
            if known.types and child.types and known.types != child.types:
                continue
            child.types = list(known.types or child.types)
            child.format = known.format or child.format
            child.enum = list(known.enum) if known.enum is not None else child.enum
            child.nullable = child.nullable or known.nullable
            child.description = child.description or known.description
            if key in source.required and key not in target.required and key not in target.optional:
                target.required.append(key)


def share_identical(registry: ComponentRegistry) -> None:
    """Alias structurally identical components of the same role to one name (to a fixpoint)."""
    enrich_from_resources(registry)
    merge_families(registry)
    while True:
        groups: dict[tuple[str, str], list[str]] = {}
        for name, entry in registry.entries.items():
            if name in registry.aliases:
                continue
            signature = json.dumps(registry.emit(entry.node, top=True), sort_keys=True)
            groups.setdefault((entry.role, signature), []).append(name)
        changed = False
        for (role, _signature), names in sorted(groups.items()):
            if len(names) < 2:
                continue
            target = _shared_name(registry, role, sorted(names))
            if target not in registry.entries:
                registry.entries[target] = registry.entries[names[0]]
            for name in names:
                if name != target:
                    registry.aliases[name] = target
                    changed = True
            registry.entries[target].node.ref = target
        if not changed:
            return


def _shared_name(registry: ComponentRegistry, role: str, names: list[str]) -> str:
    suffix = "Request" if all(n.endswith("Request") for n in names) else ""
    family_sets = [registry.entries[n].families for n in names]
    common = set.intersection(*family_sets) if family_sets else set()
    for family_role in sorted(common):
        candidate = family_role + suffix
        if candidate not in registry.entries or candidate in names:
            return candidate
    return min(names, key=lambda n: (len(n), n))
