"""Stage 2b: attach every table row of a page to its operation.

A row becomes a path parameter, a query parameter (GET rows listed before the response fields),
or facts on a schema node of the request or response tree (:mod:`generator.normalize.placement` finds the
node). Rows no sample shows are placed by the page's samples and row order; required-ness,
enums written on parent rows and descriptions a parent copies from its child are settled here.
"""

from __future__ import annotations

import keyword
import re

from generator.diagnostics import Diagnostics
from generator.normalize.operation import PATH_PARAM, Operation, Parameter, Placement
from generator.normalize.placement import (
    NameIndex,
    Path,
    RowFacts,
    apply_row,
    enum_child,
    node_at,
    parent_of,
    row_facts,
    set_enum,
)
from generator.normalize.schema import Schema

_SAFE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def place_rows(op: Operation, diags: Diagnostics) -> None:
    """Attach every table row to a path parameter, a query parameter or a schema node."""
    page = op.page
    path_names = PATH_PARAM.findall(op.path)
    infos = [row_facts(row) for row in page.rows]
    for info in infos:
        if info.type is None:
            diags.warning(
                page.path, info.row.line, "unknown-type", f"unknown Type {info.row.type!r} for `{info.row.name}`"
            )
        for text in info.facts.lost_links:
            diags.info(page.path, info.row.line, "lost-link", f"removed {text!r} (its URL was lost)")

    for info in infos:
        if not _SAFE_NAME.match(info.row.name) or keyword.iskeyword(info.row.name):
            diags.warning(
                page.path,
                info.row.line,
                "unsafe-name",
                f"`{info.row.name}` is not a valid Python identifier; generated code will use an alias",
            )
    by_name = {info.row.name: info for info in infos}
    for name in path_names:
        found = by_name.get(name)
        schema = Schema(types=["string"])
        description = ""
        if found is not None and found.type is not None:
            schema = found.type.clone()
            schema.nullable = False
            description = found.facts.text
        op.parameters.append(Parameter(name, "path", schema, True, description, found.row.line if found else op.line))

    trees: list[tuple[str, Schema, NameIndex]] = []
    if op.response is not None:
        trees.append(("response", op.response, NameIndex(op.response)))
    if op.request is not None:
        trees.append(("request", op.request, NameIndex(op.request)))
    if op.error_response is not None:
        trees.append(("error", op.error_response, NameIndex(op.error_response)))

    query_rows = _query_rows(op, infos, path_names)
    for info in query_rows:
        schema = info.type.clone() if info.type is not None else Schema()
        schema.nullable = False
        if info.facts.enum is not None:
            set_enum(schema, info.facts.enum)
        op.parameters.append(
            Parameter(info.row.name, "query", schema, bool(info.row.required), info.facts.text, info.row.line)
        )
        diags.info(
            page.path,
            info.row.line,
            "query-parameter",
            f"`{info.row.name}` precedes the response fields: query parameter",
        )
    skip = {id(info) for info in query_rows}

    indexes = {kind: index for kind, _tree, index in trees}
    boundary = request_block_end(op, infos, path_names, skip, indexes)
    unplaced: list[tuple[RowFacts, bool]] = []
    placed: Path = ()
    contexts: dict[str, Path] = {kind: () for kind, _, _ in trees}
    last_row: dict[str, int] = {kind: -2 for kind, _, _ in trees}
    for number, info in enumerate(infos):
        name = info.row.name
        if id(info) in skip or name in path_names:
            continue  # a path parameter's row describes the parameter only (never the body's `id`)
        in_request_block = number < boundary
        hits = 0
        for kind, tree, index in _trees_for(trees, in_request_block):
            if kind == "request" and not in_request_block and hits:
                # A response row also describes the request's field at the same place (a nested
                # field of an object both carry: ``google_meet.login_required``), never another
                # field of that name (``status_changes[].message`` is not ``chat.on_bot_join.message``).
                where = placed if placed in index.path_set else None
            else:
                follows = last_row[kind] == number - 1 and number != boundary  # never across the two blocks
                where = index.locate(name, contexts[kind], info.type, follows=follows)
            if where is None:
                continue
            if hits == 0:
                placed = where
            hits += 1
            contexts[kind], last_row[kind] = where, number
            _apply(op, kind, tree, where, info, diags, request_row=in_request_block)
        if hits == 0:
            unplaced.append((info, in_request_block))
    _place_leftovers(op, unplaced, diags)
    _shadowed_ids_required(op, path_names)
    for kind, tree, _index in trees:
        _drop_copied_descriptions(tree)
        if kind == "response":
            _infer_required(tree)


def _shadowed_ids_required(op: Operation, path_names: list[str]) -> None:
    """A response's top-level ``id`` whose row the path parameter's row shadowed is required.

    The table lists each name once, so ``/recording/{id}/`` keeps the parameter's ``id`` row and
    drops the response's; every ``id`` row of the corpus says ``Required: Yes``. Only that fact
    is taken: the parameter's type and description stay on the parameter.
    """
    if "id" not in path_names or op.response is None:
        return
    body = op.response.items if op.response.is_array and op.response.items is not None else op.response
    child = body.properties.get("id")
    if child is not None and child.origin == "sample" and "id" not in body.required and "id" not in body.optional:
        body.required.insert(0, "id")


#: Row names that only a response carries (ids, timestamps, status): where a write page's table
#: reaches its response fields when the samples do not tell (pages without samples).
RESPONSE_ONLY_NAMES = frozenset({"id", "created_at", "updated_at", "status", "status_changes"})


def request_block_end(
    op: Operation, infos: list[RowFacts], path_names: list[str], skip: set[int], indexes: dict[str, NameIndex]
) -> int:
    """Index of the first row of a write page's response block (``len(infos)``: none).

    The vendor's table lists the request body's fields first, then the response's (each name
    once, ``../shared/corpus/README.md``); ``Required: Yes`` means required in the request
    before that point and always present in the response after it. The response block starts
    at the first row that the sample response shows and the payload sample does not, or at a
    response-only name (:data:`RESPONSE_ONLY_NAMES`) the payload does not show, or,
    on PATCH (whose body fields are all optional), at the first ``Required: Yes`` row. GET and
    DELETE pages have no request block.
    """
    if op.method not in ("post", "put", "patch"):
        return 0
    request = indexes.get("request")
    response = indexes.get("response")
    for number, info in enumerate(infos):
        name = info.row.name
        if id(info) in skip or name in path_names:
            continue
        in_request = request is not None and name in request.paths
        if in_request:
            continue
        if name in RESPONSE_ONLY_NAMES or (response is not None and name in response.paths):
            return number
        if op.method == "patch" and info.row.required:
            return number
    return len(infos)


def _trees_for(
    trees: list[tuple[str, Schema, NameIndex]], in_request_block: bool
) -> list[tuple[str, Schema, NameIndex]]:
    """The trees a row may describe: all of them for a request row; the response (and error)
    trees first for a response row, the request last (a field only the payload shows)."""
    if in_request_block:
        return trees
    return [t for t in trees if t[0] != "request"] + [t for t in trees if t[0] == "request"]


def _infer_required(tree: Schema) -> None:
    """In a response object whose table rows are all required, fields the table omits are too.

    The table never repeats a name, so sample-only fields (``connections[].id``) have no row.
    When every row of the same object says ``Required: Yes`` (at least two), the omitted
    siblings are taken as required as well; mixed objects are left alone.
    """
    for _path, node in tree.walk():
        if not node.is_object or not node.properties:
            continue
        rowed = [name for name, child in node.properties.items() if child.origin == "table"]
        if len(rowed) < 2 or any(name not in node.required for name in rowed):
            continue
        for name, child in node.properties.items():
            if child.origin == "sample" and name not in node.required and name not in node.optional:
                node.required.append(name)


def _drop_copied_descriptions(tree: Schema) -> None:
    """A container row often repeats its first child's description: keep it on the child only."""
    for _path, node in tree.walk():
        if not node.description or not (node.is_object or node.is_array):
            continue
        holder = node.items if node.is_array and node.items is not None else node
        if any(child.description == node.description for child in holder.properties.values()):
            node.description = ""


def _apply(
    op: Operation,
    kind: str,
    tree: Schema,
    where: Path,
    info: RowFacts,
    diags: Diagnostics,
    request_row: bool = False,
    prefix: Path = (),
) -> None:
    """Put a row's facts on the node at ``where`` and its ``Required`` cell on the parent.

    ``request_row``: the row sits in the table's request block (:func:`request_block_end`).
    There ``Required`` speaks of the request: ``Yes`` also marks the response field (a written
    field comes back) but ``No`` says nothing of the response. A response row's ``Required``
    never reaches the request tree (a field only the payload shows keeps its other facts). An
    explicit ``No`` is recorded (``Schema.optional``) so that no other page or inference makes
    the field required. ``prefix`` is the path of ``tree`` in the body (the items of a list
    response), recorded with ``where`` in ``op.placements``.
    """
    op.placements.append(Placement(info.row.line, kind, (*prefix, *where), request_row))
    node = node_at(tree, where)
    apply_row(node, info)
    _place_enum_if_any(op, node, info, diags)
    if kind == "request" and not request_row:
        return
    parent = parent_of(tree, where)
    name = where[-1]
    if info.row.required is False and (kind == "request" or not request_row):
        if name not in parent.optional:
            parent.optional.append(name)
        if name in parent.required:
            parent.required.remove(name)
    writable_required = kind != "request" or op.method != "patch" or len(where) > 1
    if info.row.required and name not in parent.required and name not in parent.optional and writable_required:
        parent.required.append(name)


def _place_enum_if_any(op: Operation, node: Schema, info: RowFacts, diags: Diagnostics) -> None:
    if info.facts.enum is not None:
        _place_enum(op, node, info, diags)


def _place_enum(op: Operation, node: Schema, info: RowFacts, diags: Diagnostics) -> None:
    values = info.facts.enum or []
    if set_enum(node, values) is not None:
        return
    child = enum_child(node, values)
    if child is not None:
        child.enum = list(values)
        diags.info(
            op.page.path,
            info.row.line,
            "enum-on-container",
            f"enum of `{info.row.name}` moved to the child it describes",
        )
    else:
        diags.info(
            op.page.path,
            info.row.line,
            "enum-dropped",
            f"enum {values} on container `{info.row.name}` matches no child",
        )


def _place_leftovers(op: Operation, unplaced: list[tuple[RowFacts, bool]], diags: Diagnostics) -> None:
    """Rows found in no sample: query parameters, request fields or flat response fields."""
    if not unplaced:
        return
    page = op.page
    names = [info.row.name for info, _ in unplaced]
    for info, in_request_block in unplaced:
        name = info.row.name
        for target_kind in _leftover_targets(op, in_request_block):
            tree, prefix = _leftover_tree(op, target_kind, info.row.line)
            tree.properties[name] = info.type.clone() if info.type is not None else Schema()
            _apply(op, target_kind, tree, (name,), info, diags, request_row=in_request_block, prefix=prefix)
    line = unplaced[0][0].row.line
    if op.page.response is not None and op.page.response.value is not None:
        diags.info(page.path, line, "row-unplaced", f"rows not in the samples, placed by row order: {', '.join(names)}")
    elif op.method != "delete":
        diags.info(page.path, line, "no-sample-response", f"no sample response: {len(names)} row(s) kept flat")


def _query_rows(op: Operation, infos: list[RowFacts], path_names: list[str]) -> list[RowFacts]:
    """Rows of a GET page listed before the first response field: its query parameters.

    The vendor's table lists parameters first (alphabetically), then the response fields;
    a query parameter may share a name with a response field (``ical_uid``).
    """
    if op.method != "get":
        return []
    rows = [info for info in infos if info.row.name not in path_names]
    first = _first_key(op.response)
    names = [info.row.name for info in rows]
    if first is not None and first in names:
        return rows[: names.index(first)]
    top = _top_level_keys(op.response) or {"count", "next", "previous", "results"}
    for index, info in enumerate(rows):
        if info.row.name in top:
            return rows[:index]
    return []


def _first_key(tree: Schema | None) -> str | None:
    keys = (
        list(tree.items.properties)
        if tree is not None and tree.is_array and tree.items is not None
        else (list(tree.properties) if tree is not None else [])
    )
    return keys[0] if keys else None


def _top_level_keys(tree: Schema | None) -> set[str]:
    if tree is None:
        return set()
    if tree.is_array and tree.items is not None:
        return set(tree.items.properties)
    return set(tree.properties)


def _leftover_tree(op: Operation, kind: str, line: int) -> tuple[Schema, Path]:
    """The object that takes rows no sample shows, and its path in the body: the body, or the
    list items of a response."""
    if kind == "request":
        if op.request is None:
            op.request = Schema(types=["object"], origin="table", line=line)
        return op.request, ()
    if op.response is None:
        op.response = Schema(types=["object"], origin="table", line=line)
    tree = op.response
    if op.list_kind == "array" and tree.items is not None:
        return tree.items, ("[]",)
    if op.list_kind == "paginated":
        results = tree.properties["results"]
        return (results.items, ("results", "[]")) if results.items is not None else (tree, ())
    return tree, ()


def _leftover_targets(op: Operation, in_request_block: bool) -> tuple[str, ...]:
    """Where a row that no sample shows goes: by its block of the table (:func:`request_block_end`).

    A row of the request block is a request field (``bot_config`` among the request rows of
    ``calendar_events_bot_create``, ``b64_data`` on ``bot_output_audio_create``); on a page with
    no sample at all (older page versions) it is also a response field, kept flat since its
    nesting is unknown. Every other row is a response field.
    """
    if op.method in ("get", "delete") or not in_request_block:
        return ("response",)
    has_request = op.page.sample is not None and op.page.sample.has_payload
    has_response = op.page.response is not None and op.page.response.value is not None
    if has_request or has_response:
        return ("request",)
    return ("request", "response")
