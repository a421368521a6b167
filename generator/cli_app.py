"""The ``recallgen`` commands declared with typer (``generator.cli.app``).

:func:`generator.cli.main` is the console script: it runs :data:`app`, which parses every call.
The command bodies are in :mod:`generator.cli`.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from generator import __version__
from generator.cli import _err, _exit_code, _report, run_build, run_diff, run_generate, run_normalize
from generator.diagnostics import Diagnostics

if TYPE_CHECKING:
    from generator.release.project import Project

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # a rich traceback of a deep document takes ~40 s to print
    help="Reference pages -> normalized OpenAPI 3.1 -> typed Python client -> conformance suite.",
)


class OutputFormat(StrEnum):
    """How diagnostics are printed."""

    text = "text"
    json = "json"


#: Parameters several commands take, declared once.
Pages = Annotated[list[Path], typer.Argument(help="Page files or directories of pages.")]
OverlayFile = Annotated[Path | None, typer.Option("--overlay", help="OpenAPI Overlay 1.0 file to apply.")]
VersionFile = Annotated[
    Path | None, typer.Option("--version-file", help="The package version (one MAJOR.MINOR.PATCH line).")
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Print notes, not only warnings and errors.")]
Force = Annotated[
    bool, typer.Option("--force", help="Write into a non-empty directory a previous generate did not write.")
]
Templates = Annotated[Path | None, typer.Option("--templates", help="Template directory (default: templates/).")]
PackageDir = Annotated[Path, typer.Option("-o", "--output", help="Directory of the generated package.")]


@app.command()
def normalize(
    inputs: Pages,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the OpenAPI YAML.")],
    overlay: OverlayFile = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")] = False,
    verbose: Verbose = False,
    validate: Annotated[
        bool, typer.Option("--validate/--no-validate", help="Check the result with openapi-spec-validator.")
    ] = True,
    version_file: VersionFile = None,
) -> None:
    """Normalize reference pages into one OpenAPI 3.1 document (``info.version`` from ``--version-file``)."""
    raise typer.Exit(run_normalize(inputs, output, overlay, strict, verbose, validate, version_file))


@app.command()
def lint(
    inputs: Pages,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
    overlay: OverlayFile = None,
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
    output: PackageDir,
    templates: Templates = None,
    force: Force = False,
    allow_external_refs: Annotated[
        bool,
        typer.Option("--allow-external-refs", help="Bundle $refs to files inside the spec's folder (never URLs)."),
    ] = False,
) -> None:
    """Generate the installable ``recall_client`` package from a spec (nothing is written on errors).

    Only the files a previous ``generate`` listed in the directory's ``.recallgen-manifest`` are
    replaced or removed; other files are kept.
    """
    raise typer.Exit(run_generate(spec, output, templates, force, allow_external_refs, prestart=True))


@app.command()
def build(
    inputs: Pages,
    spec: Annotated[Path, typer.Option("--spec", help="Where to write the OpenAPI YAML.")],
    output: PackageDir,
    overlay: OverlayFile = None,
    version_file: VersionFile = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 (and write nothing) on warnings too.")] = False,
    verbose: Verbose = False,
    force: Force = False,
    templates: Templates = None,
) -> None:
    """Normalize pages into a spec and generate its package in one run: ``normalize`` then ``generate``, faster.

    Writes the same spec and package as the two commands, both or neither: nothing is written when
    the pages give an error (``--strict``: a warning), the spec is not valid OpenAPI or the package
    cannot be generated.
    """
    raise typer.Exit(
        run_build(inputs, spec, output, overlay, version_file, strict, verbose, force, templates, prestart=True)
    )


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
    raise typer.Exit(run_diff(old, new, fmt.value, fail_on.value, no_fail))


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
