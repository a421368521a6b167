"""The models' base class: lenient in, strict on demand (STYLE.md; OAI's ``_models.construct``).

Every generated model derives from :class:`BaseModel` (pydantic v2, unknown fields allowed and kept
in ``model_extra``). A response is read one of two ways:

- **lenient** (the default): :meth:`BaseModel.model_construct_lenient` builds the model from parsed
  JSON without rejecting what the spec does not know: unknown fields are kept, an enum value the
  spec does not list stays a ``str``, a field that is missing is left out (optional ones take their
  default), a value that does not fit its type is kept as sent. Nothing is validated up front: each
  field is converted to its declared type (nested models, UUIDs, datetimes, URLs, enum members)
  the first time it is read, and all of them before a dump, a comparison, a copy or a pickle; a
  nested model is validated by pydantic in one go when it fits (the common case), else built
  the same lenient way. A server newer than the client keeps working.
- **strict** (``strict_responses=True`` on the client; the conformance suite): full pydantic
  validation with :data:`STRICT_CONTEXT`, which also refuses enum values the spec does not list.

Enums are open: a field of an enum type is annotated ``OpenEnum[E]``, i.e. ``E | str``. Known values
are members of ``E`` (a ``StrEnum``), unknown ones plain strings; :func:`is_known` (or
``isinstance(value, E)``) tells them apart. Building a model yourself (a request body) accepts any
string for an enum field: the client never refuses a value only because its spec is older than the
server.
"""

from __future__ import annotations

import copy
import datetime as _dt
import decimal
import enum
import types
import typing
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Final, Self, TypeAlias, TypeGuard, TypeVar, Union

import pydantic
import pydantic_core
from pydantic_core import PydanticCustomError, core_schema

__all__ = ["STRICT_CONTEXT", "BaseModel", "OpenEnum", "converter", "is_known"]

#: Validation context of strict parsing (``model_validate_json(..., context=STRICT_CONTEXT)``).
STRICT_CONTEXT: Final[Mapping[str, bool]] = types.MappingProxyType({"recall_strict": True})
#: Key of a lenient model's state in ``__pydantic_private__``: raw values of fields not converted yet.
_PENDING: Final = "__recall_pending__"

_E = TypeVar("_E", bound=enum.Enum)
#: A converter turns a raw JSON value into its declared type, or returns it unchanged when it cannot.
Converter: TypeAlias = Callable[[Any], Any]
_setattr = object.__setattr__


def is_known(value: object) -> TypeGuard[enum.Enum]:
    """True when ``value`` (an ``OpenEnum`` field) is a value the spec lists, False for one it does not."""
    return isinstance(value, enum.Enum)


class _OpenEnumSchema:
    """Validation of ``OpenEnum[E]``: a member of ``E``, else the string as sent; with
    :data:`STRICT_CONTEXT` only members (the spec's values)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: pydantic.GetCoreSchemaHandler) -> Any:
        members = [a for a in typing.get_args(source) if isinstance(a, type) and issubclass(a, enum.Enum)]
        if len(members) != 1:
            raise TypeError(f"OpenEnum needs one enum type, got {source!r}")
        choices: list[core_schema.CoreSchema | tuple[core_schema.CoreSchema, str]] = [
            handler.generate_schema(members[0]),
            core_schema.str_schema(),
        ]
        inner = core_schema.union_schema(choices, mode="left_to_right")
        expected = ", ".join(repr(m.value) for m in members[0])
        return core_schema.with_info_wrap_validator_function(_open_enum_validator(expected), inner)


def _open_enum_validator(expected: str) -> Any:
    def validate(value: Any, inner: core_schema.ValidatorFunctionWrapHandler, info: core_schema.ValidationInfo) -> Any:
        result = inner(value)
        context = info.context
        if not isinstance(result, enum.Enum) and context is not None and context.get("recall_strict"):
            raise PydanticCustomError("enum", "Input should be one of {expected}", {"expected": expected})
        return result

    return validate


_OPEN_ENUM = _OpenEnumSchema()

if TYPE_CHECKING:
    #: An enum field: a member of the enum for a value the spec lists, else the ``str`` the server sent.
    OpenEnum: TypeAlias = Union[_E, str]  # noqa: UP007 (a generic alias over a TypeVar)
else:

    class OpenEnum:
        """``OpenEnum[E]`` is ``Annotated[E | str, ...]``: members for known values, ``str`` otherwise."""

        def __class_getitem__(cls, item: Any) -> Any:
            return Annotated[Union[item, str], _OPEN_ENUM]  # noqa: UP007


class BaseModel(pydantic.BaseModel):
    """Base of the generated models: unknown fields are kept (``model_extra``); see the module docstring."""

    model_config = pydantic.ConfigDict(extra="allow")

    @classmethod
    def model_construct_lenient(cls, data: Mapping[str, Any]) -> Self:
        """The model of ``data`` (a JSON object) built without validation; fields convert when first read."""
        plan = _PLANS.get(cls) or _plan(cls)
        names = plan.names
        converters = plan.converters
        values: dict[str, Any] = {}
        pending: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            name = names.get(key)
            if name is None:
                extra[key] = value
            elif value is not None and name in converters:
                pending[name] = value
            else:
                values[name] = value
        fields_set = values.keys() | pending.keys()
        if len(fields_set) < plan.size:
            for name, default in plan.defaults.items():
                if name not in fields_set:
                    values[name] = default
            for name, factory in plan.factories.items():
                if name not in fields_set:
                    values[name] = factory()
        model = cls.__new__(cls)
        _setattr(model, "__dict__", values)
        _setattr(model, "__pydantic_fields_set__", fields_set)
        _setattr(model, "__pydantic_extra__", extra)
        _setattr(model, "__pydantic_private__", {_PENDING: pending})
        return model

    if not TYPE_CHECKING:  # like pydantic's: a __getattr__ mypy sees would make every attribute valid

        def __getattr__(self, name: str) -> Any:
            private = object.__getattribute__(self, "__pydantic_private__")
            pending = private.get(_PENDING) if private is not None else None
            if pending and name in pending:
                value = _PLANS[type(self)].converters[name](pending[name])
                self.__dict__[name] = value
                pending.pop(name, None)
                return value
            found = self.__dict__.get(name, _MISSING)  # converted meanwhile by another thread
            if found is not _MISSING:
                return found
            return super().__getattr__(name)

    def _convert_pending(self) -> None:
        """Convert every field not read yet (this model only) and put the fields in declaration order,
        as validation does; a model is settled once (``pending`` becomes None)."""
        private = self.__pydantic_private__
        pending = private.get(_PENDING) if private is not None else None
        if private is None or pending is None:
            return
        values = self.__dict__
        if pending:
            converters = _PLANS[type(self)].converters
            for name, raw in list(pending.items()):
                if name not in values:  # a value assigned since is kept
                    values[name] = converters[name](raw)
                pending.pop(name, None)
        ordered = {name: values[name] for name in type(self).model_fields if name in values}
        if len(ordered) != len(values):  # not a field (set by hand): kept after the fields
            ordered.update((k, v) for k, v in values.items() if k not in ordered)
        _setattr(self, "__dict__", ordered)
        private[_PENDING] = None

    def _convert_all(self) -> None:
        """Convert every field of this model and of the lenient models inside it."""
        if self.__pydantic_private__ is None:  # validated by pydantic: nothing is pending inside
            return
        self._convert_pending()
        for value in self.__dict__.values():
            _convert_inside(value)
        for value in (self.__pydantic_extra__ or {}).values():
            _convert_inside(value)

    def model_dump(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """pydantic's ``model_dump``, every field converted first (values kept as sent are dumped as
        they are, without pydantic's warnings)."""
        self._lenient_dump(kwargs)
        return super().model_dump(*args, **kwargs)

    def model_dump_json(self, *args: Any, **kwargs: Any) -> str:
        """pydantic's ``model_dump_json``, every field converted first (as :meth:`model_dump`)."""
        self._lenient_dump(kwargs)
        return super().model_dump_json(*args, **kwargs)

    def _lenient_dump(self, options: dict[str, Any]) -> None:
        if self.__pydantic_private__ is not None:  # built leniently
            self._convert_all()
            options.setdefault("warnings", False)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BaseModel):
            other._convert_pending()
        self._convert_pending()
        if not isinstance(other, pydantic.BaseModel):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and (self.__pydantic_extra__ or {}) == (other.__pydantic_extra__ or {})
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as pydantic's models)

    def __repr_args__(self) -> Any:
        self._convert_pending()
        return super().__repr_args__()

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]  # pydantic's own signature
        self._convert_pending()
        return super().__iter__()

    def __copy__(self) -> Self:
        self._convert_pending()
        return super().__copy__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        self._convert_all()
        return super().__deepcopy__(memo)

    def __getstate__(self) -> dict[Any, Any]:
        self._convert_all()
        return super().__getstate__()


def _convert_inside(value: Any) -> None:
    kind = type(value)
    if kind is list:
        for item in value:
            _convert_inside(item)
    elif kind is dict:
        for item in value.values():
            _convert_inside(item)
    elif isinstance(value, BaseModel):
        value._convert_all()


_MISSING: Final = object()


@dataclass(slots=True)
class _Plan:
    """How :meth:`BaseModel.model_construct_lenient` builds one model class."""

    names: dict[str, str]  # wire name -> field name
    converters: dict[str, Converter]  # field name -> converter, for fields whose JSON value is not their type
    defaults: dict[str, Any]  # optional fields -> shared (immutable) default
    factories: dict[str, Callable[[], Any]] = field(default_factory=dict)  # optional fields -> fresh default
    size: int = 0


_PLANS: dict[type[BaseModel], _Plan] = {}
_IMMUTABLE = (str, int, float, bool, bytes, tuple, frozenset, enum.Enum, type(None))


def _plan(cls: type[BaseModel]) -> _Plan:
    if not cls.__pydantic_complete__:
        cls.model_rebuild()
    plan = _Plan({}, {}, {}, {}, len(cls.model_fields))
    for name, info in cls.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        plan.names[alias or name] = name
        convert = converter(info.annotation)
        if convert is not None:
            plan.converters[name] = convert
        if info.is_required():
            continue
        if info.default_factory is not None:
            plan.factories[name] = info.default_factory  # type: ignore[assignment]  # takes no argument here
        elif isinstance(info.default, _IMMUTABLE):
            plan.defaults[name] = info.default
        else:
            plan.factories[name] = _copies(info.default)
    _PLANS[cls] = plan
    return plan


def _copies(default: Any) -> Callable[[], Any]:
    return lambda: copy.deepcopy(default)


# -- converters: JSON value -> declared type, keeping what does not fit -------------------------

_PLAIN: Final = frozenset({str, bytes, object, type(None), Any, dict, list})
_UNIONS: Final = (Union, types.UnionType)
_SEQUENCES: Final = (list, Sequence, tuple, set, frozenset)
_MAPPINGS: Final = (dict, Mapping)


def _lax(schema: core_schema.CoreSchema, done: type) -> Converter:
    """A scalar as pydantic's lax validation makes it (``"2025-06-10T19:02:11Z"``, ``0`` -> datetime;
    ``"1"`` -> 1), the value unchanged when it is already a ``done`` or does not validate."""
    validate = pydantic_core.SchemaValidator(schema).validate_python

    def convert(value: Any) -> Any:
        if type(value) is done:
            return value
        try:
            return validate(value)
        except ValueError:  # pydantic's ValidationError included
            return value

    return convert


def _url(kind: type[Any]) -> Converter:
    def convert(value: Any) -> Any:
        try:
            return value if isinstance(value, kind) else kind(value)
        except (ValueError, TypeError):
            return value

    return convert


_DATETIME: Final = _lax(core_schema.datetime_schema(), _dt.datetime)
_SCALARS: Final[dict[Any, Converter]] = {
    int: _lax(core_schema.int_schema(), int),
    float: _lax(core_schema.float_schema(), float),
    bool: _lax(core_schema.bool_schema(), bool),
    uuid.UUID: _lax(core_schema.uuid_schema(), uuid.UUID),
    _dt.datetime: _DATETIME,
    pydantic.AwareDatetime: _DATETIME,
    pydantic.NaiveDatetime: _DATETIME,
    pydantic.PastDatetime: _DATETIME,
    pydantic.FutureDatetime: _DATETIME,
    _dt.date: _lax(core_schema.date_schema(), _dt.date),
    _dt.time: _lax(core_schema.time_schema(), _dt.time),
    decimal.Decimal: _lax(core_schema.decimal_schema(), decimal.Decimal),
    **{kind: _url(kind) for kind in (pydantic.AnyUrl, pydantic.AnyHttpUrl, pydantic.HttpUrl)},
}


def converter(annotation: Any) -> Converter | None:
    """The converter of values of ``annotation`` read from JSON; None when JSON values need none."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return converter(typing.get_args(annotation)[0])
    if annotation in _PLAIN or origin is typing.Literal:
        return None
    if origin in _UNIONS:
        return _union(typing.get_args(annotation))
    if origin in _SEQUENCES:
        args = typing.get_args(annotation)
        item = converter(args[0]) if args else None
        return None if item is None else _items(item)
    if origin in _MAPPINGS:
        args = typing.get_args(annotation)
        member = converter(args[1]) if len(args) == 2 else None
        return None if member is None else _members(member)
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return _model(annotation)
        if issubclass(annotation, enum.Enum):
            return _enum(annotation)
    found = _SCALARS.get(annotation)
    return found if found is not None else _adapter(annotation)


def _model(model: type[BaseModel]) -> Converter:
    """A nested model: validated by pydantic in one go (the common case: the value fits, and pydantic's
    validator is faster than building it field by field), else built leniently."""

    def convert(value: Any) -> Any:
        if type(value) is not dict:
            return value
        try:
            return model.model_validate(value)
        except pydantic.ValidationError:
            return model.model_construct_lenient(value)

    return convert


def _enum(kind: type[enum.Enum]) -> Converter:
    members = kind._value2member_map_

    def convert(value: Any) -> Any:
        try:
            return members.get(value, value)
        except TypeError:  # an unhashable value
            return value

    return convert


def _items(item: Converter) -> Converter:
    def convert(value: Any) -> Any:
        return [item(v) for v in value] if type(value) is list else value

    return convert


def _members(member: Converter) -> Converter:
    def convert(value: Any) -> Any:
        return {k: member(v) for k, v in value.items()} if type(value) is dict else value

    return convert


def _union(args: tuple[Any, ...]) -> Converter | None:
    members = [a for a in args if a is not type(None)]
    if len(members) == 1:  # X | None
        return converter(members[0])
    enums = [m for m in members if isinstance(m, type) and issubclass(m, enum.Enum)]
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    rest = [m for m in members if m not in enums and m not in models]
    if len(enums) == 1 and rest == [str] and not models:  # OpenEnum[E]: E | str
        return _enum(enums[0])
    if len(models) == 1 and rest == [str] and not enums:  # str | Model: a JSON object is the model
        return _model(models[0])
    if all(converter(m) is None for m in members):
        return None
    return _adapter(Union[tuple(members)])  # noqa: UP007 (built at run time)


def _adapter(annotation: Any) -> Converter | None:
    """Lax pydantic validation of ``annotation``, the value kept when it fails."""
    try:
        adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(annotation)
    except (pydantic.PydanticSchemaGenerationError, TypeError, NameError):
        return None

    def convert(value: Any) -> Any:
        try:
            return adapter.validate_python(value)
        except pydantic.ValidationError:
            return value

    return convert
