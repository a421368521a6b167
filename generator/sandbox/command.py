"""``recallgen sandbox``: load the spec, report diagnostics, serve in the foreground.

Exit codes follow the CLI contract: 0 after a clean shutdown, 1 when the spec, the ``--db`` file
or the address cannot be used (each reported as ``path:line: severity[code]: message``). Bound to
an address that is not loopback with the default credentials accepted, it warns on stderr
(``sandbox-default-credentials``) and serves.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from generator.diagnostics import Diagnostics
from generator.sandbox.app import SandboxConfig, create_app
from generator.sandbox.auth import Credentials, api_key_scheme
from generator.sandbox.server import exposure_warning, serve_forever
from generator.sandbox.spec import load_spec
from generator.sandbox.store import StoreError


def run_sandbox(
    spec_path: Path,
    report: Callable[[Diagnostics], None],
    host: str = "127.0.0.1",
    port: int = 8000,
    db: Path | None = None,
    api_keys: list[str] | None = None,
    calendar_tokens: list[str] | None = None,
    check_responses: bool = False,
) -> int:
    """Serve ``spec_path`` until interrupted; returns the exit code. ``report`` prints diagnostics."""
    diags = Diagnostics()
    spec = load_spec(spec_path, diags)
    if spec is None:
        report(diags)
        return 1
    defaults = Credentials()
    credentials = Credentials(
        frozenset(api_keys) if api_keys else defaults.api_keys,
        frozenset(calendar_tokens) if calendar_tokens else defaults.header_tokens,
    )
    try:
        app = create_app(spec, SandboxConfig(credentials, db, check_responses=check_responses))
    except StoreError as exc:
        diags.error(str(db), 0, "sandbox-db-unusable", str(exc))
        report(diags)
        return 1
    warning = exposure_warning(host, credentials)
    if warning:
        diags.warning(f"{host}:{port}", 0, "sandbox-default-credentials", warning)
    if len(diags):
        report(diags)
    scheme = api_key_scheme(spec)
    keys = ", ".join(sorted(credentials.api_keys))
    if scheme is not None and scheme.format is not None:
        keys = f"{scheme.format.parameter}: {scheme.format.prefix}{keys}"
    ready = f"sandbox: {len(spec.operations)} operations of {spec_path} at {{url}} ({keys}; store: {db or 'in memory'})"
    try:
        serve_forever(app, host, port, on_ready=ready)
    except OSError as exc:
        app.state.sandbox.close()
        diags.error(f"{host}:{port}", 0, "sandbox-port-unusable", str(exc))
        report(diags)
        return 1
    return 0
