"""Changes to the API as a whole: servers (the client's ``region=`` values), security schemes
and schema components (the client's model classes).

A security scheme or a component that disappears while another appears with the same definition
(the same credential; the same schema, descriptions aside) was renamed: one change. A component
that disappears otherwise is removed; when the places that used it now use another component, the
message names it (``BotRetrieve`` replaced by ``Bot``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from generator.diff.schemas import Finding, SchemaComparer, names_phrase
from generator.spec.model import SecurityScheme, Spec
from generator.spec.refs import join_pointer

#: Keywords that document a schema without changing what it accepts (left out when comparing).
_ANNOTATIONS = frozenset({"description", "title", "example", "examples", "$comment"})


def region(url: str) -> str:
    """The client's region name of a server URL: the first DNS label of its host (``us-east-1``)."""
    host = urlsplit(url).hostname or url
    return host.split(".")[0]


def servers(old: Spec, new: Spec) -> list[Finding]:
    """``server-added`` and ``server-removed`` (URLs after variable defaults)."""
    before = {s.url for s in old.servers}
    after = {s.url for s in new.servers}
    out = []
    for url in sorted(before - after):
        message = f"server {url} removed: `region={region(url)!r}` is refused"
        out.append(Finding("server-removed", message, pointer="/servers", old_pointer="/servers"))
    for url in sorted(after - before):
        out.append(Finding("server-added", f"server {url} added (`region={region(url)!r}`)", pointer="/servers"))
    return out


def _credential(scheme: SecurityScheme) -> tuple[str, str, str, str]:
    fmt = scheme.format
    return (scheme.type, fmt.location, fmt.parameter.lower(), fmt.prefix) if fmt else (scheme.type, "", "", "")


def _show_credential(scheme: SecurityScheme) -> str:
    fmt = scheme.format
    if fmt is None:
        return f"type {scheme.type}"
    prefix = f" {fmt.prefix.strip()!r} prefix" if fmt.prefix.strip() else ""
    return f"{fmt.location} `{fmt.parameter}`{prefix}"


def security_schemes(old: Spec, new: Spec) -> tuple[list[Finding], dict[str, str]]:
    """Scheme changes, and old scheme name -> new name for the renamed ones."""
    out: list[Finding] = []
    renamed: dict[str, str] = {}
    gone = sorted(set(old.security_schemes) - set(new.security_schemes))
    fresh = sorted(set(new.security_schemes) - set(old.security_schemes))
    for name in gone:
        twin = [n for n in fresh if _credential(new.security_schemes[n]) == _credential(old.security_schemes[name])]
        if len(twin) == 1 and twin[0] not in renamed.values():
            renamed[name] = twin[0]
    for name in gone:
        pointer = join_pointer("", "components", "securitySchemes", name)
        if name in renamed:
            new_pointer = join_pointer("", "components", "securitySchemes", renamed[name])
            message = f"security scheme `{name}` renamed `{renamed[name]}`"
            out.append(Finding("security-scheme-renamed", message, pointer=new_pointer, old_pointer=pointer))
        else:
            out.append(Finding("security-scheme-removed", f"security scheme `{name}` removed", old_pointer=pointer))
    for name in fresh:
        if name not in renamed.values():
            pointer = join_pointer("", "components", "securitySchemes", name)
            out.append(Finding("security-scheme-added", f"security scheme `{name}` added", pointer=pointer))
    for name in sorted(set(old.security_schemes) & set(new.security_schemes)):
        before, after = old.security_schemes[name], new.security_schemes[name]
        if _credential(before) != _credential(after):
            pointer = join_pointer("", "components", "securitySchemes", name)
            message = f"`{name}`: {_show_credential(before)} -> {_show_credential(after)}"
            out.append(Finding("security-scheme-changed", message, pointer=pointer, old_pointer=pointer))
    return out, renamed


def _canonical(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(k): _canonical(v) for k, v in node.items() if k not in _ANNOTATIONS}
    if isinstance(node, list):
        return [_canonical(v) for v in node]
    return node


def _named(change_id: str, name: str, template: str, pointer: str = "", old_pointer: str = "") -> Finding:
    """A finding about component ``name``; the report merges those with the same template."""
    message = template.format(names_phrase([name], "component"))
    return Finding(
        change_id, message, pointer=pointer, old_pointer=old_pointer, name=name, template=template, noun="component"
    )


def components(old: Spec, new: Spec, schemas: SchemaComparer) -> list[Finding]:
    """``component-added``, ``-removed`` and ``-renamed`` (run after the operations were compared,
    so that ``schemas.replaced_by`` knows which component took a removed one's place)."""
    gone = sorted(set(old.schemas) - set(new.schemas))
    fresh = sorted(set(new.schemas) - set(old.schemas))
    by_form: dict[str, list[str]] = {}
    for name in fresh:
        by_form.setdefault(json.dumps(_canonical(new.schemas[name]), sort_keys=True), []).append(name)
    out: list[Finding] = []
    taken: set[str] = set()
    for name in gone:
        old_pointer = join_pointer("", "components", "schemas", name)
        twins = [
            n for n in by_form.get(json.dumps(_canonical(old.schemas[name]), sort_keys=True), []) if n not in taken
        ]
        if twins:
            taken.add(twins[0])
            pointer = join_pointer("", "components", "schemas", twins[0])
            message = f"`{name}` renamed `{twins[0]}`"
            out.append(Finding("component-renamed", message, pointer=pointer, old_pointer=old_pointer))
            continue
        successors = sorted(n for n in schemas.replaced_by.get(name, ()) if n in new.schemas)
        template = "{} removed"
        if successors:
            template += f" (replaced by {', '.join(f'`{n}`' for n in successors)} where used)"
        out.append(_named("component-removed", name, template, old_pointer=old_pointer))
    for name in fresh:
        if name not in taken:
            pointer = join_pointer("", "components", "schemas", name)
            out.append(_named("component-added", name, "{} added", pointer=pointer))
    return out
