"""The generated client's runtime: plain Python modules copied verbatim into every package.

These modules do not depend on the spec (STYLE.md, "Reading a spec once": OAI's ``_base_client``,
``_models``); they are linted and type-checked here, where they live, and
:func:`generator.client.render.render_files` copies each of :data:`RUNTIME_MODULES` into the
package with the generated-file header. They import each other relatively (the package name is the
generator's choice), never a module rendered from a template: templates (``templates/``) write what
the spec decides (constants, status errors, the client constructor, resources, models) and import
from here.

:mod:`._window` is the one definition of a rate-limit window: the sandbox
(:mod:`generator.sandbox.limits`) imports it from here, the client carries a copy.
"""

from __future__ import annotations

from pathlib import Path

#: This folder.
RUNTIME_DIR = Path(__file__).resolve().parent
#: The runtime modules, in dependency order (a module imports only modules before it).
RUNTIME_MODULES: tuple[str, ...] = (
    "_types.py",
    "_clock.py",
    "_defaults.py",
    "_window.py",
    "_ratelimit.py",
    "_retry.py",
    "_exceptions.py",
    "_logging.py",
    "_models.py",
    "_response.py",
    "_operation.py",
    "_config.py",
    "_pagination.py",
    "_base_client.py",
)
