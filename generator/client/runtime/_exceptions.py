"""The exception tree's base: every error the client raises derives from :class:`RecallError`.

``APIStatusError`` gets one subclass per error status the spec documents (``_status_errors.py``,
rendered from the spec: 4xx subclass it directly, 5xx through :class:`ServerError`);
:func:`status_error` builds the right one. Every :class:`APIError` carries the method, URL,
status, parsed body and the server's request id (``X-Request-Id``).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from ._defaults import REQUEST_ID_HEADERS
from ._retry import parse_retry_after

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "CredentialsError",
    "RecallError",
    "ResponseValidationError",
    "ServerError",
    "request_id_of",
    "status_error",
]


class RecallError(Exception):
    """Base class of every exception raised by this package."""


class CredentialsError(RecallError, ValueError):
    """An operation needs a credential the client does not have; raised before any request.

    ``operation_id`` names the operation, ``missing`` the client arguments that would satisfy it.
    """

    def __init__(self, message: str, *, operation_id: str, missing: tuple[str, ...]) -> None:
        super().__init__(message)
        self.operation_id = operation_id
        self.missing = missing


class APIError(RecallError):
    """A request was made and failed.

    Attributes: ``method`` and ``url`` of the request; ``status_code`` (None when no response
    arrived); ``body`` (parsed JSON, else text, else None); ``request_id`` (response header).
    """

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request,
        response: httpx.Response | None = None,
        body: object = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.response = response
        self.method = request.method
        self.url = str(request.url)
        self.status_code: int | None = response.status_code if response is not None else None
        self.body = body
        self.request_id = request_id_of(response)


class APIConnectionError(APIError):
    """The request could not be sent or no response arrived (after retries)."""


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or pool timeout), after retries."""


class ResponseValidationError(APIError):
    """A success response whose body is not JSON of the declared shape (with ``strict_responses``:
    that does not match the response schema)."""


class APIStatusError(APIError):
    """The server answered with an error status (4xx/5xx, or an unexpected 1xx/3xx).

    ``retry_after`` holds the ``Retry-After`` header in seconds when the server sent one.
    """

    status_code: int
    response: httpx.Response

    def __init__(self, message: str, *, response: httpx.Response, body: object = None) -> None:
        super().__init__(message, request=response.request, response=response, body=body)
        self.status_code = response.status_code
        self.response = response
        self.retry_after: float | None = None


class ServerError(APIStatusError):
    """The server failed (5xx)."""


def status_error(response: httpx.Response, classes: Mapping[int, type[APIStatusError]], now: float) -> APIStatusError:
    """The exception for an error ``response``: its class in ``classes`` (documented statuses), else
    :class:`ServerError` (5xx) or :class:`APIStatusError`; body parsed when JSON; ``now`` is the Unix
    time (a ``Retry-After`` date)."""
    body: object
    try:
        body = response.json()
    except ValueError:
        body = response.text or None
    detail = ""
    if isinstance(body, dict):
        detail = str(body.get("detail") or body.get("message") or body.get("code") or "")
    elif isinstance(body, str):
        detail = body[:200]
    request = response.request
    message = f"{response.status_code} {response.reason_phrase} for {request.method} {request.url}"
    status = response.status_code
    kind = classes.get(status) or (ServerError if status >= 500 else APIStatusError)
    error = kind(f"{message}: {detail}" if detail else message, response=response, body=body)
    error.retry_after = parse_retry_after(response.headers.get("retry-after"), now)
    return error


def request_id_of(response: httpx.Response | None) -> str | None:
    """The server's request id from the first of :data:`~._defaults.REQUEST_ID_HEADERS` present, else None."""
    if response is None:
        return None
    headers = response.headers
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return None
