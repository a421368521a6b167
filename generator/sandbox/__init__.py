"""The sandbox: a stateful fake of the Recall.ai API driven by a spec (``recallgen sandbox``).

Layering (each module imports only those above it, and of the toolkit only :mod:`generator.spec`
and :mod:`generator.diagnostics`):

- :mod:`.spec`: the spec model (:mod:`generator.spec`: operations, parameters, responses, security
  schemes with their credential format, ``x-rate-limit``) and the ``sandbox-*`` verdict on it;
- :mod:`.schemas`: synthesis and conforming of values over the model's resolver (``Refs``);
- :mod:`.routes`: path template matching and resource kinds (item, collection, singleton, action);
- :mod:`.store`: SQLite storage of JSON resources (in memory, or a file with ``--db``);
- :mod:`.bounds`: request size bounds (413, 414, 400) checked before anything validates;
- :mod:`.auth`, :mod:`.limits`, :mod:`.idempotency`, :mod:`.validation`: 401, 429, 409/replay, 400;
- :mod:`.resources`: what each method does to a resource, per owner (tenancy);
- :mod:`.app`: the ASGI app; :mod:`.server`: uvicorn in the foreground or a background thread;
- :mod:`.peer`: the ``make conformance-peer`` runner (Schemathesis against a sandbox);
- :mod:`.loadgen`, :mod:`.testing`: a loopback load generator, in-process test helpers.

Programmatic use: :func:`start_sandbox` (returns a :class:`RunningSandbox` with ``base_url`` and
``stop()``) or :func:`create_app` for an in-process ASGI app (:class:`generator.sandbox.testing.AsgiClient`).
"""

from generator.sandbox.app import SandboxConfig, create_app
from generator.sandbox.auth import DEFAULT_API_KEY, DEFAULT_CALENDAR_TOKEN, Credentials
from generator.sandbox.server import RunningSandbox, SandboxStartError, start_sandbox
from generator.sandbox.spec import build_spec, load_spec

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_CALENDAR_TOKEN",
    "Credentials",
    "RunningSandbox",
    "SandboxConfig",
    "SandboxStartError",
    "build_spec",
    "create_app",
    "load_spec",
    "start_sandbox",
]
