"""Build the client package of a spec in a temporary folder, and compare or install it.

The package is rendered by :func:`generator.client.render.render_package` (templates,
datamodel-code-generator, ruff, the import check) into a temporary folder; only the files its
manifest lists are the package (``build/``, ``*.egg-info``, ``__pycache__`` or a ``CHANGELOG.md`` in
the output folder are not).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.client.output import MANIFEST, read_manifest
from generator.diagnostics import Diagnostics
from generator.spec.model import Spec

_NOTE = "# Files written by"


@dataclass
class Package:
    """The files of a generated package (relative path -> content, the manifest included) and the
    header its manifest starts with."""

    files: dict[str, bytes]
    header: str

    def without_manifest(self) -> dict[str, bytes]:
        return {name: content for name, content in self.files.items() if name != MANIFEST}


def build_package(spec: Spec, diags: Diagnostics) -> Package | None:
    """Render ``spec``'s package in a temporary folder; None (errors in ``diags``) when it fails."""
    from generator.client.render import render_package

    own = Diagnostics()  # render_package stops at any error, also one found before it ran
    with tempfile.TemporaryDirectory(prefix="recallgen-package-") as tmp:
        out = Path(tmp) / "package"
        done = render_package(spec, out, own)
        diags.items.extend(own.items)
        if not done:
            return None
        listed = read_manifest(out) or frozenset()
        files = {name: (out / name).read_bytes() for name in sorted(listed)}
        manifest = (out / MANIFEST).read_text(encoding="utf-8")
        files[MANIFEST] = manifest.encode("utf-8")
        header = "".join(
            line + "\n" for line in manifest.splitlines() if line.startswith("#") and not line.startswith(_NOTE)
        )
        return Package(files, header)


def stale_files(package: Package, output: Path) -> dict[str, str]:
    """Path -> ``differs``, ``missing`` or ``no longer generated`` for each file of ``output`` that
    is not what ``package`` holds; only generated files count (those listed in either manifest)."""
    try:
        listed = read_manifest(output) if output.is_dir() else None
    except (OSError, UnicodeDecodeError, ValueError):
        listed = None
    found: dict[str, str] = {}
    for name, content in sorted(package.files.items()):
        target = output / name
        if not target.is_file():
            found[name] = "missing"
        elif target.read_bytes() != content:
            found[name] = "differs"
    for name in sorted((listed or frozenset()) - set(package.files)):
        if (output / name).exists():
            found[name] = "no longer generated"
    return found
