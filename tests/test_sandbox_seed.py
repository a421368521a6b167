"""The sandbox over real HTTP on the committed seed spec, its restart with ``--db``, and the CLI's
diagnostics for specs and databases it cannot use."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from generator.cli import app as cli
from generator.sandbox import SandboxConfig, SandboxStartError, start_sandbox

ROOT = Path(__file__).resolve().parents[1]
SEED_SPEC = ROOT / "spec" / "openapi.yaml"
RECORDING = "/api/v1/recording/3fa85f64-5717-4562-b3fc-2c963f66afa6/"


def test_seed_spec_over_http_with_restart_on_the_same_db(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    with start_sandbox(SEED_SPEC, SandboxConfig(db=db, check_responses=True)) as running:
        assert running.base_url.startswith("http://127.0.0.1:")
        headers = running.auth_headers()
        patched = httpx.patch(running.base_url + RECORDING, json={"metadata": {"reviewed": "yes"}}, headers=headers)
        assert patched.status_code == 200
        assert patched.json()["metadata"] == {"reviewed": "yes"}
    with start_sandbox(SEED_SPEC, SandboxConfig(db=db)) as running:
        # the seed spec has no GET for recordings: an empty PATCH reads the stored resource back
        again = httpx.patch(running.base_url + RECORDING, headers=running.auth_headers())
        assert again.status_code == 200
        assert again.json()["metadata"] == {"reviewed": "yes"}
        assert again.json()["id"] == "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def test_seed_calendar_operation_needs_both_credentials() -> None:
    with start_sandbox(SEED_SPEC) as running:
        url = running.base_url + "/api/v1/calendar/user/"
        body = {"external_id": "user-1"}
        without = httpx.put(url, json=body, headers=running.auth_headers(calendar=False))
        assert without.status_code == 401
        assert "x-recallcalendarauthtoken" in without.json()["detail"]
        with_both = httpx.put(url, json=body, headers=running.auth_headers())
        assert with_both.status_code == 200
        assert with_both.json()["external_id"] == "user-1"
        assert httpx.put(url, json=body).status_code == 401


def test_start_sandbox_rejects_a_bad_spec(tmp_path: Path) -> None:
    spec = tmp_path / "empty.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n", encoding="utf-8")
    with pytest.raises(SandboxStartError, match=r"error\[sandbox-no-operations\]"):
        start_sandbox(spec)


BAD_SPECS = {
    "not YAML": ("openapi: 3.1.0\npaths: [unclosed\n", "bad.yaml:3: error[spec-unreadable]"),
    "not OpenAPI": ("just: text\n", "bad.yaml:0: error[spec-unreadable]: not an OpenAPI 3 document"),
    "no paths": ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n", "error[sandbox-no-operations]"),
    "no operations": ("openapi: 3.1.0\npaths:\n  /a/: {}\n", "bad.yaml:3: error[sandbox-no-operations]"),
    "dangling $ref": (
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/:\n    get:\n      responses:\n"
        "        '200': {$ref: '#/components/responses/Missing'}\n",
        "bad.yaml:7: error[sandbox-bad-ref]: #/paths/~1a~1/get/responses/200: $ref "
        "'#/components/responses/Missing' points at nothing",
    ),
    # fixed: a malformed x-rate-limit was served and crashed request handling (500: IndexError for
    # limit 0, OverflowError for an infinite period); it is refused at start-up now
    "x-rate-limit limit 0": (
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/:\n    get:\n"
        "      x-rate-limit: {limit: 0, period: 60}\n      responses: {'200': {description: ok}}\n",
        "bad.yaml:6: error[sandbox-bad-rate-limit]: #/paths/~1a~1/get/x-rate-limit: x-rate-limit limit must be",
    ),
    "x-rate-limit period .inf": (
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/:\n    get:\n"
        "      x-rate-limit: {limit: 5, period: .inf}\n      responses: {'200': {description: ok}}\n",
        "bad.yaml:6: error[sandbox-bad-rate-limit]: #/paths/~1a~1/get/x-rate-limit: x-rate-limit period must be",
    ),
    # fixed: an operation that is not an object was skipped silently
    "operation not an object": (
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/:\n    get: 5\n"
        "    put: {responses: {'200': {description: ok}}}\n",
        "bad.yaml:5: error[sandbox-bad-operation]: #/paths/~1a~1/get: GET /a/: not an Operation Object",
    ),
    "undeclared security scheme": (
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nsecurity: [{Nope: []}]\npaths:\n  /a/:\n    get:\n"
        "      responses: {'200': {description: ok}}\n",
        "bad.yaml:3: error[sandbox-bad-operation]: #/security/0: security scheme 'Nope' is not in",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_cli_reports_a_bad_spec_and_exits_1(tmp_path: Path, case: str) -> None:
    text, expected = BAD_SPECS[case]
    spec = tmp_path / "bad.yaml"
    spec.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sandbox", "--spec", str(spec), "--port", "0"])
    assert result.exit_code == 1
    assert expected in result.output
    assert re.search(r"^[1-9]\d* error\(s\), 0 warning\(s\)", result.output, re.MULTILINE)


def test_cli_reports_a_missing_spec(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sandbox", "--spec", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "error[spec-unreadable]: cannot read the spec" in result.output


def test_cli_reports_an_unusable_db(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("this is not SQLite, and it is long enough to have a header page" * 20, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sandbox", "--spec", str(SEED_SPEC), "--db", str(not_a_db)])
    assert result.exit_code == 1
    assert f"{not_a_db}:0: error[sandbox-db-unusable]" in result.output
