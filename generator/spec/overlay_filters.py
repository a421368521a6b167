"""Overlay targets compiled with python-jsonpath, their simple filters evaluated directly.

python-jsonpath evaluates a filter such as ``[?@.properties.bot_id && !@.properties.raw]`` on
every member of the object it filters by building a match (with its path) for every step of
every query: over the thousands of schemas of a large document, most of an overlay's run.
:func:`compile_target` compiles a target with the library, then gives each filter made only of
the shapes below a predicate that reads the member directly; the library still walks the path,
selects, orders and reports the matches, and evaluates every other filter:

- ``@`` followed by names (``.a``, ``['a']``), indices (``[0]``) and filters of these shapes:
  true when it selects something (RFC 9535 existence test);
- ``<singular query> == 'string'`` (either side): true when the query selects a value equal
  to the string;
- ``&&``, ``||`` and ``!`` of these.

The predicate gives the library's verdict; for a value it does not foresee (an index into an
object, a type that is neither JSON data nor a dict or list) it hands that member to the
library's own evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jsonpath
from jsonpath.filter import FilterExpression, InfixExpression, PrefixExpression, RelativeFilterQuery, StringLiteral
from jsonpath.path import CompoundJSONPath, JSONPath
from jsonpath.segments import JSONPathChildSegment
from jsonpath.selectors import Filter, FilterContext, IndexSelector, NameSelector

Predicate = Callable[[Any], bool]
Step = Callable[[Any], Iterator[Any]]

_SCALARS = (str, int, float, bool, type(None))


class _Unforeseen(Exception):
    """A shape (at compile time) or a value (at run time) left to python-jsonpath."""


def compile_target(target: str) -> JSONPath | CompoundJSONPath:
    """``jsonpath.compile(target)``, each filter of a shape the module docstring lists evaluated
    directly (same matches, in the same order, as the library alone finds)."""
    path = jsonpath.compile(target)
    parts: list[JSONPath | CompoundJSONPath] = [path]
    while parts:
        one = parts.pop()
        if isinstance(one, CompoundJSONPath):
            parts += [one.path, *(p for _, p in one.paths)]
        else:
            _speed_up(one)
    return path


def _speed_up(path: JSONPath) -> None:
    for segment in path.segments:
        for selector in segment.selectors:
            if isinstance(selector, Filter) and not isinstance(selector.expression, _DirectFilter):
                try:
                    predicate = _truth(selector.expression)
                except _Unforeseen:
                    continue
                if not selector.cacheable_nodes:  # a filter that caches (root queries) stays as it is
                    selector.expression = _DirectFilter(selector.expression, predicate)


class _DirectFilter(FilterExpression):
    """A filter expression evaluated by a predicate on the current member (the library's own
    expression for a member the predicate does not foresee)."""

    __slots__ = ("original", "predicate")

    def __init__(self, original: FilterExpression, predicate: Predicate) -> None:
        super().__init__(original.expression)
        self.original = original
        self.predicate = predicate

    def evaluate(self, context: FilterContext) -> bool:
        try:
            return self.predicate(context.current)
        except _Unforeseen:
            return self.original.evaluate(context)


def _truth(expression: Any) -> Predicate:
    """The predicate for a filter (sub)expression; :class:`_Unforeseen` for another shape."""
    if type(expression) is FilterExpression:
        return _truth(expression.expression)
    if type(expression) is RelativeFilterQuery:
        select = _query(expression)
        return lambda value: next(select(value), _NOTHING) is not _NOTHING
    if type(expression) is PrefixExpression and expression.operator == "!":
        right = _truth(expression.right)
        return lambda value: not right(value)
    if type(expression) is InfixExpression and expression.operator in ("&&", "||"):
        left, right = _truth(expression.left), _truth(expression.right)
        if expression.operator == "&&":
            return lambda value: left(value) and right(value)
        return lambda value: left(value) or right(value)
    if type(expression) is InfixExpression and expression.operator == "==":
        query, literal = expression.left, expression.right
        if type(query) is StringLiteral:
            query, literal = literal, query
        if type(query) is not RelativeFilterQuery or type(literal) is not StringLiteral:
            raise _Unforeseen
        steps = [segment.selectors[0] for segment in query.path.segments]
        if not all(type(step) in (NameSelector, IndexSelector) for step in steps):
            raise _Unforeseen  # a query that may select several values
        select, text = _query(query), literal.value
        return lambda value: next(select(value), _NOTHING) == text
    raise _Unforeseen


class _Nothing:
    """Selected nothing (never equal to a string)."""


_NOTHING = _Nothing()


def _query(query: RelativeFilterQuery) -> Callable[[Any], Iterator[Any]]:
    """The values ``@...`` selects from a member, in the library's order."""
    if query.path.empty():
        raise _Unforeseen
    steps: list[Step] = []
    for segment in query.path.segments:
        if type(segment) is not JSONPathChildSegment or len(segment.selectors) != 1:
            raise _Unforeseen
        steps.append(_step(segment.selectors[0]))

    def select(value: Any) -> Iterator[Any]:
        found: Iterator[Any] = iter((value,))
        for step in steps:
            found = _chain(step, found)
        return found

    return select


def _chain(step: Step, values: Iterator[Any]) -> Iterator[Any]:
    for value in values:
        yield from step(value)


def _step(selector: Any) -> Step:
    if type(selector) is NameSelector:
        name = selector.name

        def by_name(value: Any) -> Iterator[Any]:
            if type(value) is dict:
                if name in value:
                    yield value[name]
            elif not isinstance(value, (*_SCALARS, list)):
                raise _Unforeseen

        return by_name
    if type(selector) is IndexSelector:
        index = selector.index

        def by_index(value: Any) -> Iterator[Any]:
            if type(value) is list:
                if -len(value) <= index < len(value):
                    yield value[index]
            elif not isinstance(value, _SCALARS):  # an object: the library tries the index as a key
                raise _Unforeseen

        return by_index
    if type(selector) is Filter and not selector.cacheable_nodes:
        keep = _truth(selector.expression)

        def by_filter(value: Any) -> Iterator[Any]:
            if type(value) is dict:
                yield from (member for member in value.values() if keep(member))
            elif type(value) is list:
                yield from (member for member in value if keep(member))
            elif not isinstance(value, _SCALARS):
                raise _Unforeseen

        return by_filter
    raise _Unforeseen
