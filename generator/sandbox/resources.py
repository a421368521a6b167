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

**Tenancy** (as the real API: resources belong to the workspace that created them). Every request
acts for one owner (:func:`generator.sandbox.auth.owner_of`): the calendar user (its token) for
operations that require a calendar V1 token, else the workspace (its API key). An owner sees what
it created and the seeds; another owner's resources answer 404, also through nested paths
(``/bot/{bot_id}/screenshots/`` of someone else's bot) and actions. Seeds are shared copy-on-write:
the first write or delete of a seed by an owner makes that owner's own copy (or tombstone), so
every workspace starts from the same examples and never sees another's changes to them.

**Valid once, on write.** Every stored body is valid against the schema recorded beside it (the
seeds are conformed at seeding, writes when they happen); a read that asks for that schema sends
the stored text as it is, and a list splices the stored texts into the envelope. A write that
only replaces top-level members of a valid object (PATCH, PUT, create over the example) checks
just those members against their property schemas (an invalid one is repaired on its own, or
dropped when not required). Anything else (a stored body served under
another schema, a value that fails) goes through :meth:`Shaper.conform` (fallback: the example
when valid, else a synthesized instance), so what is sent validates against what is declared.

Writes are compare-and-set (:meth:`ResourceStore.write`): no lock is held while a value is
checked, and a write that raced another is redone from a fresh read (409 after
:data:`WRITE_ATTEMPTS` tries). Seeds: each collection's first items come from the examples of its
operations (item GET first, then PATCH, PUT, list GET, POST), keyed by ``id`` (or a stable uuid5
when the example has none); nested collections are filled in under the seeded id of their parent.
Ids that are UUIDs are compared case-insensitively (RFC 9562 section 4: stored and looked up in
lower case).
"""

from __future__ import annotations

import functools
import json
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.sandbox.routes import Kind, ListShape, Route, RouteTable, list_shape
from generator.sandbox.schemas import Shaper
from generator.sandbox.spec import schema_of, success_of
from generator.sandbox.store import SHARED, ResourceStore, Row
from generator.spec.model import JSON_MEDIA, MediaType, Operation, Response, Spec
from generator.spec.refs import join_pointer

_SEED_ORDER = {"GET": 0, "PATCH": 1, "PUT": 2, "POST": 3, "DELETE": 4}
#: How many times a write that raced another is redone before answering 409.
WRITE_ATTEMPTS = 8
#: A UUID in its 8-4-4-4-12 text form, any case (RFC 9562 section 4).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: Schema keywords that only annotate (JSON Schema 2020-12 section 9, OpenAPI 3.1.0 section 4.8.24).
ANNOTATIONS = frozenset(
    {"description", "title", "example", "examples", "default", "readOnly", "writeOnly", "deprecated", "$comment"}
)
#: An object schema whose validity is the validity of each member on its own.
PLAIN_OBJECT = ANNOTATIONS | {"type", "properties", "required", "additionalProperties"}
#: An array schema whose validity is the validity of each item on its own.
PLAIN_ARRAY = ANNOTATIONS | {"type", "items"}
#: Parsed stored texts kept (:meth:`ResourceModel.parsed`), and the longest text kept.
PARSED_KEPT = 1024
PARSED_MAX_CHARS = 64 * 1024
_FAIL = object()
_RESULTS = "\x00results\x00"
_COUNT = "\x00count\x00"


@dataclass(frozen=True)
class Reply:
    """What a handler answers: status, JSON body (when ``has_body``) and extra headers.

    ``raw``, when set, is the body already serialized (and valid for the status's schema); ``body``
    is then None.
    """

    status: int
    body: Any = None
    has_body: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None

    def content(self) -> bytes:
        """The body as compact JSON bytes (``raw`` when set)."""
        return self.raw if self.raw is not None else dumps(self.body).encode()

    def value(self) -> Any:
        """The body as a JSON value (parsed from ``raw`` when set)."""
        return json.loads(self.raw) if self.raw is not None else self.body


def dumps(value: Any) -> str:
    """Compact JSON text (what is stored and sent)."""
    return json.dumps(value, separators=(",", ":"))


@functools.lru_cache(maxsize=4096)
def _key_text(name: str) -> str:
    return json.dumps(name) + ":"


class Parsed:
    """A stored JSON value and, once asked for, the text of each of its members (objects)."""

    __slots__ = ("_members", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self._members: dict[str, str] | None = None

    def text_with(self, after: Any) -> tuple[str, Parsed]:
        """``dumps(after)`` and ``after`` as a :class:`Parsed` (its member texts known), reusing the
        text of each member ``after`` shares (the very object) with this value."""
        if not isinstance(self.value, dict) or not isinstance(after, dict):
            return dumps(after), Parsed(after)
        if self._members is None:
            self._members = {name: dumps(member) for name, member in self.value.items()}
        before, kept = self.value, self._members
        members = {
            name: kept[name] if name in before and before[name] is member else dumps(member)
            for name, member in after.items()
        }
        parsed = Parsed(after)
        parsed._members = members
        return "{" + ",".join(_key_text(name) + text for name, text in members.items()) + "}", parsed


def not_found(detail: str = "Not found.") -> Reply:
    """A 404 with an ``Error``-shaped body (``{"detail", "code"}``)."""
    return Reply(404, {"detail": detail, "code": "not_found"})


def canonical_id(rid: str) -> str:
    """The stored form of an id: a UUID in lower case, anything else as is."""
    return rid.lower() if _UUID.fullmatch(rid) else rid


class ResourceModel:
    """Handles validated requests against the store. Call :meth:`seed` once after construction.

    ``shaper`` conforms bodies to the schemas of ``spec`` (it holds the fallbacks it has made).
    Thread-safe: handlers may run on the event loop and in worker threads at once.
    """

    def __init__(self, spec: Spec, shaper: Shaper, routes: RouteTable, store: ResourceStore) -> None:
        self.spec = spec
        self.refs = spec.refs
        self.shaper = shaper
        self.routes = routes
        self.store = store
        self._canon: dict[str, str] = {}
        self._plain: dict[str, bool] = {}
        self._plans: dict[str, tuple[str, dict[str, str], tuple[str, ...], bool | str] | None] = {}
        self._writable: dict[str, frozenset[str]] = {}
        self._shapes: dict[str, ListShape | None] = {}
        self._parsed: OrderedDict[str, Parsed] = OrderedDict()
        self._parsed_lock = threading.Lock()
        self._repairs: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._frames: dict[str, tuple[str, str, str | None] | None] = {}
        self._fallback_raw: dict[str, Reply] = {}
        self._parents = {t: self._parent_item(t) for t, r in routes.routes.items() if r.kind is not Kind.ACTION}

    # -- schemas ------------------------------------------------------------------------------
    def canon(self, pointer: str) -> str:
        """The pointer of the schema ``pointer`` resolves to (``$ref`` chains followed), cached."""
        found = self._canon.get(pointer)
        if found is None:
            found = self._canon[pointer] = self.refs.deref(pointer)[0]
        return found

    def _is_plain(self, pointer: str, keys: frozenset[str], kind: str) -> bool:
        key = f"{kind}|{pointer}"
        found = self._plain.get(key)
        if found is None:
            node = self.refs.deref(pointer)[1]
            types = self.refs.types(pointer)
            found = isinstance(node, Mapping) and set(node) <= keys and (not types or kind in types)
            self._plain[key] = found
        return found

    def _object_plan(self, pointer: str) -> tuple[str, dict[str, str], tuple[str, ...], bool | str] | None:
        """For a plain object schema: its pointer, property names (to their escaped tokens), required
        names and ``additionalProperties`` (True, False or the pointer of its schema); else None."""
        if pointer in self._plans:
            return self._plans[pointer]
        plan = None
        if self._is_plain(pointer, PLAIN_OBJECT, "object"):
            ptr, node = self.refs.deref(pointer)
            names = {name: join_pointer("", name)[1:] for name in node.get("properties") or {}}
            extra = node.get("additionalProperties", True)
            if not isinstance(extra, bool):
                extra = join_pointer(ptr, "additionalProperties")
            plan = (ptr, names, tuple(node.get("required") or ()), extra)
        self._plans[pointer] = plan
        return plan

    def members_valid(self, pointer: str, before: Any, after: Any) -> bool:
        """True when ``after`` is valid for the object schema at ``pointer``, given that ``before``
        is: the schema only constrains members one by one (:data:`PLAIN_OBJECT`), and every member
        of ``after`` that is not the very object of ``before`` validates against its property (or
        ``additionalProperties``) schema, and no required member was dropped. False when unsure."""
        if not isinstance(before, dict) or not isinstance(after, dict):
            return False
        plan = self._object_plan(pointer)
        if plan is None:
            return False
        ptr, properties, required, extra = plan
        if any(name not in after for name in required):
            return False
        for name, member in after.items():
            if name in before and before[name] is member:
                continue
            if name in properties:
                if not self.shaper.is_valid(member, f"{ptr}/properties/{properties[name]}"):
                    return False
            elif extra is False or (extra is not True and not self.shaper.is_valid(member, str(extra))):
                return False
        return True

    def members_fixed(self, pointer: str, before: Any, after: Any) -> dict[str, Any] | None:
        """``after`` made valid for the object schema at ``pointer`` member by member, given that
        ``before`` is valid (a plain object schema, :data:`PLAIN_OBJECT`): ``after`` itself when
        every member it does not share with ``before`` is valid, else a copy whose invalid members
        are repaired (:meth:`Shaper.conform` on the member's schema, remembered per member text) or
        dropped. None when that cannot work (not a plain object, a required member missing)."""
        if not isinstance(before, dict) or not isinstance(after, dict):
            return None
        plan = self._object_plan(pointer)
        if plan is None:
            return None
        ptr, properties, required, extra = plan
        out: dict[str, Any] | None = None
        for name, member in after.items():
            if name in before and before[name] is member:
                continue
            if name in properties:
                schema: str | None = f"{ptr}/properties/{properties[name]}"
            elif extra is True:
                continue
            else:
                schema = None if extra is False else str(extra)
            if schema is not None and self.shaper.is_valid(member, schema):
                continue
            repaired = self._repaired(schema, member) if schema is not None else _FAIL
            out = dict(after) if out is None else out
            if repaired is _FAIL:
                del out[name]
            else:
                out[name] = repaired
        result = after if out is None else out
        return None if any(name not in result for name in required) else result

    def _repaired(self, schema: str, member: Any) -> Any:
        """``member`` conformed to ``schema`` (``_FAIL`` when no valid value comes out); the answers
        for small members are remembered (at most :data:`PARSED_KEPT`)."""
        text = dumps(member)
        key = (schema, text)
        with self._parsed_lock:
            if key in self._repairs:
                return self._repairs[key]
        fixed = self.shaper.conform(member, schema, self.shaper.fallback(schema))
        found = fixed if self.shaper.is_valid(fixed, schema) else _FAIL
        if len(text) <= PARSED_MAX_CHARS:
            with self._parsed_lock:
                self._repairs[key] = found
                while len(self._repairs) > PARSED_KEPT:
                    self._repairs.popitem(last=False)
        return found

    def parsed(self, text: str) -> Parsed:
        """The JSON value of a stored text; small texts are parsed once and kept (the
        :data:`PARSED_KEPT` used last, each under :data:`PARSED_MAX_CHARS`). The value is shared:
        callers never modify it (merges build new objects)."""
        if len(text) > PARSED_MAX_CHARS:
            return Parsed(json.loads(text))
        with self._parsed_lock:
            found = self._parsed.get(text)
            if found is not None:
                self._parsed.move_to_end(text)
                return found
        return self._keep(text, Parsed(json.loads(text)))

    def _keep(self, text: str, parsed: Parsed) -> Parsed:
        if len(text) <= PARSED_MAX_CHARS:
            with self._parsed_lock:
                self._parsed[text] = parsed
                while len(self._parsed) > PARSED_KEPT:
                    self._parsed.popitem(last=False)
        return parsed

    # -- seeding ------------------------------------------------------------------------------
    def seed(self) -> None:
        """Store the examples as shared first resources, once per collection, each conformed to the
        collection's item schema (see the module docstring)."""
        first_ids: dict[str, str] = {}
        ordered = sorted(self.routes.routes.values(), key=lambda r: (r.template.count("/"), r.template))
        for route in ordered:
            if route.kind is Kind.COLLECTION:
                items = list(self._collection_examples(route.template))
                concrete = self._seed_path(route.template, first_ids)
                if items:
                    first_ids[route.template] = items[0][0]
                self.store.seed(concrete, self._seed_rows(route.template, items))
            elif route.kind is Kind.SINGLETON and "{" not in route.template:
                found = self._first_example(route.template)
                rows = [("", dumps(found[0]), found[1])] if found is not None else []
                self.store.seed(route.template, rows)

    def _seed_rows(self, collection: str, items: list[tuple[str, Any]]) -> list[tuple[str, str, str]]:
        schema = self._item_schema(collection)
        if schema is None:
            return [(rid, dumps(value), "") for rid, value in items]
        fallback = self.shaper.fallback(schema, items[0][1] if items else None, bool(items))
        rows = []
        for rid, value in items:
            valid = self.shaper.conform(value, schema, fallback)
            if valid is None:
                rows.append((rid, dumps(value), ""))
            else:
                rows.append((rid, dumps(valid), self.canon(schema)))
        return rows

    def _item_schema(self, collection: str) -> str | None:
        """The schema the items of ``collection`` are stored valid against: the first success schema
        of its item operations (GET, PATCH, PUT, POST), else the list's items, else the create's."""
        items = [r.template for r in self.routes.routes.values() if r.kind is Kind.ITEM and r.related == collection]
        for template in items:
            for op in self._ops_on(template):
                schema = schema_of(success_of(op))
                if schema is not None and list_shape(self.refs, schema) is None and op.method != "DELETE":
                    return schema
        for op in self._ops_on(collection):
            schema = schema_of(success_of(op))
            shape = list_shape(self.refs, schema)
            if shape is not None:
                return shape.items
            if schema is not None and op.method == "POST":
                return schema
        return None

    def _seed_path(self, template: str, first_ids: dict[str, str]) -> str:
        """``template`` with each ``{param}`` set to the first seeded id of the collection before it."""
        params = {}
        for name in _params(template):
            prefix = template[: template.index("{" + name + "}")]
            seeded = first_ids.get(prefix)
            params[name] = seeded or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{template}#{name}"))
        return Route(template, Kind.COLLECTION).fill(template, params)

    def sample_params(self, template: str) -> dict[str, str]:
        """Path parameters that address seeded resources for ``template``: each ``{param}`` is the
        id of the first seed of the collection path before it (a nil uuid when empty)."""
        params: dict[str, str] = {}
        for name in _params(template):
            prefix = Route(template, Kind.COLLECTION).fill(template[: template.index("{" + name + "}")], params)
            first = next((row.id for row in self.store.list(prefix, SHARED) if row.id), None)
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
            rid = canonical_id(_id_of(value) or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{collection}#{n}")))
            if rid not in seen:
                seen.add(rid)
                yield rid, value

    def _first_example(self, template: str) -> tuple[Any, str] | None:
        """A valid first value for a singleton and the schema it is valid against: the first
        example, else a synthesized instance."""
        ops = [op for op in self._ops_on(template) if schema_of(success_of(op)) is not None]
        for op in sorted(ops, key=lambda o: not _media(success_of(o)).has_example):
            value = self._fallback(success_of(op))
            if value is not None:
                return value, self.canon(schema_of(success_of(op)) or "")
        return None

    def _parent_item(self, template: str) -> tuple[Route, tuple[str, ...]] | None:
        """For a template below an item (``/bot/{bot_id}/screenshots/``, ``.../{id}/``): the item
        route one or two segments up (``/bot/{id}/``) and, in its parameter order, the names this
        template gives those parameters (``bot_id``)."""
        segments = [s for s in template.split("/") if s]
        for cut in (1, 2):
            head = segments[:-cut]
            if len(head) < 1 or not head[-1].startswith("{"):
                continue
            for route in self.routes.routes.values():
                other = [s for s in route.template.split("/") if s]
                if route.kind is not Kind.ITEM or len(other) != len(head) or route.template == template:
                    continue
                if all(a == b or (a.startswith("{") and b.startswith("{")) for a, b in zip(other, head, strict=True)):
                    names = tuple(b[1:-1] for a, b in zip(other, head, strict=True) if a.startswith("{"))
                    return route, names
        return None

    def _parent_visible(self, template: str, params: Mapping[str, str], owner: str) -> bool:
        found = self._parents.get(template)
        if found is None:
            return True
        route, names = found
        own = _params(route.template)
        mapped = {own[i]: params.get(name, "") for i, name in enumerate(names)}
        collection = route.fill(route.related or "", mapped)
        if not self._parent_visible(route.template, mapped, owner):
            return False
        return self.store.get(collection, mapped.get(route.id_param or "", ""), owner) is not None

    # -- rendering ----------------------------------------------------------------------------
    def _fallback(self, response: Response) -> Any:
        schema = schema_of(response)
        assert schema is not None
        media = _media(response)
        return self.shaper.fallback(schema, media.example, media.has_example)

    def render_fallback(self, op: Operation) -> Reply:
        """The success reply built from the response example (or a synthesized instance), cached."""
        found = self._fallback_raw.get(op.operation_id)
        if found is None:
            found = self._fallback_raw[op.operation_id] = self.render(op, None)
        return found

    def render(self, op: Operation, value: Any) -> Reply:
        """The success reply for ``op``: ``value`` conformed to the success schema."""
        success = success_of(op)
        status = success.code or 200
        schema = schema_of(success)
        if schema is None:
            media = _media(success)
            return Reply(status, media.example, has_body=media.has_example)
        valid = self.shaper.conform(value, schema, self._fallback(success))
        return Reply(status, raw=dumps(valid).encode())

    def render_row(self, op: Operation, row: Row | None) -> Reply:
        """The success reply for ``op`` from a stored row: its text as it is when it was stored
        valid for the success schema, else conformed."""
        schema = schema_of(success_of(op))
        if row is not None and schema is not None and row.schema == self.canon(schema):
            return Reply(success_of(op).code or 200, raw=row.text.encode())
        return self.render(op, json.loads(row.text) if row is not None else None)

    def _render_list(self, op: Operation, rows: list[Row]) -> Reply:
        success = success_of(op)
        status = success.code or 200
        schema = schema_of(success)
        shape = self._list_shape(op)
        if schema is None or shape is None:
            return self.render_fallback(op)
        media = _media(success)
        examples = _items_of(media.example, shape) if media.has_example else []
        item_canon = self.canon(shape.items)
        texts = []
        item_fallback: Any = None
        for row in rows:
            if row.schema == item_canon:
                texts.append(row.text)
                continue
            if item_fallback is None:
                item_fallback = self.shaper.fallback(shape.items, examples[0] if examples else None, bool(examples))
            texts.append(dumps(self.shaper.conform(json.loads(row.text), shape.items, item_fallback)))
        frame = self._frame(op, schema, shape)
        if frame is not None and (frame[2] is None or self.shaper.is_valid(len(texts), frame[2])):
            prefix, suffix, _ = frame
            head = prefix.replace(f'"{_escaped(_COUNT)}"', str(len(texts)))
            tail = suffix.replace(f'"{_escaped(_COUNT)}"', str(len(texts)))
            return Reply(status, raw=(head + ",".join(texts) + tail).encode())
        items = [json.loads(t) for t in texts]
        if shape.kind == "array":
            return Reply(status, raw=dumps(self.shaper.conform(items, schema, [])).encode())
        envelope = self._fallback(success)
        value = {**(envelope if isinstance(envelope, dict) else {}), "next": None, "previous": None}
        value[shape.field] = items
        if "count" in self.refs.property_names(schema):
            value["count"] = len(items)
        return Reply(status, raw=dumps(self.shaper.conform(value, schema, envelope)).encode())

    def _frame(self, op: Operation, schema: str, shape: ListShape) -> tuple[str, str, str | None] | None:
        """``(prefix, suffix, count schema)`` that make any list of valid items a valid body when
        the items are joined with commas between them; None when the list schema constrains more
        than each item (``minItems``, ``uniqueItems``, ...)."""
        if op.operation_id in self._frames:
            return self._frames[op.operation_id]
        frame: tuple[str, str, str | None] | None = None
        if shape.kind == "array":
            if self._is_plain(schema, PLAIN_ARRAY, "array"):
                frame = ("[", "]", None)
        else:
            ptr, node = self.refs.deref(schema)
            results = join_pointer(ptr, "properties", shape.field)
            envelope = self._fallback(success_of(op))
            count = join_pointer(ptr, "properties", "count") if "count" in (node.get("properties") or {}) else None
            value = {**(envelope if isinstance(envelope, dict) else {}), "next": None, "previous": None}
            value[shape.field] = []
            if count is not None:
                value["count"] = 0
            if (
                self._is_plain(results, PLAIN_ARRAY, "array")
                and self._is_plain(schema, PLAIN_OBJECT, "object")
                and self.shaper.is_valid(value, schema)
            ):
                value[shape.field] = _RESULTS
                if count is not None:
                    value["count"] = _COUNT
                text = dumps(value)
                prefix, _, suffix = text.partition(f'"{_escaped(_RESULTS)}"')
                frame = (prefix + "[", "]" + suffix, count)
        self._frames[op.operation_id] = frame
        return frame

    # -- handling -----------------------------------------------------------------------------
    def handle(self, op: Operation, route: Route, params: dict[str, str], body: Any, owner: str) -> Reply:
        """Answer a validated request for ``owner``; ``params`` are the decoded path parameters
        (UUIDs in lower case). Writes are compare-and-set (module docstring)."""
        if not self._parent_visible(route.template, params, owner):
            return not_found()
        for _ in range(WRITE_ATTEMPTS):
            reply = self._handle(op, route, params, body, owner)
            if reply is not None:
                return reply
        detail = "The resource was changed by another request meanwhile; retry."
        return Reply(409, {"detail": detail, "code": "conflict"})

    def _handle(self, op: Operation, route: Route, params: dict[str, str], body: Any, owner: str) -> Reply | None:
        if route.kind is Kind.ITEM:
            collection = route.fill(route.related or "", params)
            rid = params[route.id_param or ""]
            return self._update(op, collection, rid, self.store.get(collection, rid, owner), body, owner)
        if route.kind is Kind.COLLECTION:
            return self._collection(op, route.fill(route.template, params), body, owner)
        if route.kind is Kind.SINGLETON:
            return self._singleton(op, route.fill(route.template, params), "{" in route.template, body, owner)
        return self._action(op, route, params, owner)

    def _update(self, op: Operation, collection: str, rid: str, row: Row | None, body: Any, owner: str) -> Reply | None:
        """GET/PATCH/PUT/POST/DELETE on a stored row; None when a write lost a race (redo)."""
        if row is None:
            return not_found()
        if op.method == "DELETE":
            return self.render_row(op, row) if self.store.delete(collection, rid, owner, row) else None
        if op.method not in ("PATCH", "POST", "PUT"):
            return self.render_row(op, row)
        before = self.parsed(row.text)
        stored = before.value
        changed = self._put(op, stored, body) if op.method == "PUT" else _merge(stored, body)
        reply, text, schema = self._written(op, changed, before if row.schema else None, row.schema)
        if text is not None and not self.store.write(collection, rid, owner, text, schema, row):
            return None
        return reply

    def _written(
        self, op: Operation, value: Any, before: Parsed | None, before_schema: str
    ) -> tuple[Reply, str | None, str]:
        """The reply to a write of ``value`` and what to store: ``(reply, text, schema)``; ``text``
        is None when nothing is stored (not an object). ``before`` is the valid value ``value`` was
        made from (None: unknown), valid against ``before_schema``; the text of a member kept from
        it is reused (:meth:`Parsed.text_with`)."""
        success = success_of(op)
        status = success.code or 200
        schema = schema_of(success)
        if schema is None:
            media = _media(success)
            text = dumps(value) if isinstance(value, dict) else None
            return Reply(status, media.example, has_body=media.has_example), text, ""
        canon = self.canon(schema)
        fixed = (
            self.members_fixed(canon, before.value, value) if before is not None and before_schema == canon else None
        )
        if before is not None and fixed is not None:
            text, parsed = before.text_with(fixed)
            self._keep(text, parsed)
        else:
            valid = self.shaper.conform(value, schema, self._fallback(success))
            text = dumps(valid)
            if not isinstance(valid, dict):
                return Reply(status, raw=text.encode()), None, canon
        return Reply(status, raw=text.encode()), text, canon

    def _put(self, op: Operation, stored: Any, body: Any) -> Any:
        if not isinstance(body, dict) or not isinstance(stored, dict):
            return stored
        schema = schema_of(op.request_body)
        if schema is not None and schema not in self._writable:
            self._writable[schema] = frozenset(self.refs.property_names(schema))
        writable = self._writable[schema] if schema is not None else frozenset(body)
        kept = {k: v for k, v in stored.items() if k not in writable}
        return {**kept, **body}

    def _list_shape(self, op: Operation) -> ListShape | None:
        """The list layout of ``op``'s success schema (cached per operation)."""
        if op.operation_id not in self._shapes:
            self._shapes[op.operation_id] = list_shape(self.refs, schema_of(success_of(op)))
        return self._shapes[op.operation_id]

    def _collection(self, op: Operation, collection: str, body: Any, owner: str) -> Reply | None:
        success = success_of(op)
        if op.method != "POST" or self._list_shape(op) is not None:
            return self._render_list(op, self.store.list(collection, owner))
        rid = str(uuid.uuid4())
        schema = schema_of(success)
        base = self._fallback(success) if schema is not None else {}
        base = base if isinstance(base, dict) else {}
        value = {**base, **(body if isinstance(body, dict) else {}), "id": rid}
        reply, text, stored_schema = self._written(op, value, Parsed(base), self.canon(schema) if schema else "")
        if text is not None:
            key = canonical_id(_id_of(json.loads(text)) or rid)
            if not self.store.write(collection, key, owner, text, stored_schema, None):
                return None
        return reply

    def _singleton(self, op: Operation, path: str, parameterized: bool, body: Any, owner: str) -> Reply | None:
        row = self.store.get(path, "", owner)
        if row is None and (parameterized or op.method == "PUT"):
            found = self._first_example(op.path)
            if found is not None and op.method != "PUT":
                self.store.write(path, "", owner, dumps(found[0]), found[1], None)
                row = self.store.get(path, "", owner)
            elif found is not None:
                reply, text, schema = self._written(op, self._put(op, found[0], body), Parsed(found[0]), found[1])
                if text is not None and not self.store.write(path, "", owner, text, schema, None):
                    return None
                return reply
        if op.method == "POST":
            return self.render_row(op, row)
        return self._update(op, path, "", row, body, owner)

    def _action(self, op: Operation, route: Route, params: dict[str, str], owner: str) -> Reply:
        parent = self.routes.routes[route.related or ""]
        parent_path = parent.fill(parent.template, params)
        schema = schema_of(success_of(op))
        if parent.kind is Kind.COLLECTION:
            if self._list_shape(op) is not None:
                return self._render_list(op, self.store.list(parent_path, owner))
            return self.render_fallback(op)
        if parent.kind is Kind.ITEM:
            row = self.store.get(parent.fill(parent.related or "", params), params[parent.id_param or ""], owner)
            if row is None:
                return not_found()
        else:
            row = self.store.get(parent_path, "", owner)
        if schema is not None and self.canon(schema) in self._served_schemas(parent):
            return self.render_row(op, row)
        return self.render_fallback(op)

    def _served_schemas(self, route: Route) -> set[str]:
        schemas = [
            schema_of(success_of(op)) for op in self._ops_on(route.template) if op.method in ("GET", "PUT", "PATCH")
        ]
        return {self.canon(schema) for schema in schemas if schema is not None}


#: The JSON body of a response that declares none: no schema, no example.
_NO_BODY = MediaType(JSON_MEDIA, None)


def _escaped(text: str) -> str:
    return json.dumps(text)[1:-1]


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
