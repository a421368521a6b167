"""The hostile spec corpus (``tests/hostile/specs``) through ``generate``, ``diff`` and ``sandbox``.

Every case runs as a process (``python -m generator.cli``, 60 s timeout, several at once) and must
answer with diagnostics only: an exit code of 0-2 (never a crash, a signal or a timeout), no
traceback and no ``internal-error``, the expected diagnostic code, nothing read from the canary
file outside the spec's folder and no network connection (an audit hook in each process records
both), and the output folder's other file (``notes.txt``) kept. ``generate`` exits 0 only with a
package that imports (checked in a fresh interpreter). Cases and their expected outcomes are the
table :data:`EXPECTED`; ``tests/hostile/build_corpus.py`` writes the files.

Each run is a process of 0.5-3 s, so the default (``ci``) run takes the cases of :data:`CORE`, one or
more of each family and defect kind (about 25 s of CPU); ``HYPOTHESIS_PROFILE=thorough`` (or
``RECALLGEN_HOSTILE=full``) runs the whole corpus (about 130 s of CPU).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tokenize
from typing import NamedTuple

import pytest

from generator.client.output import MANIFEST
from generator.spec.document import dump_yaml
from tests.hostile.build_corpus import BASE
from tests.hostile.runner import HOSTILE, Run, Sandbox, imports, run_all, run_cli

SPECS = HOSTILE / "specs"
NOTES = "notes kept by the user\n"


class Expect(NamedTuple):
    """``generate``: exit code and a diagnostic code it prints (None: no particular one); ``diff``
    (against the valid base spec): the exit codes allowed and a code; ``sandbox``: its code when it
    must refuse the spec at start-up (None: not run, the sandbox would serve it)."""

    generate: int
    generate_code: str | None
    diff: frozenset[int]
    diff_code: str | None
    sandbox_code: str | None = None


def _ok(code: str | None = None, diff: frozenset[int] = frozenset({0})) -> Expect:
    return Expect(0, code, diff, None)


def _renamed(code: str | None = None) -> Expect:
    """Generates fine; a name the client uses (component, operationId, tag, credential) differs from
    the base spec's, which ``diff`` reports as a breaking change (exit 1)."""
    return Expect(0, code, frozenset({1}), None)


def _unreadable(code: str = "spec-unreadable") -> Expect:
    """Refused when read: the same code from every command (diff: exit 2, unreadable input)."""
    return Expect(1, code, frozenset({2}), code, code)


def _refused(code: str, diff_code: str | None, sandbox_code: str | None) -> Expect:
    diff = frozenset({2}) if diff_code else frozenset({0, 1})
    return Expect(1, code, diff, diff_code, sandbox_code)


EXPECTED: dict[str, Expect] = {
    # names: a working package with ASCII names, and a warning for each renaming
    "names_nfkc_twins.yaml": _ok("ir-name-clash"),
    "names_homoglyph.yaml": _ok("ir-unsafe-name"),
    "names_dotted_schema.yaml": _renamed("ir-unsafe-name"),
    "names_dotted_twins.yaml": _renamed("ir-name-clash"),
    "names_cyrillic_schema.yaml": _renamed("ir-unsafe-name"),
    "names_python_words.yaml": _ok(),
    "names_enum_unicode.yaml": _ok("ir-unsafe-name"),
    "names_enum_varnames.yaml": _ok("ir-unsafe-name"),
    "names_operation_id.yaml": _renamed(),
    "names_tag_homoglyph.yaml": _renamed("ir-unsafe-name"),
    # references: nothing outside the document is read
    "ref_file_uri.yaml": _refused("ir-bad-ref", "spec-bad-ref", "sandbox-bad-ref"),
    "ref_absolute_path.yaml": _refused("ir-bad-ref", "spec-bad-ref", "sandbox-bad-ref"),
    "ref_parent_dir.yaml": _refused("ir-bad-ref", "spec-bad-ref", "sandbox-bad-ref"),
    "ref_remote.yaml": _refused("ir-bad-ref", "spec-bad-ref", "sandbox-bad-ref"),
    "ref_under_example_property.yaml": _refused("ir-bad-ref", None, None),
    "ref_id_base.yaml": _refused("ir-bad-ref", "spec-bad-ref", "sandbox-bad-ref"),
    "ref_dangling.yaml": _refused("ir-bad-ref", "spec-bad-ref", "sandbox-bad-ref"),
    "ref_into_scalar.yaml": _refused("ir-bad-ref", "spec-bad-ref", "sandbox-bad-ref"),
    "ref_cycle.yaml": _ok(),
    # aliases and depth: refused before anything walks the document
    "alias_bomb.yaml": _unreadable(),
    "alias_recursive.yaml": _unreadable(),
    "depth_flow_50k.yaml": _unreadable(),
    "depth_block_500.yaml": _unreadable(),
    "depth_schema_180.json": _unreadable(),
    # odd extensions and values
    "ext_rate_limit_inf.yaml": _refused("ir-rate-limit", None, "sandbox-bad-rate-limit"),
    "ext_rate_limit_nan.yaml": _refused("ir-rate-limit", None, "sandbox-bad-rate-limit"),
    "ext_rate_limit_huge.yaml": _refused("ir-rate-limit", None, "sandbox-bad-rate-limit"),
    "ext_rate_limit_hex_digits.yaml": _unreadable(),
    "ext_version_date.yaml": _ok("ir-version"),
    "ext_version_garbage.yaml": _ok("ir-version"),
    "ext_credential_prefix_quotes.yaml": _renamed(),
    "ext_maximum_inf.yaml": _unreadable("spec-invalid"),
    "ext_bad_pattern.yaml": _refused("ir-import-failed", None, None),
    "ext_text_injection.yaml": _ok(),
    "ext_surrogate.json": _unreadable(),
    "ext_binary_tag.yaml": _unreadable(),
    "ext_duplicate_key.yaml": _unreadable(),
    # malformed structure
    "struct_components_string.yaml": _unreadable("spec-invalid"),
    "struct_info_null.yaml": _unreadable("spec-invalid"),
    "struct_responses_list.yaml": _refused("ir-bad-operation", "spec-invalid", "sandbox-bad-operation"),
    "struct_path_integer_key.yaml": _refused("ir-bad-operation", "spec-invalid", "sandbox-bad-operation"),
    "struct_request_body_string.yaml": _refused("ir-bad-operation", "spec-invalid", "sandbox-bad-operation"),
    "struct_paths_list.yaml": _refused("ir-bad-operation", "spec-invalid", "sandbox-bad-operation"),
    "struct_paths_null.yaml": _unreadable("spec-invalid"),
    "struct_content_list.yaml": _unreadable("spec-invalid"),
    "struct_properties_list.yaml": _unreadable("spec-invalid"),
    "struct_not_a_mapping.yaml": _unreadable(),
    "struct_scalar.yaml": _unreadable(),
    "struct_empty.yaml": _unreadable(),
    "struct_swagger_2.yaml": _unreadable(),
    "struct_not_yaml.yaml": _unreadable(),
    "struct_two_documents.yaml": _unreadable(),
    # valid specs that look hostile
    "ok_no_operations.yaml": Expect(0, "ir-no-operations", frozenset({1}), None, "sandbox-no-operations"),
    "ok_recursive_schema.yaml": _ok(),
    "ok_depth_schema_40.json": _ok(),
    "ok_integer_status_keys.yaml": _ok(),
}


#: Cases of the default run: each family, each way of being refused, the name fixes of issue 9.
CORE = frozenset(
    {
        "names_nfkc_twins.yaml",
        "names_homoglyph.yaml",
        "names_dotted_schema.yaml",
        "ref_file_uri.yaml",
        "ref_parent_dir.yaml",
        "ref_remote.yaml",
        "ref_under_example_property.yaml",
        "ref_id_base.yaml",
        "alias_bomb.yaml",
        "depth_flow_50k.yaml",
        "depth_schema_180.json",
        "ext_rate_limit_inf.yaml",
        "ext_version_date.yaml",
        "ext_bad_pattern.yaml",
        "ext_surrogate.json",
        "struct_components_string.yaml",
        "struct_info_null.yaml",
        "struct_responses_list.yaml",
        "struct_path_integer_key.yaml",
        "struct_request_body_string.yaml",
        "struct_not_a_mapping.yaml",
        "ok_no_operations.yaml",
    }
)
FULL = os.environ.get("HYPOTHESIS_PROFILE") == "thorough" or os.environ.get("RECALLGEN_HOSTILE") == "full"
SELECTED = sorted(EXPECTED if FULL else CORE)


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.name for p in SPECS.iterdir()) == sorted(EXPECTED)
    assert set(EXPECTED) >= CORE


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    """The corpus copied under a temporary root: ``specs/`` (``@CANARY@`` filled in), ``canary.yaml``
    next to it (outside the spec folder), ``cwd/`` where commands run, ``out/<case>/`` holding a
    user's ``notes.txt``."""
    root = tmp_path_factory.mktemp("hostile")
    text = f"CANARY-{secrets.token_hex(8)}"
    canary = root / "canary.yaml"
    canary.write_text(f"Secret: {{type: string, description: {text}}}\n", encoding="utf-8")
    (root / "specs").mkdir()
    (root / "cwd").mkdir()
    shutil.copy(canary, root / "cwd" / "canary.yaml")  # relative to the working directory: a second copy
    for case in SPECS.iterdir():
        data = case.read_bytes().replace(b"@CANARY@", str(canary).encode())
        (root / "specs" / case.name).write_bytes(data)
        out = root / "out" / case.name
        out.mkdir(parents=True)
        (out / "notes.txt").write_text(NOTES, encoding="utf-8")
    (root / "specs" / "_base.yaml").write_text(dump_yaml(BASE), encoding="utf-8")
    return Sandbox(root, canary, text)


@pytest.fixture(scope="module")
def runs(box: Sandbox) -> dict[str, Run]:
    """Every command on every case, run once (in parallel) for the whole module."""
    jobs: dict[str, list[str]] = {}
    for name in SELECTED:
        expect = EXPECTED[name]
        spec = str(box.root / "specs" / name)
        jobs[f"generate:{name}"] = ["generate", spec, "-o", str(box.root / "out" / name), "--force"]
        jobs[f"diff:{name}"] = ["diff", str(box.root / "specs" / "_base.yaml"), spec]
        if expect.sandbox_code is not None:
            jobs[f"sandbox:{name}"] = ["sandbox", "--spec", spec, "--port", "0"]
    return run_all(box, jobs)


def assert_diagnostics_only(run: Run, box: Sandbox) -> None:
    """An exit code of 0-2 within the timeout, no traceback, no internal error, no canary read,
    no network connection, the canary's content never printed."""
    assert run.code in (0, 1, 2), run.describe()
    assert "Traceback" not in run.stderr + run.stdout, run.describe()
    assert not run.has("error", "internal-error"), run.describe()
    assert run.audit == "", run.describe()
    assert box.canary_text not in run.stderr + run.stdout, run.describe()


@pytest.mark.parametrize("name", SELECTED)
def test_generate(name: str, box: Sandbox, runs: dict[str, Run]) -> None:
    run, expect = runs[f"generate:{name}"], EXPECTED[name]
    assert_diagnostics_only(run, box)
    assert run.code == expect.generate, run.describe()
    if expect.generate_code is not None:
        severity = "error" if expect.generate else "warning"
        assert run.has(severity, expect.generate_code), run.describe()
    out = box.root / "out" / name
    assert (out / "notes.txt").read_text(encoding="utf-8") == NOTES
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    if run.code != 0:
        assert written == {"notes.txt"}, "a refused spec writes nothing"
        return
    assert MANIFEST in written and "recall_client/__init__.py" in written
    assert not any(box.canary_text in p.read_text(encoding="utf-8") for p in out.rglob("*.py"))
    for module in (out / "recall_client").rglob("*.py"):
        with module.open(encoding="utf-8") as handle:
            names = [t.string for t in tokenize.generate_tokens(handle.readline) if t.type == tokenize.NAME]
        assert all(n.isascii() for n in names), f"{module.name}: every generated name is ASCII"
    imported = imports(out)
    assert imported.returncode == 0, imported.stderr[-2000:]


@pytest.mark.parametrize("name", SELECTED)
def test_diff(name: str, box: Sandbox, runs: dict[str, Run]) -> None:
    run, expect = runs[f"diff:{name}"], EXPECTED[name]
    assert_diagnostics_only(run, box)
    assert run.code in expect.diff, run.describe()
    if expect.diff_code is not None:
        assert run.has("error", expect.diff_code), run.describe()


@pytest.mark.parametrize("name", [n for n in SELECTED if EXPECTED[n].sandbox_code is not None])
def test_sandbox_refuses_at_start_up(name: str, box: Sandbox, runs: dict[str, Run]) -> None:
    run, expect = runs[f"sandbox:{name}"], EXPECTED[name]
    assert_diagnostics_only(run, box)
    assert run.code == 1, run.describe()
    assert run.has("error", str(expect.sandbox_code)), run.describe()


def test_the_audit_sees_a_read_of_the_canary(box: Sandbox) -> None:
    """The audit hook itself works: a command that reads the canary (as a page) is recorded."""
    run = run_cli(box, ["lint", str(box.canary)], "probe")
    assert f"read {box.canary}" in run.audit, run.describe()
