"""Write the hostile corpus of ``tests/hostile/`` (run ``python -m tests.hostile.build_corpus``).

Every case is one file: a small valid spec (:data:`BASE`) with one defect, or raw text where the
defect is the text itself. The files are committed; this script documents how each was made and
rewrites them identically. ``@CANARY@`` in a file stands for the absolute path of a canary file
outside the spec's folder, filled in by the test (``tests/test_hostile.py``). Expected outcomes are
in that test's tables.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.spec.document import dump_yaml

HERE = Path(__file__).resolve().parent
OP = ("paths", "/things/{id}/", "get")
PATCH = ("paths", "/things/{id}/", "patch")
JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Hostile API", "version": "1.0.0"},
    "servers": [{"url": "https://api.example.test"}],
    "security": [{"Key": []}],
    "paths": {
        "/things/{id}/": {
            "get": {
                "operationId": "thing_retrieve",
                "tags": ["thing"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": JSON}},
                "x-rate-limit": {"limit": 5, "period": 60, "scope": "workspace"},
            },
            "patch": {
                "operationId": "thing_partial_update",
                "tags": ["thing"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"content": JSON},
                "responses": {"200": {"description": "ok", "content": JSON}},
            },
        }
    },
    "components": {
        "securitySchemes": {
            "Key": {"type": "apiKey", "in": "header", "name": "Authorization", "x-credential-prefix": "Token "}
        },
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            }
        },
    },
}
LAUGHS = "".join(
    [f"l0: &l0 [{', '.join(['lol'] * 10)}]\n"]
    + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 10)]
)


def base() -> dict[str, Any]:
    """A fresh copy of the valid base spec."""
    return copy.deepcopy(BASE)


def at(document: dict[str, Any], *keys: str) -> Any:
    node: Any = document
    for key in keys:
        node = node[key]
    return node


def thing(document: dict[str, Any]) -> dict[str, Any]:
    """The properties of ``Thing``."""
    props: dict[str, Any] = document["components"]["schemas"]["Thing"]["properties"]
    return props


def spec(change: Callable[[dict[str, Any]], None]) -> str:
    document = base()
    change(document)
    return dump_yaml(document)


def _set(path: tuple[str, ...], key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        at(document, *path)[key] = value

    return change


def _props(**props: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        thing(document).update(props)

    return change


def _ref(ref: str) -> Callable[[dict[str, Any]], None]:
    return _props(secret={"$ref": ref})


def _schemas(**schemas: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["components"]["schemas"].update(schemas)

    return change


def _rename_thing(name: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        schemas[name] = schemas.pop("Thing")
        for op in document["paths"]["/things/{id}/"].values():
            for part in [op.get("requestBody", {}), *op["responses"].values()]:
                if "content" in part:
                    part["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}

    return change


def _deep_schema(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        node = {"type": "object", "properties": {"inner": node}}
    return node


def _no_operations(document: dict[str, Any]) -> None:
    document["paths"] = {}


def _two_dotted(document: dict[str, Any]) -> None:
    _rename_thing("v1.Thing")(document)
    document["components"]["schemas"]["V1Thing"] = {"type": "object", "properties": {"x": {"type": "integer"}}}


def _int_path(document: dict[str, Any]) -> None:
    document["paths"][7] = {"get": {"responses": {"200": {"description": "ok"}}}}


#: Spec cases: file name -> text. Names start with the family: names, ref, alias/depth, ext (odd
#: extensions and values), struct (malformed structure), ok (valid specs that look hostile).
SPECS: dict[str, Callable[[], str]] = {
    # names
    "names_nfkc_twins.yaml": lambda: spec(
        _props(**{"fullwidth": {"type": "integer"}, "ｆｕｌｌｗｉｄｔｈ": {"type": "string"}})
    ),
    "names_homoglyph.yaml": lambda: spec(_props(**{"сlass": {"type": "string"}, "nаme": {"type": "integer"}})),
    "names_dotted_schema.yaml": lambda: spec(_rename_thing("v1.Thing")),
    "names_dotted_twins.yaml": lambda: spec(_two_dotted),
    "names_cyrillic_schema.yaml": lambda: spec(_rename_thing("Тhing")),
    "names_python_words.yaml": lambda: spec(
        _props(
            **{
                n: {"type": "string"}
                for n in ("class", "__init__", "1st", "a-b", "a_b", "self", "None", "model_config")
            }
        )
    ),
    "names_enum_unicode.yaml": lambda: spec(
        _props(kind={"type": "string", "enum": ["сlass", "class", "ｆｕｌｌ", "full", "日本", ""]})
    ),
    "names_enum_varnames.yaml": lambda: spec(
        _props(level={"type": "integer", "enum": [1, 2], "x-enum-varnames": ["сlass", "class"]})
    ),
    "names_operation_id.yaml": lambda: spec(_set(OP, "operationId", "__import__('os').system('true')")),
    "names_tag_homoglyph.yaml": lambda: spec(_set(OP, "tags", ["сlass"])),
    # references
    "ref_file_uri.yaml": lambda: spec(_ref("file://@CANARY@#/Secret")),
    "ref_absolute_path.yaml": lambda: spec(_ref("@CANARY@#/Secret")),
    "ref_parent_dir.yaml": lambda: spec(_ref("../canary.yaml#/Secret")),
    "ref_remote.yaml": lambda: spec(_ref("http://127.0.0.1:9/canary.yaml#/Secret")),
    "ref_under_example_property.yaml": lambda: spec(_props(example={"$ref": "../canary.yaml#/Secret"})),
    "ref_id_base.yaml": lambda: spec(_props(secret={"$id": "file://@CANARY@", "$ref": "#/Secret"})),
    "ref_dangling.yaml": lambda: spec(_ref("#/components/schemas/Missing")),
    "ref_into_scalar.yaml": lambda: spec(_ref("#/info/title/x")),
    "ref_cycle.yaml": lambda: spec(
        _schemas(A={"$ref": "#/components/schemas/B"}, B={"$ref": "#/components/schemas/A"})
    ),
    # aliases and depth
    "alias_bomb.yaml": lambda: spec(lambda d: None) + LAUGHS + "x-bomb: *l9\n",
    "alias_recursive.yaml": lambda: spec(lambda d: None) + "x-loop: &loop [*loop]\n",
    "depth_flow_50k.yaml": lambda: spec(lambda d: None) + "x-deep: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "depth_block_500.yaml": lambda: spec(lambda d: None) + "x-deep:\n" + "".join(" " * i + "- \n" for i in range(500)),
    "depth_schema_180.json": lambda: json.dumps(
        {
            **base(),
            "components": {
                **base()["components"],
                "schemas": {**BASE["components"]["schemas"], "Deep": _deep_schema(180)},
            },
        }
    ),
    # odd extensions and values
    "ext_rate_limit_inf.yaml": lambda: spec(_set(OP, "x-rate-limit", {"limit": 5, "period": float("inf")})),
    "ext_rate_limit_nan.yaml": lambda: spec(_set(OP, "x-rate-limit", {"limit": 5, "period": float("nan")})),
    "ext_rate_limit_huge.yaml": lambda: spec(_set(OP, "x-rate-limit", {"limit": 10**22, "period": 60})),
    "ext_rate_limit_hex_digits.yaml": lambda: spec(lambda d: None).replace("limit: 5", "limit: 0x" + "f" * 5000),
    "ext_version_date.yaml": lambda: spec(lambda d: None).replace("version: 1.0.0", "version: 2024-06-10"),
    "ext_version_garbage.yaml": lambda: spec(_set(("info",), "version", 'one "point" oh\n')),
    "ext_credential_prefix_quotes.yaml": lambda: spec(
        _set(("components", "securitySchemes", "Key"), "x-credential-prefix", '"; import os; "\\')
    ),
    "ext_maximum_inf.yaml": lambda: spec(_props(size={"type": "number", "maximum": float("inf")})),
    "ext_bad_pattern.yaml": lambda: spec(_props(code={"type": "string", "pattern": "["})),
    "ext_text_injection.yaml": lambda: spec(
        _props(note={"type": "string", "description": '""" \x00 \u2028 \x1b \\ )"""; import os #'})
    ),
    "ext_surrogate.json": lambda: json.dumps(base()).replace('"Hostile API"', '"\\ud800"'),
    "ext_binary_tag.yaml": lambda: spec(lambda d: None) + "x-blob: !!binary aGVsbG8=\n",
    "ext_duplicate_key.yaml": lambda: spec(lambda d: None) + "openapi: 3.0.0\n",
    # malformed structure
    "struct_components_string.yaml": lambda: spec(_set((), "components", "x")),
    "struct_info_null.yaml": lambda: spec(_set((), "info", None)),
    "struct_responses_list.yaml": lambda: spec(_set(OP, "responses", ["200"])),
    "struct_path_integer_key.yaml": lambda: spec(_int_path),
    "struct_request_body_string.yaml": lambda: spec(_set(PATCH, "requestBody", "oops")),
    "struct_paths_list.yaml": lambda: spec(_set((), "paths", [])),
    "struct_paths_null.yaml": lambda: spec(_set((), "paths", None)),
    "struct_content_list.yaml": lambda: spec(_set(PATCH, "requestBody", {"content": []})),
    "struct_properties_list.yaml": lambda: spec(_set(("components", "schemas", "Thing"), "properties", ["id"])),
    "struct_not_a_mapping.yaml": lambda: "- openapi: 3.1.0\n- paths: {}\n",
    "struct_scalar.yaml": lambda: "just some text\n",
    "struct_empty.yaml": lambda: "",
    "struct_swagger_2.yaml": lambda: 'swagger: "2.0"\ninfo: {title: x, version: "1"}\npaths: {}\n',
    "struct_not_yaml.yaml": lambda: "openapi: 3.1.0\npaths: [\n",
    "struct_two_documents.yaml": lambda: spec(lambda d: None) + "---\nopenapi: 3.1.0\n",
    # valid specs that look hostile: they must generate a package that imports
    "ok_no_operations.yaml": lambda: spec(_no_operations),
    "ok_recursive_schema.yaml": lambda: spec(
        _props(children={"type": "array", "items": {"$ref": "#/components/schemas/Thing"}})
    ),
    "ok_depth_schema_40.json": lambda: json.dumps(
        {
            **base(),
            "components": {
                **base()["components"],
                "schemas": {**BASE["components"]["schemas"], "Deep": _deep_schema(40)},
            },
        }
    ),
    "ok_integer_status_keys.yaml": lambda: spec(lambda d: None).replace("'200':", "200:"),
}

#: Page cases for ``normalize``: file name -> text, each a defect of :data:`PAGE` (the valid page of tests/test_cli.py).
PAGE = """---
title: "Retrieve ThingMoon (Dark Mode)Sun (Light Mode)"
source_file: "reference/thing_retrieve.html"
is_api_reference: "true"
---
## GET https://us-east-1.recall.ai/api/v1/thing/{id}/

This endpoint is rate limited to: 300 requests per min per workspace

## Parameters

| Name | Type | Required | Description |
| --- | --- | --- | --- |
| id | uuid | Yes |  |
| name | string | Yes |  |

## Python Code Sample

```python
import requests
url = "https://us-east-1.recall.ai/api/v1/thing/id/"
response = requests.get(url)
```

## Sample Response

```json
{"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "name": "string"}
```
"""
_FM = 'is_api_reference: "true"\n'
_CALL = "response = requests.get(url)"
_RESPONSE = '{"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "name": "string"}'
PAGES: dict[str, Callable[[], str]] = {
    "frontmatter_alias_bomb.md": lambda: PAGE.replace(_FM, _FM + LAUGHS + "x: *l9\n"),
    "frontmatter_alias_title.md": lambda: PAGE.replace('title: "Retrieve Thing', LAUGHS + 'title: *l9\nt: "'),
    "frontmatter_deep.md": lambda: PAGE.replace(_FM, _FM + "x: " + "[" * 50_000 + "]" * 50_000 + "\n"),
    "frontmatter_not_mapping.md": lambda: PAGE.replace(_FM, "").replace("---\ntitle", "---\n- title", 1),
    "rate_limit_5000_digits.md": lambda: PAGE.replace("300 requests", "9" * 5000 + " requests"),
    "rate_limit_digit_run.md": lambda: PAGE.replace("300 requests per min", "9" * 200_000 + " x"),
    "default_hex_5000_digits.md": lambda: PAGE.replace(
        "| name | string | Yes |  |", "| name | integer | Yes | Default: 0x" + "f" * 5000 + " |"
    ),
    "default_5000_digits.md": lambda: PAGE.replace(
        "| name | string | Yes |  |", "| name | integer | Yes | Default: " + "9" * 5000 + " |"
    ),
    "sample_hex_literal.md": lambda: PAGE.replace(
        _CALL, 'payload = {"name": 0x' + "f" * 5000 + "}\nresponse = requests.get(url, json=payload)"
    ),
    "sample_infinite_float.md": lambda: PAGE.replace(
        _CALL, 'payload = {"name": 1e999}\nresponse = requests.get(url, json=payload)'
    ),
    "sample_quote_64k_line.md": lambda: PAGE.replace(
        _CALL, 'payload = {"name": "a"' + " " * 65_000 + 'b"}\nresponse = requests.get(url, json=payload)'
    ),
    "response_5000_digits.md": lambda: PAGE.replace(_RESPONSE, '{"id": "x", "name": ' + "9" * 5000 + "}"),
    "response_infinity.md": lambda: PAGE.replace(_RESPONSE, '{"id": "x", "name": Infinity, "n": 1e999}'),
}

#: Overlay cases for ``normalize --overlay``.
OVERLAYS: dict[str, Callable[[], str]] = {
    "update_into_string.yaml": lambda: (
        "overlay: 1.0.0\ninfo: {title: x, version: '1'}\nactions:\n"
        "  - target: $.info.title\n    update: {description: not for a string}\n"
    ),
    "update_list_into_object.yaml": lambda: (
        "overlay: 1.0.0\ninfo: {title: x, version: '1'}\nactions:\n  - target: $.info\n    update: [1, 2]\n"
    ),
    "alias_bomb.yaml": lambda: (
        "overlay: 1.0.0\ninfo: {title: x, version: '1'}\n"
        + LAUGHS
        + "actions:\n  - target: $.info\n    update: {x: *l9}\n"
    ),
}


def main() -> None:
    """Write every case (UTF-8, LF)."""
    for folder, cases in (("specs", SPECS), ("pages", PAGES), ("overlays", OVERLAYS)):
        for name, make in cases.items():
            (HERE / folder / name).write_text(make(), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
