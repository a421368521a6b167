"""The ``recallgen`` command line (typer).

Exit codes (the CLI contract other checks depend on): 0 success (warnings allowed), 1 errors
in the input or output (``--strict``: warnings too), 2 usage errors. Diagnostics are printed
``path:line: severity[code]: message`` to stderr, with a summary count at the end.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from generator import __version__
from generator.diagnostics import Diagnostics, Severity

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
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
) -> None:
    """Normalize reference pages into one OpenAPI 3.1 document."""
    from generator.normalize.pipeline import normalize as run
    from generator.spec.document import dump_yaml, validate_document, write_atomic
    from generator.spec.overlay import load_overlay

    diags = Diagnostics()
    loaded = load_overlay(overlay, diags) if overlay is not None else None
    if overlay is not None and loaded is None:
        _report(diags)
        raise typer.Exit(1)
    with _err.status("normalizing pages..."):
        result = run(inputs, loaded, diags)
        valid = validate_document(result.document, str(output), diags) if validate else True
    if valid and not diags.has_errors:
        try:
            write_atomic(output, dump_yaml(result.document))
        except OSError as exc:
            diags.error(str(output), 0, "file-unwritable", f"cannot write: {exc}")
    _report(diags, quiet_notes=not verbose)
    if not diags.has_errors:
        _err.print(f"wrote {output} ({len(result.operations)} operations)", markup=False)
    raise typer.Exit(_exit_code(diags, strict))


@app.command()
def lint(
    inputs: Annotated[list[Path], typer.Argument(help="Page files or directories of pages.")],
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
    overlay: Annotated[Path | None, typer.Option("--overlay", help="OpenAPI Overlay 1.0 file to apply.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")] = False,
) -> None:
    """Report diagnostics for pages without writing anything."""
    from generator.normalize.pipeline import normalize as run
    from generator.spec.document import validate_document
    from generator.spec.overlay import load_overlay

    diags = Diagnostics()
    loaded = load_overlay(overlay, diags) if overlay is not None else None
    result = run(inputs, loaded, diags)
    if result.operations:
        validate_document(result.document, "<normalized>", diags)
    _report(diags, fmt)
    raise typer.Exit(_exit_code(diags, strict))


@app.command()
def generate(
    spec: Annotated[Path, typer.Argument(help="The normalized OpenAPI document.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory of the generated package.")],
    templates: Annotated[
        Path | None, typer.Option("--templates", help="Template directory (default: templates/).")
    ] = None,
) -> None:
    """Generate the installable ``recall_client`` package from a spec (nothing is written on errors)."""
    from generator.client.render import render_package
    from generator.spec.model import load_spec

    diags = Diagnostics()
    loaded = load_spec(spec, diags)
    if loaded is not None:
        with _err.status("generating client package..."):
            render_package(loaded, output, diags, templates_dir=templates)
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
    """How a spec diff is printed."""

    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The previous OpenAPI document.")],
    new: Annotated[Path, typer.Argument(help="The new OpenAPI document.")],
    fmt: Annotated[
        DiffFormat, typer.Option("--format", help="text, json or markdown (a changelog).")
    ] = DiffFormat.text,
    allow_breaking: Annotated[bool, typer.Option("--allow-breaking", help="Exit 0 even on breaking changes.")] = False,
) -> None:
    """Compare two specs; exit 1 when a change breaks existing clients (unless --allow-breaking)."""
    from generator.diff.changes import diff_specs, to_json, to_markdown
    from generator.spec.model import load_spec

    diags = Diagnostics()
    before, after = load_spec(old, diags), load_spec(new, diags)
    if before is None or after is None:
        _report(diags)
        raise typer.Exit(1)
    for spec in (before, after):  # a part of a spec that cannot be read would show up as removed
        spec.report(diags, {"bad-ref": "spec-bad-ref", "bad-operation": "spec-unreadable"}, frozenset())
    if diags.count(Severity.WARNING):
        _report(diags)
    changes = diff_specs(before, after)
    if fmt is DiffFormat.json:
        sys.stdout.write(to_json(changes) + "\n")
    elif fmt is DiffFormat.markdown:
        sys.stdout.write(to_markdown(changes))
    else:
        for change in changes:
            typer.echo(change.format())
        breaking = sum(c.breaking for c in changes)
        _err.print(f"{len(changes)} change(s), {breaking} breaking", markup=False)
    raise typer.Exit(1 if any(c.breaking for c in changes) and not allow_breaking else 0)


@app.command()
def version() -> None:
    """Print the toolkit version."""
    typer.echo(__version__)


def main() -> None:
    """Console-script entry point: usage errors exit 2 (click's convention)."""
    app()


if __name__ == "__main__":
    main()
