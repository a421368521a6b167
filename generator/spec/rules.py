"""API-wide rules a normalized spec carries, each defined once: the client IR, the sandbox, the
conformance judge and ``diff`` all read them from here.

- **HTTP methods** of a Path Item, in the order OpenAPI 3.1.0 section 4.8.9 lists them.
- **Rate limits**: the toolkit's ``x-rate-limit: {limit, period, scope}`` extension on an
  operation ("300 requests per min per workspace", endpoint pages): at most ``limit`` requests in
  any window of ``period`` seconds (default 60: the pages state limits per minute), counted per
  ``scope`` (``workspace`` by default).
- **Credential format**: how a security scheme's secret goes on the wire (section 4.8.27):
  ``apiKey`` schemes send ``prefix + secret`` in the named header, query parameter or cookie, the
  prefix given by the toolkit's ``x-credential-prefix`` extension (``Token `` for
  ``Authorization: Token <API key>``, authentication page); ``http`` schemes send
  ``Authorization: <Scheme> <secret>`` (RFC 9110 section 11.6.2).
- **Retries**: the toolkit's ``x-retry`` extension on a Response Object (errors page):
  ``backoff`` (exponential backoff), ``retry-after`` (wait the ``Retry-After`` header, else
  backoff) or ``{delay: <seconds>, new-idempotency-key: true}`` (507, ad-hoc bot pool).

Each ``parse_*`` function returns the rule or a problem string (errors as data): the caller turns
the problem into a diagnostic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: Path Item operation fields, in the order of OpenAPI 3.1.0 section 4.8.9.
METHODS: tuple[str, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: Methods that change state; an ``Idempotency-Key`` makes them safe to retry (idempotency page).
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH"})
#: Default ``x-rate-limit`` period in seconds: the pages state limits "per min".
DEFAULT_PERIOD = 60.0
#: Default ``x-rate-limit`` scope.
DEFAULT_SCOPE = "workspace"
#: Scopes whose bucket is keyed by a credential other than the API key (calendar-v1 guide).
CREDENTIAL_SCOPES = frozenset({"calendar_user"})
#: Largest limit and period accepted (requests; seconds: one day).
MAX_LIMIT = 1_000_000
MAX_PERIOD = 86_400.0


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` requests in any window of ``period`` seconds, per ``scope``.

    A sliding window, not a refilling bucket: request ``limit + 1`` within ``period`` seconds of
    the first is refused (429) by the server and held back by the client.
    """

    limit: int
    period: float
    scope: str = DEFAULT_SCOPE


def parse_rate_limit(raw: Any) -> RateLimit | str:
    """The :class:`RateLimit` of an ``x-rate-limit`` value, or a problem string.

    ``limit`` must be a positive integer (at most :data:`MAX_LIMIT`), ``period`` a positive finite
    number of seconds (at most :data:`MAX_PERIOD`; default 60), ``scope`` a non-empty string.
    """
    if not isinstance(raw, Mapping):
        return f"x-rate-limit must be a mapping, got {type(raw).__name__}"
    limit = raw.get("limit")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= MAX_LIMIT:
        return f"x-rate-limit limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}"
    period = raw.get("period", DEFAULT_PERIOD)
    if isinstance(period, bool) or not isinstance(period, int | float) or not math.isfinite(period):
        return f"x-rate-limit period must be a finite number of seconds, got {period!r}"
    if not 0 < period <= MAX_PERIOD:
        return f"x-rate-limit period must be above 0 and at most {MAX_PERIOD:g} s, got {period!r}"
    scope = raw.get("scope", DEFAULT_SCOPE)
    if not isinstance(scope, str) or not scope.strip():
        return f"x-rate-limit scope must be a non-empty string, got {scope!r}"
    return RateLimit(limit, float(period), scope)


@dataclass(frozen=True)
class CredentialFormat:
    """Where a secret goes (``location``: header, query or cookie; ``parameter``: its name) and
    the text before it (``prefix``: ``Token `` for the API key)."""

    location: str
    parameter: str
    prefix: str

    def encode(self, secret: str) -> str:
        """The wire value of ``secret``: the prefix added unless the secret already starts with it."""
        if self.prefix and secret.lower().startswith(self.prefix.lower()):
            return secret
        return self.prefix + secret

    def decode(self, value: str) -> str | None:
        """The secret in a wire value, or None when the prefix is missing (compared case-insensitively,
        RFC 9110 section 11.1, surrounding spaces ignored)."""
        text = value.strip()
        if not self.prefix:
            return text
        word = self.prefix.strip().lower()
        head, _, rest = text.partition(" ")
        return rest.strip() if head.lower() == word and rest.strip() else None


def parse_credential_format(scheme: Any) -> CredentialFormat | str:
    """The :class:`CredentialFormat` of a Security Scheme Object, or a problem string.

    Supported: ``apiKey`` (with ``x-credential-prefix``, default none) and ``http`` (``bearer``,
    ``basic`` and other schemes: ``Authorization: <Scheme> ``). ``oauth2``, ``openIdConnect`` and
    ``mutualTLS`` are problems (the toolkit has no flow for them).
    """
    if not isinstance(scheme, Mapping):
        return "a security scheme must be a mapping"
    kind = scheme.get("type")
    if kind == "apiKey":
        location = scheme.get("in")
        name = scheme.get("name")
        if location not in ("header", "query", "cookie"):
            return f"apiKey scheme: `in` must be header, query or cookie, got {location!r}"
        if not isinstance(name, str) or not name.strip():
            return "apiKey scheme: `name` must be a non-empty string"
        prefix = scheme.get("x-credential-prefix", "")
        if not isinstance(prefix, str) or "\n" in prefix or "\r" in prefix:
            return f"x-credential-prefix must be a one-line string, got {prefix!r}"
        return CredentialFormat(str(location), name, prefix)
    if kind == "http":
        word = scheme.get("scheme")
        if not isinstance(word, str) or not word.strip().isalnum():
            return f"http scheme: `scheme` must be a word such as bearer, got {word!r}"
        return CredentialFormat("header", "Authorization", word.strip().capitalize() + " ")
    return f"security scheme type {kind!r} is not supported (apiKey and http are)"


RetryKind = Literal["backoff", "retry-after", "delay"]


@dataclass(frozen=True)
class RetryRule:
    """How a client retries one error status: ``backoff`` (exponential), ``retry-after`` (the
    header's delay, else backoff) or ``delay`` (``seconds``, then ``new_idempotency_key``)."""

    kind: RetryKind
    seconds: float = 0.0
    new_idempotency_key: bool = False


def parse_retry(raw: Any) -> RetryRule | str:
    """The :class:`RetryRule` of an ``x-retry`` value, or a problem string."""
    if raw in ("backoff", "retry-after"):
        return RetryRule(raw)
    if isinstance(raw, Mapping):
        delay = raw.get("delay")
        if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= MAX_PERIOD:
            return f"x-retry delay must be a number of seconds from 0 to {MAX_PERIOD:g}, got {delay!r}"
        renew = raw.get("new-idempotency-key", False)
        if not isinstance(renew, bool):
            return f"x-retry new-idempotency-key must be true or false, got {renew!r}"
        return RetryRule("delay", float(delay), renew)
    return f"x-retry must be backoff, retry-after or {{delay: seconds}}, got {raw!r}"
