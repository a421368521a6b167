"""Path templates: matching request paths, and what kind of resource each template addresses.

Kinds are derived from the spec alone (no per-endpoint knowledge):

- **item**: the last segment is a parameter (``/api/v1/recording/{id}/``); its collection is the
  template without that segment and the parameter is the resource id.
- **collection**: a template that has an item template below it, whose GET answers a list
  (a JSON array, or an object with a ``results`` array: the ``{next, previous, results}``
  envelope), or whose POST answers 201.
- **action**: any other template whose parent template (one segment up) is a known resource
  (``/api/v1/bot/{id}/leave_call/`` under the item ``/api/v1/bot/{id}/``).
- **singleton**: the rest (``/api/v1/calendar/user/``): one resource per concrete path.

Matching prefers the template with the most literal segments, so ``/calendar/meetings/refresh/``
wins over ``/calendar/meetings/{id}/`` (OpenAPI 3.1.0 section 4.8.8: concrete paths match first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from generator.sandbox.spec import schema_of, success_of
from generator.spec.model import Spec
from generator.spec.refs import Refs, join_pointer

_PARAM = re.compile(r"\{([^{}]+)\}")


class Kind(StrEnum):
    """What a path template addresses."""

    ITEM = "item"
    COLLECTION = "collection"
    SINGLETON = "singleton"
    ACTION = "action"


@dataclass(frozen=True)
class ListShape:
    """How a list response is laid out: a bare ``array`` or an ``envelope`` with ``field`` holding items."""

    kind: str
    items: str
    field: str = ""


@dataclass(frozen=True)
class Route:
    """One path template with its kind; ``related`` is the collection (item) or the parent (action)."""

    template: str
    kind: Kind
    related: str | None = None
    id_param: str | None = None

    def fill(self, template: str, params: dict[str, str]) -> str:
        """``template`` with each ``{name}`` replaced by ``params[name]`` (left as is when absent)."""
        return _PARAM.sub(lambda m: params.get(m.group(1), m.group(0)), template)


def parent_of(template: str) -> str:
    """The template one segment up, keeping the trailing-slash style: ``/a/{id}/x/`` -> ``/a/{id}/``."""
    trailing = template.endswith("/")
    segments = [s for s in template.split("/") if s]
    if not segments:
        return "/"
    return "/" + "/".join(segments[:-1]) + ("/" if trailing and len(segments) > 1 else "")


def last_param(template: str) -> str | None:
    """The parameter name when the last segment is exactly ``{name}``, else None."""
    segments = [s for s in template.split("/") if s]
    match = _PARAM.fullmatch(segments[-1]) if segments else None
    return match.group(1) if match else None


def list_shape(refs: Refs, pointer: str | None) -> ListShape | None:
    """The list layout of the schema at ``pointer``, or None when it is not a list."""
    if pointer is None:
        return None
    ptr, node = refs.deref(pointer)
    if "array" in refs.types(ptr):
        return ListShape("array", join_pointer(ptr, "items"))
    properties = node.get("properties", {}) if isinstance(node, dict) else {}
    if "results" in properties:
        results_ptr, _ = refs.deref(join_pointer(ptr, "properties", "results"))
        if "array" in refs.types(results_ptr):
            return ListShape("envelope", join_pointer(results_ptr, "items"), "results")
    return None


class RouteTable:
    """Every path template of the spec (plus implied collections) with its :class:`Route`.

    ``match(path)`` returns ``(route, params)`` for a concrete request path, or None.
    """

    def __init__(self, spec: Spec) -> None:
        self.routes: dict[str, Route] = {}
        templates = spec.paths
        implied = {parent_of(t) for t in templates if last_param(t)}
        known = set(templates) | implied
        for template in templates:
            param = last_param(template)
            if param is not None:
                self.routes[template] = Route(template, Kind.ITEM, parent_of(template), param)
            elif template in implied or self._looks_like_collection(spec, template):
                self.routes[template] = Route(template, Kind.COLLECTION, template)
            elif parent_of(template) in known and parent_of(template) != template:
                self.routes[template] = Route(template, Kind.ACTION, parent_of(template))
            else:
                self.routes[template] = Route(template, Kind.SINGLETON)
        for template in implied - set(templates):
            self.routes[template] = Route(template, Kind.COLLECTION, template)
        self._served = [(self._compile(t), t) for t in templates]

    @staticmethod
    def _looks_like_collection(spec: Spec, template: str) -> bool:
        get = spec.route("GET", template)
        post = spec.route("POST", template)
        if get is not None and list_shape(spec.refs, schema_of(success_of(get))) is not None:
            return True
        return post is not None and success_of(post).code == 201

    @staticmethod
    def _compile(template: str) -> tuple[re.Pattern[str], list[str], int]:
        names: list[str] = []
        pattern = ""
        position = 0
        for match in _PARAM.finditer(template):
            pattern += re.escape(template[position : match.start()]) + f"(?P<p{len(names)}>[^/]+)"
            names.append(match.group(1))
            position = match.end()
        pattern += re.escape(template[position:])
        literal_segments = sum(1 for s in template.split("/") if s and "{" not in s)
        return re.compile(pattern), names, literal_segments

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        """The served template matching ``path`` (most literal segments first) and its parameters."""
        best: tuple[int, Route, dict[str, str]] | None = None
        for (regex, names, literals), template in self._served:
            found = regex.fullmatch(path)
            if found and (best is None or literals > best[0]):
                params = {name: found.group(f"p{i}") for i, name in enumerate(names)}
                best = (literals, self.routes[template], params)
        return (best[1], best[2]) if best else None
