"""``recallgen check``: do the committed spec and package follow the pages?

Pages + overlay + version -> spec, compared with the committed spec byte for byte; that spec ->
package (in a temporary folder), compared with the committed package file by file, where only the
generated files count (those its ``.recallgen-manifest`` lists): ``build/``, ``*.egg-info`` and
``__pycache__`` left by ``pip install ./generated``, or a ``CHANGELOG.md``, are not drift. Each
stale output is one ``check-stale`` error naming the files and the command that regenerates it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from generator.diagnostics import Diagnostics
from generator.release.package import build_package, stale_files
from generator.release.project import Project, current_version, normalize_pages
from generator.spec.model import Spec

#: Lines of the spec's unified diff shown when it is stale.
SHOWN_LINES = 20


@dataclass
class CheckResult:
    """What is stale: the spec (with the first lines of its diff) and the package's files."""

    spec_stale: bool = False
    spec_diff: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def fresh(self) -> bool:
        return not self.spec_stale and not self.files


def check(project: Project, diags: Diagnostics) -> CheckResult | None:
    """Compare what the pages give with what is committed; None when the pages cannot be normalized."""
    version = current_version(project, diags)
    if version is None:
        return None
    normalized = normalize_pages(project.pages, project, version, diags)
    if normalized is None:
        return None
    result = CheckResult()
    try:
        committed = project.spec.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        committed = ""
    if committed != normalized.text:
        result.spec_stale = True
        lines = difflib.unified_diff(
            committed.splitlines(), normalized.text.splitlines(), str(project.spec), "pages", lineterm="", n=1
        )
        result.spec_diff = [line for _, line in zip(range(SHOWN_LINES), lines, strict=False)]
        message = f"does not follow {project.pages}: regenerate it with `{project.normalize_command()}`"
        diags.error(str(project.spec), 0, "check-stale", message)
    package = build_package(Spec.from_document(normalized.document, str(project.spec)), diags)
    if package is None:
        return None
    result.files = stale_files(package, project.output)
    if result.files:
        shown = ", ".join(f"{name} ({why})" for name, why in list(result.files.items())[:8])
        more = f" and {len(result.files) - 8} more" if len(result.files) > 8 else ""
        after = ", once the spec is regenerated" if result.spec_stale else ""
        message = f"{len(result.files)} generated file(s) are stale: {shown}{more}; regenerate with "
        message += f"`{project.generate_command()}`{after}"
        diags.error(str(project.output), 0, "check-stale", message)
    return result
