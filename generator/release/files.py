"""Several files and folders replaced together, or none: ``recallgen update`` writes the pages,
the spec, the version, the package and the changelog in one :class:`Transaction`.

Everything is prepared first (new pages copied to a sibling folder, the package built and checked in
a temporary folder); then each path is replaced (files atomically, folders by renames) and its old
content kept, so that a failure part way restores every path already replaced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from generator.client.output import MANIFEST, OutputPlan, commit, read_manifest
from generator.spec.document import write_atomic


def _restore_file(path: Path, content: bytes | None) -> None:
    if content is None:
        if path.exists() or path.is_symlink():
            path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(tmp, path)


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() and not path.is_symlink() else None


class Transaction:
    """Replacements with undo: :meth:`rollback` restores what was replaced, :meth:`done` drops backups."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []
        self._cleanup: list[Callable[[], None]] = []

    def write(self, path: Path, text: str) -> None:
        """Replace the file ``path`` with ``text`` (atomically)."""
        old = _read(path)
        self._undo.append(lambda: _restore_file(path, old))
        write_atomic(path, text)

    def replace_folder(self, target: Path, staged: Path) -> None:
        """Put the folder ``staged`` (a sibling of ``target``) in place of ``target``."""
        backup = target.with_name(f".{target.name}.old-{os.getpid()}")
        if target.exists():
            os.replace(target, backup)

            def undo() -> None:
                if target.exists():
                    shutil.rmtree(target)
                os.replace(backup, target)

            self._undo.append(undo)
            self._cleanup.append(lambda: shutil.rmtree(backup, ignore_errors=True))
        else:
            self._undo.append(lambda: shutil.rmtree(target, ignore_errors=True))
        os.replace(staged, target)

    def package(self, plan: OutputPlan, files: Mapping[str, bytes], header: str) -> None:
        """Write a generated package (:func:`generator.client.output.commit`), keeping what it replaces."""
        root = plan.root
        listed = read_manifest(root) if root.is_dir() else None
        touched = {MANIFEST, *files, *(listed or ())}
        old = {name: _read(root / name) for name in touched}

        def undo() -> None:
            for name, content in old.items():
                _restore_file(root / name, content)

        self._undo.append(undo)
        commit(plan, files, header)

    def rollback(self) -> None:
        """Undo every replacement, newest first."""
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def done(self) -> None:
        """Keep the replacements; remove the backups."""
        for cleanup in self._cleanup:
            cleanup()
        self._undo.clear()


def stage_folder(source: Path, target: Path) -> Path:
    """A copy of the folder ``source`` beside ``target`` (to be put in its place); the caller removes
    it if it is not used."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    shutil.copytree(source, staged, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    return staged
