"""Reports of a spec diff: ``text``, ``markdown`` (a pull-request comment or changelog), ``json``,
``github`` (GitHub Actions workflow commands: one annotation per change) and ``junit`` (JUnit XML:
one test case per change, failed at or above the fail level).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from generator.diff.changes import Change, counts, fails, summary
from generator.diff.codes import Level


@dataclass(frozen=True)
class Context:
    """What a report says besides the changes: the two specs (paths, ``info.version``) and the fail level."""

    old_path: str
    new_path: str
    old_version: str = ""
    new_version: str = ""
    fail_on: Level = Level.BREAKING


def text(changes: list[Change], context: Context) -> str:
    """One line per change (``breaking[operation-removed] ...``), then the summary."""
    lines = [change.format() for change in changes]
    return "\n".join([*lines, summary(changes)]) + "\n"


_TITLES = {Level.BREAKING: "Breaking changes", Level.WARNING: "Warnings", Level.INFO: "Other changes"}


#: Most characters of a Markdown report: GitHub refuses comments over 65,536.
MAX_MARKDOWN = 60_000


def _operations(operations: tuple[str, ...], limit: int = 4) -> str:
    shown = ", ".join(f"`{op}`" for op in operations[:limit])
    more = f" and {len(operations) - limit} more" if len(operations) > limit else ""
    return shown + more


def _section(changes: list[Change], names: int = 12) -> list[str]:
    """Bullets grouped by location; a change reaching other operations than its group lists them."""
    lines: list[str] = []
    by_location: dict[str, list[Change]] = {}
    for change in changes:
        by_location.setdefault(change.location, []).append(change)
    for location, group in by_location.items():
        reach = tuple(sorted({op for c in group for op in c.operations}))
        own = all(op in location.replace(",", " ").split() for op in reach)
        lines.append(f"- `{location}`" + ("" if own else f" ({_operations(reach)})"))
        for change in group:
            extra = f" ({_operations(change.operations)})" if change.operations and change.operations != reach else ""
            lines.append(f"  - {change.short_message(names)}{extra} <sub>`{change.id}`</sub>")
    return lines


def markdown(changes: list[Change], context: Context) -> str:
    """A pull-request comment: counts, then breaking changes and warnings, the rest folded."""
    versions = (
        f" ({context.old_version} -> {context.new_version})" if context.old_version != context.new_version else ""
    )
    lines = [f"## API changes{versions}", ""]
    if not changes:
        return "\n".join([*lines, "No changes.", ""])
    n = counts(changes)
    lines += [
        f"**{n['breaking']} breaking**, {n['warning']} warning(s), {n['info']} other change(s) "
        f"from `{context.old_path}` to `{context.new_path}`.",
        "",
    ]
    for level in (Level.BREAKING, Level.WARNING, Level.INFO):
        group = [c for c in changes if c.level is level]
        if not group:
            continue
        if level is Level.INFO:
            folded = [f"<details><summary>{_TITLES[level]} ({len(group)})</summary>", "", *_section(group, 6)]
            if len("\n".join(lines + folded)) > MAX_MARKDOWN:
                folded = [*folded[:2], "Too many to show here: run `recallgen diff` with `--format text`."]
            lines += [*folded, "", "</details>", ""]
        else:
            lines += [f"### {_TITLES[level]} ({len(group)})", "", *_section(group), ""]
    text = "\n".join(lines)
    if len(text) > MAX_MARKDOWN:
        cut = text.rfind("\n", 0, MAX_MARKDOWN)
        text = text[:cut] + "\n\n... (cut: the report exceeds a pull-request comment; see `--format text`)\n"
    return text


def to_json(changes: list[Change], context: Context) -> str:
    """All changes, the counts and the verdict for the fail level as one JSON document."""
    document = {
        "old": {"path": context.old_path, "version": context.old_version},
        "new": {"path": context.new_path, "version": context.new_version},
        "changes": [c.to_dict() for c in changes],
        "summary": {**counts(changes), "total": len(changes)},
        "fail_on": context.fail_on.value,
        "failed": fails(changes, context.fail_on),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


_COMMANDS = {Level.BREAKING: "error", Level.WARNING: "warning", Level.INFO: "notice"}


def github(changes: list[Change], context: Context, line_of: Callable[[str], int] = lambda pointer: 0) -> str:
    """GitHub Actions workflow commands: ``::error file=...,line=N,title=...::message`` per change
    (breaking: error, warning: warning, info: notice), at the line of the new spec when known."""
    lines = []
    for change in changes:
        props = [f"file={_escape_property(context.new_path)}"]
        line = line_of(change.pointer) if change.pointer else 0
        if line:
            props.append(f"line={line}")
        props.append(f"title={_escape_property(f'{change.level.value}: {change.id}')}")
        message = f"{change.location}: {change.message}{change.reach()}"
        lines.append(f"::{_COMMANDS[change.level]} {','.join(props)}::{_escape_data(message)}")
    lines.append(f"::notice title=recallgen diff::{_escape_data(summary(changes))}")
    return "\n".join(lines) + "\n"


def junit(changes: list[Change], context: Context) -> str:
    """JUnit XML: one test case per change, failed when at or above the fail level."""
    failed = [c for c in changes if c.level.rank >= context.fail_on.rank]
    import xml.etree.ElementTree as ET  # only this format uses it

    suites = ET.Element("testsuites", name="recallgen diff", tests=str(max(len(changes), 1)), failures=str(len(failed)))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"recallgen diff {context.old_path} -> {context.new_path}",
        tests=str(max(len(changes), 1)),
        failures=str(len(failed)),
        errors="0",
        skipped="0",
    )
    ET.SubElement(suite, "properties").extend(
        [ET.Element("property", name="fail_on", value=context.fail_on.value)]
        + [ET.Element("property", name=k, value=str(v)) for k, v in counts(changes).items()]
    )
    if not changes:
        ET.SubElement(suite, "testcase", classname="recallgen.diff", name="no changes")
    for change in changes:
        case = ET.SubElement(
            suite, "testcase", classname=f"recallgen.diff.{change.level.value}", name=f"{change.id}: {change.location}"
        )
        body = f"{change.location}: {change.message}{change.reach(limit=1000)}"
        if change.level.rank >= context.fail_on.rank:
            failure = ET.SubElement(case, "failure", message=change.message, type=change.id)
            failure.text = body
        else:
            ET.SubElement(case, "system-out").text = body
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


#: Report formats by name (``--format``).
FORMATS: dict[str, Callable[[list[Change], Context], str]] = {
    "text": text,
    "markdown": markdown,
    "json": to_json,
    "github": github,
    "junit": junit,
}
