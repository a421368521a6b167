"""The server the live checks talk to: the bundled sandbox (default) or any ``--base-url``.

Traffic policy (README, "Conformance suite"):

- against the sandbox the suite starts (no ``--base-url``) every live check runs;
- against any other server only *safe* traffic is sent unless ``--live-unsafe`` is given:
  requests without or with wrong credentials (the server answers 401 before doing anything,
  ``authentication`` page) and GET/HEAD operations (none in the seed spec), with at most
  :data:`LIVE_MAX_EXAMPLES` examples per operation and the client's rate limiter on;
- writes (POST/PUT/PATCH/DELETE with credentials), ``Idempotency-Key`` replays and rate-limit
  exhaustion (at most ``limit + 1`` requests per operation) need the sandbox or ``--live-unsafe``.

Credentials for a ``--base-url`` server: ``RECALL_API_KEY`` and ``RECALL_CALENDAR_TOKEN``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance_tests import speclib
from conformance_tests.adapter import ClientOperation, credential_arguments

#: Live examples per operation are capped (rate limits are per minute; the thorough profile
#: would otherwise make the client wait for its token buckets).
LIVE_MAX_EXAMPLES = 30
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_KEY_SCHEME = "RecallApiKey"
CALENDAR_SCHEME = "CalendarAuthToken"
#: Extra sandbox credentials used only to exhaust rate limits (so other checks keep their buckets).
LIMITS_KEY = "sandbox-key-rate-limits"
LIMITS_TOKEN = "sandbox-calendar-token-rate-limits"
#: Sandbox credentials of the idempotency check (its requests do not use up the others' limits).
REPLAY_KEY = "sandbox-key-idempotency"
REPLAY_TOKEN = "sandbox-calendar-token-idempotency"


@dataclass
class LiveTarget:
    """A server under test: ``base_url``, credentials by security scheme name, what may be sent.

    ``sandbox`` is the :class:`generator.sandbox.RunningSandbox` when the suite started it
    (then ``unsafe`` is True, and ``limit_secrets`` and ``idempotency_secrets`` hold credentials
    reserved for the rate-limit and idempotency checks, so that no check uses up another's quota).
    ``clock`` is given to every client (None: the real clock; fake servers use a fake one, so the
    client's rate limiter waits without sleeping).
    """

    base_url: str
    secrets: dict[str, str]
    unsafe: bool
    sandbox: Any = None
    limit_secrets: dict[str, str] = field(default_factory=dict)
    idempotency_secrets: dict[str, str] = field(default_factory=dict)
    clock: Any = None

    @property
    def is_sandbox(self) -> bool:
        """True when the suite started this server itself."""
        return self.sandbox is not None

    def client(self, secrets: dict[str, str] | None = None, **options: Any) -> Any:
        """A ``RecallClient`` for this server (``secrets`` by scheme name; default: the target's)."""
        from recall_client import RecallClient

        chosen = self.secrets if secrets is None else secrets
        options.setdefault("timeout", 30.0)
        options.setdefault("strict_responses", True)  # the suite judges responses against the spec
        if self.clock is not None:
            options.setdefault("clock", self.clock)
        return RecallClient(base_url=self.base_url, **credential_arguments(chosen), **options)

    def may_send(self, cop: ClientOperation) -> bool:
        """Whether authenticated requests of ``cop`` are allowed (safe method, sandbox or opt-in)."""
        return self.unsafe or cop.http_method in SAFE_METHODS

    def stored_ids(self, cop: ClientOperation) -> list[str]:
        """Ids of resources the sandbox stores for ``cop``'s path parameters (empty for other servers)."""
        if self.sandbox is None or not cop.path_params:
            return []
        resources = self.sandbox.app.state.sandbox.resources
        return sorted(set(resources.sample_params(cop.spec.path).values()))


def sandbox_target() -> Iterator[LiveTarget]:
    """Start the sandbox on a free loopback port (``check_responses`` on), yield it, stop it."""
    from generator.sandbox import DEFAULT_API_KEY, DEFAULT_CALENDAR_TOKEN, Credentials, SandboxConfig, start_sandbox

    credentials = Credentials(
        api_keys=frozenset({DEFAULT_API_KEY, LIMITS_KEY, REPLAY_KEY}),
        header_tokens=frozenset({DEFAULT_CALENDAR_TOKEN, LIMITS_TOKEN, REPLAY_TOKEN}),
    )
    running = start_sandbox(speclib.SPEC, SandboxConfig(credentials=credentials, check_responses=True))
    try:
        yield LiveTarget(
            running.base_url,
            {API_KEY_SCHEME: DEFAULT_API_KEY, CALENDAR_SCHEME: DEFAULT_CALENDAR_TOKEN},
            unsafe=True,
            sandbox=running,
            limit_secrets={API_KEY_SCHEME: LIMITS_KEY, CALENDAR_SCHEME: LIMITS_TOKEN},
            idempotency_secrets={API_KEY_SCHEME: REPLAY_KEY, CALENDAR_SCHEME: REPLAY_TOKEN},
        )
    finally:
        running.stop()


def remote_target(base_url: str, unsafe: bool) -> LiveTarget:
    """A ``--base-url`` server with credentials from ``RECALL_API_KEY``/``RECALL_CALENDAR_TOKEN``."""
    secrets = {}
    if os.environ.get("RECALL_API_KEY"):
        secrets[API_KEY_SCHEME] = os.environ["RECALL_API_KEY"]
    if os.environ.get("RECALL_CALENDAR_TOKEN"):
        secrets[CALENDAR_SCHEME] = os.environ["RECALL_CALENDAR_TOKEN"]
    return LiveTarget(base_url.rstrip("/"), secrets, unsafe=unsafe, limit_secrets=dict(secrets))
