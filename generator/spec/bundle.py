"""Bundle ``$ref``s to other files into the spec (``recallgen generate --allow-external-refs``).

Only references that are relative paths (``parts/thing.yaml#/components/schemas/Thing``,
``common.json``) are followed, resolved against the folder of the file that holds them, and only
to files inside the main spec's folder (symbolic links resolved first). URLs of any scheme
(``file:``, ``http:``...), absolute paths and paths that leave the folder are never read: each is a
``spec-bad-ref`` error. Every file is read with the toolkit's safe loader
(:func:`generator.spec.document.read_document`).

A reference to ``#/components/<section>/<Name>`` of another file copies that component into the
spec under the same name (an identical one already there is reused; a different one is an error)
and becomes a local reference, so cycles through components are kept as references. Any other
reference is replaced by a copy of its target. References inside copied content are resolved
against their own file. At most :data:`MAX_FILES` files and :data:`MAX_COPIED_NODES` copied nodes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from generator.diagnostics import Diagnostics
from generator.spec.document import read_document
from generator.spec.refs import escape_token, split_pointer

#: Most files read for one spec (the spec itself not counted).
MAX_FILES = 64
#: Most nodes copied from other files into the spec.
MAX_COPIED_NODES = 1_000_000
#: Longest chain of references followed from one reference (each step may read another file).
MAX_CHAIN = 32
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_COMPONENT = re.compile(r"^/components/([^/]+)/([^/]+)$")


class BundleError(Exception):
    """An external reference that is allowed but cannot be followed."""


def is_external(ref: str) -> bool:
    """True for a ``$ref`` that names another document (anything not starting with ``#``)."""
    return not ref.startswith("#")


def bundle_external_refs(document: Mapping[str, Any], spec_path: Path, diags: Diagnostics) -> dict[str, Any] | None:
    """A copy of ``document`` (read from ``spec_path``) with its relative-path ``$ref``s bundled
    (module docstring); ``document`` itself is not modified. None, with ``spec-bad-ref`` errors,
    when an allowed reference cannot be followed (missing file or target, a name conflict, a
    reference cycle that is not through a component, limits exceeded)."""
    bundler = _Bundler(copy.deepcopy(dict(document)), spec_path.resolve(), diags)
    before = len(diags)
    bundler.run()
    return None if len(diags) > before else bundler.main


class _Bundler:
    def __init__(self, main: dict[str, Any], spec_path: Path, diags: Diagnostics) -> None:
        self.main = main
        self.spec_path = spec_path
        self.root = spec_path.parent
        self.diags = diags
        self.files: dict[Path, Any] = {}
        self.hoisted: dict[tuple[Path, str], str] = {}
        self.inlining: list[tuple[Path, str]] = []
        self.chain = 0
        self.copied = 0

    def run(self) -> None:
        self._walk(self.main, self.spec_path, "")

    def _walk(self, node: Any, source: Path, where: str) -> None:
        """Rewrite the references under ``node`` (found in file ``source``) in place."""
        stack: list[tuple[Any, Any, Any]] = [(None, None, node)]
        while stack:
            parent, key, item = stack.pop()
            if isinstance(item, dict):
                ref = item.get("$ref")
                if isinstance(ref, str) and (source != self.spec_path or is_external(ref)):
                    try:
                        if parent is None:
                            raise BundleError("a document cannot be a reference")
                        replacement = self._follow(ref, source)
                    except BundleError as exc:
                        self.diags.error(str(self.spec_path), 0, "spec-bad-ref", f"{where or source.name}: {exc}")
                        continue
                    parent[key] = replacement
                    continue
                stack.extend((item, k, v) for k, v in item.items() if k not in ("example", "examples"))
            elif isinstance(item, list):
                stack.extend((item, i, v) for i, v in enumerate(item))

    def _follow(self, ref: str, source: Path) -> Any:
        """The node replacing ``{"$ref": ref}`` found in ``source``: a local reference for a
        component, a copy of the target otherwise. Raises :class:`BundleError`."""
        target_file, _, fragment = ref.partition("#")
        if _SCHEME.match(target_file) or target_file.startswith(("/", "\\")):
            raise BundleError(f"{ref}: URLs and absolute paths are never read (only paths inside the spec's folder)")
        path = (source.parent / unquote(target_file)).resolve() if target_file else source
        if not path.is_relative_to(self.root):
            raise BundleError(f"{ref}: leaves the spec's folder; never read")
        pointer = unquote(fragment)
        found = _COMPONENT.match(pointer)
        if path == self.spec_path:
            return {"$ref": "#" + fragment}
        if self.chain >= MAX_CHAIN:
            raise BundleError(f"{ref}: more than {MAX_CHAIN} references followed in a row")
        self.chain += 1
        try:
            return self._resolved(ref, path, pointer, found)
        finally:
            self.chain -= 1

    def _resolved(self, ref: str, path: Path, pointer: str, found: re.Match[str] | None) -> Any:
        document = self._document(path)
        key = (path, pointer)
        if found is not None:
            if key not in self.hoisted:
                self.hoisted[key] = self._hoist(path, pointer, document)
            return {"$ref": self.hoisted[key]}
        if key in self.inlining:
            raise BundleError(f"{ref}: a reference cycle that does not go through a component")
        self.inlining.append(key)
        try:
            content = self._copy(self._at(document, pointer, ref))
            self._walk_copy(content, path, ref)
            return content
        finally:
            self.inlining.pop()

    def _hoist(self, path: Path, pointer: str, document: Any) -> str:
        _, section, name = split_pointer(pointer)
        local = "#/components/" + "/".join(quote(escape_token(t), safe="~") for t in (section, name))
        content = self._copy(self._at(document, pointer, f"{path.name}#{pointer}"))
        components = self.main.setdefault("components", {})
        members = components.setdefault(section, {}) if isinstance(components, dict) else None
        if not isinstance(members, dict):
            raise BundleError(f"cannot add {name!r} to the spec's components.{section}")
        if name in members:
            if members[name] != content:
                raise BundleError(f"{path.name}#{pointer} differs from the spec's own component {name!r}")
            return local
        members[name] = content  # placed before its references are followed: cycles stay references
        self._walk_copy(content, path, f"{path.name}#{pointer}")
        return local

    def _walk_copy(self, content: Any, source: Path, where: str) -> None:
        holder = {"content": content}
        self._walk(holder, source, where)

    def _document(self, path: Path) -> Any:
        if path not in self.files:
            if len(self.files) >= MAX_FILES:
                raise BundleError(f"more than {MAX_FILES} files referenced")
            if not path.is_file():
                raise BundleError(f"{path.relative_to(self.root)}: no such file in the spec's folder")
            found = read_document(path, self.diags, code="spec-bad-ref", what="referenced file")
            if found is None:
                raise BundleError(f"{path.relative_to(self.root)} cannot be read (see above)")
            self.files[path] = found[0]
        return self.files[path]

    def _at(self, document: Any, pointer: str, ref: str) -> Any:
        node = document
        try:
            tokens = split_pointer(pointer)
        except ValueError as exc:
            raise BundleError(f"{ref}: {exc}") from exc
        for token in tokens:
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise BundleError(f"{ref} points at nothing")
        return node

    def _copy(self, node: Any) -> Any:
        count = 0
        stack = [node]
        while stack:
            item = stack.pop()
            count += 1
            if isinstance(item, Mapping):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        self.copied += count
        if self.copied > MAX_COPIED_NODES:
            raise BundleError(f"more than {MAX_COPIED_NODES} nodes copied from other files")
        return copy.deepcopy(node)
