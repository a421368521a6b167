"""The generated package's version: where it lives and how a diff moves it (semantic versioning).

The current version is the one line of ``spec/version`` (``1.4.0``); the normalizer writes it into
``info.version`` (``recallgen normalize --version-file``), and the generated package takes its
version from there. ``recallgen update`` bumps it from the diff against the committed spec: major
for a breaking change, minor for an addition (a change of kind ``added``: operation, parameter,
property, enum value, component...), patch for anything else, nothing without changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostics
from generator.diff.changes import Change
from generator.diff.codes import Kind

#: Version file of a project, relative to its root.
VERSION_FILE = Path("spec/version")
#: The version a project without a version file starts from (the normalizer's ``info.version``).
INITIAL = "1.0.0"
_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


def parse(text: str) -> tuple[int, int, int] | None:
    """``(major, minor, patch)`` of ``MAJOR.MINOR.PATCH``, or None."""
    found = _SEMVER.fullmatch(text.strip())
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def read_version(path: Path | None, diags: Diagnostics) -> str | None:
    """The version in ``path`` (:data:`INITIAL` when ``path`` is None or absent); None, with a
    ``version-invalid`` error, when the file is not one ``MAJOR.MINOR.PATCH`` line."""
    if path is None or not path.exists():
        return INITIAL
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        diags.error(str(path), 0, "version-invalid", f"cannot read the version file: {exc}")
        return None
    if parse(text) is None:
        diags.error(str(path), 1, "version-invalid", f"{text.strip()[:40]!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0)")
        return None
    return text.strip()


def set_version(document: Mapping[str, Any], version: str) -> None:
    """Write ``version`` into the normalized document's ``info.version``."""
    info = document.get("info")
    if isinstance(info, dict):
        info["version"] = version


def bump_kind(changes: Iterable[Change]) -> str:
    """``major``, ``minor``, ``patch`` or ``none`` for a list of changes."""
    changes = list(changes)
    if not changes:
        return "none"
    if any(c.breaking for c in changes):
        return "major"
    if any(c.kind is Kind.ADDED for c in changes):
        return "minor"
    return "patch"


def bump(version: str, kind: str) -> str:
    """``version`` moved by ``kind`` (``1.4.2`` + ``minor`` -> ``1.5.0``)."""
    parts = parse(version)
    if parts is None:
        raise ValueError(f"not MAJOR.MINOR.PATCH: {version!r}")
    major, minor, patch = parts
    if kind == "major":
        return f"{major + 1}.0.0"
    if kind == "minor":
        return f"{major}.{minor + 1}.0"
    if kind == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return version
