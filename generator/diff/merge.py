"""From findings to the changes a report lists: one change per fact, not per place it shows up.

Three merges, in order:

1. the same finding (id, place, message) from several operations: one change listing them (a
   change inside a shared component is found once per operation that uses it);
2. findings about several properties of one object with the same id, template and operations:
   one change at the object (``properties `a`, `b` removed``);
3. the same change (id, message, and place inside its schema or operation) in several schemas or
   operations: one change naming them all (``schema PatchedBotRequest.metadata,
   PatchedRecordingRequest.metadata``).

A place is a ``head`` (``schema Bot``, an operationId, ``servers``) and a ``tail`` inside it
(``status.code``, ``request.status``): the location printed is the head, then the tail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.diff.schemas import Finding, names_phrase

SCHEMA = "schema "


def location(head: str, tail: str) -> str:
    """``schema Bot`` + ``status`` -> ``schema Bot.status``; ``bot_create`` + ``request`` -> ``bot_create request``."""
    if not tail:
        return head
    return f"{head}.{tail}" if head.startswith(SCHEMA) else f"{head} {tail}"


def _locations(heads: list[str], tail: str) -> str:
    if all(h.startswith(SCHEMA) for h in heads):
        return SCHEMA + ", ".join(location(h, tail)[len(SCHEMA) :] for h in heads)
    return ", ".join(location(h, tail) for h in heads)


@dataclass
class _Entry:
    finding: Finding
    head: str
    tail: str
    parent: str  # the tail of the object holding the property (templated findings)
    operations: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Merged:
    """One change before it is a :class:`~generator.diff.changes.Change`."""

    id: str
    location: str
    message: str
    operations: tuple[str, ...]
    pointer: str
    old_pointer: str
    names: tuple[str, ...] = ()
    template: str = ""
    noun: str = "property"


class Collector:
    """Collects findings with their place and operation; :meth:`merged` applies the three merges."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str, str], _Entry] = {}

    def add(self, finding: Finding, head: str, tail: str = "", parent: str = "", operation: str | None = None) -> None:
        key = (finding.id, head, tail, finding.message)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(finding, head, tail, parent)
        if operation is not None:
            entry.operations.add(operation)

    def merged(self) -> list[Merged]:
        # 2: properties of one object
        singles: list[tuple[_Entry, str]] = []
        objects: dict[tuple[str, str, str, str, tuple[str, ...]], list[_Entry]] = {}
        for e in self._entries.values():
            ops = tuple(sorted(e.operations))
            if e.finding.template and e.finding.name:
                objects.setdefault((e.finding.id, e.head, e.parent, e.finding.template, ops), []).append(e)
            else:
                singles.append((e, e.tail))
        rows: list[tuple[str, str, str, str, tuple[str, ...], Finding, tuple[str, ...]]] = []
        for e, tail in singles:
            rows.append((e.finding.id, e.head, tail, e.finding.message, tuple(sorted(e.operations)), e.finding, ()))
        for (cid, head, parent, template, ops), members in objects.items():
            names = tuple(sorted(e.finding.name for e in members))
            message = template.format(names_phrase(list(names), members[0].finding.noun))
            rows.append((cid, head, parent, message, ops, members[0].finding, names))
        # 3: the same change in several schemas or operations
        same: dict[tuple[str, str, str], list[tuple[str, tuple[str, ...], Finding, tuple[str, ...]]]] = {}
        for cid, head, tail, message, ops, finding, names in rows:
            same.setdefault((cid, tail, message), []).append((head, ops, finding, names))
        out = []
        for (cid, tail, message), places in same.items():
            places.sort(key=lambda place: place[0])
            heads = [place[0] for place in places]
            operations = tuple(sorted({op for place in places for op in place[1]}))
            first, names = places[0][2], places[0][3]
            template = first.template if names else ""
            out.append(
                Merged(
                    cid,
                    _locations(heads, tail),
                    message,
                    operations,
                    first.pointer,
                    first.old_pointer,
                    names,
                    template,
                    first.noun,
                )
            )
        return out
