"""The CLI contract: exit codes, diagnostics format, JSON output, atomic writes, bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from generator.cli import app
from tests.conftest import OVERLAY, ROOT, SEED_PAGES
from tests.hostile.build_corpus import PAGE as GOOD_PAGE  # one small valid page, shared with the hostile pages

runner = CliRunner()


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_normalize_seeds_exit_0_with_warning_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    result = runner.invoke(app, ["normalize", str(SEED_PAGES), "--overlay", str(OVERLAY), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning[method-mismatch]" in result.output
    assert "0 error(s), 1 warning(s)" in result.output
    assert yaml.safe_load(out.read_text())["openapi"] == "3.1.0"


def test_strict_turns_warnings_into_exit_1(tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    result = runner.invoke(app, ["normalize", str(SEED_PAGES), "-o", str(out), "--strict"])
    assert result.exit_code == 1


def test_usage_error_exit_2() -> None:
    assert runner.invoke(app, ["normalize"]).exit_code == 2
    assert runner.invoke(app, ["lint", str(SEED_PAGES), "--format", "xml"]).exit_code == 2


def test_lint_json_has_same_fields(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lint", str(SEED_PAGES), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    mismatch = [d for d in data["diagnostics"] if d["code"] == "method-mismatch"]
    assert mismatch == [
        {
            "path": mismatch[0]["path"],
            "line": 9,
            "severity": "warning",
            "code": "method-mismatch",
            "message": mismatch[0]["message"],
        }
    ]
    assert mismatch[0]["path"].endswith("000_calendar_user_update.md")
    assert data["summary"]["warnings"] == 1 and data["summary"]["errors"] == 0


@pytest.mark.parametrize(
    ("name", "content", "code", "exit_code"),
    [
        ("binary.md", b"---\ntitle: x\n---\n\x00\x01\x02", "binary-input", 1),
        ("latin1.md", "## GET https://x.recall.ai/api/v1/a/\n\xe9t\xe9".encode("latin-1"), "binary-input", 1),
        (
            "fence.md",
            GOOD_PAGE.replace("## Sample Response\n\n```json\n", "## Sample Response\n\n```json\n").rsplit("```", 1)[0],
            "unterminated-fence",
            1,
        ),
        (
            "noheading.md",
            GOOD_PAGE.replace("## GET https://us-east-1.recall.ai/api/v1/thing/{id}/", "no heading here"),
            "no-heading",
            1,  # and no-operations: a page that yields no operation is an error
        ),
        (
            "table.md",
            GOOD_PAGE.replace("| Name | Type | Required | Description |", "| Name | Kind |"),
            "table-malformed",
            1,
        ),
        (
            "badurl.md",
            GOOD_PAGE.replace("https://us-east-1.recall.ai/api/v1/thing/{id}/", "not-a-url"),
            "bad-heading-url",
            1,
        ),
    ],
)
def test_bad_input_gets_diagnostic_and_exit_code(
    tmp_path: Path, name: str, content: str | bytes, code: str, exit_code: int
) -> None:
    page = write(tmp_path, name, content)
    result = runner.invoke(app, ["lint", str(page), "--format", "json"])
    data = json.loads(result.stdout)
    assert code in {d["code"] for d in data["diagnostics"]}, data
    assert result.exit_code == exit_code
    assert "Traceback" not in result.output


def test_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    page = tmp_path / "huge.md"
    with page.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = runner.invoke(app, ["lint", str(page), "--format", "json"])
    assert result.exit_code == 1
    assert [d["code"] for d in json.loads(result.stdout)["diagnostics"]] == ["file-too-large"]


def test_hostile_names_are_flagged_and_spec_stays_valid(tmp_path: Path) -> None:
    rows = "".join(f"| {n} | string | Yes |  |\n" for n in ("class", "__init__", "a-b", "1st", '"""'))
    page = GOOD_PAGE.replace("| name | string | Yes |  |\n", "| name | string | Yes |  |\n" + rows)
    page = page.replace('"name": "string"}', '"name": "string", "class": "x", "a-b": "y", "1st": "z", "__init__": "w"}')
    out = tmp_path / "openapi.yaml"
    result = runner.invoke(app, ["normalize", str(write(tmp_path, "hostile.md", page)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    flagged = result.output.count("warning[unsafe-name]")
    assert flagged == 4  # class, a-b, 1st, """ (``__init__`` is a valid identifier, sanitized at generation)
    spec = yaml.safe_load(out.read_text())
    props = next(iter(spec["components"]["schemas"].values()))["properties"]
    assert {"class", "a-b", "1st", "__init__"} <= set(props)


def test_failed_run_leaves_existing_output_untouched(tmp_path: Path) -> None:
    out = write(tmp_path, "openapi.yaml", "previous: content\n")
    bad = write(tmp_path, "bad.md", b"\x00")
    result = runner.invoke(app, ["normalize", str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert out.read_text() == "previous: content\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_missing_input_and_bad_overlay(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lint", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "file-unreadable" in result.output
    overlay = write(tmp_path, "overlay.yaml", "not: an overlay\n")
    result = runner.invoke(
        app, ["normalize", str(SEED_PAGES), "--overlay", str(overlay), "-o", str(tmp_path / "o.yaml")]
    )
    assert result.exit_code == 1 and "overlay-invalid" in result.output
    assert not (tmp_path / "o.yaml").exists()


def test_written_spec_has_the_usual_file_mode(tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    assert runner.invoke(app, ["normalize", str(SEED_PAGES), "-o", str(out)]).exit_code == 0
    assert out.stat().st_mode & 0o644 == 0o644  # readable by others, not mkstemp's 0600


def test_strict_run_that_fails_writes_nothing(tmp_path: Path) -> None:
    """--strict turns the seeds' method-mismatch warning into a failure: the output is not written."""
    out = write(tmp_path, "openapi.yaml", "previous: content\n")
    result = runner.invoke(app, ["normalize", str(SEED_PAGES), "--overlay", str(OVERLAY), "-o", str(out), "--strict"])
    assert result.exit_code == 1 and "warning[method-mismatch]" in result.output
    assert out.read_text() == "previous: content\n"
    assert not (tmp_path / "fresh.yaml").exists()
    fresh = runner.invoke(app, ["normalize", str(SEED_PAGES), "-o", str(tmp_path / "fresh.yaml"), "--strict"])
    assert fresh.exit_code == 1 and not (tmp_path / "fresh.yaml").exists()
    assert "wrote" not in fresh.output


def test_diff_exits_2_on_input_it_cannot_read(tmp_path: Path) -> None:
    """CI tells unreadable or invalid input (2) from breaking changes (1)."""
    good = write(tmp_path, "good.yaml", (ROOT / "spec" / "openapi.yaml").read_text())
    cases = {
        "list.yaml": ("- a\n- b\n", "spec-unreadable"),
        "paths.yaml": ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: []\n", "spec-invalid"),
        "dangling.yaml": (
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/:\n    get:\n      responses:\n"
            "        '200': {$ref: '#/components/responses/Nope'}\n",
            "spec-bad-ref",
        ),
        "bomb.yaml": (
            "openapi: 3.1.0\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"a{i}: &a{i} [{', '.join(['*a' if i == 1 else f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)),
            "spec-unreadable",
        ),
    }
    for name, (text, code) in cases.items():
        bad = write(tmp_path, name, text)
        for args in ([str(good), str(bad)], [str(bad), str(good)]):
            result = runner.invoke(app, ["diff", *args])
            assert result.exit_code == 2, (name, result.output)
            assert f"error[{code}]" in result.output, (name, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit)


def test_no_rich_tracebacks_and_an_unforeseen_failure_is_one_diagnostic(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import generator.cli as cli

    assert cli.app.pretty_exceptions_enable is False

    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("generator.spec.model.load_spec", broken)
    monkeypatch.setattr(sys, "argv", ["recallgen", "generate", "spec.yaml", "-o", "out"])
    monkeypatch.delenv("RECALLGEN_TRACEBACK", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "recallgen:0: error[internal-error]: RecursionError: maximum recursion depth exceeded" in err
    assert "Traceback" not in err


def test_lint_verbose_shows_the_notes() -> None:
    quiet = runner.invoke(app, ["lint", str(SEED_PAGES)])
    verbose = runner.invoke(app, ["lint", str(SEED_PAGES), "-v"])
    assert quiet.exit_code == verbose.exit_code == 0, verbose.output
    assert ": info[" not in quiet.output and ": info[" in verbose.output
    assert "warning[method-mismatch]" in quiet.output and "warning[method-mismatch]" in verbose.output
