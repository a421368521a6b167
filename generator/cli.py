"""The ``recallgen`` command line (typer).

Exit codes (the CLI contract other checks depend on): 0 success (warnings allowed), 1 errors
in the input or output (``--strict``: warnings too), 2 usage errors (``diff``: also an input it
cannot read). Diagnostics are printed ``path:line: severity[code]: message`` to stderr, with a
summary count at the end. Every input is checked and answered with diagnostics: a failure the
commands did not foresee is printed as one ``internal-error`` diagnostic (exit 1), never as a
traceback (``RECALLGEN_TRACEBACK=1`` re-raises it for debugging).
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from generator import __version__
from generator.diagnostics import Diagnostics, Severity

if TYPE_CHECKING:
    from generator.release.project import Project

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # a rich traceback of a deep document takes ~40 s to print
    help="Reference pages -> normalized OpenAPI 3.1 -> typed Python client -> conformance suite.",
)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    """How diagnostics are printed."""

    text = "text"
    json = "json"


def _report(diags: Diagnostics, fmt: OutputFormat = OutputFormat.text, quiet_notes: bool = False) -> None:
    if fmt is OutputFormat.json:
        sys.stdout.write(diags.to_json() + "\n")
        return
    for diag in diags.sorted():
        if quiet_notes and diag.severity is Severity.INFO:
            continue
        _err.print(diag.format(), markup=False)
    _err.print(diags.summary(), markup=False)


def _exit_code(diags: Diagnostics, strict: bool) -> int:
    if diags.has_errors:
        return 1
    if strict and diags.count(Severity.WARNING):
        return 1
    return 0


@app.command()
def normalize(
    inputs: Annotated[list[Path], typer.Argument(help="Page files or directories of pages.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the OpenAPI YAML.")],
    overlay: Annotated[Path | None, typer.Option("--overlay", help="OpenAPI Overlay 1.0 file to apply.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print notes, not only warnings and errors.")
    ] = False,
    validate: Annotated[
        bool, typer.Option("--validate/--no-validate", help="Check the result with openapi-spec-validator.")
    ] = True,
    version_file: Annotated[
        Path | None, typer.Option("--version-file", help="The package version (one MAJOR.MINOR.PATCH line).")
    ] = None,
) -> None:
    """Normalize reference pages into one OpenAPI 3.1 document (``info.version`` from ``--version-file``)."""
    from generator.normalize.pipeline import normalize as run
    from generator.release.version import read_version, set_version
    from generator.spec.document import dump_yaml, validate_document, write_atomic
    from generator.spec.overlay import load_overlay

    diags = Diagnostics()
    loaded = load_overlay(overlay, diags) if overlay is not None else None
    package_version = read_version(version_file, diags)
    if (overlay is not None and loaded is None) or package_version is None:
        _report(diags)
        raise typer.Exit(1)
    with _err.status("normalizing pages..."):
        result = run(inputs, loaded, diags)
        if version_file is not None:
            set_version(result.document, package_version)
        valid = validate_document(result.document, str(output), diags) if validate else True
    if valid and _exit_code(diags, strict) == 0:  # a run that fails (--strict: on warnings) writes nothing
        try:
            write_atomic(output, dump_yaml(result.document))
        except OSError as exc:
            diags.error(str(output), 0, "file-unwritable", f"cannot write: {exc}")
        else:
            _err.print(f"wrote {output} ({len(result.operations)} operations)", markup=False)
    _report(diags, quiet_notes=not verbose)
    raise typer.Exit(_exit_code(diags, strict))


@app.command()
def lint(
    inputs: Annotated[list[Path], typer.Argument(help="Page files or directories of pages.")],
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
    overlay: Annotated[Path | None, typer.Option("--overlay", help="OpenAPI Overlay 1.0 file to apply.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print notes, not only warnings and errors (text format).")
    ] = False,
) -> None:
    """Report diagnostics for pages without writing anything (``--format json``: all of them)."""
    from generator.normalize.pipeline import normalize as run
    from generator.spec.document import validate_document
    from generator.spec.overlay import load_overlay

    diags = Diagnostics()
    loaded = load_overlay(overlay, diags) if overlay is not None else None
    result = run(inputs, loaded, diags)
    if result.operations:
        validate_document(result.document, "<normalized>", diags)
    _report(diags, fmt, quiet_notes=not verbose)
    raise typer.Exit(_exit_code(diags, strict))


@app.command()
def generate(
    spec: Annotated[Path, typer.Argument(help="The normalized OpenAPI document.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory of the generated package.")],
    templates: Annotated[
        Path | None, typer.Option("--templates", help="Template directory (default: templates/).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Write into a non-empty directory a previous generate did not write."),
    ] = False,
    allow_external_refs: Annotated[
        bool,
        typer.Option("--allow-external-refs", help="Bundle $refs to files inside the spec's folder (never URLs)."),
    ] = False,
) -> None:
    """Generate the installable ``recall_client`` package from a spec (nothing is written on errors).

    Only the files a previous ``generate`` listed in the directory's ``.recallgen-manifest`` are
    replaced or removed; other files are kept.
    """
    from generator.spec.bundle import is_external
    from generator.spec.model import load_spec
    from generator.spec.refs import iter_refs

    diags = Diagnostics()
    loaded = load_spec(spec, diags, allow_external_refs=allow_external_refs)
    if loaded is not None:
        from generator.client.render import render_package  # jinja2 and the client stages: only when needed

        with _err.status("generating client package..."):
            render_package(loaded, output, diags, templates_dir=templates, force=force)
        if not allow_external_refs and any(is_external(ref) for _, ref in iter_refs(loaded.document)):
            message = "references to other documents are refused; --allow-external-refs bundles relative paths"
            diags.info(str(spec), 0, "ir-bad-ref", message + " inside the spec's folder (URLs never)")
    _report(diags)
    if not diags.has_errors:
        _err.print(f"wrote {output}", markup=False)
    raise typer.Exit(_exit_code(diags, False))


@app.command()
def sandbox(
    spec: Annotated[Path, typer.Option("--spec", help="The OpenAPI document to serve.")] = Path("spec/openapi.yaml"),
    port: Annotated[int, typer.Option("--port", help="TCP port (0: a free one).")] = 8000,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    db: Annotated[Path | None, typer.Option("--db", help="SQLite file (default: in memory).")] = None,
    api_key: Annotated[list[str] | None, typer.Option("--api-key", help="Accepted API key (repeatable).")] = None,
    calendar_token: Annotated[
        list[str] | None, typer.Option("--calendar-token", help="Accepted calendar token (repeatable).")
    ] = None,
    check_responses: Annotated[bool, typer.Option("--check-responses", help="Validate every response.")] = False,
) -> None:
    """Serve a stateful fake of the API described by the spec (README: Sandbox)."""
    from generator.sandbox.command import run_sandbox

    code = run_sandbox(spec, _report, host, port, db, api_key, calendar_token, check_responses)
    raise typer.Exit(code)


class DiffFormat(StrEnum):
    """How a spec diff is printed (:mod:`generator.diff.formats`)."""

    text = "text"
    json = "json"
    markdown = "markdown"
    github = "github"
    junit = "junit"


class FailOn(StrEnum):
    """The least severe change level that makes ``diff`` exit 1."""

    breaking = "breaking"
    warning = "warning"
    info = "info"


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The previous OpenAPI document.")],
    new: Annotated[Path, typer.Argument(help="The new OpenAPI document.")],
    fmt: Annotated[
        DiffFormat, typer.Option("--format", help="text, markdown (a PR comment), json, github (annotations), junit.")
    ] = DiffFormat.text,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when a change is at or above this level.")
    ] = FailOn.breaking,
    no_fail: Annotated[
        bool, typer.Option("--no-fail", "--allow-breaking", help="Report only: exit 0 whatever changed.")
    ] = False,
) -> None:
    """Compare two specs: every change with its id and level (breaking, warning, info).

    Exit 1 when a change is at or above ``--fail-on`` (default breaking), 0 otherwise; exit 2 when a
    spec cannot be read or is not valid OpenAPI (``spec-unreadable``, ``spec-invalid``,
    ``spec-bad-ref``), so CI can tell unreadable input from changes.
    """
    from generator.diff.changes import diff_specs, fails, summary
    from generator.diff.codes import Level
    from generator.diff.formats import FORMATS, Context, github
    from generator.spec.model import load_spec

    diags = Diagnostics()
    before, after = load_spec(old, diags), load_spec(new, diags)
    for spec in (before, after):  # a part that cannot be read would show up as removed: refused
        if spec is not None:
            spec.report(diags, _DIFF_CODES, frozenset({"bad-ref", "bad-operation"}))
    if before is None or after is None or diags.has_errors:
        _report(diags)
        raise typer.Exit(2)
    if len(diags):
        _report(diags)
    try:
        changes = diff_specs(before, after)
    except Exception as exc:  # a spec the comparison does not foresee: unreadable input (2), never "changes" (1)
        diags.error(str(new), 0, "internal-error", f"cannot compare the specs ({type(exc).__name__}: {exc})")
        _report(diags)
        raise typer.Exit(2) from None
    level = Level(fail_on.value)
    context = Context(str(old), str(new), before.version, after.version, level)
    if fmt is DiffFormat.github:
        sys.stdout.write(github(changes, context, after.line_of))
    else:
        sys.stdout.write(FORMATS[fmt.value](changes, context))
    if fmt is not DiffFormat.text:
        _err.print(summary(changes), markup=False)
    raise typer.Exit(1 if fails(changes, level) and not no_fail else 0)


#: Problems of a spec that ``diff`` refuses, and their codes.
_DIFF_CODES = {"bad-ref": "spec-bad-ref", "bad-operation": "spec-invalid"}


def _project(pages: Path, overlay: Path | None, spec: Path, version_file: Path, output: Path) -> Project:
    """The project's paths; the overlay defaults to ``spec/overlay.yaml`` when that file exists,
    and ``''`` means none (for the version file too: version 1.0.0)."""
    from generator.release.project import Project

    if overlay is None:
        overlay = DEFAULT_OVERLAY if DEFAULT_OVERLAY.is_file() else None
    elif str(overlay) in ("", "."):
        overlay = None
    return Project(pages, overlay, spec, None if str(version_file) in ("", ".") else version_file, output)


DEFAULT_OVERLAY = Path("spec/overlay.yaml")
_PAGES_OPTION = typer.Option("--pages", help="The project's pages folder.")
_OVERLAY_OPTION = typer.Option("--overlay", help="The overlay (default: spec/overlay.yaml if it exists; '' for none).")
_SPEC_OPTION = typer.Option("--spec", help="The project's normalized spec.")
_VERSION_OPTION = typer.Option("--version-file", help="The package version file ('' for none: 1.0.0).")
_OUTPUT_OPTION = typer.Option("--output", "-o", help="The generated package folder.")


@app.command()
def update(
    new_pages: Annotated[Path, typer.Argument(help="Folder of the new reference pages.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the report and the version; write nothing.")] = False,
    fmt: Annotated[
        DiffFormat, typer.Option("--format", help="How the changes are printed (as for diff).")
    ] = DiffFormat.text,
    pages: Annotated[Path, _PAGES_OPTION] = Path("spec/pages"),
    overlay: Annotated[Path | None, _OVERLAY_OPTION] = None,
    spec: Annotated[Path, _SPEC_OPTION] = Path("spec/openapi.yaml"),
    version_file: Annotated[Path, _VERSION_OPTION] = Path("spec/version"),
    output: Annotated[Path, _OUTPUT_OPTION] = Path("generated"),
) -> None:
    """Replace the pages, normalize, diff against the committed spec, regenerate and ship the next version.

    The version (``--version-file``) moves by the diff: major on a breaking change, minor on an
    addition, patch otherwise; ``CHANGELOG.md`` in the package folder gets a section first. All or
    nothing: a failing step writes nothing. Exit 0 on success (whatever changed), 1 on errors.
    """
    from generator.diff.changes import summary
    from generator.diff.formats import FORMATS, Context
    from generator.release.update import update as run

    diags = Diagnostics()
    project = _project(pages, overlay, spec, version_file, output)
    with _err.status("updating..."):
        result = run(new_pages, project, diags, dry_run=dry_run)
    _report(diags, quiet_notes=True)
    if result is None:
        raise typer.Exit(1)
    context = Context(str(spec), str(new_pages), result.old_version, result.new_version)
    report = FORMATS[fmt.value if fmt is not DiffFormat.github else "text"](result.changes, context)
    sys.stdout.write(report)
    if fmt is not DiffFormat.text:
        _err.print(summary(result.changes), markup=False)
    verb = "would ship" if dry_run else "shipped"
    bump = f"{result.bump} bump" if result.bump != "none" else "no change"
    _err.print(f"{verb} {result.old_version} -> {result.new_version} ({bump})", markup=False)
    if not dry_run:
        _err.print("wrote " + ", ".join(result.written), markup=False)
    raise typer.Exit(0)


@app.command()
def check(
    pages: Annotated[Path, _PAGES_OPTION] = Path("spec/pages"),
    overlay: Annotated[Path | None, _OVERLAY_OPTION] = None,
    spec: Annotated[Path, _SPEC_OPTION] = Path("spec/openapi.yaml"),
    version_file: Annotated[Path, _VERSION_OPTION] = Path("spec/version"),
    output: Annotated[Path, _OUTPUT_OPTION] = Path("generated"),
) -> None:
    """Check that the committed spec and package follow the pages (the drift check of CI).

    Exit 1, naming what is stale and the command that regenerates it, when the spec or a generated
    file differs from what the pages, overlay and version give; files the generator did not write
    (``build/``, ``*.egg-info``, ``__pycache__``, ``CHANGELOG.md``) are ignored.
    """
    from generator.release.check import check as run

    diags = Diagnostics()
    project = _project(pages, overlay, spec, version_file, output)
    with _err.status("checking..."):
        result = run(project, diags)
    if result is not None and result.spec_diff:
        _err.print("\n".join(result.spec_diff), markup=False)
    _report(diags, quiet_notes=True)
    if result is not None and result.fresh and not diags.has_errors:
        _err.print(f"{spec} and {output} follow {pages}", markup=False)
        raise typer.Exit(0)
    raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print the toolkit version."""
    typer.echo(__version__)


def main() -> None:
    """Console-script entry point: usage errors exit 2 (click's convention).

    An exception no command foresaw (a bug) is one ``internal-error`` diagnostic and exit 1, not a
    traceback; set ``RECALLGEN_TRACEBACK=1`` to see the traceback.
    """
    try:
        app()
    except (Exception, RecursionError, MemoryError) as exc:  # SystemExit (typer.Exit) passes through
        if os.environ.get("RECALLGEN_TRACEBACK"):
            raise
        diags = Diagnostics()
        message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
        diags.error("recallgen", 0, "internal-error", f"{message[:500]} (please report this)")
        _report(diags)
        sys.exit(1)


if __name__ == "__main__":
    main()
