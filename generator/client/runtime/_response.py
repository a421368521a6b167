"""Response decoders and :class:`APIResponse`, the raw-response wrapper.

A decoder turns the success body into the declared type, leniently by default and strictly on
demand (:mod:`._models`): a model (``ModelDecoder``), any other type such as ``list[Model]``
(``AdapterDecoder``), ``None`` for an empty body (``NoContentDecoder``), raw JSON (``JSONDecoder``)
or bytes (``BytesDecoder``).

- lenient: the body is parsed with pydantic-core's JSON parser and the models are built without
  validation (:meth:`~._models.BaseModel.model_construct_lenient`); only a body that is not JSON of the declared
  shape (an object for a model, an array for a list) is refused;
- strict: pydantic validates the body against the models in :data:`~._models.STRICT_CONTEXT`
  (unknown enum values refused too).
"""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar

import httpx
import pydantic
from pydantic_core import from_json

from ._exceptions import ResponseValidationError, request_id_of
from ._models import STRICT_CONTEXT, BaseModel, Converter, converter

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
M = TypeVar("M", bound=BaseModel)

__all__ = [
    "APIResponse",
    "AdapterDecoder",
    "BytesDecoder",
    "Decoder",
    "JSONDecoder",
    "ModelDecoder",
    "NoContentDecoder",
]


class Decoder(Protocol[T_co]):
    """Turns a success body into a value; raises ``ValueError`` (pydantic's included) when it cannot."""

    def decode(self, content: bytes, strict: bool = False) -> T_co:
        """Decode ``content`` (``strict``: validate against the schema)."""
        ...


class ModelDecoder(Generic[M]):
    """The body as ``model``: built leniently from the parsed JSON object, or validated (strict)."""

    __slots__ = ("model",)

    def __init__(self, model: type[M]) -> None:
        self.model = model

    def decode(self, content: bytes, strict: bool = False) -> M:
        """Parse ``content`` as ``model``."""
        if strict:
            return self.model.model_validate_json(content, context=STRICT_CONTEXT)
        data = from_json(content)
        if type(data) is not dict:
            raise ValueError(f"expected a JSON object for {self.model.__name__}, got {type(data).__name__}")
        return self.model.model_construct_lenient(data)


class AdapterDecoder(Generic[T]):
    """The body as any type (``list[Model]``...): converted leniently, or validated by a ``TypeAdapter``
    (strict); both built on first use."""

    __slots__ = ("_adapter", "_converter", "type")

    def __init__(self, type_: Any) -> None:
        self.type = type_
        self._adapter: pydantic.TypeAdapter[T] | None = None
        self._converter: tuple[Converter | None] | None = None

    def decode(self, content: bytes, strict: bool = False) -> T:
        """Parse ``content`` as ``type``."""
        if strict:
            if self._adapter is None:
                self._adapter = pydantic.TypeAdapter(self.type)
            return self._adapter.validate_json(content, context=STRICT_CONTEXT)
        if self._converter is None:
            self._converter = (converter(self.type),)
        data = from_json(content)
        expected = _json_kind(self.type)
        if expected is not None and type(data) is not expected:
            raise ValueError(f"expected a JSON {expected.__name__}, got {type(data).__name__}")
        convert = self._converter[0]
        return data if convert is None else convert(data)  # type: ignore[no-any-return]


def _json_kind(annotation: Any) -> type | None:
    origin = getattr(annotation, "__origin__", None)
    return list if origin is list else dict if origin is dict else None


class NoContentDecoder:
    """For responses without a body (204): always ``None``."""

    __slots__ = ()

    def decode(self, content: bytes, strict: bool = False) -> None:
        """Ignore ``content``."""
        return


class JSONDecoder:
    """For responses whose schema is free-form: the parsed JSON value."""

    __slots__ = ()

    def decode(self, content: bytes, strict: bool = False) -> Any:
        """The JSON value of ``content``."""
        return from_json(content)


class BytesDecoder:
    """For non-JSON responses: the body bytes."""

    __slots__ = ()

    def decode(self, content: bytes, strict: bool = False) -> bytes:
        """``content`` unchanged."""
        return content


class APIResponse(Generic[T]):
    """A success response before parsing (``client.with_raw_response...``).

    ``http_response`` is the ``httpx.Response``; ``status_code``, ``headers``, ``request_id`` and
    ``retries_taken`` describe it; :meth:`parse` decodes the body into the declared type (cached),
    strictly when the client has ``strict_responses``.
    """

    __slots__ = ("_decoder", "_parsed", "http_response", "operation_id", "retries_taken", "strict")

    def __init__(
        self,
        http_response: httpx.Response,
        decoder: Decoder[T],
        *,
        operation_id: str,
        retries_taken: int,
        strict: bool = False,
    ) -> None:
        self.http_response = http_response
        self.operation_id = operation_id
        self.retries_taken = retries_taken
        self.strict = strict
        self._decoder = decoder
        self._parsed: tuple[T] | None = None

    @property
    def status_code(self) -> int:
        """The HTTP status code."""
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response headers."""
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The server's request id (``X-Request-Id``), when it sent one."""
        return request_id_of(self.http_response)

    def parse(self) -> T:
        """The body as the operation's declared type; raises :class:`ResponseValidationError`."""
        if self._parsed is None:
            try:
                self._parsed = (self._decoder.decode(self.http_response.content, self.strict),)
            except ValueError as exc:
                raise ResponseValidationError(
                    f"{self.operation_id}: response does not match the schema: {exc}",
                    request=self.http_response.request,
                    response=self.http_response,
                    body=self.http_response.text,
                ) from exc
        return self._parsed[0]

    def __repr__(self) -> str:
        return f"<APIResponse {self.operation_id} [{self.status_code}]>"
