"""The ``recallgen`` command line: :func:`main`, the console script.

Exit codes (the CLI contract other checks depend on): 0 success (warnings allowed), 1 errors
in the input or output (``--strict``: warnings too), 2 usage errors (``diff``: also an input it
cannot read). Diagnostics are printed ``path:line: severity[code]: message`` to stderr, with a
summary count at the end. Every input is checked and answered with diagnostics: a failure the
commands did not foresee is printed as one ``internal-error`` diagnostic (exit 1), never as a
traceback (``RECALLGEN_TRACEBACK=1`` re-raises it for debugging).

The commands are declared with typer in :mod:`generator.cli_app` (``generator.cli.app`` is that
app), which parses every call; this module holds the command bodies (:func:`run_normalize`,
:func:`run_generate`, :func:`run_build`, :func:`run_diff`) and the printing, and imports nothing heavy, so that a
command loads only what it uses.
"""

from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.diagnostics import Diagnostics, Severity

if TYPE_CHECKING:
    from rich.console import Console


class _Stderr:
    """rich's stderr Console, made when first used (commands import only what they need)."""

    _console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False, soft_wrap=True)
        return getattr(self._console, name)


_err = _Stderr()
#: Text rich could change on the way out: a control character or tab, or an ``:emoji:`` code.
_RICH_CHANGES = re.compile(r"[^ -~]|:\S*?:")


def _say(text: str) -> None:
    """One line to stderr, as ``_err.print(text, markup=False)`` prints it: written directly when
    rich would print it verbatim (printable ASCII, no ``:code:`` rich reads as an emoji), so that
    a command with nothing else to say does not import rich."""
    if _RICH_CHANGES.search(text) is None and _err._console is None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    else:
        _err.print(text, markup=False)


def _report(diags: Diagnostics, fmt: str = "text", quiet_notes: bool = False) -> None:
    if fmt == "json":
        sys.stdout.write(diags.to_json() + "\n")
        return
    for diag in diags.sorted():
        if quiet_notes and diag.severity is Severity.INFO:
            continue
        _err.print(diag.format(), markup=False)
    _say(diags.summary())


def _exit_code(diags: Diagnostics, strict: bool) -> int:
    if diags.has_errors:
        return 1
    if strict and diags.count(Severity.WARNING):
        return 1
    return 0


# --------------------------------------------------------------------------- command bodies


def run_normalize(
    inputs: Sequence[Path],
    output: Path,
    overlay: Path | None = None,
    strict: bool = False,
    verbose: bool = False,
    validate: bool = True,
    version_file: Path | None = None,
) -> int:
    """``recallgen normalize``; the exit code."""
    from generator.normalize.pipeline import normalize as run
    from generator.release.version import read_version, set_version
    from generator.spec.document import dump_validated, dump_yaml, write_atomic
    from generator.spec.overlay import load_overlay
    from generator.spec.validation_workers import prestart_validation, stop_validation

    diags = Diagnostics()
    loaded = load_overlay(overlay, diags) if overlay is not None else None
    package_version = read_version(version_file, diags)
    if (overlay is not None and loaded is None) or package_version is None:
        _report(diags)
        return 1
    if validate:
        prestart_validation()  # the validating processes start while this one is small
    try:
        with _err.status("normalizing pages..."):
            result = run(inputs, loaded, diags)
            if version_file is not None:
                set_version(result.document, package_version)
            document, operations = result.document, len(result.operations)
            del result  # the pages and operations: freed before the document is written and validated
            text = dump_validated(document, str(output), diags) if validate else dump_yaml(document)
    finally:
        stop_validation()
    if text is not None and _exit_code(diags, strict) == 0:  # a run that fails (--strict: on warnings) writes nothing
        try:
            write_atomic(output, text)
        except OSError as exc:
            diags.error(str(output), 0, "file-unwritable", f"cannot write: {exc}")
        else:
            _err.print(f"wrote {output} ({operations} operations)", markup=False)
    _report(diags, quiet_notes=not verbose)
    return _exit_code(diags, strict)


def run_generate(
    spec: Path,
    output: Path,
    templates: Path | None = None,
    force: bool = False,
    allow_external_refs: bool = False,
    prestart: bool = False,
) -> int:
    """``recallgen generate``; the exit code. ``prestart``: datamodel-code-generator's process starts
    before the spec is read (:mod:`generator.client.models_process`)."""
    from generator.client.models_process import prestart_models, stop_prestarted

    if prestart:
        prestart_models()
    try:
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
    finally:
        stop_prestarted()
    _report(diags)
    if not diags.has_errors:
        _err.print(f"wrote {output}", markup=False)
    return _exit_code(diags, False)


def run_build(
    inputs: Sequence[Path],
    spec: Path,
    output: Path,
    overlay: Path | None = None,
    version_file: Path | None = None,
    strict: bool = False,
    verbose: bool = False,
    force: bool = False,
    templates: Path | None = None,
    prestart: bool = False,
) -> int:
    """``recallgen build`` (:mod:`generator.release.build`); the exit code. ``prestart``:
    datamodel-code-generator's process starts before the pages are read (once the stages are
    imported: it shares what they import)."""
    from generator.client.models_process import prestart_models, stop_prestarted
    from generator.release.build import build

    if prestart:
        prestart_models()
    try:
        diags = Diagnostics()
        with _err.status("building spec and client package..."):
            built = build(
                inputs, spec, output, diags, overlay=overlay, version_file=version_file, strict=strict,
                force=force, templates=templates,
            )  # fmt: skip
    finally:
        stop_prestarted()
    _report(diags, quiet_notes=not verbose)
    if built is not None:
        _say(f"wrote {spec} ({built.operations} operations) and {output}")
    return _exit_code(diags, strict) if built is not None else 1


#: Problems of a spec that ``diff`` refuses, and their codes.
_DIFF_CODES = {"bad-ref": "spec-bad-ref", "bad-operation": "spec-invalid"}
DIFF_FORMATS = ("text", "json", "markdown", "github", "junit")
FAIL_ON = ("breaking", "warning", "info")


def run_diff(old: Path, new: Path, fmt: str = "text", fail_on: str = "breaking", no_fail: bool = False) -> int:
    """``recallgen diff`` (``fmt`` in :data:`DIFF_FORMATS`, ``fail_on`` in :data:`FAIL_ON`); the exit code.

    The specs are read by yaml-rs while a second process reads them with the toolkit's reader
    (:mod:`generator.spec.checked_read`); nothing is printed before the two readings are found the
    same, and when they are not the command starts again with the toolkit's reader alone.

    The garbage collector is off meanwhile: the two documents, their models and the findings are
    trees without cycles, which a collection would walk for nothing (one took 0.02 s of 0.5 s)."""
    global _QUICK_EXIT
    enabled = gc.isenabled()
    gc.disable()
    try:
        code = _run_diff(old, new, fmt, fail_on, no_fail)
        _QUICK_EXIT = True  # everything is printed; its objects need not be freed one by one
        return code
    finally:
        if enabled:
            gc.enable()


#: Set by a command when nothing is left to do once it returns but free its objects (``diff``:
#: two documents, their models and findings, about 0.02 s): :func:`main` then ends the process
#: with ``os._exit`` after flushing stdout and stderr. Commands that leave files or processes
#: to finish never set it.
_QUICK_EXIT = False


def _run_diff(old: Path, new: Path, fmt: str, fail_on: str, no_fail: bool) -> int:
    from generator.spec.checked_read import read_checked
    from generator.spec.model import document_is_sound, load_spec, spec_from_document
    from generator.spec.reading import read_text

    texts = [read_text(path, Diagnostics()) for path in (old, new)]
    if texts[0] is not None and texts[1] is not None:
        # The specs as yaml-rs reads them, while a second process reads them with libyaml and looks
        # for structure and $ref problems (the two walks of the documents skipped here).
        checked = read_checked([texts[0], texts[1]], document_is_sound)
    else:
        checked = None
    if checked is not None:
        with checked:
            found = {old: (checked.documents[0], texts[0]), new: (checked.documents[1], texts[1])}

            def load(path: Path, diags: Diagnostics) -> Any:
                return spec_from_document(path, *found[path], diags, checks=False)

            try:
                outcome = _diff(old, new, fmt, fail_on, no_fail, load)
            except Exception:  # on data libyaml may not confirm: the usual reading decides
                outcome = None
            if outcome is not None and checked.confirmed():
                return _show_diff(*outcome)
    return _show_diff(*_diff(old, new, fmt, fail_on, no_fail, load_spec))


def _diff(
    old: Path, new: Path, fmt: str, fail_on: str, no_fail: bool, load: Callable[[Path, Diagnostics], Any]
) -> tuple[Diagnostics, str, str, int]:
    """``recallgen diff`` with specs from ``load``, printing nothing: ``(diagnostics, the report for
    stdout, the summary line for stderr, the exit code)`` (report and summary empty when a spec
    is refused: exit 2)."""
    from generator.diff.changes import diff_specs, fails, summary
    from generator.diff.codes import Level
    from generator.diff.formats import FORMATS, Context, github

    diags = Diagnostics()
    before, after = load(old, diags), load(new, diags)
    for spec in (before, after):  # a part that cannot be read would show up as removed: refused
        if spec is not None:
            spec.report(diags, _DIFF_CODES, frozenset({"bad-ref", "bad-operation"}))
    if before is None or after is None or diags.has_errors:
        return diags, "", "", 2
    try:
        changes = diff_specs(before, after)
    except Exception as exc:  # a spec the comparison does not foresee: unreadable input (2), never "changes" (1)
        diags.error(str(new), 0, "internal-error", f"cannot compare the specs ({type(exc).__name__}: {exc})")
        return diags, "", "", 2
    level = Level(fail_on)
    context = Context(str(old), str(new), before.version, after.version, level)
    report = github(changes, context, after.line_of) if fmt == "github" else FORMATS[fmt](changes, context)
    code = 1 if fails(changes, level) and not no_fail else 0
    return diags, report, summary(changes) if fmt != "text" else "", code


def _show_diff(diags: Diagnostics, report: str, summary: str, code: int) -> int:
    """Print what :func:`_diff` gave (diagnostics first, when there are any); its exit code."""
    if len(diags):
        _report(diags)
    sys.stdout.write(report)
    if summary:
        _say(summary)
    return code


def _internal_error(exc: BaseException) -> None:
    diags = Diagnostics()
    message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
    diags.error("recallgen", 0, "internal-error", f"{message[:500]} (please report this)")
    _report(diags)


def main() -> None:
    """Console-script entry point: usage errors exit 2 (click's convention).

    An exception no command foresaw (a bug) is one ``internal-error`` diagnostic and exit 1, not a
    traceback; set ``RECALLGEN_TRACEBACK=1`` to see the traceback.
    """
    # The commands build large trees of small objects and make few cycles: collecting the
    # youngest generation every 100,000 allocations instead of 700 saves up to a third of a run.
    gc.set_threshold(100_000, 50, 100)
    try:
        from generator.cli_app import app

        app()
    except SystemExit as done:
        if _QUICK_EXIT and (done.code is None or isinstance(done.code, int)):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(done.code or 0)
        raise
    except (Exception, RecursionError, MemoryError) as exc:  # SystemExit (typer.Exit) passes through
        if os.environ.get("RECALLGEN_TRACEBACK"):
            raise
        _internal_error(exc)
        sys.exit(1)


def __getattr__(name: str) -> Any:
    """``app`` (the typer app) and the other names of :mod:`generator.cli_app`, imported when asked for."""
    if name.startswith("__"):
        raise AttributeError(name)
    from generator import cli_app

    try:
        return getattr(cli_app, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


if __name__ == "__main__":
    main()
