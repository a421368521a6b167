"""The sandbox: a stateful fake of the Recall.ai API driven by a spec (``recallgen sandbox``).

Layering (each module imports only those above it):

- :mod:`.schemas`: JSON Schema 2020-12 validation by JSON pointer into the spec, synthesis, conforming;
- :mod:`.spec`: the spec's operations, parameters, responses, security and ``x-rate-limit``;
- :mod:`.routes`: path template matching and resource kinds (item, collection, singleton, action);
- :mod:`.store`: SQLite storage of JSON resources (in memory, or a file with ``--db``);
- :mod:`.auth`, :mod:`.limits`, :mod:`.idempotency`, :mod:`.validation`: 401, 429, 409/replay, 400;
- :mod:`.resources`: what each method does to a resource;
- :mod:`.app`: the Starlette app; :mod:`.server`: uvicorn in the foreground or a background thread;
- :mod:`.peer`: the ``make conformance-peer`` runner (Schemathesis against a sandbox).

Programmatic use: :func:`start_sandbox` (returns a :class:`RunningSandbox` with ``base_url`` and
``stop()``) or :func:`create_app` for an in-process ASGI app (``starlette.testclient.TestClient``).
"""

from generator.sandbox.app import SandboxConfig, create_app
from generator.sandbox.auth import DEFAULT_API_KEY, DEFAULT_CALENDAR_TOKEN, Credentials
from generator.sandbox.server import RunningSandbox, SandboxStartError, start_sandbox
from generator.sandbox.spec import ApiSpec, build_spec, load_spec

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_CALENDAR_TOKEN",
    "ApiSpec",
    "Credentials",
    "RunningSandbox",
    "SandboxConfig",
    "SandboxStartError",
    "build_spec",
    "create_app",
    "load_spec",
    "start_sandbox",
]
