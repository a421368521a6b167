"""The output directory of ``recallgen generate``: replace only what a previous run wrote.

A run writes :data:`MANIFEST` into the directory: its header, then the relative POSIX path of every
file it wrote, sorted. The next run replaces and removes only the files listed there; every other
file (notes, ``build/``, a virtualenv, ``__pycache__``) is kept. A directory without a manifest is
used only when it is empty or with ``force`` (files of the same names are then overwritten, nothing
else is touched); a generated path taken by a file the manifest does not list is refused the same
way. Nothing is written through a symbolic link or outside the directory, and a manifest that
lists such a path is refused.

:func:`plan_output` checks all of this before anything is written; :func:`commit` then writes. Each
file is replaced atomically (temporary file in its folder, then a rename); the manifest lists the
old and new files while they are swapped, so an interrupted run leaves no file unowned.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.spec.document import write_atomic

#: The manifest file written into the output directory.
MANIFEST = ".recallgen-manifest"
#: Paths of the output named in one refusal message, at most.
_SHOWN = 5


@dataclass(frozen=True)
class OutputPlan:
    """Where to write: ``root`` (absolute) and the files a previous run wrote there (``owned``)."""

    root: Path
    owned: frozenset[str]


def _safe_relative(entry: str) -> bool:
    path = PurePosixPath(entry)
    return (
        bool(entry)
        and "\\" not in entry
        and "\x00" not in entry
        and not path.is_absolute()
        and all(part not in ("", ".", "..") for part in entry.split("/"))
    )


def _through_link(root: Path, relative: str) -> bool:
    """True when a folder between ``root`` and ``relative`` is a symbolic link or not a folder."""
    current = root
    for part in PurePosixPath(relative).parts[:-1]:
        current = current / part
        if current.is_symlink() or (current.exists() and not current.is_dir()):
            return True
    return False


def read_manifest(root: Path) -> frozenset[str] | None:
    """The files listed in ``root``'s manifest; None when there is none. Raises ValueError for a
    manifest that is not a plain file or lists a path outside ``root``."""
    manifest = root / MANIFEST
    if not manifest.exists() and not manifest.is_symlink():
        return None
    if manifest.is_symlink() or not manifest.is_file():
        raise ValueError(f"{MANIFEST} is not a plain file")
    entries = set()
    for line in manifest.read_text(encoding="utf-8").splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if not _safe_relative(entry) or entry == MANIFEST:
            raise ValueError(f"{MANIFEST} lists {entry!r}, which is not a path inside the directory")
        entries.add(entry)
    return frozenset(entries)


def plan_output(output: Path, files: Iterable[str], force: bool) -> tuple[OutputPlan | None, list[str]]:
    """Check that ``files`` (relative POSIX paths) can be written into ``output``: the plan, or
    None and the reasons (one message each). Reads the directory; writes nothing."""
    root = Path(os.path.abspath(output))
    problems: list[str] = []
    if root.exists() and not root.is_dir():
        return None, [f"{output} exists and is not a directory"]
    owned: frozenset[str] = frozenset()
    if root.is_dir():
        try:
            listed = read_manifest(root)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            return None, [f"{output}: {exc}"]
        if listed is None:
            others = sorted(entry.name for entry in os.scandir(root))
            if others and not force:
                shown = ", ".join(others[:_SHOWN]) + (", ..." if len(others) > _SHOWN else "")
                problems.append(
                    f"{output} is not empty ({shown}) and has no {MANIFEST} of a previous generate: nothing is"
                    " written (--force writes the package into it; other files are always kept)"
                )
        else:
            owned = listed
    taken = []
    for relative in sorted(files):
        target = root / relative
        if _through_link(root, relative):
            problems.append(f"{relative}: a folder on the way is a symbolic link or a file; nothing is written")
        elif target.is_dir() and not target.is_symlink():
            problems.append(f"{relative} is a directory; nothing is written")
        elif relative not in owned and (target.exists() or target.is_symlink()) and not force:
            taken.append(relative)
    if taken and not problems:
        shown = ", ".join(taken[:_SHOWN]) + (", ..." if len(taken) > _SHOWN else "")
        problems.append(f"{output} holds {shown}, which generate did not write: nothing is written (--force)")
    return (None, problems) if problems else (OutputPlan(root, owned), [])


def manifest_text(header: str, files: Iterable[str]) -> str:
    """The manifest: ``header`` (comment lines), a note, then the sorted paths."""
    note = "# Files written by `recallgen generate`: a new run replaces or removes these only.\n"
    return header + note + "".join(f"{path}\n" for path in sorted(set(files)))


def commit(plan: OutputPlan, files: Mapping[str, bytes], header: str) -> None:
    """Write ``files`` (relative path -> content) into ``plan.root`` and remove the files the old
    manifest listed that are not among them (and folders they leave empty). Raises OSError."""
    root = plan.root
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / MANIFEST
    write_atomic(manifest, manifest_text(header, set(plan.owned) | set(files)))
    for relative in sorted(files):
        write_atomic(root / relative, files[relative].decode("utf-8"))
    for relative in sorted(plan.owned - set(files), reverse=True):
        target = root / relative
        if _through_link(root, relative) or target.is_dir():
            continue
        if target.exists() or target.is_symlink():
            target.unlink()
        _prune(root, target.parent)
    write_atomic(manifest, manifest_text(header, files))


def _prune(root: Path, folder: Path) -> None:
    """Remove ``folder`` and its parents below ``root`` while they are empty."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
