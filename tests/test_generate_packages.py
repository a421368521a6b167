"""Generated packages: a hostile inline spec, and the committed whole-API package.

The hostile spec names operations, tags, parameters and properties ``class``, ``from``, ``1st``,
``a-b``, ``__init__``, ``self`` and unicode, and its descriptions contain triple quotes, Jinja
delimiters, backslashes and control characters. Both packages (the hostile one and the committed
``generated/``, built from every reference page) must import, pass ``ruff check`` and
``mypy --strict`` (one mypy run for both), and be callable against respx with names mapped back to
the wire.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml

from generator.client.render import RUFF_CHECK_ARGS, render_package
from generator.diagnostics import Diagnostics
from generator.spec import Spec

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
BASE = "https://api-1.example.test"
UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
NASTY = 'Tricky """ quotes, {{ jinja }} {% raw %} and a \\ backslash; a tab\tand a bell \x07 end"'

HOSTILE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": 'Hostile "API" \\ {{ x }}', "version": '1.0"\\'},
    "servers": [{"url": "https://api-1.example.test"}, {"url": "https://api-2.example.test/"}],
    "security": [{"KeyAuth": []}],
    "paths": {
        "/things/{class}/": {
            "post": {
                "operationId": "class",
                "summary": NASTY,
                "description": NASTY + "\nsecond line \\n",
                "tags": ["thing"],
                "parameters": [
                    {"name": "class", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "from", "in": "query", "description": NASTY, "schema": {"type": "string"}},
                    {"name": "a-b", "in": "header", "schema": {"type": "integer"}},
                    {"name": "self", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    },
                    "418": {"description": NASTY},
                },
                "x-rate-limit": {"limit": 5, "period": 1, "scope": "workspace"},
            }
        },
        "/things/": {
            "get": {
                "operationId": "__init__",
                "tags": ["thing"],
                "security": [],
                "parameters": [
                    {"name": "1st", "in": "query", "schema": {"type": "string", "enum": ["a'b", 'c"d', "e\\f"]}},
                    {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
                            }
                        },
                    }
                },
            },
            "put": {
                "operationId": "thing_1st",
                "tags": ["thing"],
                "requestBody": {
                    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "integer"}}}}
                },
                "responses": {"204": {"description": "gone"}},
            },
        },
        "/über/{a-b}/": {
            "delete": {
                "operationId": "café_löschen",
                "tags": ["über-things"],
                "parameters": [{"name": "a-b", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "deleted"}, "500": {"$ref": "#/components/responses/Boom"}},
                "x-rate-limit": {"limit": 1, "period": 10, "scope": "bot"},
            }
        },
    },
    "components": {
        "securitySchemes": {
            "KeyAuth": {"type": "apiKey", "in": "header", "name": "X-Api-Key", "description": NASTY},
        },
        "responses": {"Boom": {"description": NASTY}},
        "schemas": {
            "Thing": {
                "type": "object",
                "description": NASTY,
                "required": ["class"],
                "properties": {
                    "class": {"type": "string", "description": NASTY},
                    "from": {"type": ["integer", "null"]},
                    "1st": {"type": "boolean"},
                    "a-b": {"type": "string", "enum": ["x-y", "1", "class"]},
                    "__init__": {"type": "string"},
                    "café": {"type": "string"},
                    "日本": {"type": "string"},
                    "self": {"type": "string"},
                    "timeout": {"type": "number"},
                },
            },
            # object defaults of model fields (bot_create's `Default: {}`): factories of the models
            "Slot": {
                "type": "object",
                "properties": {"hours": {"type": "integer"}, "kind": {"type": "string", "enum": ["timed", "forever"]}},
            },
            "Settings": {
                "type": "object",
                "properties": {
                    "slot": {"anyOf": [{"$ref": "#/components/schemas/Slot"}, {"type": "null"}], "default": {}},
                    "retention": {"$ref": "#/components/schemas/Slot", "default": {"kind": "timed", "hours": 168}},
                    "slots": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Slot"},
                        "default": [{"hours": 1}],
                    },
                    "by_name": {
                        "type": "object",
                        "additionalProperties": {"$ref": "#/components/schemas/Slot"},
                        "default": {"a": {"hours": 2}},
                    },
                    "plain": {"type": "object", "default": {"x": 1}},
                    "none": {"type": "array", "items": {"$ref": "#/components/schemas/Slot"}, "default": []},
                    "wrong": {"$ref": "#/components/schemas/Slot", "default": {"hours": "many"}},
                    "either": {
                        "anyOf": [{"$ref": "#/components/schemas/Slot"}, {"type": "string"}],
                        "default": {"hours": 3},
                    },
                },
            },
        },
    },
}


def generate(document: dict[str, Any], out: Path, package: str) -> Path:
    diags = Diagnostics()
    spec = Spec.from_document(document, str(out / "spec.yaml"))
    assert render_package(spec, out / "pkg", diags, package=package), [d.format() for d in diags.sorted()]
    return out / "pkg"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = generate(HOSTILE, tmp_path_factory.mktemp("hostile"), "hostile_client")
    sys.path.insert(0, str(root))
    return root


@pytest.fixture(scope="module")
def api_spec() -> dict[str, Any]:
    """The committed whole-API spec the committed package was generated from."""
    spec: dict[str, Any] = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return spec


def test_mypy_strict_and_ruff_on_all_generated_packages(hostile: Path, tmp_path: Path) -> None:
    """One mypy run over the committed whole-API package and the hostile one."""
    roots = {"recall_client": ROOT / "generated", "hostile_client": hostile}
    for package, root in roots.items():
        command = [sys.executable, "-m", "ruff", "check", *RUFF_CHECK_ARGS, str(root / package)]
        ruff = subprocess.run(command, capture_output=True, text=True)
        assert ruff.returncode == 0, ruff.stdout[-3000:]
    cmd = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache")]
    for package in roots:
        cmd += ["-p", package]
    env = {"MYPYPATH": ":".join(str(r) for r in roots.values()), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout[-5000:]


# --- the hostile spec ---------------------------------------------------------------------------


def test_hostile_names_become_identifiers_with_aliases(hostile: Path) -> None:
    client_mod = importlib.import_module("hostile_client")
    client = client_mod.HostileClient(api_key="k", rate_limit=False)
    assert {"class_", "init_", "_1st"} <= set(dir(client.thing))
    assert hasattr(client.uber_things, "cafe_loschen")
    names = inspect.signature(client.thing.class_).parameters
    assert list(names)[:2] == ["class_", "class__"]
    for name in (
        "from_",
        "a_b",
        "self_",
        "from__",
        "_1st",
        "a_b_",
        "init_",
        "cafe",
        "u65e5u672c",
        "self__",
        "timeout_",
    ):
        assert name in names, name
    thing = client_mod.models.Thing.model_validate({"class": "c", "from": None, "a-b": "x-y", "日本": "n"})
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/things/c%20d/").respond(200, json={"class": "back", "1st": True, "unknown": 1})
        result = client.thing.class_(
            "c d",
            class__="k",
            from_="q",
            a_b=7,
            self_=False,
            from__=None,
            _1st=True,
            a_b_="x-y",
            init_="i",
            cafe="c",
            u65e5u672c="日",  # spelled out, never dropped (generator.naming.ascii_name)
            self__="s",
            timeout_=1.5,
            timeout=9.0,
        )
    assert isinstance(result, type(thing)) and result.class_ == "back" and result.model_extra == {"unknown": 1}
    sent = route.calls[0].request
    assert sent.url.params["from"] == "q" and sent.url.params["self"] == "false"
    assert sent.headers["a-b"] == "7" and sent.headers["x-api-key"] == "k" and "idempotency-key" in sent.headers
    assert json.loads(sent.content) == {
        "class": "k",
        "from": None,
        "1st": True,
        "a-b": "x-y",
        "__init__": "i",
        "café": "c",
        "日本": "日",
        "self": "s",
        "timeout": 1.5,
    }


def test_hostile_descriptors_map_wire_names_to_arguments(hostile: Path) -> None:
    importlib.import_module("hostile_client")
    operations = importlib.import_module("hostile_client.resources").OPERATIONS
    assert sorted(operations) == ["__init__", "café_löschen", "class", "thing_1st"]
    thing = operations["class"]
    assert (thing.group, thing.method_name) == ("thing", "class_")
    pairs = {(a.location, a.wire_name): a.python_name for a in thing.arguments}
    assert pairs == {
        ("path", "class"): "class_",
        ("query", "from"): "from_",
        ("header", "a-b"): "a_b",
        ("query", "self"): "self_",
        ("body", "class"): "class__",
        ("body", "from"): "from__",
        ("body", "1st"): "_1st",
        ("body", "a-b"): "a_b_",
        ("body", "__init__"): "init_",
        ("body", "café"): "cafe",
        ("body", "日本"): "u65e5u672c",
        ("body", "self"): "self__",
        ("body", "timeout"): "timeout_",
    }
    assert [a.python_name for a in thing.arguments if a.required] == ["class_", "class__"]
    whole = operations["thing_1st"].arguments  # a body that is not an object with properties
    assert [(a.python_name, a.wire_name, a.location) for a in whole] == [("body", "", "body")]
    assert (operations["café_löschen"].group, operations["café_löschen"].method_name) == ("uber_things", "cafe_loschen")


def assert_descriptors_match_methods(client: Any, operations: Any) -> None:
    """Every descriptor names a method whose parameters are its arguments plus the control ones,
    path arguments positional in path order."""
    for operation_id, op in operations.items():
        method = getattr(getattr(client, op.group), op.method_name)
        params = inspect.signature(method).parameters.values()
        positional = [p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        keywords = {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}
        path = [a for a in op.arguments if a.location == "path"]
        assert positional == [a.python_name for a in path], operation_id
        assert [op.path.index("{" + a.wire_name + "}") for a in path] == sorted(
            op.path.index("{" + a.wire_name + "}") for a in path
        ), operation_id
        control = {"timeout", "extra_headers", "extra_query", "extra_body"}
        control |= {"idempotency_key"} if op.idempotency_header else set()
        assert keywords == {a.python_name for a in op.arguments if a.location != "path"} | control, operation_id


def test_hostile_descriptors_match_the_methods(hostile: Path) -> None:
    client_mod = importlib.import_module("hostile_client")
    operations = importlib.import_module("hostile_client.resources").OPERATIONS
    assert_descriptors_match_methods(client_mod.HostileClient(api_key="k"), operations)


def test_hostile_text_survives_in_docstrings_readme_and_toml(hostile: Path) -> None:
    resources = importlib.import_module("hostile_client.resources.thing")
    doc = inspect.getdoc(resources.ThingResource.class_) or ""
    assert '"""' in doc and "{{ jinja }}" in doc and "{% raw %}" in doc and "\\ backslash" in doc
    assert "bell \x07 end" in doc and doc.count("second line \\n") == 1
    data = tomllib.loads((hostile / "pyproject.toml").read_text())
    assert data["project"]["version"] == "0.0.0"  # info.version '1.0"\\' is no PEP 440 version: pip refuses it
    assert 'Hostile "API" \\ {{ x }}' in data["project"]["description"]
    assert "{{ jinja }}" in (hostile / "README.md").read_text()
    for path in hostile.rglob("*.py"):
        ast.parse(path.read_text())


def test_hostile_other_shapes(hostile: Path) -> None:
    client_mod = importlib.import_module("hostile_client")
    client = client_mod.HostileClient(base_url="http://sandbox.test", rate_limit=False)
    with respx.mock(base_url="http://sandbox.test") as mock:
        listed = mock.get("/things/").respond(200, json=[{"class": "a"}, {"class": "b"}])
        put = mock.put("/things/").respond(204)
        deleted = mock.delete("/%C3%BCber/x%2Fy/").respond(204)
        things = client.thing.init_(_1st='c"d', ids=["1", "2"])
        with pytest.raises(client_mod.CredentialsError, match="api_key"):
            client.thing._1st(body=[1, 2])
        client.with_options(api_key="k2").thing._1st(body=[1, 2])
        client.with_options(api_key="k2").uber_things.cafe_loschen("x/y")
    assert [t.class_ for t in things] == ["a", "b"]
    assert listed.calls[0].request.url.params.get_list("ids") == ["1", "2"]
    assert "x-api-key" not in listed.calls[0].request.headers
    assert json.loads(put.calls[0].request.content) == [1, 2]
    assert deleted.call_count == 1
    assert client_mod.SERVERS == {"api-1": "https://api-1.example.test", "api-2": "https://api-2.example.test"}
    teapot = client_mod._status_errors.STATUS_ERRORS[418]
    assert issubclass(teapot, client_mod.APIStatusError) and not issubclass(teapot, client_mod.ServerError)
    assert teapot.__name__.endswith("Error") and teapot.__name__.isidentifier()
    assert issubclass(client_mod.BoomError, client_mod.ServerError)


def test_hostile_object_defaults_are_fresh_models(hostile: Path) -> None:
    # the spec's object defaults become models (type-checked by the mypy run above), one per instance
    models = importlib.import_module("hostile_client.models")
    for settings in (models.Settings(), models.Settings.model_construct_lenient({})):
        assert isinstance(settings.slot, models.Slot) and settings.slot.hours is None
        assert isinstance(settings.retention, models.Slot) and settings.retention.hours == 168
        assert settings.retention.kind == "timed"
        assert [type(s) for s in settings.slots] == [models.Slot] and settings.slots[0].hours == 1
        assert isinstance(settings.by_name["a"], models.Slot) and settings.by_name["a"].hours == 2
        assert settings.plain == {"x": 1} and settings.none == []
        assert isinstance(settings.wrong, models.Slot) and settings.wrong.hours == "many"  # kept as written
        assert isinstance(settings.either, models.Slot) and settings.either.hours == 3  # pydantic's choice
        assert settings.model_dump(exclude_unset=True) == {}  # a default is not sent
    first, second = models.Settings(), models.Settings()
    assert first.slot is not second.slot and first.retention is not second.retention
    assert models.Settings(slot=None).slot is None


# --- the whole API (the committed package) -----------------------------------------------------


def _minimal(spec: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """A small JSON value valid for ``schema`` (required properties only)."""
    while isinstance(schema, dict) and "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if not isinstance(schema, dict) or depth > 12:
        return None
    for key in ("anyOf", "oneOf"):
        if key in schema:
            members = [m for m in schema[key] if m.get("type") != "null"]
            return _minimal(spec, members[0], depth + 1) if members else None
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v is not None), None)
    types = schema.get("type")
    kind = next((t for t in types if t != "null"), "null") if isinstance(types, list) else types
    if kind == "object" or "properties" in schema:
        return {k: _minimal(spec, schema["properties"].get(k, {}), depth + 1) for k in schema.get("required", [])}
    if kind == "string":
        return {"uuid": UUID, "date-time": "2025-06-10T19:02:11.337Z", "date": "2025-06-10"}.get(
            schema.get("format", ""), "s"
        )
    return {"array": [], "integer": 1, "number": 1.5, "boolean": True}.get(str(kind))


def _value_for(annotation: str) -> Any:
    """A value of the (string) annotation of a required keyword argument: first Literal, else by kind."""
    for node in ast.walk(ast.parse(annotation, mode="eval")):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Literal":
            first = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            return ast.literal_eval(first)
    for marker, value in (
        ("Sequence", []),
        ("Mapping", {}),
        ("models.", {}),
        ("bool", True),
        ("int", 1),
        ("float", 1.5),
        ("str", "s"),
    ):
        if annotation.startswith(marker):
            return value
    return "s"


def test_every_operation_of_the_whole_api_can_be_called(api_spec: dict[str, Any]) -> None:
    """Every operation is called once with its sample response (a minimal valid body if the sample
    does not match the operation's own schema: that is a normalizer finding, reported as a warning)."""
    client_mod = importlib.import_module("recall_client")
    client = client_mod.RecallClient(
        api_key="k", calendar_auth_token="t", rate_limit=False, max_retries=0, strict_responses=True
    )
    called: set[str] = set()
    mismatched: list[str] = []
    with respx.mock(base_url="https://us-east-1.recall.ai") as mock:
        for group_name in sorted(n for n in dir(client) if not n.startswith("_")):
            group = getattr(client, group_name)
            if not type(group).__module__.startswith("recall_client.resources."):
                continue
            module = sys.modules[type(group).__module__]
            for method_name in sorted(n for n in dir(group) if not n.startswith("__") and n != "_client"):
                op = getattr(module, f"OP_{method_name.upper()}")
                called.add(op.operation_id)
                try:
                    _call(mock, api_spec, getattr(group, method_name), op, use_example=True)
                except client_mod.ResponseValidationError:
                    mismatched.append(op.operation_id)
                    _call(mock, api_spec, getattr(group, method_name), op, use_example=False)
    spec_ids = {o["operationId"] for item in api_spec["paths"].values() for o in item.values()}
    assert called == spec_ids
    operations = importlib.import_module("recall_client.resources").OPERATIONS
    assert set(operations) == spec_ids
    assert_descriptors_match_methods(client, operations)
    if mismatched:
        warnings.warn(f"corpus samples that do not match their own response schema: {mismatched}", stacklevel=1)


def _call(mock: respx.MockRouter, spec: dict[str, Any], method: Any, op: Any, *, use_example: bool) -> None:
    mock.routes.clear()
    operation = spec["paths"][op.path][op.method.lower()]
    code = min(c for c in operation["responses"] if str(c).startswith("2"))
    content = operation["responses"][code].get("content", {}).get("application/json")
    body = None
    if content is not None:
        body = content["example"] if use_example and "example" in content else _minimal(spec, content.get("schema"))
    wire_path = re.sub(r"\{[^{}]+\}", UUID, op.path)
    params = inspect.signature(method).parameters.values()
    args = [UUID for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    kwargs = {
        p.name: _value_for(str(p.annotation))
        for p in params
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    }
    reply = httpx.Response(int(code), json=body) if content is not None else httpx.Response(int(code))
    route = mock.route(method=op.method, path=wire_path).mock(return_value=reply)
    result = method(*args, **kwargs)
    assert route.call_count == 1, op.operation_id
    request = route.calls[0].request
    required = {name for name in (operation.get("security", spec.get("security")) or [{}])[0]}
    if "RecallApiKey" in required:  # per-user calendar V1 operations take the calendar token alone
        assert request.headers["authorization"] == "Token k"
    if "CalendarAuthToken" in required:
        assert request.headers["x-recallcalendarauthtoken"] == "t"
    if op.method in ("POST", "PUT", "PATCH"):
        assert request.headers.get("idempotency-key"), op.operation_id
    if content is None:
        assert result is None, op.operation_id
    elif op.paginated:  # a list answering {next, previous, results}: its first page
        assert type(result).__name__ == "SyncCursorPage" and isinstance(result.results, list), op.operation_id
    elif content.get("schema", {}).get("type") == "array":
        assert isinstance(result, list), op.operation_id
    else:
        assert hasattr(result, "model_dump"), op.operation_id


def test_bot_scoped_rate_limit_is_per_path_parameter(hostile: Path) -> None:
    """1 call per 10 s per bot: a second bot does not wait, the same bot again waits 10 s.

    The fake clock is given to the client (``clock=``, conformance_tests.fakes): nothing else in the
    process sees it."""
    from conformance_tests.fakes import FakeTime

    client_mod = importlib.import_module("hostile_client")
    clock = FakeTime()
    client = client_mod.HostileClient(api_key="k", clock=clock)
    with respx.mock(base_url=BASE) as mock:
        mock.delete(url__regex=r".*/%C3%BCber/.*").respond(204)
        client.uber_things.cafe_loschen("bot-1")
        client.uber_things.cafe_loschen("bot-2")
        assert clock.sleeps == []
        client.uber_things.cafe_loschen("bot-1")
    assert clock.sleeps == [pytest.approx(10.0)]
