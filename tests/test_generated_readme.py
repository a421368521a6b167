"""``generated/README.md`` documents the whole API: every group (resource) and every operation is
named, and every example line is valid Python calling a method that exists with arguments it accepts.

The examples are read with ``ast`` (nothing is executed) and checked against the generated
signatures: ``client.<group>.<method>(...)`` must name a group of the client and a method of it,
the arguments must bind to the method's signature (path parameters positional, the rest by
keyword), and every literal value must be accepted by the argument's annotation (pydantic, as
the client validates it). ``{...}``/``[...]``/``'...'`` are the README's placeholders for values
too long to print; they are allowed only where the annotation takes such a value.
"""

from __future__ import annotations

import ast
import inspect
import typing
from pathlib import Path
from typing import Any

import pydantic
import pytest
from recall_client import RecallClient
from recall_client.resources import OPERATIONS

README = Path(__file__).resolve().parents[1] / "generated" / "README.md"
TEXT = README.read_text(encoding="utf-8")
GROUPS = sorted({op.group for op in OPERATIONS.values()})
CLIENT = RecallClient(api_key="k", calendar_auth_token="t")


def _examples() -> list[ast.Call]:
    """The calls of the README's "Examples" code block, in order."""
    block = TEXT.split("### Examples", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    calls = []
    for statement in ast.parse(block).body:
        assert isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call), ast.unparse(statement)
        calls.append(statement.value)
    return calls


EXAMPLES = _examples()


def _target(call: ast.Call) -> tuple[str, str]:
    """(group, method) of ``client.<group>.<method>(...)``."""
    func = call.func
    assert isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute), ast.unparse(call)
    assert isinstance(func.value.value, ast.Name) and func.value.value.id == "client", ast.unparse(call)
    return func.value.attr, func.attr


def test_the_readme_names_every_group_with_an_example() -> None:
    assert len(GROUPS) >= 20  # the whole API, not the seed operations
    examples_by_group = {_target(call)[0] for call in EXAMPLES}
    for group in GROUPS:
        assert f"`client.{group}." in TEXT, f"group {group} is not in the operations table"
    assert set(GROUPS) == examples_by_group


def test_the_readme_lists_every_operation_with_one_example() -> None:
    listed = [f"client.{op.group}.{op.method_name}" for op in OPERATIONS.values()]
    for name in listed:
        assert f"| `{name}` |" in TEXT, name
    assert sorted(".".join(("client", *_target(call))) for call in EXAMPLES) == sorted(listed)


def _placeholder(node: ast.expr) -> bool:
    return any(isinstance(n, ast.Constant) and (n.value is Ellipsis or n.value == "...") for n in ast.walk(node))


def _accepts(annotation: Any, value: Any) -> bool:
    """True when pydantic validates ``value`` for ``annotation`` (``NotGiven`` aside)."""
    try:
        pydantic.TypeAdapter(annotation, config=pydantic.ConfigDict(arbitrary_types_allowed=True)).validate_python(
            value
        )
    except pydantic.ValidationError:
        return False
    return True


def _takes_container(annotation: Any, kind: type) -> bool:
    """The annotation takes a mapping/model (``kind`` dict) or a sequence (``kind`` list)."""
    for member in typing.get_args(annotation) or (annotation,):
        origin = typing.get_origin(member) or member
        if kind is dict and (
            (isinstance(origin, type) and issubclass(origin, pydantic.BaseModel))
            or origin in (dict, typing.Mapping)
            or str(origin).endswith("Mapping")
        ):
            return True
        if kind is list and (origin in (list, typing.Sequence) or str(origin).endswith("Sequence")):
            return True
    return False


def _problems(call: ast.Call) -> list[str]:
    """Why ``call`` is not a call the client accepts (empty: it is)."""
    group, method_name = _target(call)
    method = getattr(getattr(CLIENT, group, None), method_name, None)
    if not callable(method):
        return [f"client.{group}.{method_name} does not exist"]
    signature = inspect.signature(method)
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg is not None}
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        return [f"client.{group}.{method_name}: {exc}"]
    hints = typing.get_type_hints(method)
    nodes = dict(zip(list(signature.parameters)[: len(call.args)], call.args, strict=False))
    nodes |= {k.arg: k.value for k in call.keywords if k.arg is not None}
    problems = []
    for name, value in bound.arguments.items():
        node, annotation = nodes[name], hints[name]
        if _placeholder(node):
            kind = dict if isinstance(node, ast.Set | ast.Dict) else list if isinstance(node, ast.List) else str
            if not (kind is str or _takes_container(annotation, kind)):
                problems.append(f"{name}: placeholder {ast.unparse(node)} for {annotation}")
        elif not _accepts(annotation, value):
            problems.append(f"{name}={value!r}: not a {annotation}")
    return problems


@pytest.mark.parametrize("call", EXAMPLES, ids=[".".join(_target(c)) for c in EXAMPLES])
def test_each_example_calls_a_method_that_accepts_its_arguments(call: ast.Call) -> None:
    assert _problems(call) == [], ast.unparse(call)


@pytest.mark.parametrize(
    "line",
    [
        "client.bots.list()",  # no such group
        "client.bot.lists()",  # no such method
        "client.bot.retrieve()",  # the path parameter is missing
        'client.bot.list(colour="red")',  # no such argument
        # b64_data: an int where a str goes (kind is an open enum: "wav" would be a valid str)
        'client.bot.output_audio_create("3fa85f64-5717-4562-b3fc-2c963f66afa6", kind="mp3", b64_data=1)',
        'client.bot.list(page="two")',
        "client.bot.create(meeting_url=[...])",  # a list placeholder where a string goes
    ],
)
def test_the_check_finds_wrong_examples(line: str) -> None:
    call = ast.parse(line).body[0].value  # type: ignore[attr-defined]
    assert _problems(call)
