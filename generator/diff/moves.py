"""Moved properties: removed at one place and added at another of the same body, one change.

Within one comparison root (a request body, a response body), a removed property is paired with a
property of the same name and type added elsewhere: one added itself (``status.code`` where
``status`` was already there), else one inside a property that was added (``attendees[].name``
where ``attendees`` is new; that addition is still reported). Among those at most two object levels
up or down, the best candidate is one whose schema is the same, then the shallowest; a tie is
ambiguous and leaves the removal and the addition as they are. A pair becomes one ``*-property-moved`` change,
plus whatever differs between the two schemas (``enum dropped``...) and a change of required-ness,
reported at the new place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from generator.diff.schemas import Finding, Place, SchemaComparer, names_phrase, render_path

#: Most object levels a property moves up or down (``code`` -> ``status.code`` is one; deeper
#: matches of a common name, ``to`` -> ``recording_config.transcript.provider...custom_spelling[].to``,
#: are coincidences).
MAX_LEVELS = 2


@dataclass(frozen=True)
class _Candidate:
    finding: Finding
    direct: bool
    same: bool

    @property
    def rank(self) -> tuple[bool, int]:
        return (not self.same, len(self.finding.path))


def find_moves(findings: list[Finding], side: str, comparer: SchemaComparer) -> list[Finding]:
    """``findings`` of one root with each moved property's removal and addition replaced by one change."""
    removed = [f for f in findings if f.removed_property]
    added = [f for f in findings if f.new_property]
    if not removed or not added:
        return findings
    direct: dict[str, list[Finding]] = defaultdict(list)
    for addition in added:
        direct[addition.name].append(addition)
    nested: dict[str, list[Finding]] | None = None

    def candidates(removal: Finding, pool: Iterable[Finding], is_direct: bool) -> list[_Candidate]:
        found = [
            a
            for a in pool
            if a.path != removal.path
            and id(a) not in consumed
            and abs(_levels(a.path) - _levels(removal.path)) <= MAX_LEVELS
            and _same_type(comparer, removal, a)
        ]
        if len(found) == 1:  # nothing to rank: whether the schemas are the same does not matter
            return [_Candidate(found[0], is_direct, True)]
        ranked = [_Candidate(a, is_direct, comparer.equivalent(removal.node, a.node, side)) for a in found]
        return sorted(ranked, key=lambda c: c.rank)

    consumed: set[int] = set()
    out: list[Finding] = []
    for removal in sorted(removed, key=lambda f: f.path):
        found = candidates(removal, direct.get(removal.name, ()), True)
        if not found:
            if nested is None:
                nested = defaultdict(list)
                wanted = {f.name for f in removed}  # the only names looked up
                for addition in added:
                    place = Place(addition.path, addition.anchor, addition.apath, addition.pointer)
                    for inner in comparer.descendants(addition.node, place, names=wanted):
                        nested[inner.name].append(inner)
            found = candidates(removal, nested.get(removal.name, ()), False)
        if not found or (len(found) > 1 and found[0].rank == found[1].rank):
            continue  # none, or ambiguous: left as removed and added
        target = found[0].finding
        consumed.add(id(removal))
        if found[0].direct:
            consumed.add(id(target))
        out += _moved(removal, target, side, comparer)
    return [f for f in findings if id(f) not in consumed] + out


def _levels(path: tuple[str, ...]) -> int:
    """Object levels of a path (array items and variants are not levels of their own)."""
    return sum(1 for step in path if step != "[]" and not step.startswith("|") and step != "*")


def _same_type(comparer: SchemaComparer, removal: Finding, addition: Finding) -> bool:
    before = comparer.shape(comparer.old, removal.node)
    after = comparer.shape(comparer.new, addition.node)
    return before.types == after.types


def _moved(removal: Finding, target: Finding, side: str, comparer: SchemaComparer) -> list[Finding]:
    """The move itself, at the removal's place, and the differences seen at the new place."""
    root = removal.path[: len(removal.path) - len(removal.apath)]  # where the removal's anchor sits
    parent = target.path[:-1]
    shown = render_path(parent[len(root) :] if parent[: len(root)] == root else parent)
    template = f"{{}} moved into `{shown}`" if shown else "{} moved to the top level"
    out = [
        Finding(
            f"{side}-property-moved",
            template.format(names_phrase([removal.name])),
            removal.path,
            removal.anchor,
            removal.apath,
            target.pointer,
            removal.old_pointer,
            name=removal.name,
            template=template,
        )
    ]
    place = Place(target.path, target.anchor, target.apath, target.pointer, removal.old_pointer)
    out += comparer.compare(removal.node, target.node, side, place)
    if removal.required != target.required:
        verb = "added" if target.required else "removed"
        template = "{} became " + ("required" if target.required else "optional") + " (moved)"
        out.append(
            Finding(
                f"{side}-property-required-{verb}",
                template.format(names_phrase([target.name])),
                target.path,
                target.anchor,
                target.apath,
                target.pointer,
                name=target.name,
                template=template,
            )
        )
    return out
