"""Compare two normalized specs: what changed for a client, and how much it can hurt.

:func:`diff_specs` reads two :class:`~generator.spec.model.Spec` s (the typed model: operations
with the parameters and security in force, bodies, responses, rate limits; ``$ref``s resolved by
its resolver) and returns :class:`Change` s, each with a stable id from
:data:`generator.diff.codes.CHANGES`, which gives its level (``breaking``, ``warning``, ``info``).

Signal, not noise: a difference inside a shared schema component is one change at the component
(``schema Bot.status``) listing the operations it reaches (:mod:`generator.diff.schemas`); a
property removed at one place and added at another is one ``*-property-moved`` change
(:mod:`generator.diff.moves`); descriptions are ``info``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generator.diff import api
from generator.diff.codes import CHANGES, Kind, Level
from generator.diff.merge import SCHEMA, Collector
from generator.diff.operations import OperationComparer, Root, route_key
from generator.diff.schemas import Finding, SchemaComparer, names_phrase, render_path
from generator.spec.model import Operation, Spec


@dataclass(frozen=True)
class Change:
    """One change: its id (level and kind follow from it), where, what, and the operations it reaches.

    ``pointer`` is the JSON pointer of the nearest node of the new spec (for annotations),
    ``old_pointer`` that of the old spec's.
    """

    id: str
    location: str
    message: str
    operations: tuple[str, ...] = ()
    pointer: str = ""
    old_pointer: str = ""
    names: tuple[str, ...] = ()
    template: str = ""
    noun: str = "property"

    @property
    def level(self) -> Level:
        return CHANGES[self.id].level

    @property
    def kind(self) -> Kind:
        return CHANGES[self.id].kind

    @property
    def breaking(self) -> bool:
        return self.level is Level.BREAKING

    def format(self, max_operations: int = 8) -> str:
        """``breaking[operation-removed] recording_retrieve: GET /api/v1/recording/{id}/ removed``."""
        return f"{self.level.value}[{self.id}] {self.location}: {self.message}{self.reach(max_operations)}"

    def reach(self, limit: int = 8) -> str:
        """`` (bot_create, bot_list, +3 more)`` for a change that reaches operations other than its location."""
        named = set(self.location.replace(",", " ").split())
        if all(op in named for op in self.operations):
            return ""
        shown = ", ".join(self.operations[:limit])
        more = f", +{len(self.operations) - limit} more" if len(self.operations) > limit else ""
        return f" ({shown}{more})"

    def short_message(self, limit: int = 12) -> str:
        """The message with at most ``limit`` property or component names (``and 9 more``)."""
        if not self.template or len(self.names) <= limit:
            return self.message
        shown = names_phrase(list(self.names[:limit]), self.noun) + f" and {len(self.names) - limit} more"
        return self.template.format(shown)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "level": self.level.value,
            "kind": self.kind.value,
            "location": self.location,
            "message": self.message,
            "operations": list(self.operations),
            "names": list(self.names),
            "pointer": self.pointer,
            "old_pointer": self.old_pointer,
        }


def sorted_changes(changes: Iterable[Change]) -> list[Change]:
    """Most severe first, then by location, id and message."""
    return sorted(changes, key=lambda c: (-c.level.rank, c.location, c.id, c.message))


def _place(operation: str, root: Root, finding: Finding, parent: bool = False) -> tuple[str, str]:
    """(head, tail) of a finding: ``schema Bot`` and ``status`` inside a component, ``bot_create``
    and ``request.status`` in an operation's own schema (``parent``: the object holding the property)."""
    if finding.anchor:
        return f"{SCHEMA}{finding.anchor}", render_path(finding.apath[:-1] if parent else finding.apath)
    path = render_path(finding.path[:-1] if parent else finding.path)
    if not root.label:
        return operation, ""
    return operation, f"{root.label}.{path}" if path else root.label


def _match(old: Spec, new: Spec) -> tuple[list[tuple[Operation, Operation]], list[Operation], list[Operation]]:
    """Pairs of the same operation; operations only in old; only in new."""
    new_by_route: dict[tuple[str, str], Operation] = {}
    for op in new.operations:
        new_by_route.setdefault(route_key(op), op)
    pairs, gone = [], []
    for op in old.operations:
        twin = new_by_route.pop(route_key(op), None)
        if twin is None:
            gone.append(op)
        else:
            pairs.append((op, twin))
    matched = {id(n) for _, n in pairs}
    fresh = [op for op in new.operations if id(op) not in matched]
    by_id = {op.operation_id: op for op in fresh}
    for op in list(gone):  # the same operationId elsewhere: the operation moved
        twin = by_id.pop(op.operation_id, None)
        if twin is not None:
            pairs.append((op, twin))
            gone.remove(op)
            fresh.remove(twin)
    return pairs, gone, fresh


def diff_specs(old: Spec, new: Spec) -> list[Change]:
    """Every change from ``old`` to ``new``, most severe first."""
    schemas = SchemaComparer(old, new)
    scheme_findings, renamed = api.security_schemes(old, new)
    operations = OperationComparer(schemas, lambda name: renamed.get(name, name))
    out = Collector()
    for finding in api.servers(old, new):
        out.add(finding, "servers")
    for finding in scheme_findings:
        out.add(finding, "components.securitySchemes")
    pairs, gone, fresh = _match(old, new)
    for op in gone:
        finding = Finding("operation-removed", f"{op.method} {op.path} removed", old_pointer=op.pointer)
        out.add(finding, op.operation_id, operation=op.operation_id)
    for op in fresh:
        finding = Finding("operation-added", f"{op.method} {op.path} added", pointer=op.pointer)
        out.add(finding, op.operation_id, operation=op.operation_id)
    for before, after in sorted(pairs, key=lambda p: (p[1].path, p[1].method)):
        label = after.operation_id
        for root in operations.compare(before, after):
            for finding in root.findings:
                head, tail = _place(label, root, finding)
                out.add(finding, head, tail, _place(label, root, finding, parent=True)[1], label)
    for finding in api.components(old, new, schemas):
        out.add(finding, "components.schemas")
    return sorted_changes(
        Change(m.id, m.location, m.message, m.operations, m.pointer, m.old_pointer, m.names, m.template, m.noun)
        for m in out.merged()
    )


def counts(changes: Iterable[Change]) -> dict[str, int]:
    """Changes per level: ``{"breaking": n, "warning": n, "info": n}``."""
    found = {level.value: 0 for level in sorted(Level, key=lambda lv: -lv.rank)}
    for change in changes:
        found[change.level.value] += 1
    return found


def summary(changes: list[Change]) -> str:
    """``12 change(s): 3 breaking, 1 warning(s), 8 info``."""
    n = counts(changes)
    return f"{len(changes)} change(s): {n['breaking']} breaking, {n['warning']} warning(s), {n['info']} info"


def fails(changes: Iterable[Change], fail_on: Level) -> bool:
    """True when a change is at or above ``fail_on`` (the diff's exit code 1)."""
    return any(change.level.rank >= fail_on.rank for change in changes)
