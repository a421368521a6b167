"""Where a project keeps its inputs and outputs, and the normalize step ``update`` and ``check`` share.

Defaults are those of this repository and of the CI recipe (README): ``spec/pages``,
``spec/overlay.yaml``, ``spec/openapi.yaml``, ``spec/version`` and ``generated``, relative to the
working directory; every one can be given another path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostics
from generator.release.version import read_version, set_version


@dataclass(frozen=True)
class Project:
    """The paths of a project (``overlay`` and ``version_file`` may be absent)."""

    pages: Path = Path("spec/pages")
    overlay: Path | None = Path("spec/overlay.yaml")
    spec: Path = Path("spec/openapi.yaml")
    version_file: Path | None = Path("spec/version")
    output: Path = Path("generated")

    def normalize_command(self) -> str:
        """The ``recallgen normalize`` command line that writes this project's spec."""
        overlay = f" --overlay {self.overlay}" if self.overlay is not None else ""
        version = f" --version-file {self.version_file}" if self.version_file is not None else ""
        return f"recallgen normalize {self.pages}{overlay}{version} -o {self.spec}"

    def generate_command(self) -> str:
        """The ``recallgen generate`` command line that writes this project's package."""
        return f"recallgen generate {self.spec} -o {self.output}"


@dataclass
class Normalized:
    """A normalized spec: the document, its YAML text, and the newest ``converted_at`` of its pages."""

    document: dict[str, Any]
    text: str
    converted_at: str
    operations: int


def normalize_pages(pages: Path, project: Project, version: str, diags: Diagnostics) -> Normalized | None:
    """Normalize ``pages`` with the project's overlay and ``version``; None (errors in ``diags``)
    when that fails or the result is not valid OpenAPI."""
    from generator.normalize.pipeline import normalize
    from generator.spec.document import dump_yaml, validate_document
    from generator.spec.overlay import load_overlay

    overlay = None
    if project.overlay is not None:
        overlay = load_overlay(project.overlay, diags)
        if overlay is None:
            return None
    result = normalize([pages], overlay, diags)
    if diags.has_errors:
        return None
    set_version(result.document, version)
    if not validate_document(result.document, str(project.spec), diags):
        return None
    newest = max((op.page.converted_at for op in result.operations), default="")
    return Normalized(result.document, dump_yaml(result.document), newest, len(result.operations))


def current_version(project: Project, diags: Diagnostics) -> str | None:
    """The project's version (``spec/version``; 1.0.0 when there is none)."""
    return read_version(project.version_file, diags)
