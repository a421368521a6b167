"""The reconciled operation: its data model and the naming rules shared across stages.

An :class:`Operation` is built from one page by :mod:`generator.normalize.operations` and completed by
:mod:`generator.normalize.rows`; :mod:`generator.normalize.components` and :mod:`generator.normalize.pipeline` read it.
operationIds follow drf-spectacular, the generator of the vendor's own API description:
``<path segments>_<list|retrieve|create|update|partial_update|destroy>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generator.normalize.pages import DocPage, RateLimit
from generator.normalize.schema import Schema

SUFFIX_METHODS = {
    "partial_update": "patch",
    "update": "put",
    "destroy": "delete",
    "create": "post",
    "list": "get",
    "retrieve": "get",
}
PATH_PARAM = re.compile(r"\{([^{}/]+)\}")
_API_PREFIX = re.compile(r"^api/v\d+$")


@dataclass
class Parameter:
    """A path or query parameter (OpenAPI 3.1, section 4.8.12)."""

    name: str
    location: str
    schema: Schema
    required: bool
    description: str = ""
    line: int = 0


@dataclass(frozen=True)
class Placement:
    """Where a table row's facts went: the row's line, the tree (``request``, ``response`` or
    ``error``), the node's path from the body's root (``"[]"`` steps into array items) and whether
    the row belongs to the table's request block (:func:`generator.normalize.rows.request_block_end`)."""

    line: int
    kind: str
    path: tuple[str, ...]
    request_row: bool


@dataclass
class Operation:
    """One operation reconciled from one page, before components are named.

    ``method`` is lower-case; ``response`` is None for empty bodies (``status`` 204);
    ``list_kind`` is ``"array"``, ``"paginated"`` or ``""``. ``placements`` lists the schema
    nodes the page's table rows were placed at (path and query parameters aside).
    """

    page: DocPage
    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    tag: str
    parameters: list[Parameter] = field(default_factory=list)
    request: Schema | None = None
    request_example: object = None
    response: Schema | None = None
    response_example: object = None
    status: str = "200"
    error_response: Schema | None = None
    list_kind: str = ""
    rate_limit: RateLimit | None = None
    line: int = 0
    placements: list[Placement] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        """(path, method): what makes two pages describe the same operation."""
        return (self.path, self.method)


def split_suffix(slug: str) -> tuple[str, str] | None:
    """``recording_partial_update`` -> (``recording``, ``partial_update``); None without suffix."""
    for suffix in sorted(SUFFIX_METHODS, key=len, reverse=True):
        if slug.endswith("_" + suffix) and len(slug) > len(suffix) + 1:
            return slug[: -len(suffix) - 1], suffix
    return None


def path_segments(path: str) -> list[str]:
    """Resource segments of a path: the ``/api/vN`` prefix and parameters removed."""
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) >= 2 and _API_PREFIX.match("/".join(parts[:2])):
        parts = parts[2:]
    return [p for p in parts if not PATH_PARAM.fullmatch(p)]


def derive_operation_id(method: str, path: str, is_list: bool) -> str:
    """The drf-spectacular operationId for a method and path.

    ``GET /api/v1/recording/{id}/`` -> ``recording_retrieve``;
    ``POST /api/v1/bot/{id}/leave_call/`` -> ``bot_leave_call_create``.
    """
    base = "_".join(path_segments(path)).replace("-", "_")
    suffix = {
        "get": "list" if is_list else "retrieve",
        "post": "create",
        "put": "update",
        "patch": "partial_update",
        "delete": "destroy",
    }.get(method, method)
    return f"{base}_{suffix}" if base else suffix


def tag_for(path: str) -> str:
    """The tag of an operation: its first resource segment (``/api/v2/calendars/`` -> calendars)."""
    segments = path_segments(path)
    return segments[0] if segments else "default"
