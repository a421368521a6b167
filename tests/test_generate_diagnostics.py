"""IR diagnostics: `recallgen generate` refuses a spec it would turn into a wrong client.

Each case is a small inline spec with one defect. The command must exit 1, print the ``ir-*``
code compiler-style (``path:line: error[code]: message``, the line of the node at fault in the
spec file) and leave the output directory exactly as it was. Before these diagnostics the
defects were silent: a malformed ``x-rate-limit`` dropped, an unknown security scheme sent as
``Bearer``, a dangling ``$ref`` typed ``Any``, ruff failures ignored, datamodel-code-generator
errors raised as tracebacks.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from generator.cli import app
from generator.client.output import MANIFEST
from generator.client.render import DEFAULT_TEMPLATES
from generator.spec.document import dump_yaml

runner = CliRunner()

ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
MINI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Mini API", "version": "1.0"},
    "servers": [{"url": "https://api.example.test"}],
    "security": [{"Key": []}],
    "paths": {
        "/things/{id}/": {
            "get": {
                "operationId": "thing_retrieve",
                "tags": ["thing"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    },
                    "503": {"$ref": "#/components/responses/Unavailable"},
                },
                "x-rate-limit": {"limit": 5, "period": 60, "scope": "workspace"},
            },
            "patch": {
                "operationId": "thing_partial_update",
                "tags": ["thing"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    },
                    "503": {"$ref": "#/components/responses/Unavailable"},
                },
            },
        }
    },
    "components": {
        "securitySchemes": {
            "Key": {"type": "apiKey", "in": "header", "name": "Authorization", "x-credential-prefix": "Token "}
        },
        "responses": {"Unavailable": {"description": "busy; retry", "x-retry": "backoff", "content": ERROR_BODY}},
        "schemas": {
            "Thing": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
            "Error": {"type": "object", "properties": {"detail": {"type": "string"}}},
        },
    },
}
GET = ("paths", "/things/{id}/", "get")
PATCH = ("paths", "/things/{id}/", "patch")


def mini() -> dict[str, Any]:
    """A fresh copy of the valid inline spec."""
    return copy.deepcopy(MINI)


def at(document: dict[str, Any], *keys: str) -> Any:
    """The node of ``document`` under ``keys``."""
    node: Any = document
    for key in keys:
        node = node[key]
    return node


def line_of(text: str, *keys: str) -> int:
    """The 1-based line where the value at key path ``keys`` starts in block YAML ``text``: the
    key's line for an inline value, the next one for a block (found without the spec model)."""
    lines = text.split("\n")
    start, indent, inline = 0, -1, False
    for key in keys:
        quoted = (f"{key}:", f"'{key}':", f'"{key}":')
        for number in range(start, len(lines)):
            stripped = lines[number].lstrip(" -")
            depth = len(lines[number]) - len(lines[number].lstrip(" "))
            if depth > indent and stripped.startswith(quoted):
                start, indent = number + 1, depth
                inline = bool(stripped.split(":", 1)[1].strip())
                break
        else:
            raise KeyError(key)
    return start if inline else start + 1


def generate(tmp_path: Path, document: dict[str, Any], *extra: str) -> tuple[int, str, Path, str]:
    """Run ``recallgen generate`` on ``document``: (exit code, output, spec path, spec text).

    The output directory exists beforehand as a previous run left it: one sentinel file, listed in
    the manifest; a failed run must leave it so.
    """
    spec = tmp_path / "spec.yaml"
    text = dump_yaml(document)
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "previous.txt").write_text("the previous package", encoding="utf-8")
    (out / MANIFEST).write_text("# a previous run\nprevious.txt\n", encoding="utf-8")
    result = runner.invoke(app, ["generate", str(spec), "-o", str(out), *extra])
    return result.exit_code, result.output, spec, text


def assert_refused(tmp_path: Path, code: int, output: str) -> None:
    """Exit 1, no traceback, the output directory untouched, no staging left behind."""
    assert code == 1, output
    assert "Traceback" not in output
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "previous.txt"]
    assert (out / "previous.txt").read_text(encoding="utf-8") == "the previous package"
    assert (out / MANIFEST).read_text(encoding="utf-8") == "# a previous run\nprevious.txt\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".recallgen-")]


def errors(output: str, code: str) -> list[tuple[int, str]]:
    """(line, message) of every ``error[code]`` diagnostic printed."""
    pattern = re.compile(rf"^(.+?):(\d+): error\[{re.escape(code)}\]: (.*)$")
    return [(int(m.group(2)), m.group(3)) for m in map(pattern.match, output.splitlines()) if m]


def test_the_valid_inline_spec_generates(tmp_path: Path) -> None:
    code, output, _, _ = generate(tmp_path, mini())
    assert code == 0, output
    assert (tmp_path / "out" / "recall_client" / "resources" / "thing.py").is_file()
    assert not (tmp_path / "out" / "previous.txt").exists()  # the new package replaced the old one's files


@pytest.mark.parametrize(
    ("extension", "fragment"),
    [
        ({"limit": 0, "period": 60}, "limit must be an integer"),
        ({"limit": 5, "period": -1}, "period must be above 0"),
        ({"limit": 5, "scope": ""}, "scope must be a non-empty string"),
        ("300/min", "must be a mapping"),
    ],
)
def test_malformed_rate_limit_is_an_error(tmp_path: Path, extension: Any, fragment: str) -> None:
    document = mini()
    at(document, *GET)["x-rate-limit"] = extension
    code, output, spec, text = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    found = errors(output, "ir-rate-limit")
    assert [line for line, _ in found] == [line_of(text, *GET, "x-rate-limit")]
    assert fragment in found[0][1] and found[0][1].startswith("#/paths/~1things~1{id}~1/get/x-rate-limit: ")
    assert f"{spec}:{found[0][0]}: error[ir-rate-limit]: " in output


def test_rate_limit_period_defaults_to_the_rules_minute(tmp_path: Path) -> None:
    document = mini()
    at(document, *GET)["x-rate-limit"] = {"limit": 5}
    code, output, _, _ = generate(tmp_path, document)
    assert code == 0, output
    module = (tmp_path / "out" / "recall_client" / "resources" / "thing.py").read_text()
    assert 'rate_limit=RateLimit(limit=5, period=60.0, scope="workspace")' in module


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"security": [{"Nope": []}]}, "'Nope' is not in components.securitySchemes"),
        ({"scheme": {"type": "oauth2", "flows": {}}}, "type 'oauth2' is not supported"),
        ({"scheme": {"type": "http", "scheme": "two words"}}, "`scheme` must be a word"),
        ({"scheme": {"type": "apiKey", "in": "body", "name": "key"}}, "`in` must be header, query or cookie"),
    ],
)
def test_unsupported_or_unknown_security_scheme_is_an_error(
    tmp_path: Path, change: dict[str, Any], fragment: str
) -> None:
    document = mini()
    if "security" in change:
        at(document, *GET)["security"] = change["security"]
        where = (*GET, "security")
    else:
        document["components"]["securitySchemes"]["Key"] = change["scheme"]
        where = ("components", "securitySchemes", "Key")
    code, output, _, text = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    found = errors(output, "ir-security")
    assert [line for line, _ in found] == [line_of(text, *where)], output
    assert fragment in found[0][1]


@pytest.mark.parametrize(
    ("ref", "fragment"),
    [
        ("#/components/schemas/Missing", "points at nothing"),
        ("other.yaml#/components/schemas/Thing", "only references into the document"),
    ],
)
def test_dangling_or_non_local_ref_is_an_error(tmp_path: Path, ref: str, fragment: str) -> None:
    document = mini()
    media = at(document, *GET, "responses", "200", "content", "application/json")
    media["schema"] = {"$ref": ref}
    code, output, _, text = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    found = errors(output, "ir-bad-ref")
    pointer = (*GET, "responses", "200", "content", "application/json", "schema")
    assert [line for line, _ in found] == [line_of(text, *pointer)]
    assert fragment in found[0][1]


def test_datamodel_code_generator_failure_is_a_diagnostic(tmp_path: Path) -> None:
    document = mini()
    document["components"]["schemas"]["Thing"]["discriminator"] = {"propertyName": "id", "mapping": {"a": 5}}
    code, output, _, text = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    found = errors(output, "ir-models-failed")
    assert len(found) == 1 and "datamodel-code-generator" in found[0][1], output
    assert "#/components/schemas/Thing" in found[0][1] and "mapping.a | Input should be a valid string" in found[0][1]
    assert found[0][0] == line_of(text, "components", "schemas", "Thing")


def test_a_wrongly_typed_schema_keyword_is_refused_before_the_models(tmp_path: Path) -> None:
    """The structure is checked when the spec is read: datamodel-code-generator never sees it."""
    document = mini()
    document["components"]["schemas"]["Thing"]["required"] = "id"  # a string, not a list
    code, output, _, text = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    found = errors(output, "spec-invalid")
    assert found == [
        (
            line_of(text, "components", "schemas", "Thing", "required"),
            "#/components/schemas/Thing/required: `required` must be a list of property names",
        )
    ]
    assert not errors(output, "ir-models-failed")


def test_ruff_failure_in_the_post_step_is_a_diagnostic(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    with (templates / "_constants.py.jinja").open("a", encoding="utf-8") as handle:
        handle.write("\ndef broken(:\n    pass\n")  # a template bug: the rendered module does not parse
    code, output, _, _ = generate(tmp_path, mini(), "--templates", str(templates))
    assert_refused(tmp_path, code, output)
    found = errors(output, "ir-format-failed")
    assert len(found) == 1 and found[0][0] == 0, output
    assert "ruff format failed" in found[0][1] and "recall_client/_constants.py" in found[0][1]
    assert "recallgen-" not in found[0][1]  # staging paths are not shown


def test_malformed_retry_is_an_error(tmp_path: Path) -> None:
    document = mini()
    document["components"]["responses"]["Unavailable"]["x-retry"] = "sometimes"
    code, output, _, text = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    found = errors(output, "ir-retry")
    assert [line for line, _ in found] == [line_of(text, "components", "responses", "Unavailable", "x-retry")]
    assert "must be backoff, retry-after or {delay: seconds}" in found[0][1]


def _inline_response(document: dict[str, Any], operation: tuple[str, ...], status: str, rule: Any) -> None:
    response: dict[str, Any] = {"description": "error", "content": ERROR_BODY}
    if rule is not None:
        response["x-retry"] = rule
    at(document, *operation)["responses"][status] = response


def test_two_retry_rules_for_one_status_are_an_error(tmp_path: Path) -> None:
    document = mini()
    _inline_response(document, GET, "409", "backoff")
    _inline_response(document, PATCH, "409", "retry-after")
    code, output, _, text = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    found = errors(output, "ir-retry")
    assert [line for line, _ in found] == [line_of(text, *PATCH, "responses", "409", "x-retry")]
    assert (
        "status 409 has x-retry retry-after here but backoff at #/paths/~1things~1{id}~1/get/responses/409"
        in (found[0][1])
    )


def test_retry_rule_missing_on_another_operation_is_an_error(tmp_path: Path) -> None:
    document = mini()
    _inline_response(document, GET, "409", "backoff")
    _inline_response(document, PATCH, "409", None)  # the client would retry it all the same
    code, output, _, text = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    found = errors(output, "ir-retry")
    assert [line for line, _ in found] == [line_of(text, *PATCH, "responses", "409")]
    assert "status 409 has no x-retry here but backoff" in found[0][1]


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ({"429": "retry-after", "503": "retry-after"}, "x-retry retry-after on statuses 429, 503"),
        ({"507": {"delay": 30, "new-idempotency-key": True}, "529": {"delay": 5}}, "delay on statuses 507, 529"),
        ({"507": {"delay": 30}}, "status 507: a delay retry must send a new idempotency key"),
        ({"201": "backoff"}, "x-retry on response 201: only 4xx/5xx statuses are retried"),
    ],
)
def test_retry_rules_the_runtime_cannot_follow_are_errors(tmp_path: Path, rules: dict[str, Any], fragment: str) -> None:
    document = mini()
    document["components"]["responses"]["Unavailable"].pop("x-retry")
    for status, rule in rules.items():
        for operation in (GET, PATCH):
            _inline_response(document, operation, status, rule)
    code, output, _, _ = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    assert any(fragment in message for _, message in errors(output, "ir-retry")), output


def test_every_ir_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Errors as data: one run lists every defect, not only the first."""
    document = mini()
    at(document, *GET)["x-rate-limit"] = {"limit": -1}
    at(document, *PATCH)["security"] = [{"Nope": []}]
    document["components"]["responses"]["Unavailable"]["x-retry"] = 3
    code, output, _, _ = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    assert {c for c in ("ir-rate-limit", "ir-security", "ir-retry") if errors(output, c)} == {
        "ir-rate-limit",
        "ir-security",
        "ir-retry",
    }
    assert "3 error(s)" in output


def test_a_spec_without_operations_is_a_warning(tmp_path: Path) -> None:
    document = mini()
    document["paths"] = {}
    code, output, _, _ = generate(tmp_path, document)
    assert code == 0, output
    assert re.search(r":\d+: warning\[ir-no-operations\]: #/paths: the spec declares no operations", output), output
    assert (
        "from recall_client.resources import" not in (tmp_path / "out/recall_client/resources/__init__.py").read_text()
    )


def test_an_operation_the_model_cannot_read_is_an_error(tmp_path: Path) -> None:
    """Before, an unreadable operation would have been left out of the client without a word."""
    document = mini()
    at(document, *PATCH)["parameters"] = "id"
    code, output, _, text = generate(tmp_path, document)
    assert_refused(tmp_path, code, output)
    found = errors(output, "ir-bad-operation")
    assert [line for line, _ in found] == [line_of(text, *PATCH)]
    assert "PATCH /things/{id}/: `parameters` must be a list" in found[0][1]


def test_retry_errors_are_reported_with_the_spec_problems_before_models(tmp_path: Path) -> None:
    document = mini()
    _inline_response(document, GET, "409", "backoff")
    _inline_response(document, PATCH, "409", "retry-after")
    at(document, *GET)["x-rate-limit"] = "often"
    document["components"]["schemas"]["Thing"]["discriminator"] = {"propertyName": "id", "mapping": {"a": 5}}
    code, output, _, _ = generate(tmp_path, document)  # models are not even attempted
    assert_refused(tmp_path, code, output)
    assert errors(output, "ir-retry") and errors(output, "ir-rate-limit") and not errors(output, "ir-models-failed")
