"""Credential checks for an operation's ``security`` requirements (401 when none is satisfied).

Read generically from ``components.securitySchemes`` (OpenAPI 3.1.0 section 4.8.27): every scheme
is an ``apiKey`` in a header. A requirement object lists schemes that must *all* pass; the
operation's list holds alternatives, *any* of which suffices (section 4.8.30); an empty list means
no authentication.

- The ``Authorization`` header must read ``Token <key>`` with a key from
  :attr:`Credentials.api_keys` (authentication page: "Authorization: Token YOUR_API_KEY";
  "Unauthenticated requests will receive a 401 error"). The scheme word is matched
  case-insensitively (RFC 9110 section 11.1).
- Any other header scheme (``x-recallcalendarauthtoken``) must carry a value from
  :attr:`Credentials.header_tokens`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.sandbox.spec import SecurityScheme

DEFAULT_API_KEY = "sandbox-key"
DEFAULT_CALENDAR_TOKEN = "sandbox-calendar-token"


@dataclass(frozen=True)
class Credentials:
    """Accepted secrets: API keys for ``Authorization: Token <key>``, tokens for other header schemes."""

    api_keys: frozenset[str] = field(default_factory=lambda: frozenset({DEFAULT_API_KEY}))
    header_tokens: frozenset[str] = field(default_factory=lambda: frozenset({DEFAULT_CALENDAR_TOKEN}))


@dataclass(frozen=True)
class AuthResult:
    """``ok``; ``api_key`` (the key sent, or ``""``), ``tokens`` (lower-cased header -> value) and,
    when not ok, ``detail`` and ``code`` for the 401 body."""

    ok: bool
    api_key: str = ""
    tokens: Mapping[str, str] = field(default_factory=dict)
    detail: str = ""
    code: str = ""


def api_key_of(headers: Mapping[str, str]) -> str:
    """The key of an ``Authorization: Token <key>`` header (``""`` when absent or another scheme)."""
    scheme, _, key = headers.get("authorization", "").strip().partition(" ")
    return key.strip() if scheme.lower() == "token" else ""


def _passes(scheme: SecurityScheme, headers: Mapping[str, str], creds: Credentials) -> tuple[bool, str]:
    value = headers.get(scheme.header.lower())
    if value is None or not value.strip():
        return False, f"missing the {scheme.header} header"
    if scheme.is_authorization:
        return (api_key_of(headers) in creds.api_keys), "invalid API key (expected `Authorization: Token <key>`)"
    return (value.strip() in creds.header_tokens), f"invalid {scheme.header} token"


def authenticate(
    requirements: tuple[tuple[SecurityScheme, ...], ...], headers: Mapping[str, str], creds: Credentials
) -> AuthResult:
    """Check ``headers`` (lower-cased names) against the operation's security alternatives."""
    tokens = {
        s.header.lower(): headers[s.header.lower()] for alt in requirements for s in alt if s.header.lower() in headers
    }
    api_key = api_key_of(headers)
    if not requirements:
        return AuthResult(True, api_key, tokens)
    problems = []
    for alternative in requirements:
        failures = [why for ok, why in (_passes(s, headers, creds) for s in alternative) if not ok]
        if not failures:
            return AuthResult(True, api_key, tokens)
        problems.append("; ".join(failures))
    missing = all("missing" in p for p in problems)
    return AuthResult(
        False,
        api_key,
        tokens,
        detail=("Authentication credentials were not provided: " if missing else "Invalid credentials: ") + problems[0],
        code="not_authenticated" if missing else "authentication_failed",
    )
