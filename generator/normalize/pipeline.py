"""The normalize job: pages -> operations -> one OpenAPI 3.1 document.

``normalize(inputs, overlay)`` reads every page, reconciles each into an operation, settles
pages that describe the same operation, names components, applies the overlay and returns the
document with the run's diagnostics. It never raises on bad input. Reading and reconciling are
per page and run on every core (:mod:`generator.normalize.parallel`); the rest is serial.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostics
from generator.naming import words
from generator.normalize.apifacts import FACT_PAGES, apply_api_facts, read_api_facts
from generator.normalize.components import ComponentRegistry, is_action, name_operation, share_identical
from generator.normalize.examples import addressable, conform, repair_examples
from generator.normalize.operation import Operation, derive_operation_id, split_suffix
from generator.normalize.operations import build_operation, field_names, page_field_names
from generator.normalize.pages import DocPage, read_page
from generator.normalize.parallel import Held, map_pages
from generator.normalize.schema import Schema
from generator.spec.overlay import Overlay, apply_overlay

PAGE_SUFFIXES = (".md", ".markdown", ".txt")
METHOD_ORDER = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SUFFIX_VERBS = {
    "list": "List",
    "retrieve": "Retrieve",
    "create": "Create",
    "update": "Update",
    "partial_update": "Update",
    "destroy": "Delete",
}
_STATUS_TEXT = {"200": "OK", "201": "Created", "204": "No response body"}


@dataclass
class NormalizeResult:
    """The normalized document (plain data) and what was said about the inputs."""

    document: dict[str, Any]
    diagnostics: Diagnostics
    operations: list[Operation]
    #: Display paths of the pages that yielded an operation (or API-wide facts).
    productive_pages: set[str] = field(default_factory=set)


# In :func:`normalize`, an operation's page carries its header and rows, not its blocks and
# samples (:func:`_head`); the pages of API-wide facts are whole.


def discover(inputs: Iterable[Path], diags: Diagnostics) -> list[Path]:
    """Page files under ``inputs`` (files as given, directories recursively), sorted."""
    return [path for path, _root in discover_roots(inputs, diags)]


def discover_roots(inputs: Iterable[Path], diags: Diagnostics) -> list[tuple[Path, Path]]:
    """(page file, input root) for every page under ``inputs``, sorted by file.

    The root of a file found in a directory is that directory; the root of a file given as
    an argument is its parent folder.
    """
    inputs = list(inputs)
    found: dict[Path, Path] = {}
    for item in inputs:
        if item.is_dir():
            for path in item.rglob("*"):
                if path.is_file() and path.suffix.lower() in PAGE_SUFFIXES:
                    found.setdefault(path, item)
        elif item.exists():
            found.setdefault(item, item.parent)
        else:
            diags.error(str(item), 0, "file-unreadable", "no such file or directory")
    unique = sorted(found.items(), key=lambda pair: pair[0].as_posix())
    if not unique:
        diags.error(
            ",".join(str(i) for i in inputs) or ".", 0, "no-input", "no page files found (.md, .markdown, .txt)"
        )
    return unique


def display_path(path: Path) -> str:
    """How a page is cited: relative to the working directory, ``/``-separated."""
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:
        return path.as_posix()


def source_name(path: Path, root: Path) -> str:
    """How ``x-source`` names a page: relative to its input root, ``/``-separated.

    ``spec/pages/000_x.md`` under the root ``spec/pages`` is ``000_x.md`` from any working
    directory; a page outside its root (a symlinked folder) keeps its file name.
    """
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def read_pages(files: list[Path], diags: Diagnostics, roots: dict[Path, Path] | None = None) -> list[DocPage]:
    """Parse every file; unusable files are reported and skipped.

    ``roots`` maps a file to its input root (see :func:`discover_roots`); a file without one
    is named after its own folder.
    """
    tasks = [(path, display_path(path), source_name(path, (roots or {}).get(path, path.parent))) for path in files]
    return [page for page in map_pages(_read_one, tasks, diags) if page is not None]


def _read_one(task: tuple[Path, str, str], diags: Diagnostics) -> DocPage | None:
    path, display, source = task
    return read_page(path, diags, display=display, source=source)


def _head(page: DocPage | None) -> tuple[DocPage, frozenset[str]] | None:
    """What :func:`normalize` keeps of a page read in a worker: the page without its blocks and
    samples (whole if it may state API-wide facts) and the field names it states."""
    if page is None:
        return None
    names = page_field_names(page)
    if page.slug in FACT_PAGES and not page.is_endpoint:
        return page, names
    return dataclasses.replace(page, blocks=[], sample=None, response=None), names


def build_operations(pages: list[DocPage], diags: Diagnostics) -> list[Operation]:
    """Every page's operation (pages that yield none left out), reconciled on every core
    (:mod:`generator.normalize.parallel`); the field names of all pages restore sample keys."""
    vocabulary = field_names(pages)
    built = map_pages(functools.partial(_build_detached, vocabulary=vocabulary), pages, diags)
    return [Operation(page=page, **state) for page, state in zip(pages, built, strict=True) if state is not None]


def _build_detached(page: DocPage | None, diags: Diagnostics, vocabulary: frozenset[str]) -> dict[str, Any] | None:
    """The fields of ``page``'s operation but the page itself (a worker sends them back without it)."""
    if page is None:
        return None
    op = build_operation(page, diags, vocabulary)
    if op is None:
        return None
    return {f.name: getattr(op, f.name) for f in dataclasses.fields(op) if f.name != "page"}


def normalize(
    inputs: Iterable[Path], overlay: Overlay | None = None, diags: Diagnostics | None = None
) -> NormalizeResult:
    """Normalize the pages under ``inputs`` into an OpenAPI 3.1 document.

    Each input (a file or a folder) must yield at least one operation: a folder of guides or a
    stray file is a ``no-operations`` error, and the CLI then writes nothing.
    """
    diags = diags if diags is not None else Diagnostics()
    inputs = list(inputs)
    found = discover_roots(inputs, diags)
    tasks = [(path, display_path(path), source_name(path, root)) for path, root in found]
    # Each page is read and reconciled in the same worker; only its head comes back (_head).
    with Held[tuple[Path, str, str], DocPage | None](tasks) as work:
        heads = work.first(_read_one, _head, diags)
        vocabulary = frozenset[str]().union(*(head[1] for head in heads if head is not None))
        built = work.second(functools.partial(_build_detached, vocabulary=vocabulary), diags)
    pages = [head[0] for head in heads if head is not None]
    operations = [
        Operation(page=head[0], **state)
        for head, state in zip(heads, built, strict=True)
        if head is not None and state is not None
    ]
    result = _normalize_operations(pages, operations, overlay, diags, require_operations=False)
    origin = {display_path(path): (root if root.is_dir() and root in inputs else path) for path, root in found}
    for item in inputs:
        members = [page for page in pages if origin.get(page.path) == item]
        if members and not any(page.path in result.productive_pages for page in members):
            _no_operations(diags, display_path(item), "folder" if item.is_dir() else "file", len(members))
    return result


def _no_operations(diags: Diagnostics, where: str, what: str, read: int) -> None:
    diags.error(
        where,
        0,
        "no-operations",
        f"this {what} yields no operation ({read} page(s) read: guides, prose pages or no `## METHOD URL` "
        "heading); nothing is written",
    )


def normalize_pages(
    pages: list[DocPage], overlay: Overlay | None, diags: Diagnostics, *, require_operations: bool = True
) -> NormalizeResult:
    """Normalize already-parsed pages (see :func:`normalize`).

    With ``require_operations``, pages that yield no operation at all are a ``no-operations``
    error (:func:`normalize` checks each input instead).
    """
    return _normalize_operations(pages, build_operations(pages, diags), overlay, diags, require_operations)


def _normalize_operations(
    pages: list[DocPage],
    operations: list[Operation],
    overlay: Overlay | None,
    diags: Diagnostics,
    require_operations: bool,
) -> NormalizeResult:
    """:func:`normalize_pages` once each page's operation is built."""
    facts = read_api_facts(pages, diags)
    productive = {op.page.path for op in operations} | set(facts.stated.values())
    if require_operations and pages and not operations:
        _no_operations(diags, pages[0].path if len(pages) == 1 else "<input>", "input", len(pages))
    operations = settle_duplicates(operations, diags)
    mark_copied_content(operations, diags)
    registry = ComponentRegistry(families=overlay.families if overlay else {})
    # Resources' own operations name their schemas first; actions on them reuse those names.
    for op in sorted(
        operations,
        key=lambda o: (is_action(o), o.path, METHOD_ORDER.index(o.method) if o.method in METHOD_ORDER else 9),
    ):
        name_operation(registry, op)
    share_identical(registry)
    document = assemble(operations, registry)
    apply_api_facts(document, facts)
    if overlay is not None:
        document = apply_overlay(document, overlay, diags, facts.stated, in_place=True)  # assemble made it
        repair_examples(document)  # an overlay correction may have changed a schema an example follows
    _sort_responses(document)
    return NormalizeResult(document, diags, operations, productive)


def _sort_responses(document: dict[str, Any]) -> None:
    """Responses in status order (overlay actions append theirs at the end)."""
    for item in document.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and isinstance(op.get("responses"), dict):
                op["responses"] = dict(sorted(op["responses"].items()))


# --------------------------------------------------------------------------- duplicates


def _preference(op: Operation) -> tuple[int, str, str, str]:
    """Lower sorts first: pages whose slug is an operationId, newest version, then path."""
    is_operation_slug = 0 if split_suffix(op.page.slug) is not None and op.page.slug == op.operation_id else 1
    return (is_operation_slug, _negated(op.page.converted_at), op.page.source, op.page.path)


def _negated(text: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def settle_duplicates(operations: list[Operation], diags: Diagnostics) -> list[Operation]:
    """Keep the newest version of each page, then one operation per (path, method) and per
    operationId; report the rest. Versions are settled by page first: an old version without a
    sample may even disagree on the method."""
    by_page: dict[str, list[Operation]] = {}
    for op in operations:
        by_page.setdefault(op.page.slug, []).append(op)
    newest: list[Operation] = []
    for slug in sorted(by_page):
        versions = sorted(by_page[slug], key=lambda o: (_negated(o.page.converted_at), o.page.source, o.page.path))
        newest.append(versions[0])
        for old in versions[1:]:
            if old.page.converted_at != versions[0].page.converted_at or old.key != versions[0].key:
                diags.info(
                    old.page.path,
                    old.line,
                    "superseded-version",
                    f"{versions[0].page.path} (converted {versions[0].page.converted_at}) is newer; "
                    "this version is not used",
                )
            else:
                diags.info(
                    old.page.path,
                    old.line,
                    "duplicate-operation",
                    f"the same page is also given as {versions[0].page.path}; that copy is used",
                )
    by_key: dict[tuple[str, str], list[Operation]] = {}
    for op in newest:
        by_key.setdefault(op.key, []).append(op)
    kept: list[Operation] = []
    for key in sorted(by_key):
        group = sorted(by_key[key], key=_preference)
        winner = group[0]
        for loser in group[1:]:
            if loser.page.slug == winner.page.slug:
                diags.info(
                    loser.page.path,
                    loser.line,
                    "superseded-version",
                    f"{winner.page.path} (converted {winner.page.converted_at}) is newer; this version is not used",
                )
            else:
                diags.info(
                    loser.page.path,
                    loser.line,
                    "duplicate-operation",
                    f"{key[1].upper()} {key[0]} is also described by {winner.page.path}; that page is used",
                )
        kept.append(winner)
    seen: dict[str, Operation] = {}
    for op in kept:
        if op.operation_id in seen:
            other = seen[op.operation_id]
            derived = derive_operation_id(op.method, op.path, bool(op.list_kind))
            new_id = derived if derived not in seen else f"{derived}_{op.method}"
            diags.warning(
                op.page.path,
                op.line,
                "duplicate-operation",
                f"operationId {op.operation_id!r} is already used by {other.page.path}; using {new_id!r}",
            )
            op.operation_id = new_id
        seen[op.operation_id] = op
    return kept


def mark_copied_content(operations: list[Operation], diags: Diagnostics) -> None:
    """A page that carries a sibling operation's title gets a summary from its operationId."""
    by_path: dict[str, list[Operation]] = {}
    for op in operations:
        by_path.setdefault(op.path, []).append(op)
    for siblings in by_path.values():
        for op in siblings:
            twins = [o for o in siblings if o is not op and o.summary == op.summary]
            if not twins:
                continue
            split = split_suffix(op.operation_id)
            if split is None or split[1] not in ("destroy", "partial_update", "update"):
                continue
            twin = twins[0]
            op.summary = humanize(op.operation_id)
            if op.description == twin.description:
                op.description = ""
            diags.warning(
                op.page.path,
                op.page.title_line,
                "copied-content",
                f"title is copied from {twin.page.path} ({twin.operation_id}); summary set to {op.summary!r}",
            )


def humanize(operation_id: str) -> str:
    """``bot_output_audio_destroy`` -> ``Delete Bot Output Audio``."""
    split = split_suffix(operation_id)
    if split is None:
        return camel_words(operation_id)
    return f"{_SUFFIX_VERBS[split[1]]} {camel_words(split[0])}"


def camel_words(text: str) -> str:
    """``bot_output_audio`` -> ``Bot Output Audio``."""
    return " ".join(w.capitalize() for w in words(text))


# --------------------------------------------------------------------------- document


def assemble(operations: list[Operation], registry: ComponentRegistry) -> dict[str, Any]:
    """Build the OpenAPI document from settled operations and named components."""
    paths: dict[str, dict[str, Any]] = {}
    item_ids = _item_id_formats(operations)
    for op in sorted(operations, key=lambda o: o.path):
        collection = _ITEM_PATH.sub("/", op.path)
        id_format = item_ids.get(collection) if collection != op.path or op.list_kind else None
        paths.setdefault(op.path, {})[op.method] = operation_object(op, registry, id_format)
    for path, item in paths.items():
        paths[path] = {
            m: item[m] for m in sorted(item, key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else 9)
        }
    tags = sorted({op.tag for op in operations})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Recall.ai API",
            "version": "1.0.0",
            "description": "Normalized by recallgen from the vendor's published reference pages.",
        },
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {"schemas": registry.schemas()},
    }


_ITEM_PATH = re.compile(r"/\{[^{}/]+\}/?$")


def _item_id_formats(operations: list[Operation]) -> dict[str, str | None]:
    """Collection path -> format of the parameter its item path ends in (``/recording/`` -> uuid)."""
    found: dict[str, str | None] = {}
    for op in sorted(operations, key=lambda o: (o.path, o.method)):
        if _ITEM_PATH.search(op.path) and op.parameters:
            last = [p for p in op.parameters if p.location == "path"][-1:]
            if last and f"{{{last[0].name}}}" in op.path.rstrip("/").rsplit("/", 1)[-1]:
                found.setdefault(_ITEM_PATH.sub("/", op.path), last[0].schema.format)
    return found


def operation_object(op: Operation, registry: ComponentRegistry, id_format: str | None = None) -> dict[str, Any]:
    """One OpenAPI Operation Object (OpenAPI 3.1.0, section 4.8.10).

    ``id_format`` is the format of the item path parameter that addresses the resources of the
    response (examples get ids that parameter accepts, :func:`addressable`).
    """
    out: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary}
    if op.description and op.description != op.summary:
        out["description"] = op.description
    out["tags"] = [op.tag]
    params = [_parameter(p, registry) for p in op.parameters]
    if params:
        out["parameters"] = params
    resolve = _resolver(registry)
    if op.request is not None:
        media: dict[str, Any] = {"schema": registry.emit(op.request)}
        if op.request_example is not None:
            media["example"] = conform(op.request_example, op.request, resolve)
        body: dict[str, Any] = {"content": {"application/json": media}}
        canonical = resolve(op.request)
        if op.method != "patch" and canonical.required:
            body["required"] = True
        out["requestBody"] = body
    response: dict[str, Any] = {"description": _STATUS_TEXT.get(op.status, "OK")}
    if op.response is not None and op.status != "204":
        media = {"schema": registry.emit(op.response)}
        if op.response_example is not None:
            example = addressable(op.response_example, op.list_kind, id_format)
            media["example"] = conform(example, op.response, resolve)
        response["content"] = {"application/json": media}
    out["responses"] = {op.status: response}
    if op.error_response is not None:
        out["responses"]["400"] = {
            "description": "Error described by the page's sample response",
            "content": {"application/json": {"schema": registry.emit(op.error_response)}},
        }
    if op.rate_limit is not None:
        out["x-rate-limit"] = {
            "limit": op.rate_limit.limit,
            "period": op.rate_limit.period,
            "scope": op.rate_limit.scope,
        }
    out["x-source"] = {"page": op.page.source or op.page.path, "line": op.line}
    return out


def _resolver(registry: ComponentRegistry) -> Callable[[Schema], Schema]:
    """A function from a schema node to the canonical node of its component (itself if inline)."""

    def resolve(node: Schema) -> Schema:
        if node.ref is None:
            return node
        name = registry.resolve(node.ref)
        entry = registry.entries.get(name)
        return entry.node if entry is not None else node

    return resolve


def _parameter(param: Any, registry: ComponentRegistry) -> dict[str, Any]:
    out: dict[str, Any] = {"name": param.name, "in": param.location, "required": param.required}
    if param.description:
        out["description"] = param.description
    out["schema"] = registry.emit(param.schema)
    return out
