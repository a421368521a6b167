"""Apply an OpenAPI Overlay 1.0 document (https://spec.openapis.org/overlay/v1.0.0).

An overlay is ``{overlay: 1.0.0, info, actions: [{target, update | remove, description}]}``.
``target`` is a JSONPath (RFC 9535, evaluated with python-jsonpath). ``update`` is merged into
every matched node: objects recursively, arrays appended (items already present are skipped),
scalars replaced; a ``$ref`` never overwrites an object the document already has there.
``remove: true`` deletes every matched node. Actions run in order. An ``update`` that does not fit
its target (a scalar matched, or a non-object update for an object) is an ``overlay-invalid``
error and is not applied. The file is read with the toolkit's safe loader.

The overlay may also carry toolkit facts as extensions on its root (Overlay 1.0, section 4.3):
``x-recallgen-families`` maps a family name to the property names that mark its members. An
action may carry ``x-recallgen-fallback-for: <page slug>`` (``authentication``, ``errors``,
``idempotency``): it states what that prose page states, for runs that do not read the page;
when the page is an input its facts come from the page and the action is skipped. An action
with ``x-recallgen-correction: <what>`` corrects a shape the pages state wrongly: each node it
changes is reported as a ``shape-corrected`` note citing the action's ``description``; when no
input page has the node, it is a note, not a warning.
"""

from __future__ import annotations

import copy
import marshal
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonpath

from generator.diagnostics import Diagnostics
from generator.spec.document import read_document
from generator.spec.overlay_filters import compile_target


@dataclass
class Overlay:
    """A parsed overlay: its actions and the toolkit extensions on its root."""

    path: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)

    @property
    def families(self) -> dict[str, list[str]]:
        """``x-recallgen-families``: family name -> marker property names."""
        raw = self.extensions.get("x-recallgen-families") or {}
        return {str(k): [str(v) for v in vals] for k, vals in raw.items() if isinstance(vals, list)}


def load_overlay(path: Path, diags: Diagnostics) -> Overlay | None:
    """Read and check an overlay file; None (with an ``overlay-invalid`` error) when unusable."""
    name = str(path)
    found = read_document(path, diags, code="overlay-invalid", what="overlay")  # the toolkit's safe loader
    if found is None:
        return None
    data, text = found
    if not isinstance(data, dict) or not str(data.get("overlay", "")).startswith("1."):
        diags.error(name, 1, "overlay-invalid", "not an Overlay 1.x document (missing `overlay: 1.0.0`)")
        return None
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions:
        diags.error(name, 1, "overlay-invalid", "`actions` must be a non-empty list")
        return None
    lines = _action_lines(text)
    good: list[dict[str, Any]] = []
    for index, action in enumerate(actions):
        line = lines[index] if index < len(lines) else 0
        if not isinstance(action, dict) or not isinstance(action.get("target"), str):
            diags.error(name, line, "overlay-invalid", f"action {index} has no string `target`")
            continue
        if ("update" in action) == bool(action.get("remove")):
            diags.error(
                name, line, "overlay-invalid", f"action {index} needs exactly one of `update` or `remove: true`"
            )
            continue
        try:
            jsonpath.compile(action["target"])
        except jsonpath.JSONPathError as exc:
            diags.error(name, line, "overlay-invalid", f"action {index}: bad JSONPath {action['target']!r}: {exc}")
            continue
        good.append(action)
    extensions = {k: v for k, v in data.items() if isinstance(k, str) and k.startswith("x-")}
    return Overlay(name, good, extensions, lines)


def _action_lines(text: str) -> list[int]:
    """1-based line of each ``- target:`` item under ``actions:`` (for diagnostics)."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("- target:") or stripped == "-":
            out.append(number)
    return out


def apply_overlay(
    document: dict[str, Any],
    overlay: Overlay,
    diags: Diagnostics,
    stated: Mapping[str, str] | None = None,
    *,
    in_place: bool = False,
) -> dict[str, Any]:
    """Return a new document with every action applied; unmatched targets are warnings.

    ``stated`` maps the slugs of the prose pages read as inputs to their paths: an action marked
    ``x-recallgen-fallback-for`` one of them is skipped (an ``overlay-superseded`` note).
    ``in_place``: the actions change ``document`` itself, which is returned (no copy: for a caller
    that made the document and has no other use for it).
    """
    doc = document if in_place else _copy(document)
    stated = stated or {}
    for index, action in enumerate(overlay.actions):
        line = overlay.lines[index] if index < len(overlay.lines) else 0
        fallback = action.get("x-recallgen-fallback-for")
        if isinstance(fallback, str) and fallback in stated:
            diags.info(
                overlay.path,
                line,
                "overlay-superseded",
                f"action on {action['target']!r} states what {stated[fallback]} states: the page is used",
            )
            continue
        matches = list(compile_target(action["target"]).finditer(doc))
        correction = action.get("x-recallgen-correction")
        if not matches:
            if isinstance(correction, str):  # the page it corrects is not an input
                diags.info(overlay.path, line, "overlay-no-match", f"correction not applied ({correction}): no target")
            else:
                diags.warning(overlay.path, line, "overlay-no-match", f"target {action['target']!r} matches nothing")
            continue
        if isinstance(correction, str):
            source = str(action.get("description", "")).strip()
            for match in matches:
                diags.info(overlay.path, line, "shape-corrected", f"{match.path}: {correction} ({source})")
        if action.get("remove"):
            for match in sorted(matches, key=lambda m: str(m.parts), reverse=True):
                parent = match.parent.obj if match.parent is not None else None
                key = match.parts[-1] if match.parts else None
                if isinstance(parent, dict) and key in parent:
                    del parent[key]
                elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
                    del parent[key]
            continue
        for match in matches:
            misfit = _misfit(match.obj, action["update"])
            if misfit:
                target = action["target"]
                diags.error(overlay.path, line, "overlay-invalid", f"action {index}: target {target!r} {misfit}")
                continue
            merge_update(match.obj, action["update"])
    return doc


def _copy(document: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``document``: by ``marshal`` for JSON-compatible data (at C speed, 4x
    ``copy.deepcopy``; objects shared within the document stay shared, as deepcopy keeps them),
    ``copy.deepcopy`` for anything else."""
    try:
        copied: dict[str, Any] = marshal.loads(marshal.dumps(document))
    except ValueError:  # an object marshal cannot write
        return copy.deepcopy(document)
    return copied


def _misfit(target: Any, update: Any) -> str:
    """Why ``update`` cannot be merged into ``target`` (Overlay 1.0 section 4.4.3: an object is
    merged into an object, values are appended to an array), or ``""`` when it can."""
    if isinstance(target, dict):
        return (
            "" if isinstance(update, dict) else f"matches an object; the update must be an object, not {_kind(update)}"
        )
    if isinstance(target, list):
        return ""
    return f"matches a {_kind(target)}; an update can only go into an object or an array"


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(type(value), type(value).__name__)


def merge_update(target: Any, update: Any) -> None:
    """Merge ``update`` into ``target`` in place (objects recursive, arrays appended)."""
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            if isinstance(value, dict) and "$ref" in value and isinstance(target.get(key), dict) and target[key]:
                continue  # a page's own, more specific object beats an API-wide reference
            if key in target and isinstance(target[key], (dict, list)) and isinstance(value, type(target[key])):
                merge_update(target[key], value)
            else:
                target[key] = copy.deepcopy(value)
    elif isinstance(target, list):
        values = update if isinstance(update, list) else [update]
        for value in values:
            if value not in target:
                target.append(copy.deepcopy(value))
