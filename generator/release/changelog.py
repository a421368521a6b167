"""``generated/CHANGELOG.md``: one section per version, newest first (Keep a Changelog 1.1.0).

A section is ``## [2.0.0] - 2025-06-10``: the version ``recallgen update`` ships and the newest
``converted_at`` date of the pages it was made from (no clock is read: the same pages give the same
file), then the spec's hash and the counts, then the changes by kind (Added, Changed, Deprecated,
Removed), breaking ones marked.
"""

from __future__ import annotations

from generator.diff.changes import Change, counts
from generator.diff.codes import Kind

TITLE = "# Changelog"
PREAMBLE = (
    f"{TITLE}\n\n"
    "All notable changes to the generated client package. Sections are written by `recallgen update`\n"
    "([Keep a Changelog](https://keepachangelog.com/en/1.1.0/), [Semantic Versioning](https://semver.org/)):\n"
    "the date is the newest `converted_at` of the reference pages the version was made from.\n"
)
_SECTIONS = (
    (Kind.ADDED, "Added"),
    (Kind.CHANGED, "Changed"),
    (Kind.DEPRECATED, "Deprecated"),
    (Kind.REMOVED, "Removed"),
)


def section(version: str, changes: list[Change], spec_sha256: str, converted_at: str) -> str:
    """The Markdown section of one version."""
    date = converted_at[:10]
    lines = [f"## [{version}]" + (f" - {date}" if date else ""), ""]
    n = counts(changes)
    source = f"pages converted up to {converted_at}; " if converted_at else ""
    lines += [
        f"Spec sha256:{spec_sha256[:12]} ({source}{n['breaking']} breaking, {n['warning']} warning(s), "
        f"{n['info']} other change(s)).",
        "",
    ]
    for kind, title in _SECTIONS:
        group = [c for c in changes if c.kind is kind]
        if not group:
            continue
        lines += [f"### {title}", ""]
        for change in group:
            mark = f"**{change.level.value}** " if change.level.rank else ""
            lines.append(f"- {mark}`{change.location}`: {change.message} (`{change.id}`)")
        lines.append("")
    return "\n".join(lines)


def prepend(existing: str | None, new_section: str) -> str:
    """The changelog with ``new_section`` first (after the title and preamble)."""
    if not existing or not existing.startswith(TITLE):
        body = existing or ""
        return PREAMBLE + "\n" + new_section + ("\n" + body if body.strip() else "")
    head, sep, rest = existing.partition("\n## ")
    if not sep:
        return existing.rstrip("\n") + "\n\n" + new_section
    return head.rstrip("\n") + "\n\n" + new_section + "\n## " + rest
