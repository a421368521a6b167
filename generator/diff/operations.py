"""Compare one operation of the old spec with the same operation of the new one.

Operations are the same when their method and path template are (path parameter names aside:
``/bot/{id}/`` and ``/bot/{bot_id}/`` are one path whose parameter was renamed), or, failing that,
when their operationId is (``operation-moved``). Each part of the operation is compared as the
client sees it: its name and group (operationId, first tag), parameters, request body, the success
status and every documented response, security requirements in force and ``x-rate-limit``.
Findings come back per root (parameters, ``request``, ``response``, ``response 404``...), moved
properties found in each body (:mod:`generator.diff.moves`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from generator.diff.moves import find_moves
from generator.diff.schemas import Finding, Place, SchemaComparer
from generator.spec.model import MediaType, Operation, Parameter, SecurityScheme
from generator.spec.refs import component_name

_PARAM = re.compile(r"\{[^{}/]*\}")


def route_key(op: Operation) -> tuple[str, str]:
    """(method, path template with parameter names blanked): what makes two operations the same."""
    return op.method.upper(), _PARAM.sub("{}", op.path)


@dataclass(frozen=True)
class Root:
    """One comparison root of an operation: ``label`` (``request``, ``response``, ``response 404``,
    ``parameter id (path)``, or ``""`` for the operation itself), its side and findings."""

    label: str
    side: str
    findings: list[Finding]


def _schema(media: MediaType | None) -> tuple[object, str] | None:
    """(schema as written, its pointer) of a JSON media type; ``True`` when it declares none."""
    if media is None:
        return None
    if media.schema is None:
        return True, ""
    return media.schema.node, media.schema.pointer


class OperationComparer:
    """Compares matched operations; ``scheme_name`` maps an old security scheme to its new name."""

    def __init__(self, schemas: SchemaComparer, scheme_name: Callable[[str], str]) -> None:
        self.schemas = schemas
        self.scheme_name = scheme_name
        self._bodies: dict[tuple[object, object, str], list[Finding]] = {}

    def compare(self, old: Operation, new: Operation) -> list[Root]:
        """Every difference between ``old`` and ``new``, one :class:`Root` per part."""
        own: list[Finding] = []
        roots = [Root("", "", own)]

        def add(change_id: str, message: str, pointer: str = new.pointer, old_pointer: str = old.pointer) -> None:
            own.append(Finding(change_id, message, pointer=pointer, old_pointer=old_pointer))

        if route_key(old) != route_key(new):
            add("operation-moved", f"{old.method} {old.path} -> {new.method} {new.path}")
        if old.operation_id != new.operation_id:
            add("operation-id-changed", f"operationId `{old.operation_id}` -> `{new.operation_id}`")
        if old.tag != new.tag:
            add("operation-tag-changed", f"first tag (client group) `{old.tag}` -> `{new.tag}`")
        if new.deprecated and not old.deprecated:
            add("operation-deprecated", "marked deprecated")
        if old.summary != new.summary:
            add("operation-summary-changed", f"summary {old.summary!r} -> {new.summary!r}")
        if old.description != new.description:
            add("operation-description-changed", "description changed")
        self._security(old, new, add)
        self._rate_limit(old, new, add)
        roots += self._parameters(old, new)
        roots += self._request(old, new, own)
        roots += self._responses(old, new, own)
        return roots

    def _body(self, old: object, new: object, side: str, place: Place) -> list[Finding]:
        """The findings of a request or response body, moved properties found (:mod:`.moves`);
        computed once for bodies that are the same pair of components (``$ref: Bot``)."""
        key = (_identity(old), _identity(new), side)
        found = self._bodies.get(key)
        if found is None:
            found = self._bodies[key] = find_moves(self.schemas.compare(old, new, side, place), side, self.schemas)
        return found

    def _security(self, old: Operation, new: Operation, add: Callable[..., None]) -> None:
        def alternatives(op: Operation, rename: Callable[[str], str]) -> set[frozenset[str]]:
            return {frozenset(rename(s.name) for s in alt) for alt in op.security}

        before = alternatives(old, self.scheme_name)
        after = alternatives(new, lambda name: name)
        if before == after:
            return
        shown = f"{_show_security(old.security)} -> {_show_security(new.security)}"
        # a client sending what one old alternative asked for still gets in when a new alternative asks for no more
        kept = all(any(alt <= was for alt in after) for was in before) if after else True
        add("operation-security-removed" if kept else "operation-security-added", f"security {shown}")

    @staticmethod
    def _rate_limit(old: Operation, new: Operation, add: Callable[..., None]) -> None:
        was, now = old.rate_limit, new.rate_limit
        if was == now:
            return

        def show(limit: object) -> str:
            if limit is None:
                return "none"
            return f"{limit.limit}/{limit.period:g}s per {limit.scope}"  # type: ignore[attr-defined]

        message = f"x-rate-limit {show(was)} -> {show(now)}"
        if now is None:
            add("rate-limit-loosened", message)
        elif was is None or now.limit / now.period < was.limit / was.period:
            add("rate-limit-tightened", message)
        elif now.limit / now.period > was.limit / was.period:
            add("rate-limit-loosened", message)
        else:
            add("rate-limit-changed", message)

    def _parameters(self, old: Operation, new: Operation) -> list[Root]:
        old_params = {(p.location, _param_key(p, old)): p for p in old.parameters}
        new_params = {(p.location, _param_key(p, new)): p for p in new.parameters}
        roots = []
        for key in sorted(set(old_params) | set(new_params)):
            before, after = old_params.get(key), new_params.get(key)
            param = after or before
            assert param is not None
            label = f"parameter {param.name} ({param.location})"
            found: list[Finding] = []
            roots.append(Root(label, "request", found))
            if after is None:
                found.append(
                    Finding("parameter-removed", f"parameter `{param.name}` removed", old_pointer=param.pointer)
                )
                continue
            if before is None:
                required = after.required
                change = "parameter-required-added" if required else "parameter-added"
                message = f"new {'required ' if required else ''}parameter `{after.name}`"
                found.append(Finding(change, message, pointer=after.pointer))
                continue
            if before.name != after.name:
                message = f"path parameter `{before.name}` renamed `{after.name}`"
                found.append(Finding("parameter-renamed", message, pointer=after.pointer, old_pointer=before.pointer))
            if before.required != after.required:
                change = "parameter-required-added" if after.required else "parameter-required-removed"
                message = "became required" if after.required else "became optional"
                found.append(Finding(change, message, pointer=after.pointer, old_pointer=before.pointer))
            if before.description != after.description:
                found.append(Finding("parameter-description-changed", "description changed", pointer=after.pointer))
            if before.schema is not None or after.schema is not None:
                place = Place(
                    pointer=after.schema.pointer if after.schema else after.pointer,
                    old_pointer=before.schema.pointer if before.schema else before.pointer,
                )
                old_node = before.schema.node if before.schema else True
                new_node = after.schema.node if after.schema else True
                found += self.schemas.compare(old_node, new_node, "request", place)
        return roots

    def _request(self, old: Operation, new: Operation, own: list[Finding]) -> list[Root]:
        before = _schema(old.request_body.json if old.request_body else None)
        after = _schema(new.request_body.json if new.request_body else None)
        was_required = old.request_body is not None and old.request_body.required
        now_required = new.request_body is not None and new.request_body.required
        pointer = new.request_body.pointer if new.request_body else new.pointer
        old_pointer = old.request_body.pointer if old.request_body else old.pointer
        if before is not None and after is None:
            own.append(
                Finding("request-body-removed", "request body removed", pointer=pointer, old_pointer=old_pointer)
            )
            return []
        if before is None and after is not None:
            change = "request-body-required-added" if now_required else "request-body-added"
            message = f"{'required ' if now_required else ''}request body added"
            own.append(Finding(change, message, pointer=pointer, old_pointer=old_pointer))
            return []
        if before is None or after is None:
            return []
        if was_required != now_required:
            change = "request-body-required-added" if now_required else "request-body-required-removed"
            message = f"requestBody.required {str(was_required).lower()} -> {str(now_required).lower()}"
            own.append(Finding(change, message, pointer=pointer, old_pointer=old_pointer))
        place = Place(pointer=after[1], old_pointer=before[1])
        return [Root("request", "request", self._body(before[0], after[0], "request", place))]

    def _responses(self, old: Operation, new: Operation, own: list[Finding]) -> list[Root]:
        roots = []
        old_success, new_success = old.success, new.success
        if (old_success and old_success.status) != (new_success and new_success.status):
            was = old_success.status if old_success else "none"
            now = new_success.status if new_success else "none"
            own.append(Finding("success-status-changed", f"success status {was} -> {now}", pointer=new.pointer))
        pairs = []
        if old_success is not None and new_success is not None:
            pairs.append(("response", old_success, new_success))
        old_other = {r.status: r for r in old.responses if r is not old_success}
        new_other = {r.status: r for r in new.responses if r is not new_success}
        for status in sorted(set(old_other) | set(new_other)):
            before, after = old_other.get(status), new_other.get(status)
            if before is None and after is not None:
                own.append(Finding("response-status-added", f"response {status} documented", pointer=after.pointer))
            elif after is None and before is not None:
                message = f"response {status} no longer documented"
                own.append(Finding("response-status-removed", message, pointer=new.pointer, old_pointer=before.pointer))
            elif before is not None and after is not None:
                pairs.append((f"response {status}", before, after))
        for label, old_response, new_response in pairs:
            old_body, new_body = _schema(old_response.json), _schema(new_response.json)
            if old_body is not None and new_body is None:
                if label == "response":
                    message = "success response body removed"
                    own.append(Finding("response-body-removed", message, pointer=new_response.pointer))
            elif old_body is None and new_body is not None:
                if label == "response":
                    message = "success response body added"
                    own.append(Finding("response-body-added", message, pointer=new_response.pointer))
            elif old_body is not None and new_body is not None:
                place = Place(pointer=new_body[1], old_pointer=old_body[1])
                roots.append(Root(label, "response", self._body(old_body[0], new_body[0], "response", place)))
        return roots


def _identity(node: object) -> object:
    """A component reference by its name (each operation writes its own ``{$ref}``), else the node."""
    name = component_name(node)
    return ("component", name) if name is not None else ("node", id(node))


def _param_key(param: Parameter, op: Operation) -> str:
    """A path parameter is known by its position in the template (renaming it is a change of it)."""
    if param.location == "path":
        position = op.path.find("{" + param.name + "}")
        if position >= 0:
            return f"#{_PARAM.sub('{}', op.path[:position]).count('{}')}"
    return param.name.lower() if param.location == "header" else param.name


def _show_security(security: tuple[tuple[SecurityScheme, ...], ...]) -> str:
    if not security:
        return "none"
    return " or ".join(" + ".join(s.name for s in alt) or "anonymous" for alt in security)
