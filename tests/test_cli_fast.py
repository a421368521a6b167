"""The console script's fast path (``generator.cli``): plain calls of the hot commands run without
typer, and answer exactly as the typer app does; anything else is typer's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.cli import parse_fast
from tests.conftest import OVERLAY, PAGES, ROOT

SPEC = ROOT / "spec" / "openapi.yaml"
#: The console script (the fast path first) and the typer app alone.
_INSTALLED = Path(sys.executable).parent / "recallgen"
SCRIPT = [str(_INSTALLED)] if _INSTALLED.is_file() else [sys.executable, "-m", "generator.cli"]
TYPER = [sys.executable, "-c", "import sys; sys.argv[0] = 'recallgen'; from generator.cli_app import app; app()"]


def run(command: list[str], args: list[str], cwd: Path = ROOT) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RECALLGEN_TRACEBACK"}
    done = subprocess.run([*command, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300, check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["version"], ("version", {})),
        (["diff", "a.yaml", "b.yaml"], ("diff", {"old": Path("a.yaml"), "new": Path("b.yaml")})),
        (
            ["diff", "--format=json", "a", "--fail-on", "info", "b", "--no-fail"],
            ("diff", {"fmt": "json", "fail_on": "info", "no_fail": True, "old": Path("a"), "new": Path("b")}),
        ),
        (["diff", "a", "b", "--allow-breaking"], ("diff", {"no_fail": True, "old": Path("a"), "new": Path("b")})),
        (
            ["normalize", "p", "q", "-o", "out.yaml", "--overlay", "o.yaml", "-v", "--no-validate", "--strict"],
            (
                "normalize",
                {
                    "output": Path("out.yaml"),
                    "overlay": Path("o.yaml"),
                    "verbose": True,
                    "validate": False,
                    "strict": True,
                    "inputs": [Path("p"), Path("q")],
                },
            ),
        ),
        (
            ["generate", "s.yaml", "--output=out", "--force", "--templates", "t", "--allow-external-refs"],
            (
                "generate",
                {
                    "output": Path("out"),
                    "force": True,
                    "templates": Path("t"),
                    "allow_external_refs": True,
                    "spec": Path("s.yaml"),
                },
            ),
        ),
    ],
)
def test_plain_calls_are_parsed(args: list[str], expected: tuple[str, dict[str, object]]) -> None:
    assert parse_fast(args) == expected


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["lint", "pages"],
        ["sandbox"],
        ["update", "x"],
        ["check"],
        ["version", "extra"],
        ["version", "--help"],
        ["diff", "a"],
        ["diff", "a", "b", "c"],
        ["diff", "a", "b", "--help"],
        ["diff", "a", "b", "-h"],
        ["diff", "a", "b", "--format", "xml"],
        ["diff", "a", "b", "--format", "JSON"],
        ["diff", "a", "b", "--format"],
        ["diff", "a", "b", "--format", "json", "--format", "text"],
        ["diff", "a", "b", "--no-fail", "--allow-breaking"],
        ["diff", "a", "b", "--no-fail=1"],
        ["diff", "a", "b", "--fail"],
        ["diff", "--", "a", "b"],
        ["diff", "-", "b"],
        ["diff", "", "b"],
        ["normalize", "pages"],
        ["normalize", "-o", "x.yaml"],
        ["normalize", "pages", "-o"],
        ["normalize", "pages", "-o", ""],
        ["normalize", "pages", "-o", "-x"],
        ["normalize", "pages", "-ox.yaml"],
        ["normalize", "pages", "-vo", "x.yaml"],
        ["normalize", "pages", "-o", "x", "--validate", "--no-validate"],
        ["normalize", "pages", "-o", "x", "--verbose", "-v"],
        ["generate", "s.yaml"],
        ["generate", "s.yaml", "t.yaml", "-o", "out"],
        ["generate", "s.yaml", "-o", "out", "--force=yes"],
    ],
)
def test_anything_else_goes_to_typer(args: list[str]) -> None:
    assert parse_fast(args) is None


def test_the_cli_module_imports_neither_typer_nor_pydantic() -> None:
    code = "import sys, generator.cli; print(sorted(m for m in ('typer', 'pydantic', 'rich') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_command_still_has_its_help() -> None:
    for command in ("normalize", "lint", "generate", "sandbox", "diff", "update", "check", "version"):
        code, out, _ = run(SCRIPT, [command, "--help"])
        assert code == 0 and f" {command} [OPTIONS]" in out, (command, out)
    code, out, _ = run(SCRIPT, [])
    assert code == 2 and "Usage:" in out + _


def test_usage_errors_are_typers(tmp_path: Path) -> None:
    for args in (["diff", str(SPEC)], ["diff", str(SPEC), str(SPEC), "--format", "xml"], ["generate", str(SPEC)]):
        assert run(SCRIPT, args) == run(TYPER, args), args


def _changed_spec(tmp_path: Path) -> Path:
    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    document["info"]["version"] = "9.9.9"
    first_path = next(iter(document["paths"]))
    del document["paths"][first_path]
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return changed


def test_diff_answers_as_typer_does(tmp_path: Path) -> None:
    changed = _changed_spec(tmp_path)
    missing = tmp_path / "missing.yaml"
    cases = [
        [str(SPEC), str(changed)],
        [str(SPEC), str(changed), "--format", "json"],
        [str(changed), str(SPEC), "--format=markdown", "--fail-on", "info"],
        [str(SPEC), str(changed), "--format", "github", "--no-fail"],
        [str(SPEC), str(changed), "--format", "junit"],
        [str(SPEC), str(SPEC)],
        [str(SPEC), str(missing)],
    ]
    for args in cases:
        fast = run(SCRIPT, ["diff", *args])
        assert fast == run(TYPER, ["diff", *args]), args
        assert fast[0] in (0, 1, 2)


def test_version_normalize_and_generate_answer_as_typer_does(tmp_path: Path) -> None:
    assert run(SCRIPT, ["version"]) == run(TYPER, ["version"])
    outputs = []
    for name, command in (("fast", SCRIPT), ("typer", TYPER)):
        out = tmp_path / name
        normalized = run(command, ["normalize", str(PAGES), "--overlay", str(OVERLAY), "-o", str(out / "spec.yaml")])
        generated = run(command, ["generate", str(out / "spec.yaml"), "-o", str(out / "client")])
        failed = run(command, ["normalize", str(tmp_path / "nothing"), "-o", str(out / "x.yaml")])
        texts = {
            path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()
        }
        outputs.append(
            ([(code, o, e.replace(str(out), "OUT")) for code, o, e in (normalized, generated, failed)], texts)
        )
    assert outputs[0] == outputs[1]
    assert outputs[0][0][0][0] == 0 and outputs[0][0][1][0] == 0 and outputs[0][0][2][0] == 1
