"""Resource semantics, derived generically from the spec's paths (kinds: :mod:`generator.sandbox.routes`).

- **item** (``/x/{id}/``): GET returns the stored resource (404 when unknown); PATCH merges the
  body's top-level members into it (a shallow merge: ``metadata`` is replaced as a whole); PUT
  replaces the writable fields (the request schema's properties; absent ones are dropped); POST
  behaves like PATCH; DELETE removes it (then 404).
- **collection** (``/x/``): GET lists the stored items in the declared shape (array, or the
  ``{next, previous, results}`` envelope with ``next``/``previous`` null: no pagination; query
  filters are validated but not applied); POST creates: the body's members over the response
  example, with a new uuid4 ``id``.
- **singleton** (``/calendar/user/``): one resource per concrete path; GET/PUT/PATCH/DELETE as for
  an item (PUT recreates a deleted one); POST returns it unchanged. A singleton whose path has
  parameters is created from the example on first access.
- **action** (``/bot/{id}/leave_call/``): 404 when the parent item is unknown; otherwise the parent
  resource when the response schema is one the parent is served with, the parent collection's items
  when the response is a list under a collection, else the response example.

Every body goes through :meth:`Shaper.conform` against the response schema (fallback: the
example when valid, else a synthesized instance), so what is sent validates against what is
declared. Stored values are the conformed bodies. Seeds: each collection's first items come from
the examples of its operations (item GET first, then PATCH, PUT, list GET, POST), keyed by ``id``
(or a stable uuid5 when the example has none); nested collections are filled in under the seeded
id of their parent.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from generator.sandbox.routes import Kind, ListShape, Route, RouteTable, list_shape
from generator.sandbox.schemas import Shaper
from generator.sandbox.spec import schema_of, success_of
from generator.sandbox.store import ResourceStore
from generator.spec.model import JSON_MEDIA, MediaType, Operation, Response, Spec

_SEED_ORDER = {"GET": 0, "PATCH": 1, "PUT": 2, "POST": 3, "DELETE": 4}


@dataclass(frozen=True)
class Reply:
    """What a handler answers: status, JSON body (when ``has_body``) and extra headers."""

    status: int
    body: Any = None
    has_body: bool = True
    headers: dict[str, str] = field(default_factory=dict)


def not_found(detail: str = "Not found.") -> Reply:
    """A 404 with an ``Error``-shaped body (``{"detail", "code"}``)."""
    return Reply(404, {"detail": detail, "code": "not_found"})


class ResourceModel:
    """Handles validated requests against the store. Call :meth:`seed` once after construction.

    ``shaper`` conforms bodies to the schemas of ``spec`` (it holds the fallbacks it has made).
    """

    def __init__(self, spec: Spec, shaper: Shaper, routes: RouteTable, store: ResourceStore) -> None:
        self.spec = spec
        self.refs = spec.refs
        self.shaper = shaper
        self.routes = routes
        self.store = store
        self._lock = threading.Lock()

    # -- seeding ------------------------------------------------------------------------------
    def seed(self) -> None:
        """Store the examples as first resources, once per collection (see the module docstring)."""
        first_ids: dict[str, str] = {}
        ordered = sorted(self.routes.routes.values(), key=lambda r: (r.template.count("/"), r.template))
        for route in ordered:
            if route.kind is Kind.COLLECTION:
                items = list(self._collection_examples(route.template))
                concrete = self._seed_path(route.template, first_ids)
                if items:
                    first_ids[route.template] = items[0][0]
                self.store.seed(concrete, items)
            elif route.kind is Kind.SINGLETON and "{" not in route.template:
                example = self._first_example(route.template)
                self.store.seed(route.template, [("", example)] if example is not None else [])

    def _seed_path(self, template: str, first_ids: dict[str, str]) -> str:
        """``template`` with each ``{param}`` set to the first seeded id of the collection before it."""
        params = {}
        for name in _params(template):
            prefix = template[: template.index("{" + name + "}")]
            seeded = first_ids.get(prefix)
            params[name] = seeded or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{template}#{name}"))
        return Route(template, Kind.COLLECTION).fill(template, params)

    def sample_params(self, template: str) -> dict[str, str]:
        """Path parameters that address stored resources for ``template``: each ``{param}`` is the
        id of the first stored item of the collection path before it (a nil uuid when empty)."""
        params: dict[str, str] = {}
        for name in _params(template):
            prefix = Route(template, Kind.COLLECTION).fill(template[: template.index("{" + name + "}")], params)
            first = next((_id_of(item) for item in self.store.list(prefix) if _id_of(item)), None)
            params[name] = first or str(uuid.UUID(int=0))
        return params

    def _ops_on(self, template: str) -> list[Operation]:
        ops = [op for op in self.spec.operations if op.path == template]
        return sorted(ops, key=lambda op: _SEED_ORDER.get(op.method, 9))

    def _collection_examples(self, collection: str) -> Iterable[tuple[str, Any]]:
        templates = [r.template for r in self.routes.routes.values() if r.kind is Kind.ITEM and r.related == collection]
        values: list[Any] = []
        for template in [*templates, collection]:
            for op in self._ops_on(template):
                success = success_of(op)
                media = _media(success)
                if not media.has_example:
                    continue
                shape = list_shape(self.refs, schema_of(success))
                if shape is not None:
                    values += _items_of(media.example, shape)
                elif isinstance(media.example, dict):
                    values.append(media.example)
        seen: set[str] = set()
        for n, value in enumerate(values):
            rid = _id_of(value) or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{collection}#{n}"))
            if rid not in seen:
                seen.add(rid)
                yield rid, value

    def _first_example(self, template: str) -> Any:
        """A valid first value for a singleton: the first example, else a synthesized instance."""
        ops = [op for op in self._ops_on(template) if schema_of(success_of(op)) is not None]
        for op in sorted(ops, key=lambda o: not _media(success_of(o)).has_example):
            value = self._fallback(success_of(op))
            if value is not None:
                return value
        return None

    # -- rendering ----------------------------------------------------------------------------
    def _fallback(self, response: Response) -> Any:
        schema = schema_of(response)
        assert schema is not None
        media = _media(response)
        return self.shaper.fallback(schema, media.example, media.has_example)

    def render(self, op: Operation, value: Any, items: list[Any] | None = None) -> Reply:
        """The success reply for ``op``: ``value`` (or ``items`` for list responses) conformed."""
        success = success_of(op)
        status = success.code or 200
        schema = schema_of(success)
        if schema is None:
            media = _media(success)
            return Reply(status, media.example, has_body=media.has_example)
        shape = list_shape(self.refs, schema)
        if shape is not None and items is not None:
            return Reply(status, self._render_list(success, schema, shape, items))
        return Reply(status, self.shaper.conform(value, schema, self._fallback(success)))

    def _render_list(self, success: Response, schema: str, shape: ListShape, items: list[Any]) -> Any:
        media = _media(success)
        examples = _items_of(media.example, shape) if media.has_example else []
        item_fallback = self.shaper.fallback(shape.items, examples[0] if examples else None, bool(examples))
        rendered = [self.shaper.conform(item, shape.items, item_fallback) for item in items]
        if shape.kind == "array":
            return rendered
        envelope = self._fallback(success)
        value = {**(envelope if isinstance(envelope, dict) else {}), "next": None, "previous": None}
        value[shape.field] = rendered
        if "count" in self.refs.property_names(schema):
            value["count"] = len(rendered)
        return self.shaper.conform(value, schema, envelope)

    # -- handling -----------------------------------------------------------------------------
    def handle(self, op: Operation, route: Route, params: dict[str, str], body: Any) -> Reply:
        """Answer a validated request; ``params`` are the raw path parameters.

        Handlers run one at a time (a read-modify-write never interleaves with another).
        """
        with self._lock:
            return self._handle(op, route, params, body)

    def _handle(self, op: Operation, route: Route, params: dict[str, str], body: Any) -> Reply:
        if route.kind is Kind.ITEM:
            return self._item(op, route, params, body)
        if route.kind is Kind.COLLECTION:
            return self._collection(op, route.fill(route.template, params), body)
        if route.kind is Kind.SINGLETON:
            return self._singleton(op, route.fill(route.template, params), "{" in route.template, body)
        return self._action(op, route, params)

    def _item(self, op: Operation, route: Route, params: dict[str, str], body: Any) -> Reply:
        collection = route.fill(route.related or "", params)
        rid = params[route.id_param or ""]
        return self._update(op, collection, rid, self.store.get(collection, rid), body)

    def _update(self, op: Operation, collection: str, rid: str, stored: Any, body: Any) -> Reply:
        if stored is None:
            return not_found()
        if op.method == "DELETE":
            self.store.delete(collection, rid)
            return self.render(op, stored)
        if op.method in ("PATCH", "POST", "PUT"):
            changed = self._put(op, stored, body) if op.method == "PUT" else _merge(stored, body)
            reply = self.render(op, changed)
            if reply.has_body and isinstance(reply.body, dict):
                self.store.put(collection, rid, reply.body)
            return reply
        return self.render(op, stored)

    def _put(self, op: Operation, stored: Any, body: Any) -> Any:
        if not isinstance(body, dict) or not isinstance(stored, dict):
            return stored
        schema = schema_of(op.request_body)
        writable = set(self.refs.property_names(schema)) if schema is not None else set(body)
        kept = {k: v for k, v in stored.items() if k not in writable}
        return {**kept, **body}

    def _collection(self, op: Operation, collection: str, body: Any) -> Reply:
        if op.method == "GET":
            return self.render(op, None, self.store.list(collection))
        success = success_of(op)
        if op.method != "POST" or list_shape(self.refs, schema_of(success)) is not None:
            return self.render(op, None, self.store.list(collection))
        rid = str(uuid.uuid4())
        base = self._fallback(success) if schema_of(success) is not None else {}
        value = {**(base if isinstance(base, dict) else {}), **(body if isinstance(body, dict) else {}), "id": rid}
        reply = self.render(op, value)
        if reply.has_body:
            self.store.put(collection, _id_of(reply.body) or rid, reply.body)
        return reply

    def _singleton(self, op: Operation, path: str, parameterized: bool, body: Any) -> Reply:
        stored = self.store.get(path, "")
        if stored is None and (parameterized or op.method == "PUT"):
            stored = self._first_example(op.path)
            if stored is not None and op.method != "PUT":
                self.store.put(path, "", stored)
        if op.method == "POST":
            return self.render(op, stored)
        return self._update(op, path, "", stored, body)

    def _action(self, op: Operation, route: Route, params: dict[str, str]) -> Reply:
        parent = self.routes.routes[route.related or ""]
        parent_path = parent.fill(parent.template, params)
        schema = schema_of(success_of(op))
        if parent.kind is Kind.COLLECTION:
            items = self.store.list(parent_path)
            return self.render(op, None, items if list_shape(self.refs, schema) else None)
        if parent.kind is Kind.ITEM:
            stored = self.store.get(parent.fill(parent.related or "", params), params[parent.id_param or ""])
            if stored is None:
                return not_found()
        else:
            stored = self.store.get(parent_path, "")
        if schema is not None and self.refs.deref(schema)[0] in self._served_schemas(parent):
            return self.render(op, stored)
        return self.render(op, None)

    def _served_schemas(self, route: Route) -> set[str]:
        schemas = [
            schema_of(success_of(op)) for op in self._ops_on(route.template) if op.method in ("GET", "PUT", "PATCH")
        ]
        return {self.refs.deref(schema)[0] for schema in schemas if schema is not None}


#: The JSON body of a response that declares none: no schema, no example.
_NO_BODY = MediaType(JSON_MEDIA, None)


def _media(response: Response) -> MediaType:
    """The JSON entry of ``response``'s content (schema and example), :data:`_NO_BODY` when none."""
    return response.json or _NO_BODY


def _params(template: str) -> list[str]:
    return [s[1:-1] for s in template.split("/") if s.startswith("{") and s.endswith("}")]


def _id_of(value: Any) -> str | None:
    rid = value.get("id") if isinstance(value, dict) else None
    return str(rid) if isinstance(rid, str | int) and not isinstance(rid, bool) else None


def _items_of(example: Any, shape: ListShape) -> list[Any]:
    if shape.kind == "array":
        return list(example) if isinstance(example, list) else []
    found = example.get(shape.field) if isinstance(example, dict) else None
    return list(found) if isinstance(found, list) else []


def _merge(stored: Any, body: Any) -> Any:
    if not isinstance(stored, dict) or not isinstance(body, dict):
        return stored
    merged = {**stored, **body}
    if "id" in stored:
        merged["id"] = stored["id"]
    return merged
