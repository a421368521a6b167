"""Stage 4: render the installable ``recall_client`` package from a normalized spec.

Models come from datamodel-code-generator (pydantic v2, no timestamp) fed with the spec's
``components.schemas`` prepared by :mod:`generator.client.models_input` (ASCII names, local
``$ref``s only), their enums opened and the object defaults of model fields made factories by
:mod:`generator.client.models_output`; the runtime that does not depend on the spec is copied from
:mod:`generator.client.runtime`; every other file comes from a Jinja template in ``templates/`` fed
only by the IR (:mod:`generator.client.ir`), which reads the spec through its one typed model
(:class:`~generator.spec.model.Spec`). The package is built in a temporary directory, formatted with
the pinned ruff (no cache: nothing is written outside the temporary directory), imported once in a
subprocess, and only then written into the output directory, replacing only what a previous run
wrote there (:mod:`generator.client.output`). What would make the package wrong is an ``ir-*`` error
diagnostic and nothing is written: a spec the model cannot read (``$ref``, operation,
``x-rate-limit``, security scheme, ``x-retry``), models datamodel-code-generator refuses, rendered
code ruff cannot format, a package that does not import.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError

from generator import __version__
from generator.client.build import build_client
from generator.client.ir import GROUP_TEMPLATE, ClientIR, build_ir
from generator.client.models_input import ModelsInput, ModelsInputError, models_input
from generator.client.models_output import model_defaults, open_enums
from generator.client.models_process import PRESTARTED, models_answer, send_request
from generator.client.output import OutputPlan, commit, plan_output
from generator.client.pytypes import ModelIndex
from generator.client.retries import retry_policy
from generator.client.runtime import RUNTIME_DIR, RUNTIME_MODULES
from generator.diagnostics import Diagnostics
from generator.naming import pep440_version
from generator.spec.model import Spec
from generator.spec.refs import SpecRefError

PACKAGE = "recall_client"
#: ``generator/templates`` in an installed wheel (the top-level ``templates/`` folder, packaged by
#: pyproject.toml), else ``templates/`` of the source checkout.
_PACKAGED_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
DEFAULT_TEMPLATES = (
    _PACKAGED_TEMPLATES if _PACKAGED_TEMPLATES.is_dir() else Path(__file__).resolve().parents[2] / "templates"
)
#: ruff settings for generated code, explicit so the output never depends on a user config; no cache.
RUFF_ARGS = ("--isolated", "--no-cache", "--line-length", "120", "--target-version", "py311")
#: ``ruff check`` settings on top: RUF012 (mutable class attribute) flags model fields' defaults, which
#: pydantic copies per instance (ruff knows it of direct ``pydantic.BaseModel`` subclasses, not of the
#: models' runtime base class).
RUFF_CHECK_ARGS = (*RUFF_ARGS, "--extend-ignore", "RUF012")
#: Seconds the import check of the rendered package may take.
IMPORT_TIMEOUT = 120
#: Diagnostic code of each kind of :class:`~generator.spec.model.Problem` for the client.
IR_CODES: Mapping[str, str] = {
    "bad-ref": "ir-bad-ref",
    "bad-operation": "ir-bad-operation",
    "no-operations": "ir-no-operations",
    "rate-limit": "ir-rate-limit",
    "security": "ir-security",
    "retry": "ir-retry",
    "structure": "spec-invalid",
}
#: Problems that would make the generated client wrong (every kind but ``no-operations``).
IR_ERRORS = frozenset(IR_CODES) - {"no-operations"}
#: Lines of a failing tool's output quoted in a diagnostic.
_QUOTED_LINES = 8


class GenerateError(Exception):
    """A step failed: ``code`` and ``message`` become one error diagnostic (``line`` in the spec)."""

    def __init__(self, code: str, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


def spec_sha256(document: Mapping[str, Any]) -> str:
    """sha256 of the spec's canonical JSON form: keys in document order, no whitespace, UTF-8
    (stable across formatting-only edits and YAML/JSON spellings of the same document)."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def file_header(ir: ClientIR, comment: str = "#") -> str:
    """The first lines of every generated file: generator version and spec hash."""
    return _header(ir.generator_version, ir.spec_sha256, comment)


def _header(generator_version: str, sha256: str, comment: str = "#") -> str:
    return (
        f"{comment} Generated by recallgen {generator_version} from spec sha256:{sha256}.\n"
        f"{comment} Do not edit: regenerate with `make generate`.\n"
    )


@dataclass
class Rendered:
    """A package built and checked, not written yet: :func:`commit` writes ``files`` (relative path ->
    content) into ``plan.root`` with the manifest's ``header``."""

    plan: OutputPlan
    files: dict[str, bytes]
    header: str


def render_package(
    spec: Spec,
    output: Path,
    diags: Diagnostics,
    templates_dir: Path | None = None,
    package: str = PACKAGE,
    force: bool = False,
) -> bool:
    """Write the package for ``spec`` into ``output``; False (with diagnostics, nothing written) on failure.

    ``package`` names the importable package (tests use other names to load several at once).
    Only files listed in ``output``'s manifest are replaced or removed; a non-empty directory
    without one is refused (``output-not-owned``) unless ``force`` (:mod:`generator.client.output`).
    Diagnostics name ``spec.source`` with the line of the node at fault when it is known.
    """
    rendered = prepare_package(spec, output, diags, templates_dir, package, force)
    if rendered is None:
        return False
    try:
        commit(rendered.plan, rendered.files, rendered.header)
    except (OSError, UnicodeError) as exc:
        diags.error(spec.source, 0, "file-unwritable", f"cannot write {output}: {exc}")
        return False
    return True


def prepare_package(
    spec: Spec,
    output: Path,
    diags: Diagnostics,
    templates_dir: Path | None = None,
    package: str = PACKAGE,
    force: bool = False,
) -> Rendered | None:
    """What :func:`render_package` writes, built and checked (formatted, imported, the output
    planned), but not written; None (with diagnostics) on failure."""
    spec.report(diags, IR_CODES, IR_ERRORS)
    retry = retry_policy(spec, diags)
    if retry is None or any(problem.kind in IR_ERRORS for problem in spec.problems):
        return None
    version, note = pep440_version(spec.version)
    if note:
        diags.warning(spec.source, spec.line_of("/info/version"), "ir-version", f"#/info/version: {note}")
    ir = build_ir(spec, spec_sha256(spec.document), __version__, package=package, version=version)
    ir.retry = retry
    env = _environment(templates_dir or DEFAULT_TEMPLATES)
    try:
        with tempfile.TemporaryDirectory(prefix="recallgen-") as tmp:
            staging = Path(tmp) / "package"
            files = build_files(spec, ir, env, staging, diags)
            plan, refusals = plan_output(output, files, force)
            for message in refusals:
                diags.error(spec.source, 0, "output-not-owned", message)
            if plan is None or diags.has_errors:
                return None
        return Rendered(plan, files, file_header(ir))
    except GenerateError as exc:
        diags.error(spec.source, exc.line, exc.code, exc.message)
    except ModelsInputError as exc:
        diags.error(spec.source, spec.line_of(exc.pointer), "ir-bad-ref", f"#{exc.pointer}: {exc.message}")
    except SpecRefError as exc:
        diags.error(spec.source, 0, "ir-bad-ref", str(exc))
    except (OSError, UnicodeError) as exc:
        diags.error(spec.source, 0, "file-unwritable", f"cannot write {output}: {exc}")
    except TemplateError as exc:
        diags.error(spec.source, 0, "generate-failed", f"{type(exc).__name__}: {exc}")
    return None


def build_files(spec: Spec, ir: ClientIR, env: Environment, staging: Path, diags: Diagnostics) -> dict[str, bytes]:
    """Render, format and import-check the package in ``staging``: relative path -> content.

    Raises :class:`GenerateError` when a step fails (models, ruff, the import check).
    """
    checkers: list[subprocess.Popen[str]] = []

    def start_checker() -> None:  # its interpreter starts while the rest of the package is rendered
        checkers.append(_start_import_check(staging.parent))

    try:
        for path, text in render_files(spec, ir, env, diags, models_made=start_checker).items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
        last = format_python(staging, last_step=False)
        _check_while_finishing(staging, ir.package, checkers[0] if checkers else None, last)
    finally:
        for checker in checkers:
            if checker.poll() is None:
                checker.kill()
                checker.communicate()
    return {p.relative_to(staging).as_posix(): p.read_bytes() for p in sorted(staging.rglob("*")) if p.is_file()}


def render_files(
    spec: Spec,
    ir: ClientIR,
    env: Environment,
    diags: Diagnostics | None = None,
    models_made: Callable[[], None] | None = None,
) -> dict[str, str]:
    """Every file of the package (relative path -> text), before formatting; fills ``ir``.

    The runtime modules (:mod:`generator.client.runtime`) are copied as they are, after the header.
    ``models_made`` is called once datamodel-code-generator's module is there (when it ran in
    another process, the cores were busy until then).

    Name warnings (:mod:`generator.client.models_input`) go to ``diags``. Raises
    :class:`GenerateError` when datamodel-code-generator fails and :class:`ModelsInputError` for a
    reference it must not follow.
    """
    prepared = models_input(spec, diags if diags is not None else Diagnostics())
    if PRESTARTED:  # the models are made in another process: meanwhile the templates are compiled here
        send_request(_models_request(prepared, ir.package, file_header(ir)))
    templates = [(env.get_template(template), target) for template, target in ir.files]
    group_template = env.get_template(GROUP_TEMPLATE)
    models = generate_models(spec, ir, prepared)
    if models_made is not None:
        models_made()
    models = model_defaults(open_enums(models, ir.package))
    build_client(ir, spec, ModelIndex.from_source(models), prepared.component_classes)
    header = file_header(ir)
    files = {f"{ir.package}/models.py": models}
    for module in RUNTIME_MODULES:
        files[f"{ir.package}/{module}"] = header + "\n" + (RUNTIME_DIR / module).read_text(encoding="utf-8")
    for compiled, target in templates:
        files[target.format(package=ir.package)] = compiled.render(ir=ir, header=header)
    for group in ir.groups:
        files[f"{ir.package}/resources/{group.module}.py"] = group_template.render(ir=ir, group=group, header=header)
    return files


def _environment(templates_dir: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def generate_models(spec: Spec, ir: ClientIR, prepared: ModelsInput | None = None) -> str:
    """pydantic v2 models of ``components.schemas`` via datamodel-code-generator.

    ``prepared`` is what it reads (default: :func:`models_input` of ``spec``, warnings dropped).
    Every model derives from the runtime's ``_models.BaseModel`` (unknown fields kept, lenient
    parsing); field names are snake_case with aliases; enums are ``StrEnum`` classes named after
    their parent (opened afterwards by :func:`generator.client.models_output.open_enums`). Raises
    :class:`GenerateError` (``ir-models-failed``) when datamodel-code-generator fails or writes a
    module :func:`check_models` refuses.

    Run in the process :func:`generator.client.models_process.prestart_models` started, when there
    is one (same arguments, same result), else here.
    """
    prepared = prepared or models_input(spec, Diagnostics())
    request = _models_request(prepared, ir.package, file_header(ir))
    answer = PRESTARTED.pop().run(request) if PRESTARTED else None
    if answer is None:
        answer = models_answer(*request)
    if answer[0] == "failed":
        message = _first_lines(answer[2] or "", _QUOTED_LINES) or answer[1]
        found = re.search(r"'#(/[^']*)'", message)
        line = spec.line_of(found.group(1)) if found else 0
        raise GenerateError("ir-models-failed", f"datamodel-code-generator: {message}", line)
    if answer[0] == "several":
        raise GenerateError("ir-models-failed", "datamodel-code-generator returned several modules; expected one")
    result, problem = answer[1], answer[2]
    if problem is not None:
        raise GenerateError("ir-models-failed", f"datamodel-code-generator: {problem}")
    return result


def _models_request(prepared: ModelsInput, package: str, header: str) -> tuple[Any, ...]:
    """The arguments of :func:`generator.client.models_process.models_answer`."""
    return prepared.document, package, header.rstrip("\n"), prepared.aliases or None


def send_models(spec: Spec, package: str = PACKAGE) -> bool:
    """Hand the models' input of ``spec`` to the process
    :func:`generator.client.models_process.prestart_models` started, now, so that it makes the
    models while this process does other work; :func:`generate_models` takes its answer when it
    asks for the same models (else they are made again: the package is the same either way). False
    when there is no such process or the input cannot be made (:func:`render_package` reports why)."""
    if not PRESTARTED:
        return False
    try:
        prepared = models_input(spec, Diagnostics())  # its warnings are given when the package is rendered
    except ModelsInputError:
        return False
    return send_request(_models_request(prepared, package, _header(__version__, spec_sha256(spec.document))))


#: A ruff step: its name in messages, the command and the exit codes that mean success.
_Step = tuple[str, list[str], tuple[int, ...]]


def format_python(root: Path, last_step: bool = True) -> _Step | None:
    """Autofix and format the generated Python with the pinned ruff (explicit, isolated settings).

    ``check --fix`` runs ruff's default rules plus isort, unused imports and pyupgrade (templates
    import a superset of what a module needs); ``format`` runs after it, then ``check --fix``
    once more, which must leave no violation. Raises :class:`GenerateError` (``ir-format-failed``)
    with ruff's message when a step fails (the first check may leave what ``format`` fixes).
    Without ``last_step``, the last ``check --fix`` is not run but returned, to be run beside the
    import check (:func:`_check_while_finishing`).
    """
    ruff = _ruff()
    # The Python code only: pyproject.toml carries the spec's version verbatim (RUF200 is not ours).
    only_code = ("--extend-exclude", "pyproject.toml")
    fix = [*ruff, "check", *RUFF_CHECK_ARGS, *only_code, "--extend-select", "I,F401,UP", "--fix", "--quiet", str(root)]
    steps: list[_Step] = [
        ("check --fix", fix, (0, 1)),
        ("format", [*ruff, "format", *RUFF_ARGS, str(root)], (0,)),  # README examples too; --quiet hides errors
        ("check --fix", fix, (0,)),
    ]
    last = steps.pop()
    for step in [*steps, last] if last_step else steps:
        _run_step(root, step, subprocess.Popen(step[1], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    return None if last_step else last


def _run_step(root: Path, step: _Step, process: subprocess.Popen[bytes]) -> None:
    """Wait for the ruff ``step`` running as ``process``; :class:`GenerateError` when it failed."""
    stdout, stderr = process.communicate()
    if process.returncode not in step[2]:
        output = (stderr.decode(errors="replace").strip() or stdout.decode(errors="replace")).replace(f"{root}/", "")
        message = f"ruff {step[0]} failed (exit {process.returncode}): {_first_lines(output, _QUOTED_LINES)}"
        raise GenerateError("ir-format-failed", message)


def _check_while_finishing(root: Path, package: str, checker: subprocess.Popen[str] | None, last: _Step | None) -> None:
    """The import check (:func:`check_import`) while ruff's ``last`` step runs: it only verifies and
    changes no file, as a rule. When it did change one, the package is checked again as it is now;
    otherwise the verdict stands (a ruff failure first)."""
    if last is None:
        check_import(root, package, checker)
        return
    before = _contents(root)
    running = subprocess.Popen(last[1], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    failure = None
    try:
        check_import(root, package, checker)
    except GenerateError as exc:
        failure = exc
    except BaseException:
        running.kill()
        running.communicate()
        raise
    _run_step(root, last, running)
    if _contents(root) != before:
        check_import(root, package)
    elif failure is not None:
        raise failure


def _contents(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _ruff() -> list[str]:
    """The pinned ruff's binary (``python -m ruff`` would start an interpreter for each step)."""
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

        return [str(find_ruff_bin())]
    except (ImportError, FileNotFoundError):
        return [sys.executable, "-m", "ruff"]


def _first_lines(text: str, count: int) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    more = f" (... {len(lines) - count} more lines)" if len(lines) > count else ""
    return " | ".join(lines[:count]) + more


#: What the import check runs: the third-party packages every generated package imports are
#: loaded first (while the package is still being rendered), then the folder and package named on
#: stdin, and every module in it. The garbage collector is off: this short process makes many objects
#: (every model class) and no garbage worth collecting.
_IMPORT_CHECK = (
    "import gc, importlib, pkgutil, sys\n"
    "gc.disable()\n"
    "for name in ('pydantic', 'httpx'):\n"
    "    try:\n"
    "        importlib.import_module(name)\n"
    "    except ImportError:\n"
    "        pass\n"
    "root, name = sys.stdin.readline().rstrip('\\n').split('\\0')\n"
    "sys.path.insert(0, root)\n"
    "package = importlib.import_module(name)\n"
    "for found in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
    "    importlib.import_module(found.name)\n"
)


def _start_import_check(cwd: Path) -> subprocess.Popen[str]:
    """A fresh interpreter (isolated mode, no bytecode written) waiting for :func:`check_import`."""
    command = [sys.executable, "-I", "-B", "-c", _IMPORT_CHECK]
    return subprocess.Popen(
        command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def check_import(root: Path, package: str, checker: subprocess.Popen[str] | None = None) -> None:
    """Import ``package`` and every module in it from ``root`` in a fresh interpreter (isolated
    mode, no bytecode written; ``checker`` when one was started, see :func:`_start_import_check`);
    raises :class:`GenerateError` (``ir-import-failed``) with the error's last line when it fails or
    takes longer than :data:`IMPORT_TIMEOUT` seconds."""
    checker = checker or _start_import_check(root)
    try:
        _, stderr = checker.communicate(f"{root}\0{package}\n", timeout=IMPORT_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        checker.kill()
        checker.communicate()
        raise GenerateError("ir-import-failed", f"importing the package took over {IMPORT_TIMEOUT} s") from exc
    if checker.returncode != 0:
        lines = [line.strip() for line in stderr.replace(str(root) + "/", "").splitlines() if line.strip()]
        raise GenerateError("ir-import-failed", f"the generated package does not import: {lines[-1] if lines else ''}")
