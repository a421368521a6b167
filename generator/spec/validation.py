"""openapi-spec-validator's OpenAPI 3.1 checks, with the same verdicts in linear time.

:class:`SpecValidator` is ``OpenAPIV31SpecValidator`` with two of its keyword validators replaced:

- the schema validator and the operation validator remember visited schemas and operationIds in
  lists (``x in list``: quadratic in the size of the spec); here in sets beside those lists, and
  a schema written twice (same JSON text) is checked against the dialect once;
- each Schema Object is checked against the OpenAPI 3.1 dialect meta-schema by a validator built
  once from a *static* copy of that meta-schema (:func:`static_dialect`): the dialect and the JSON
  Schema 2020-12 vocabularies it includes as one document, every ``$dynamicRef: "#meta"`` replaced
  by a ``$ref`` to its root. Within the dialect the dynamic scope always ends at that root (its
  ``$dynamicAnchor: meta`` is the outermost), so both accept and refuse the same schemas, with
  the same first error; upstream resolves the dynamic references anew at every node and builds
  its validator for every schema;
- the document itself is checked against the OpenAPI 3.1 schema by a validator whose registry
  was crawled once (:func:`_document_validator`): upstream's registry holds that schema
  uncrawled, and ``referencing`` crawls it anew (every subschema made a resource) at each
  ``$dynamicRef: "#meta"`` it resolves, one per Schema Object of the document, about half of
  the run; same schema, same validator class, same errors. Its resolver remembers the target of
  each ``#/$defs/...`` reference (:class:`_PointerResolver`), which upstream's walks again, a
  resource made at every step, at each ``$ref`` of each node;
- jsonschema-path steps into a node after ``isinstance(node, Subscriptable)``, a runtime
  ``Protocol`` check that Python 3.11 answers by listing the protocol's members every time (a
  quarter of the run on a large spec): :func:`_subnode` answers for ``dict`` and ``list`` (both
  ``Subscriptable``) directly, the same way, and hands every other node to upstream.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from typing import Any
from urllib.parse import urljoin

from jsonschema import Draft202012Validator, SchemaError
from openapi_schema_validator._dialects import OAS31_BASE_DIALECT_ID
from openapi_schema_validator._format import oas31_format_checker
from openapi_schema_validator._specifications import REGISTRY
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from pathable.accessors import SubscriptableAccessor
from referencing._core import Resolved, Resolver

#: Keywords whose value maps names to schemas (the names are not keywords).
_NAMED = frozenset({"properties", "$defs", "patternProperties", "dependentSchemas"})
#: Keywords that only identify or annotate a schema resource; dropped when resources are merged.
_RESOURCE = frozenset({"$id", "$schema", "$vocabulary", "$dynamicAnchor", "$comment"})


@cache
def static_dialect(root: str = OAS31_BASE_DIALECT_ID) -> dict[str, Any]:
    """The meta-schema ``root`` (from openapi-schema-validator's registry) and every resource it
    references as one schema without dynamic references: resources under ``$defs``, ``$ref``\\ s
    rewritten to local pointers, ``$dynamicRef: "#meta"`` to ``$ref: "#"``."""
    defs: dict[str, Any] = {}
    keys: dict[str, str] = {}

    def local(base: str, target: str) -> str:
        document, _, fragment = urljoin(base, target).partition("#")
        if document == root:
            return "#" + fragment
        if document not in keys:
            keys[document] = key = document.rstrip("/").rsplit("/", 2)[-2] + "-" + document.rsplit("/", 1)[-1]
            defs[key] = {}
            defs[key] = rewrite(copy.deepcopy(REGISTRY.contents(document)), document)
        return f"#/$defs/{keys[document]}{fragment}"

    def rewrite(node: Any, base: str, names: bool = False) -> Any:
        if isinstance(node, list):
            return [rewrite(item, base) for item in node]
        if not isinstance(node, dict):
            return node
        if names:
            return {name: rewrite(value, base) for name, value in node.items()}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _RESOURCE and not isinstance(value, dict | list):
                continue
            if key == "$vocabulary":
                continue
            if key == "$ref" and isinstance(value, str):
                out[key] = local(base, value)
            elif key == "$dynamicRef" and isinstance(value, str):
                if value != "#meta":
                    raise ValueError(f"unexpected dynamic reference {value!r} in {base}")
                out["$ref"] = "#"
            else:
                out[key] = rewrite(value, base, names=key in _NAMED)
        return out

    out: dict[str, Any] = rewrite(copy.deepcopy(REGISTRY.contents(root)), root)
    out.setdefault("$defs", {}).update(defs)
    inlined: dict[str, Any] = _inline(out, out)
    return inlined


def _inline(node: Any, root: dict[str, Any], names: bool = False) -> Any:
    """``node`` with every ``$ref`` other than ``"#"`` replaced by the keywords of its target, in
    its place (the keyword order, hence the first error, is kept); a ``$ref`` whose siblings repeat
    one of the target's keywords stays. Looking up pointers is most of a reference's cost."""
    if isinstance(node, list):
        return [_inline(item, root) for item in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {name: _inline(value, root) for name, value in node.items()}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value != "#":
            target: Any = root
            for token in value.removeprefix("#/").split("/"):
                target = target[token]
            target = _inline(target, root)
            if isinstance(target, dict) and not (set(target) & (set(node) - {"$ref"})):
                out.update(target)
                continue
        out[key] = _inline(value, root, names=key in _NAMED)
    return out


@cache
def _dialect_validator() -> Draft202012Validator:
    return Draft202012Validator(static_dialect(), format_checker=oas31_format_checker)


def check_dialect_schema(schema: Any) -> None:
    """Raise ``SchemaError`` (the first error, as upstream's ``check_schema``) when ``schema`` is
    not a valid OpenAPI 3.1 Schema Object."""
    for error in _dialect_validator().iter_errors(schema):
        raise SchemaError.create_from(error)


class _Ids(list[Any]):
    """A list (upstream's type) that answers ``in`` from a set."""

    def __init__(self) -> None:
        super().__init__()
        self._set: set[Any] = set()

    def append(self, item: Any) -> None:
        self._set.add(item)
        super().append(item)

    def __contains__(self, item: object) -> bool:
        try:
            return item in self._set
        except TypeError:  # an unhashable operationId: compared as upstream does
            return list.__contains__(self, item)


@cache
def _document_validator() -> Any:
    """Upstream's validator of documents against the OpenAPI 3.1 schema (``validator_for`` the
    schema, as :mod:`openapi_spec_validator.schemas` makes it), over a registry crawled once, so
    that resolving ``$dynamicRef: "#meta"`` finds the anchor without crawling the schema again."""
    from jsonschema import validators
    from openapi_spec_validator.schemas import schema_v31
    from referencing import Registry
    from referencing.jsonschema import specification_with

    schema = dict(schema_v31)
    resource = specification_with(schema["$schema"]).create_resource(schema)
    registry: Registry[Any] = Registry().with_resource(resource.id() or "", resource).crawl()
    resolver = _PointerResolver(registry.resolver(resource.id() or ""))
    return validators.validator_for(schema)(schema, registry=registry, _resolver=resolver)


#: ``(registry id, base URI, reference)`` -> (registry, the registry the target was found in, target)
_POINTERS: dict[tuple[int, str, str], tuple[Any, Any, Any]] = {}


def _resolved(contents: Any, resolver: Any) -> Any:
    """Upstream's ``Resolved`` of ``contents``, its resolver wrapped (:class:`_PointerResolver`)."""
    return Resolved(contents=contents, resolver=_PointerResolver(resolver))  # type: ignore[call-arg]


class _PointerResolver:
    """``referencing``'s resolver (which may not be subclassed: this one wraps it), with the target
    of each local JSON pointer reference (``#/$defs/...``) remembered: the OpenAPI 3.1 schema is a
    fixed document, and walking the pointer again (a resource made at every step) at each ``$ref``
    of each node was a third of the document's check. :meth:`lookup` gives the target and the
    resolver upstream's gives (the dynamic scope extended the same way), wrapped; a pointer that
    enters a subresource with a base URI of its own, and every other reference, are looked up by
    upstream's every time. Anything else is upstream's resolver's."""

    __slots__ = ("_real",)

    def __init__(self, real: Resolver[Any]) -> None:
        self._real = real

    def lookup(self, ref: str) -> Any:
        real: Any = self._real
        if not ref.startswith("#/"):
            resolved = real.lookup(ref)
            return _resolved(resolved.contents, resolved.resolver)
        uri, registry = real._base_uri, real._registry
        key = (id(registry), uri, ref)
        found = _POINTERS.get(key)
        if found is not None and found[0] is registry:
            evolved = real._evolve(registry=found[1], base_uri=uri)
            return _resolved(found[2], evolved)
        try:
            retrieved = registry.get_or_retrieve(uri)
        except Exception:  # raised as upstream raises it
            resolved = real.lookup(ref)
            return _resolved(resolved.contents, resolved.resolver)
        evolved = real._evolve(registry=retrieved.registry, base_uri=uri)
        resolved = retrieved.value.pointer(pointer=ref[1:], resolver=evolved)
        if resolved.resolver is evolved:
            _POINTERS[key] = (registry, retrieved.registry, resolved.contents)
        return _resolved(resolved.contents, resolved.resolver)

    def in_subresource(self, subresource: Any) -> _PointerResolver:
        real = self._real.in_subresource(subresource)
        return self if real is self._real else _PointerResolver(real)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _SchemaValidator(keywords.OpenAPIV31SchemaValidator):
    def __init__(self, registry: Any) -> None:
        super().__init__(registry)
        self.visited_schema_ids = _Ids()
        self.meta_checked_schema_ids = _Ids()
        #: The dialect check's answer per schema text: a schema written twice is checked once.
        self._answers: dict[str, SchemaError | None] = {}

    def _get_schema_checker(self, schema: Any, schema_value: Any) -> Any:
        if self._get_schema_dialect_id(schema, schema_value) == OAS31_BASE_DIALECT_ID:
            return self._check_once
        return super()._get_schema_checker(schema, schema_value)

    def _check_once(self, schema: Any) -> None:
        """:func:`check_dialect_schema`, remembered by the schema's JSON text (the check reads
        nothing but the schema, so equal texts get equal answers, the same first error)."""
        try:
            text = json.dumps(schema, separators=(",", ":"))
        except (TypeError, ValueError):  # not JSON data: checked every time
            check_dialect_schema(schema)
            return
        if text not in self._answers:
            try:
                check_dialect_schema(schema)
                self._answers[text] = None
            except SchemaError as exc:
                self._answers[text] = exc
        error = self._answers[text]
        if error is not None:
            raise SchemaError.create_from(error)  # a fresh one each time (no traceback piles up)


class _OperationValidator(keywords.OperationValidator):
    def __init__(self, registry: Any) -> None:
        super().__init__(registry)
        self.operation_ids_registry = _Ids()


_upstream_subnode: Any = vars(SubscriptableAccessor)["_get_subnode"].__func__


def _subnode(cls: type[SubscriptableAccessor[Any, Any]], node: Any, part: Any) -> Any:
    """``SubscriptableAccessor._get_subnode`` with ``dict`` and ``list`` answered directly."""
    if type(node) is dict or type(node) is list:
        try:
            return node[part]
        except (KeyError, IndexError, TypeError) as exc:
            raise KeyError(part) from exc
    return _upstream_subnode(cls, node, part)


SubscriptableAccessor._get_subnode = classmethod(_subnode)  # type: ignore[method-assign, assignment]


class SpecValidator(OpenAPIV31SpecValidator):
    """``OpenAPIV31SpecValidator`` in linear time (module docstring)."""

    keyword_validators: dict[str, type[keywords.KeywordValidator]] = {  # noqa: RUF012 (upstream's type)
        **OpenAPIV31SpecValidator.keyword_validators,
        "schema": _SchemaValidator,
        "operation": _OperationValidator,
    }

    def __init__(self, schema: Any, base_uri: str = "", spec_url: str | None = None) -> None:
        super().__init__(schema, base_uri, spec_url)
        self.schema_validator = _document_validator()

    def part_errors(self, part: int) -> Iterator[OpenAPIValidationError]:
        """The errors of one of the two passes of :meth:`iter_errors`, which gives those of part 0
        (the document against the OpenAPI 3.1 schema) and then those of part 1 (the keyword
        validators: operations, parameters, Schema Objects against the dialect...), each wrapped as
        upstream wraps them. The passes read the document and nothing else, so they can run apart."""
        errors = self.schema_validator.iter_errors(self.schema) if part == 0 else self.root_validator(self.schema_path)
        for error in errors:
            yield error if isinstance(error, OpenAPIValidationError) else OpenAPIValidationError.create_from(error)


def warm() -> None:
    """Build what validating needs (imports, the two schema validators) before the first document."""
    _dialect_validator()
    tiny = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    for _ in SpecValidator(tiny).part_errors(0):
        pass
    for _ in SpecValidator(tiny).part_errors(1):
        pass


def piece_is_valid(top: dict[str, Any], components: Any, paths: dict[str, Any], root: bool) -> bool:
    """True when a piece of a document (:mod:`generator.spec.validation_workers`) has no error:
    the members ``top`` and ``paths`` (and ``components`` when ``root``) checked against the
    OpenAPI 3.1 schema; the keyword validators over ``paths``, ``components`` (None: the document
    has none) resolving their references, and with ``root`` the validators of the whole document
    (tags, those paths, components)."""
    checked = {**top, "paths": paths}
    if root and components is not None:
        checked["components"] = components
    for _ in _document_validator().iter_errors(checked):
        return False
    document = {**top, "paths": paths}
    if components is not None:
        document["components"] = components
    validator = SpecValidator(document)
    if root:
        errors = validator.root_validator(validator.schema_path)
    else:
        paths_validator: Any = validator.keyword_validators_registry["paths"]
        errors = paths_validator(validator.schema_path / "paths")
    return next(iter(errors), None) is None
