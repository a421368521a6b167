"""Client configuration: security schemes (credentials) and the base URL (regions, ``base_url=``, environment).

A security scheme (OpenAPI 3.1 section 4.8.27) is sent as ``prefix + secret`` in a header; an
operation lists alternatives of schemes that must all be present (section 4.8.30). The spec's
schemes and servers are data of the generated ``_client.py`` / ``_constants.py``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ._exceptions import CredentialsError
from ._operation import Operation

__all__ = ["SecurityScheme", "auth_headers", "resolve_base_url"]


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    """A security scheme of the spec as the client sends it: ``prefix + secret`` in ``parameter``."""

    name: str
    argument: str
    location: str
    parameter: str
    prefix: str
    env: str | None = None


def resolve_base_url(
    region: str | None,
    base_url: str | httpx.URL | None,
    servers: Mapping[str, str],
    default_region: str | None,
    env: str | None = None,
) -> str:
    """The base URL: ``base_url``, else ``region`` (a key of ``servers``), else the environment
    variable ``env`` when set, else the default region.

    Raises ``ValueError`` for an unknown region, for both arguments at once, or for none of them
    when the spec lists no server.
    """
    if base_url is not None:
        if region is not None:
            raise ValueError("pass either region= or base_url=, not both")
        return str(base_url).rstrip("/")
    if region is None and env:
        from_env = os.environ.get(env)
        if from_env:
            return from_env.rstrip("/")
    chosen = region if region is not None else default_region
    if chosen is None or chosen not in servers:
        hint = f", base_url= or {env}" if env else " or base_url="
        raise ValueError(f"unknown region {chosen!r}; expected one of {sorted(servers)}{hint}")
    return servers[chosen]


def auth_headers(
    op: Operation[Any], credentials: Mapping[str, str], schemes: Mapping[str, SecurityScheme], client: str
) -> dict[str, str]:
    """The credential headers for ``op``: the first security alternative whose schemes are all set.

    Raises :class:`CredentialsError` (before any request) naming the client arguments that are missing.
    """
    if not op.security:
        return {}
    missing: list[tuple[str, ...]] = []
    for alternative in op.security:
        absent = tuple(name for name in alternative if name not in credentials)
        if not absent:
            headers = {}
            for name in alternative:
                scheme = schemes[name]
                secret = credentials[name]
                if scheme.prefix and not secret.lower().startswith(scheme.prefix.lower()):
                    secret = scheme.prefix + secret
                headers[scheme.parameter] = secret
            return headers
        missing.append(absent)
    arguments = tuple(schemes[n].argument if n in schemes else n for n in missing[0])
    hint = " and ".join(f"{a}=" for a in arguments)
    raise CredentialsError(
        f"{op.operation_id} needs {hint} (pass it to {client}(...) or use "
        f"client.with_options({hint}...)); no request was sent",
        operation_id=op.operation_id,
        missing=arguments,
    )
