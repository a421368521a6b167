"""Credential checks for an operation's ``security`` requirements (401 when none is satisfied).

The schemes come from the spec model (OpenAPI 3.1.0 section 4.8.27), each with its credential
format (:class:`generator.spec.rules.CredentialFormat`: header name and prefix, the prefix from
the spec's ``x-credential-prefix``). A requirement object lists schemes that must *all* pass; the
operation's list holds alternatives, *any* of which suffices (section 4.8.30); an empty list means
no authentication. Schemes whose credential is not sent in a header are not enforced (reported at
start-up as ``sandbox-unsupported-security``).

- A scheme sent in the ``Authorization`` header is the API key: its value, decoded with the
  scheme's format (``Token <key>``, the scheme word matched case-insensitively, RFC 9110 section
  11.1), must be a key of :attr:`Credentials.api_keys` (authentication page: "Authorization: Token
  YOUR_API_KEY"; "Unauthenticated requests will receive a 401 error").
- Any other header scheme (``x-recallcalendarauthtoken``) must carry a value of
  :attr:`Credentials.header_tokens`.

Secrets are compared in constant time: the SHA-256 digest of the value sent is looked up among
the digests of the accepted secrets and confirmed with :func:`hmac.compare_digest`, so the time
taken does not depend on how much of a secret was guessed. :func:`owner_of` names who owns data
(a workspace by its API key, a calendar user by its token) by such a digest, never by the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from generator.spec.model import SecurityScheme, Spec
from generator.spec.rules import CredentialFormat

DEFAULT_API_KEY = "sandbox-key"
DEFAULT_CALENDAR_TOKEN = "sandbox-calendar-token"


@dataclass(frozen=True)
class Credentials:
    """Accepted secrets: API keys (the ``Authorization`` scheme), tokens for other header schemes."""

    api_keys: frozenset[str] = field(default_factory=lambda: frozenset({DEFAULT_API_KEY}))
    header_tokens: frozenset[str] = field(default_factory=lambda: frozenset({DEFAULT_CALENDAR_TOKEN}))

    def secrets(self) -> frozenset[str]:
        """Every accepted secret, API keys and tokens."""
        return self.api_keys | self.header_tokens

    def secrets_for(self, scheme: SecurityScheme) -> frozenset[str]:
        """The secrets ``scheme`` accepts: the API keys for an API-key scheme, else the tokens."""
        return self.api_keys if is_api_key(scheme) else self.header_tokens

    @cached_property
    def _digests(self) -> tuple[dict[bytes, bytes], dict[bytes, bytes]]:
        keys = {digest(s): digest(s) for s in self.api_keys}
        return keys, {digest(s): digest(s) for s in self.header_tokens}

    def accepts(self, scheme: SecurityScheme, secret: str | None) -> bool:
        """True when ``secret`` is one ``scheme`` accepts, compared in constant time (module docstring)."""
        if secret is None:
            return False
        sent = digest(secret)
        known = self._digests[0] if is_api_key(scheme) else self._digests[1]
        return hmac.compare_digest(known.get(sent, b""), sent)


def digest(secret: str) -> bytes:
    """SHA-256 of a secret's UTF-8 bytes (lone surrogates kept), the form secrets are compared in."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


#: The owner of what callers without any credential write (operations that declare no security).
ANONYMOUS = "anonymous"


def owner_of(kind: str, secret: str) -> str:
    """The owner id of a workspace (``kind`` ``"workspace"``, the API key) or a calendar user
    (``"calendar_user"``, the token): ``kind:`` and 32 hex digits of the secret's digest;
    :data:`ANONYMOUS` for an empty secret."""
    return f"{kind}:{digest(secret).hex()[:32]}" if secret else ANONYMOUS


@dataclass(frozen=True)
class AuthResult:
    """``ok``; ``api_key`` (the key sent, or ``""``), ``tokens`` (scheme name -> secret sent, for
    the schemes other than the API key) and, when not ok, ``detail`` and ``code`` for the 401 body."""

    ok: bool
    api_key: str = ""
    tokens: Mapping[str, str] = field(default_factory=dict)
    detail: str = ""
    code: str = ""


def header_format(scheme: SecurityScheme) -> CredentialFormat | None:
    """The scheme's credential format when it is sent in a header (the only kind enforced), else None."""
    return scheme.format if scheme.format is not None and scheme.format.location == "header" else None


def is_api_key(scheme: SecurityScheme) -> bool:
    """True for a scheme whose credential goes in the ``Authorization`` header (the API key)."""
    found = header_format(scheme)
    return found is not None and found.parameter.lower() == "authorization"


def api_key_scheme(spec: Spec) -> SecurityScheme | None:
    """The first API-key scheme of ``spec`` (``RecallApiKey``), None when it declares none."""
    return next((s for s in spec.security_schemes.values() if is_api_key(s)), None)


def _secret(scheme: SecurityScheme, headers: Mapping[str, str]) -> str | None:
    """What ``scheme`` reads from ``headers`` (lower-cased names): None when absent or malformed."""
    found = header_format(scheme)
    value = headers.get(found.parameter.lower()) if found is not None else None
    return found.decode(value) if found is not None and value is not None and value.strip() else None


def api_key_of(headers: Mapping[str, str], schemes: Iterable[SecurityScheme]) -> str:
    """The API key sent: the ``Authorization`` header decoded by the first API-key scheme of
    ``schemes`` that reads it (``""`` when none does)."""
    return next((key for s in schemes if is_api_key(s) and (key := _secret(s, headers))), "")


def _passes(scheme: SecurityScheme, headers: Mapping[str, str], creds: Credentials) -> tuple[bool, str]:
    found = header_format(scheme)
    if found is None:
        return True, ""
    value = headers.get(found.parameter.lower())
    if value is None or not value.strip():
        return False, f"missing the {found.parameter} header"
    if is_api_key(scheme):
        why = f"invalid API key (expected `{found.parameter}: {found.prefix}<key>`)"
    else:
        why = f"invalid {found.parameter} token"
    return creds.accepts(scheme, _secret(scheme, headers)), why


def authenticate(
    requirements: tuple[tuple[SecurityScheme, ...], ...],
    headers: Mapping[str, str],
    creds: Credentials,
    identity: Iterable[SecurityScheme] = (),
) -> AuthResult:
    """Check ``headers`` (lower-cased names) against the operation's security alternatives.

    ``identity``: more API-key schemes to read the caller's key with (for rate limits and
    idempotency) when the operation's own requirements name none.
    """
    used = [s for alternative in requirements for s in alternative]
    tokens = {s.name: secret for s in used if not is_api_key(s) and (secret := _secret(s, headers)) is not None}
    api_key = api_key_of(headers, [*used, *identity])
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


def credential_headers(spec: Spec, creds: Credentials, calendar: bool = True) -> dict[str, str]:
    """Headers that satisfy every operation of ``spec``: the first accepted API key in the API-key
    scheme's header (with its prefix) and, unless ``calendar=False``, the first accepted token in
    every other header scheme the operations use (``x-recallcalendarauthtoken``)."""
    used = {s.name: s for op in spec.operations for alternative in op.security for s in alternative}
    key_scheme = next((s for s in used.values() if is_api_key(s)), None) or api_key_scheme(spec)
    headers: dict[str, str] = {}
    if key_scheme is not None and (found := header_format(key_scheme)) is not None and creds.api_keys:
        headers[found.parameter] = found.encode(sorted(creds.api_keys)[0])
    others = {f.parameter: f for s in used.values() if not is_api_key(s) and (f := header_format(s)) is not None}
    for name in sorted(others):
        if calendar and creds.header_tokens:
            headers[name] = others[name].encode(sorted(creds.header_tokens)[0])
    return headers
