"""JSON Pointers and ``$ref`` resolution over one OpenAPI document: the toolkit's only resolver.

A node of the document is addressed by a JSON Pointer (RFC 6901), e.g.
``/paths/~1api~1v1~1recording~1{id}~1/patch/requestBody``. ``$ref``s are resolved by the
``referencing`` library against the document registered under :data:`SPEC_URI` (OpenAPI 3.1.0
section 4.8.23: a Reference Object's ``$ref`` is a URI relative to the document; schemas are JSON
Schema 2020-12, section 4.8.24). Only references into the document itself (``#/...``) resolve;
anything else raises :class:`SpecRefError`: nothing is fetched and no file is read.

:class:`Refs` also builds cached Draft 2020-12 validators (format checks included) for the schema
at a pointer, and :meth:`Refs.bundle` makes a schema standalone (the components it reaches become
``$defs``) for tools that cannot take a registry (hypothesis-jsonschema).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

if TYPE_CHECKING:  # jsonschema and referencing are imported when a validator or a resolver is needed
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry
    from referencing._core import Resolver

    from generator.spec.checks import Checks

#: Base URI under which the whole OpenAPI document is registered.
SPEC_URI = "urn:recallgen:spec"
#: Prefix of a reference to a schema component (OpenAPI 3.1.0 section 4.8.7).
SCHEMA_PREFIX = "#/components/schemas/"
#: Longest ``$ref`` chain followed before it is taken for a cycle.
MAX_CHAIN = 64
#: Most tokens :meth:`Refs.at` looks back for a node it already found before walking from the root.
_NEAR = 4

#: RFC 3986 section 3 ``URI``: a scheme, ``:``, then only allowed or percent-encoded characters.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


def _is_uri(instance: object) -> bool:
    return not isinstance(instance, str) or _URI.fullmatch(instance) is not None


_FORMAT_CHECKER: list[FormatChecker] = []


def _checker() -> FormatChecker:
    """The one format checker, made when first used (importing jsonschema is slow)."""
    if not _FORMAT_CHECKER:
        from jsonschema import FormatChecker

        checker = FormatChecker()
        checker.checks("uri")(_is_uri)
        _FORMAT_CHECKER.append(checker)
    return _FORMAT_CHECKER[0]


if TYPE_CHECKING:
    #: Every format jsonschema can check here (uuid, date-time, email, ...) plus ``uri``, which it
    #: only checks with the optional ``rfc3987`` package; Schemathesis checks it on responses.
    FORMAT_CHECKER: FormatChecker


def __getattr__(name: str) -> Any:
    """``FORMAT_CHECKER`` (:func:`_checker`)."""
    if name == "FORMAT_CHECKER":
        return _checker()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_NOWHERE = object()


class SpecRefError(ValueError):
    """A ``$ref`` that is not a reference into the document (``#/...``), dangles, or loops."""


def escape_token(token: str) -> str:
    """One reference token, escaped (RFC 6901 section 3: ``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def join_pointer(pointer: str, *tokens: str | int) -> str:
    """``pointer`` extended by ``tokens`` (each escaped); ``""`` is the document root."""
    for token in tokens:
        text = str(token)
        pointer += "/" + (text.replace("~", "~0").replace("/", "~1") if "~" in text or "/" in text else text)
    return pointer


def split_pointer(pointer: str) -> list[str]:
    """The unescaped reference tokens of ``pointer``; raises :class:`SpecRefError` when malformed."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise SpecRefError(f"not a JSON pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def component_name(node: Any) -> str | None:
    """``X`` when ``node`` is exactly a reference ``{"$ref": "#/components/schemas/X"}``, else None."""
    if type(node) is dict or isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX) and "/" not in ref[len(SCHEMA_PREFIX) :]:
            return unquote(ref[len(SCHEMA_PREFIX) :]).replace("~1", "/").replace("~0", "~")
    return None


#: Types of the values a parsed document holds that cannot hold a ``$ref``.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def iter_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """``(pointer of the referring object, $ref)`` for every ``$ref`` under ``node`` (examples skipped)."""
    stack: list[tuple[str, Any]] = [(pointer, node)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, Mapping):
            ref = item.get("$ref")
            if isinstance(ref, str):
                yield where, ref
            stack.extend(
                (join_pointer(where, k), v)
                for k, v in item.items()
                if type(v) not in _SCALARS and k not in ("example", "examples")
            )
        elif isinstance(item, list):
            stack.extend((join_pointer(where, i), v) for i, v in enumerate(item) if type(v) not in _SCALARS)


def ref_values(node: Any) -> set[str]:
    """The distinct ``$ref`` values under ``node``: those :func:`iter_refs` yields, without their
    pointers (a walk that builds no pointer)."""
    found: set[str] = set()
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(v for k, v in item.items() if type(v) not in _SCALARS and k not in ("example", "examples"))
        elif isinstance(item, list):
            stack.extend(v for v in item if type(v) not in _SCALARS)
    return found


def _step(node: Any, token: str, pointer: str) -> Any:
    """The member ``token`` (unescaped) of ``node``, one step of ``pointer``'s walk; raises
    :class:`SpecRefError` when there is none (RFC 6901, section 4)."""
    if isinstance(node, Mapping) and token in node:
        return node[token]
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    raise SpecRefError(f"#{pointer} does not exist")


class Refs:
    """Pointer look-ups, ``$ref`` resolution and validators over one parsed OpenAPI document.

    ``document`` is never modified. Raises :class:`SpecRefError` (never ``KeyError``) for a
    pointer that addresses nothing and for references that are not local, dangle or loop.
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._resolver: Resolver[Any] | None = None
        self._registry_made: Registry[Any] | None = None
        self._validators: dict[str, Draft202012Validator] = {}
        self._checks: Checks | None = None
        self._targets: dict[str, tuple[str, Any]] = {}  # the document is read-only: lookups never change
        self._nodes: dict[str, Any] = {"": document}  # pointer -> node (:meth:`at`)

    # -- look-ups ----------------------------------------------------------------------------
    def at(self, pointer: str) -> Any:
        """The node at ``pointer`` (no ``$ref`` followed); :class:`SpecRefError` when nothing is there.

        The nodes found are remembered (the document is read-only): the pointers of one operation's
        parts share their beginning, so each is a few steps from a node already found."""
        found = self._nodes.get(pointer, _NOWHERE)
        if found is not _NOWHERE:
            return found
        ends: list[int] = []  # where the beginnings of ``pointer`` end, longest first, up to _NEAR of them
        end = len(pointer)
        node = _NOWHERE
        while node is _NOWHERE and len(ends) < _NEAR:
            end = pointer.rfind("/", 0, end)
            if end < 0:
                break
            ends.append(end)
            node = self._nodes.get(pointer[:end], _NOWHERE)
        if node is _NOWHERE:
            found = self._nodes[pointer] = self._at(pointer)
            return found
        ends.pop()
        ends.reverse()
        ends.append(len(pointer))
        for stop in ends:  # one token at a time, from the node found
            node = _step(node, pointer[end + 1 : stop].replace("~1", "/").replace("~0", "~"), pointer)
            self._nodes[pointer[:stop]] = node
            end = stop
        return node

    def _at(self, pointer: str) -> Any:
        """:meth:`at` from the root."""
        node: Any = self.document
        for token in split_pointer(pointer):
            node = _step(node, token, pointer)
        return node

    def target(self, ref: str) -> tuple[str, Any]:
        """``(pointer, node)`` that one ``$ref`` value points at (resolved by ``referencing``)."""
        found = self._targets.get(ref)
        if found is not None:
            return found
        if not ref.startswith("#"):
            raise SpecRefError(f"only references into the document (#/...) are allowed, got {ref!r}")
        node = self._walk(unquote(ref[1:]))
        if node is _NOWHERE:  # anchors, and pointers the plain walk does not follow: as ``referencing`` says
            from referencing.exceptions import Unresolvable

            try:
                node = self._registry_resolver().lookup(ref).contents
            except (Unresolvable, ValueError, TypeError, LookupError) as exc:  # into a scalar: ValueError
                raise SpecRefError(f"$ref {ref!r} points at nothing") from exc
        found = self._targets[ref] = (unquote(ref[1:]), node)
        return found

    def _walk(self, pointer: str) -> Any:
        """The node at ``pointer`` through mappings and lists (decimal indexes), or ``_NOWHERE``."""
        if pointer == "":
            return self.document
        if not pointer.startswith("/"):
            return _NOWHERE
        node: Any = self.document
        for token in pointer[1:].split("/"):
            if isinstance(node, Mapping):
                token = token.replace("~1", "/").replace("~0", "~")
                if token not in node:
                    return _NOWHERE
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and token.isascii() and int(token) < len(node):
                node = node[int(token)]
            else:
                return _NOWHERE
        return node

    def _registry_resolver(self) -> Resolver[Any]:
        """``referencing``'s resolver of the document (Draft 2020-12), made when first needed."""
        if self._resolver is None:
            self._resolver = self._registry().resolver(SPEC_URI)
        return self._resolver

    def _registry(self) -> Registry[Any]:
        """The ``referencing`` registry holding the document as :data:`SPEC_URI` (Draft 2020-12)."""
        if self._registry_made is None:
            from referencing import Registry
            from referencing.jsonschema import DRAFT202012

            self._registry_made = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(self.document))
        return self._registry_made

    def deref(self, pointer: str) -> tuple[str, Any]:
        """Follow ``$ref`` chains from the node at ``pointer``: the final ``(pointer, node)``."""
        return self.follow(pointer, self.at(pointer))

    def resolve(self, node: Any) -> Any:
        """``node`` with top-level ``$ref``s followed (``node`` itself when it is no reference)."""
        return self.follow("", node)[1]

    def follow(self, pointer: str, node: Any) -> tuple[str, Any]:
        """Follow the ``$ref`` chain that starts at ``node`` (the node at ``pointer``): the final
        ``(pointer, node)``, as :meth:`deref` gives it for ``pointer``."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or len(seen) >= MAX_CHAIN:
                raise SpecRefError(f"$ref cycle through {ref!r}")
            seen.add(ref)
            pointer, node = self.target(ref)
        return pointer, node

    def unwrap(self, node: Any) -> dict[str, Any]:
        """The schema that carries the type of ``node``: ``$ref``s followed, and a nullable
        ``anyOf`` whose only other branch is one schema (``anyOf: [{$ref: X}, {type: 'null'}]``,
        the normalizer's nullable reference) replaced by that branch, repeatedly. ``{}`` for a
        boolean schema; the node of the document itself otherwise (not a copy: treat it as
        read-only). Raises :class:`SpecRefError` like :meth:`resolve`."""
        for _ in range(MAX_CHAIN):
            node = self.resolve(node)
            if not isinstance(node, Mapping):
                return {}
            branches = node.get("anyOf")
            if "type" in node or not isinstance(branches, list):
                return _as_dict(node)
            rest = [b for b in branches if not _is_null(self.resolve(b))]
            if len(rest) != 1 or len(rest) == len(branches):
                return _as_dict(node)
            node = rest[0]
        raise SpecRefError("nullable anyOf nested too deeply")

    def check(self) -> list[tuple[str, str]]:
        """``(pointer, problem)`` for every ``$ref`` of the document that does not resolve, sorted."""
        bad = set()
        for ref in ref_values(self.document):  # each value once; pointers only when one does not resolve
            try:
                self.target(ref)
            except SpecRefError:
                bad.add(ref)
        found = []
        for where, ref in iter_refs(self.document) if bad else ():
            if ref in bad:
                try:
                    self.target(ref)
                except SpecRefError as exc:
                    found.append((where, str(exc)))
        return sorted(found)

    # -- schemas -----------------------------------------------------------------------------
    def schema(self, pointer: str) -> dict[str, Any]:
        """The schema at ``pointer`` with top-level ``$ref``s followed (``{}`` for a boolean schema)."""
        _, node = self.deref(pointer)
        return dict(node) if isinstance(node, Mapping) else {}

    def types(self, pointer: str) -> list[str]:
        """The JSON types a schema allows (``type`` as a list; ``[]`` when unconstrained)."""
        declared = self.schema(pointer).get("type", [])
        return [declared] if isinstance(declared, str) else list(declared)

    def property_names(self, pointer: str) -> list[str]:
        """Top-level property names of an object schema, including those of ``allOf`` members."""
        return list(self.properties(pointer))

    def properties(self, pointer: str) -> dict[str, str]:
        """Property name -> pointer of its schema (as written) for the object schema at ``pointer``:
        ``$ref``s followed, its own ``properties`` first, then those only ``allOf`` members add."""
        ptr, node = self.deref(pointer)
        if not isinstance(node, Mapping):
            return {}
        own = node.get("properties")
        found = {str(n): join_pointer(ptr, "properties", str(n)) for n in (own if isinstance(own, Mapping) else {})}
        members = node.get("allOf")
        for i, _ in enumerate(members if isinstance(members, list) else []):
            for name, where in self.properties(join_pointer(ptr, "allOf", i)).items():
                found.setdefault(name, where)
        return found

    def validator(self, pointer: str) -> Draft202012Validator:
        """A cached Draft 2020-12 validator (formats checked) for the schema at ``pointer``."""
        found = self._validators.get(pointer)
        if found is None:
            from jsonschema import Draft202012Validator

            ref = SPEC_URI + "#" + "/".join(quote(t, safe="~") for t in pointer.split("/"))
            found = Draft202012Validator({"$ref": ref}, registry=self._registry(), format_checker=_checker())
            self._validators[pointer] = found
        return found

    def is_valid(self, instance: Any, pointer: str) -> bool:
        """True when ``instance`` validates against the schema at ``pointer``: the verdict of
        :meth:`validator`, from the schema compiled into predicates (:mod:`generator.spec.checks`)."""
        if self._checks is None:
            from generator.spec.checks import Checks

            self._checks = Checks(self)
        return self._checks.is_valid(instance, pointer)

    def errors(self, instance: Any, pointer: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` messages ``where: message`` (where: ``a.b[0]`` or ``<root>``), deepest first."""
        found = sorted(self.validator(pointer).iter_errors(instance), key=lambda e: -len(e.absolute_path))
        out = []
        for error in found[:limit]:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            out.append(f"{where.lstrip('.') or '<root>'}: {error.message}")
        return out

    def bundle(self, node: Any) -> dict[str, Any]:
        """``node`` (a schema) as a standalone Draft 2020-12 schema: every component it reaches,
        transitively, attached as ``$defs`` and references rewritten to ``#/$defs/X``
        (JSON Schema 2020-12 section 8.2.4); ``example``/``examples`` keywords dropped."""
        out = _rewrite(copy.deepcopy(node))
        if not isinstance(out, dict):
            out = {} if out is True else {"not": {}}
        reached: dict[str, Any] = {}
        pending = _defs_used(out)
        while pending:
            name = pending.pop()
            if name in reached:
                continue
            try:
                _, target = self.target(SCHEMA_PREFIX + quote(escape_token(name), safe="~"))
            except SpecRefError:
                continue
            reached[name] = _rewrite(copy.deepcopy(target))
            pending |= _defs_used(reached[name])
        out["$defs"] = {name: reached[name] for name in sorted(reached)}
        out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        return out


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _rewrite(v) for k, v in node.items() if k not in ("example", "examples")}
        name = component_name(out)
        if name is not None:
            out["$ref"] = "#/$defs/" + quote(escape_token(name), safe="~")
        return out
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def _defs_used(node: Any) -> set[str]:
    found: set[str] = set()
    for _, ref in iter_refs(node):
        if ref.startswith("#/$defs/"):
            found.add(unquote(ref[len("#/$defs/") :]).replace("~1", "/").replace("~0", "~"))
    return found


def _is_null(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get("type") == "null"


def _as_dict(node: Mapping[str, Any]) -> dict[str, Any]:
    return node if isinstance(node, dict) else dict(node)
