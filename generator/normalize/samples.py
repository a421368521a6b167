"""Read the Python code samples of reference pages without running them.

A sample looks like (``../shared/corpus/README.md``, "The page format")::

    url = "https://us-east-1.recall.ai/api/v1/recording/id/"
    payload = { "metadata": { "additionalProp": "string" } }
    response = requests.patch(url, json = payload, headers = headers)

It is parsed with :mod:`ast`; only literal nodes (dicts, lists, strings, numbers, ``True``,
``False``, ``None``) are turned into values. Nothing from a page is ever evaluated or executed.
Seven corpus samples carry a stray quote after a value (``"max_speakers": 0"``); those are
repaired line by line before parsing and reported. Work is bounded: samples over
:data:`MAX_SAMPLE_CHARS` are not parsed (the verb and URL are still read), repairs stop after
``_MAX_REPAIRS`` attempts or ``_PARSE_BUDGET`` characters parsed, and literals are JSON numbers
(integers up to :data:`MAX_INT_BITS` bits, finite floats).
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

#: HTTP verbs of the ``requests`` module that a sample may call.
VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})

_MAX_REPAIRS = 32
#: Longest sample parsed with :mod:`ast` (characters; real samples are under 5,000): ``ast`` needs
#: about 250 bytes of memory per character of source. Longer samples are read by the regex fallback.
MAX_SAMPLE_CHARS = 200_000
#: Characters parsed in all, over the repair attempts of one sample (keeps repairs linear).
_PARSE_BUDGET = 4_000_000
#: Largest integer a sample literal may hold (bits); 0xfff... literals are otherwise unbounded.
MAX_INT_BITS = 256


#: Separates a key from its occurrence number when a sample repeats a key (``a#2``).
DUPLICATE_MARK = "#"


#: Longest number read from JSON text (characters); ``int()`` refuses over 4,300 digits.
MAX_NUMBER_CHARS = 100


def _json_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"a number of {len(text)} digits")
    return int(text)


def _json_float(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too long or not finite")
    return value


def _json_constant(text: str) -> float:
    raise ValueError(f"{text} is not a JSON number")


def load_json(text: str) -> object:
    """``json.loads`` of ``text`` with JSON numbers only: integers of at most
    :data:`MAX_NUMBER_CHARS` digits, finite floats, no ``NaN``/``Infinity``.

    Raises ``json.JSONDecodeError`` for malformed JSON, ValueError for a refused number and
    RecursionError for deep nesting.
    """
    return json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant)


class NotLiteral(ValueError):
    """A payload node is not a plain literal (a call, a name, an f-string...)."""


@dataclass(frozen=True)
class CodeSample:
    """What a Python code sample says about its request.

    ``line`` is the 1-based file line of the fence; ``verb`` is lower-case or None when no
    ``requests.<verb>(...)`` call was found. ``payload`` is the JSON-compatible value of the
    ``json=`` argument, or None with ``has_payload`` False when the call sends no body.
    ``problems`` lists (code, message, line) for the caller to turn into diagnostics.
    """

    line: int
    verb: str | None = None
    verb_line: int = 0
    url: str | None = None
    payload: object = None
    has_payload: bool = False
    query: dict[str, object] = field(default_factory=dict)
    problems: tuple[tuple[str, str, int], ...] = ()


def literal_value(node: ast.AST) -> object:
    """Turn an :mod:`ast` literal node into a JSON-compatible value.

    Dict keys become strings; tuples become lists. Raises :class:`NotLiteral` for anything
    else, so no page text is ever evaluated.
    """
    if isinstance(node, ast.Constant):
        constant = node.value
        if isinstance(constant, int) and not isinstance(constant, bool) and constant.bit_length() > MAX_INT_BITS:
            raise NotLiteral(f"an integer of {constant.bit_length()} bits")  # hex literals are unbounded
        if isinstance(constant, float) and not math.isfinite(constant):
            raise NotLiteral(f"{constant} is not a JSON number")  # 1e999
        if isinstance(constant, (str, int, float, bool)) or constant is None:
            return constant
        raise NotLiteral(f"unsupported constant {type(constant).__name__}")
    if isinstance(node, ast.Dict):
        out: dict[str, object] = {}
        for key, value in zip(node.keys, node.values, strict=False):
            if key is None:
                raise NotLiteral("dict unpacking")
            name = str(literal_value(key))
            n = 2
            unique = name
            while unique in out:  # digit-stripped keys collide: keep both, marked (see repair_keys)
                unique, n = f"{name}{DUPLICATE_MARK}{n}", n + 1
            out[unique] = literal_value(value)
        return out
    if isinstance(node, (ast.List, ast.Tuple)):
        return [literal_value(e) for e in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = literal_value(node.operand)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner if isinstance(node.op, ast.USub) else inner
    raise NotLiteral(f"not a literal: {type(node).__name__}")


def _repair(source: str, error: SyntaxError) -> str | None:
    """Drop one stray trailing quote on the line the parser choked on, or give up.

    The quote is the line's last ``"``, preceded by neither a quote nor a space, and followed only
    by spaces and at most one of ``,}]`` (``"max_speakers": 0",``). Linear in the line's length.
    """
    lines = source.split("\n")
    index = (error.lineno or 0) - 1
    if not 0 <= index < len(lines):
        return None
    line = lines[index]
    if line.count('"') % 2 == 0:
        return None
    quote = line.rfind('"')
    tail = line[quote + 1 :]
    rest = tail.strip()
    if quote < 1 or line[quote - 1] == '"' or line[quote - 1].isspace() or (rest and rest not in (",", "}", "]")):
        return None
    lines[index] = line[:quote] + tail
    return "\n".join(lines)


def _parse_module(source: str) -> tuple[ast.Module | None, list[int], str]:
    """Parse, repairing stray quotes; return (tree, sample lines repaired, last error text)."""
    repaired: list[int] = []
    if len(source) > MAX_SAMPLE_CHARS:
        return None, repaired, f"{len(source)} characters; at most {MAX_SAMPLE_CHARS} are parsed"
    parsed = 0
    while True:
        parsed += len(source)
        try:
            return ast.parse(source), repaired, ""
        except (RecursionError, MemoryError):
            return None, repaired, "nested too deeply to parse"
        except SyntaxError as exc:
            within = len(repaired) < _MAX_REPAIRS and parsed + len(source) <= _PARSE_BUDGET
            fixed = _repair(source, exc) if within else None
            if fixed is None:
                return None, repaired, f"{exc.msg} (sample line {exc.lineno})"
            source = fixed
            repaired.append(exc.lineno or 0)


_VERB_CALL = re.compile(r"\brequests\.(?P<verb>[a-z]+)\s*\(")
_URL_ASSIGN = re.compile(r'^\s*url\s*=\s*"(?P<url>[^"]*)"', re.M)


def parse_code_sample(source: str, line: int) -> CodeSample:
    """Read a Python sample whose fence opens at file line ``line`` (1-based).

    Returns a :class:`CodeSample`; never raises. The sample's own line ``n`` is file line
    ``line + n``.
    """
    problems: list[tuple[str, str, int]] = []
    tree, repaired, error = _parse_module(source)
    for number in repaired:
        problems.append(("sample-repaired", "removed a stray quote that broke the Python sample", line + number))
    if tree is None:
        problems.append(("sample-unparsable", f"Python sample does not parse: {error}", line))
        return _regex_fallback(source, line, tuple(problems))

    names: dict[str, ast.AST] = {}
    verb: str | None = None
    verb_line = 0
    call: ast.Call | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                names.setdefault(target.id, node.value)
        if (
            call is None
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "requests"
            and node.func.attr in VERBS
        ):
            call, verb, verb_line = node, node.func.attr, line + node.lineno

    url: str | None = None
    payload: object = None
    has_payload = False
    query: dict[str, object] = {}
    url_node = names.get("url")
    if call is not None:
        if call.args:
            url_node = _resolve(call.args[0], names)
        for kw in call.keywords:
            value_node = _resolve(kw.value, names)
            if kw.arg in ("json", "data"):
                try:
                    payload, has_payload = literal_value(value_node), True
                except RecursionError:
                    problems.append(
                        ("sample-not-literal", "payload ignored: nested too deeply", line + kw.value.lineno)
                    )
                except NotLiteral as exc:
                    problems.append(("sample-not-literal", f"payload ignored: {exc}", line + kw.value.lineno))
            elif kw.arg == "params":
                try:
                    value = literal_value(value_node)
                except NotLiteral:
                    value = None
                if isinstance(value, dict):
                    query = value
    if url_node is not None:
        try:
            value = literal_value(url_node)
        except NotLiteral:
            value = None
        if isinstance(value, str):
            url = value
    return CodeSample(line, verb, verb_line, url, payload, has_payload, query, tuple(problems))


def _resolve(node: ast.AST, names: dict[str, ast.AST]) -> ast.AST:
    """Follow one level of ``name = literal`` assignment."""
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    return node


def _regex_fallback(source: str, line: int, problems: tuple[tuple[str, str, int], ...]) -> CodeSample:
    """Recover the verb and URL of a sample that does not parse; its payload is lost."""
    verb: str | None = None
    verb_line = 0
    for offset, text in enumerate(source.split("\n"), start=1):
        match = _VERB_CALL.search(text)
        if match and match.group("verb") in VERBS:
            verb, verb_line = match.group("verb"), line + offset
            break
    url_match = _URL_ASSIGN.search(source)
    url = url_match.group("url") if url_match else None
    has_payload = bool(re.search(r"\bjson\s*=", source))
    return CodeSample(line, verb, verb_line, url, None, has_payload, {}, problems)


def repair_keys(value: object, known: set[str]) -> tuple[object, list[tuple[str, str]]]:
    """Restore keys whose digits were stripped (``b_data`` -> ``b64_data``) from ``known`` names.

    A key matches a known name when they are equal once digits are removed; repeated keys
    (``gladia_v_streaming`` twice) take the matching names in sorted order. Unrepairable
    repeats are dropped. Returns the repaired value and the (old, new) renames made.
    """
    renames: list[tuple[str, str]] = []
    by_stripped: dict[str, list[str]] = {}

    def candidates(base: str) -> list[str]:
        # ``known`` indexed by names without digits when a key first needs it: most payloads use
        # known keys only (3 calls in 4 on the corpus), and sorting and indexing ``known`` (the
        # page's names and those of every other page: about 400) at every call was 6% of
        # reconciling a page.
        if not by_stripped:
            for name in sorted(known):
                by_stripped.setdefault(_strip_digits(name), []).append(name)
        return by_stripped.get(_strip_digits(base), [])

    return _restore_keys(value, known, candidates, renames), renames


def _restore_keys(
    node: object, known: set[str], candidates: Callable[[str], list[str]], renames: list[tuple[str, str]]
) -> object:
    """:func:`repair_keys` on ``node`` (a function of the module, not a closure: a closure that
    calls itself is a reference cycle, which only the collector frees, and ``known`` with it)."""
    if isinstance(node, list):
        return [_restore_keys(item, known, candidates, renames) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, object] = {}
    used: dict[str, int] = {}
    for key, item in node.items():
        base = key.split(DUPLICATE_MARK)[0] if DUPLICATE_MARK in key else key
        new = base
        if base not in known:
            found = [c for c in candidates(base) if c not in node]
            index = used.get(base, 0)
            if index < len(found):
                new = found[index]
                used[base] = index + 1
                renames.append((base, new))
        if new in out:
            continue
        out[new] = _restore_keys(item, known, candidates, renames)
    return out


def _strip_digits(name: str) -> str:
    return re.sub(r"[0-9]", "", name)
