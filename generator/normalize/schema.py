"""A small mutable schema tree used while reconciling pages, emitted as JSON Schema 2020-12.

OpenAPI 3.1 schemas are JSON Schema 2020-12 (OpenAPI 3.1.0, section 4.8.24), so nullable is
written ``type: [X, "null"]``. The tree keeps where each fact came from (``origin``, ``line``)
so later stages can prefer table facts over sample guesses and cite the page line.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

#: Where a schema node's facts came from, strongest last.
ORIGINS = ("unknown", "sample", "table")


@dataclass(slots=True)
class Schema:
    """One schema node.

    ``types`` holds JSON types without ``"null"`` (empty: any type); ``nullable`` adds
    ``"null"``. ``properties`` keeps sample order. ``additional`` is the
    ``additionalProperties`` schema of free-form maps (``{"additionalProp": "string"}``).
    ``ref`` names a component once :mod:`generator.normalize.components` has extracted the node.
    ``optional`` lists properties a table row marks ``Required: No``: no inference and no other
    page makes them required.
    """

    types: list[str] = field(default_factory=list)
    nullable: bool = False
    format: str | None = None
    properties: dict[str, Schema] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    optional: list[str] = field(default_factory=list)
    items: Schema | None = None
    additional: Schema | None = None
    enum: list[Any] | None = None
    description: str = ""
    default: Any = None
    has_default: bool = False
    origin: str = "unknown"
    line: int = 0
    ref: str | None = None
    sample_value: str | None = None

    def __getstate__(self) -> tuple[Any, ...]:
        """The fields in order, for pickling (the workers send trees back): the slotted dataclass's
        own state is gathered through ``dataclasses.fields`` and set back field by field, which
        made pickling a third of the per-page work and slower to read back here."""
        return (
            self.types, self.nullable, self.format, self.properties, self.required, self.optional, self.items,
            self.additional, self.enum, self.description, self.default, self.has_default, self.origin, self.line,
            self.ref, self.sample_value,
        )  # fmt: skip

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (
            self.types, self.nullable, self.format, self.properties, self.required, self.optional, self.items,
            self.additional, self.enum, self.description, self.default, self.has_default, self.origin, self.line,
            self.ref, self.sample_value,
        ) = state  # fmt: skip

    @property
    def is_object(self) -> bool:
        """True for object nodes (with or without known properties)."""
        return self.types == ["object"]

    @property
    def is_array(self) -> bool:
        """True for array nodes."""
        return self.types == ["array"]

    def clone(self) -> Schema:
        """A deep copy that shares nothing with the original."""
        return copy.deepcopy(self)

    def walk(self, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Schema]]:
        """All nodes depth-first with their paths (``"[]"`` marks array items)."""
        out = [(path, self)]
        for name, prop in self.properties.items():
            out.extend(prop.walk((*path, name)))
        if self.items is not None:
            out.extend(self.items.walk((*path, "[]")))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Emit JSON Schema 2020-12 (the OpenAPI 3.1 dialect) as plain data."""
        if self.ref is not None:
            ref = {"$ref": f"#/components/schemas/{self.ref}"}
            if self.nullable:
                return {"anyOf": [ref, {"type": "null"}]} | self._annotations()
            return ref | self._annotations() if self.description else ref
        out: dict[str, Any] = {}
        types = list(self.types)
        if types:
            if self.nullable:
                types.append("null")
            out["type"] = types[0] if len(types) == 1 else types
        elif self.nullable and self.enum is None:
            pass  # any type, null included
        if self.format:
            out["format"] = self.format
        if self.enum is not None:
            values = list(self.enum)
            if self.nullable and None not in values:
                values.append(None)
            out["enum"] = values
        out.update(self._annotations())
        if self.properties:
            out["properties"] = {name: prop.to_dict() for name, prop in self.properties.items()}
        if self.required:
            out["required"] = [name for name in self.required if name in self.properties] or self.required
        if self.items is not None:
            out["items"] = self.items.to_dict()
        elif self.is_array:
            out["items"] = {}
        if self.additional is not None:
            out["additionalProperties"] = self.additional.to_dict()
        return out

    def _annotations(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.description:
            out["description"] = self.description
        if self.has_default:
            out["default"] = self.default
        return out
