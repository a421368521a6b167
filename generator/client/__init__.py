"""Stage 2: a normalized spec -> the installable typed client package.

:mod:`.ir` (the intermediate representation templates see), :mod:`.build` (resource groups,
method signatures, operation descriptors), :mod:`.meta` (credentials, servers, error classes),
:mod:`.retries` (the retry policy from ``x-retry``), :mod:`.docs` (docstrings and README examples),
:mod:`.pytypes` (type hints from the models), :mod:`.literals` (escaped strings), :mod:`.render`
(templates, datamodel-code-generator, ruff, atomic swap, ``ir-*`` diagnostics), :mod:`.models_output`
(open enums in the models), :mod:`.runtime` (the client's runtime that no spec changes, copied into
the package). Everything is read from :class:`generator.spec.Spec`. Entry point: :func:`render_package`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.client.render import render_package

__all__ = ["render_package"]


def __getattr__(name: str) -> Any:
    """``render_package``, imported when asked for (importing this package stays cheap)."""
    if name == "render_package":
        from generator.client.render import render_package

        return render_package
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
