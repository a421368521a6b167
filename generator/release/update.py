"""``recallgen update PAGES_DIR``: new reference pages in, the next version of the package out.

1. normalize the new pages with the project's overlay (at the current version);
2. diff against the committed spec (:mod:`generator.diff`);
3. bump the version by the diff (:mod:`generator.release.version`) and write it into ``info.version``;
4. render the package in a temporary folder (checked, imported);
5. replace, together or not at all (:class:`~generator.release.files.Transaction`): the pages folder
   (by the new pages), the spec, the version file, the package (only its generated files) and
   ``CHANGELOG.md`` in the package folder (a new section first).

``dry_run`` stops after step 3: the report and the version it would ship, nothing written. Without
changes nothing but the pages is replaced and the version stays.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from generator.client.output import plan_output
from generator.client.render import spec_sha256
from generator.diagnostics import Diagnostics
from generator.diff.changes import Change, diff_specs
from generator.release import changelog
from generator.release.files import Transaction, stage_folder
from generator.release.package import build_package
from generator.release.project import Project, current_version, normalize_pages
from generator.release.version import bump, bump_kind, set_version
from generator.spec.document import dump_yaml
from generator.spec.model import Spec, load_spec

CHANGELOG = "CHANGELOG.md"


@dataclass
class UpdateResult:
    """What an update found and did: the changes, the versions, and the paths it wrote."""

    changes: list[Change]
    old_version: str
    new_version: str
    bump: str
    converted_at: str
    written: list[str] = field(default_factory=list)


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def update(new_pages: Path, project: Project, diags: Diagnostics, dry_run: bool = False) -> UpdateResult | None:
    """Run the update; None (errors in ``diags``, nothing written) when a step fails."""
    if not new_pages.is_dir():
        diags.error(str(new_pages), 0, "no-input", "not a folder of reference pages")
        return None
    version = current_version(project, diags)
    if version is None:
        return None
    normalized = normalize_pages(new_pages, project, version, diags)
    if normalized is None:
        return None
    old_spec = load_spec(project.spec, diags) if project.spec.exists() else None
    if project.spec.exists() and old_spec is None:
        return None
    new_spec = Spec.from_document(normalized.document, str(project.spec))
    changes = diff_specs(old_spec, new_spec) if old_spec is not None else []
    kind = bump_kind(changes)
    next_version = bump(version, kind)
    result = UpdateResult(changes, version, next_version, kind, normalized.converted_at)
    if dry_run:
        return result
    set_version(normalized.document, next_version)
    text = dump_yaml(normalized.document)
    spec = Spec.from_document(normalized.document, str(project.spec))
    package = build_package(spec, diags)
    if package is None:
        return None
    plan, refusals = plan_output(project.output, package.without_manifest(), force=False)
    for message in refusals:
        diags.error(str(project.output), 0, "output-not-owned", message)
    if plan is None:
        return None
    log_path = project.output / CHANGELOG
    log = None
    if changes:
        existing = log_path.read_text(encoding="utf-8") if log_path.is_file() else None
        section = changelog.section(next_version, changes, spec_sha256(normalized.document), normalized.converted_at)
        log = changelog.prepend(existing, section)
    staged = None if _same_folder(new_pages, project.pages) else stage_folder(new_pages, project.pages)
    transaction = Transaction()
    try:
        if staged is not None:
            transaction.replace_folder(project.pages, staged)
            staged = None
            result.written.append(str(project.pages))
        transaction.write(project.spec, text)
        result.written.append(str(project.spec))
        if project.version_file is not None and (kind != "none" or not project.version_file.exists()):
            transaction.write(project.version_file, next_version + "\n")
            result.written.append(str(project.version_file))
        transaction.package(plan, package.without_manifest(), package.header)
        result.written.append(str(project.output))
        if log is not None:
            transaction.write(log_path, log)
            result.written.append(str(log_path))
    except BaseException as exc:
        transaction.rollback()
        if not isinstance(exc, OSError):
            raise
        diags.error(str(project.output), 0, "file-unwritable", f"cannot write ({exc}); nothing was changed")
        return None
    finally:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
    transaction.done()
    return result
