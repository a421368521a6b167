"""The spec as the judge: the suite reads :class:`generator.spec.model.Spec`, loaded once per file.

Everything the checks need from the spec comes from the typed model (operations, parameters,
request bodies, responses, security schemes with their credential format, rate limits); ``$ref``s
are resolved by its one resolver (:class:`generator.spec.refs.Refs`) and instances are judged by
its cached Draft 2020-12 validators, formats checked (:func:`is_valid`, :func:`errors`). Standalone
schemas, for hypothesis-jsonschema, come from :meth:`Refs.bundle <generator.spec.refs.Refs.bundle>`
(:func:`component`). Nothing here imports the normalizer.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostics
from generator.spec.model import Operation, SchemaRef, Spec
from generator.spec.model import load_spec as _load_model

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"


def spec(path: Path = SPEC) -> Spec:
    """The model of the spec at ``path``, read once (cached; treat as read-only).

    Raises ValueError when the file cannot be read or the model has problems (a spec with a
    dangling ``$ref`` or an unreadable operation cannot judge anything).
    """
    return _spec(path)  # one cache key whether ``path`` is given or not (``spec()`` and ``spec(SPEC)``)


@functools.lru_cache(maxsize=8)
def _spec(path: Path) -> Spec:
    diags = Diagnostics()
    loaded = _load_model(path, diags)
    if loaded is None:
        raise ValueError(f"{path}: {[d.format() for d in diags]}")
    if loaded.problems:
        raise ValueError(f"{path}: {[f'#{p.pointer}: {p.message}' for p in loaded.problems]}")
    return loaded


@dataclass(frozen=True)
class OperationSpec(Operation):
    """An operation of the model (:class:`generator.spec.model.Operation`) with ``source``, the
    :class:`Spec` it belongs to (its resolver and validators judge the operation's schemas)."""

    source: Spec | None = field(default=None, compare=False, repr=False)

    @property
    def within(self) -> Spec:
        """The spec this operation was read from."""
        assert self.source is not None, f"{self.operation_id}: no source spec"
        return self.source

    @property
    def request_schema_ref(self) -> SchemaRef | None:
        """The JSON requestBody schema (None when the operation takes no JSON body)."""
        media = self.request_body.json if self.request_body is not None else None
        return media.schema if media is not None else None

    @property
    def success_schema(self) -> SchemaRef | None:
        """The JSON schema of the success response (None: the success response has no body)."""
        success = self.success
        assert success is not None, f"{self.operation_id} has no 2xx response"
        media = success.json
        return media.schema if media is not None else None

    @property
    def success_status(self) -> int:
        """The lowest documented 2xx status."""
        success = self.success
        assert success is not None and success.code is not None, f"{self.operation_id} has no 2xx response"
        return success.code


def operations(path: Path = SPEC) -> list[OperationSpec]:
    """Every operation of the spec at ``path``, sorted by operationId."""
    return list(_operations(path))


@functools.lru_cache(maxsize=8)
def _operations(path: Path) -> tuple[OperationSpec, ...]:
    model = spec(path)
    found = [
        OperationSpec(**{f.name: getattr(op, f.name) for f in dataclasses.fields(op)}, source=model)
        for op in model.operations
    ]
    return tuple(sorted(found, key=lambda o: o.operation_id))


def component_ref(name: str, path: Path = SPEC) -> SchemaRef:
    """Component schema ``name`` as a :class:`SchemaRef` (its node is the schema itself)."""
    return spec(path).schema_ref(name)


@functools.lru_cache(maxsize=256)
def component(name: str, path: Path = SPEC) -> dict[str, Any]:
    """The standalone schema of component ``name`` (``$defs`` attached, :meth:`Refs.bundle`; cached:
    treat as read-only), for tools that take no registry (hypothesis-jsonschema)."""
    return spec(path).refs.bundle(spec(path).schema_ref(name).node)


def resolve(schema: Any, path: Path = SPEC) -> dict[str, Any]:
    """The schema carrying the type of ``schema`` (a node of the spec at ``path``): ``$ref``s and a
    nullable ``anyOf`` followed (:meth:`Refs.unwrap <generator.spec.refs.Refs.unwrap>`), for walking."""
    return spec(path).refs.unwrap(schema)


def is_valid(instance: Any, schema: SchemaRef, within: Spec | None = None) -> bool:
    """The judge: ``instance`` is valid against ``schema`` of ``within`` (default: the seed spec),
    Draft 2020-12 with format checks."""
    return (within or spec()).refs.is_valid(instance, schema.pointer)


def errors(instance: Any, schema: SchemaRef, within: Spec | None = None) -> list[str]:
    """The judge's complaints about ``instance`` (deepest first, at most five), one line each."""
    return (within or spec()).refs.errors(instance, schema.pointer)
