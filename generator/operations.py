"""Stage 2: reconcile one :class:`DocPage` into an :class:`Operation`.

Rules (``../shared/corpus/README.md`` lists the quirks they answer):

* method: the sample's ``requests.<verb>`` wins over the heading (``method-mismatch``); with no
  sample, the operationId suffix (``_partial_update`` -> PATCH) wins over the heading;
* path: the heading URL's path; ``{id}``-style parameters typed from the table;
* request body: the sample payload's shape, typed by the table rows it names;
* response: the sample response's shape, typed by the table rows it names;
* rows of GET endpoints absent from the response (listed before it) are query parameters.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from generator.diagnostics import Diagnostics
from generator.infer import infer
from generator.naming import ACTION_WORDS, words
from generator.pages import DocPage, RateLimit
from generator.placement import (
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
from generator.samples import repair_keys
from generator.schema import Schema

#: operationId suffix (drf-spectacular style) -> HTTP method.
SUFFIX_METHODS = {
    "partial_update": "patch",
    "update": "put",
    "destroy": "delete",
    "create": "post",
    "list": "get",
    "retrieve": "get",
}
_PARAM = re.compile(r"\{([^{}/]+)\}")
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_SAFE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_API_PREFIX = re.compile(r"^api/v\d+$")
_ERROR_KEYS = frozenset({"code", "message", "detail", "error", "errors", "non_field_errors"})


@dataclass
class Parameter:
    """A path or query parameter (OpenAPI 3.1, section 4.8.12)."""

    name: str
    location: str
    schema: Schema
    required: bool
    description: str = ""
    line: int = 0


@dataclass
class Operation:
    """One operation reconciled from one page, before components are named.

    ``method`` is lower-case; ``response`` is None for empty bodies (``status`` 204);
    ``list_kind`` is ``"array"``, ``"paginated"`` or ``""``.
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
    return [p for p in parts if not _PARAM.fullmatch(p)]


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


def build_operation(page: DocPage, diags: Diagnostics) -> Operation | None:
    """Reconcile a page into an operation; None (with a diagnostic) for non-endpoint pages."""
    if not page.is_endpoint:
        if page.is_reference and (page.rows or page.sample):
            diags.warning(
                page.path,
                page.title_line,
                "no-heading",
                "reference page with a table or sample but no `## METHOD URL` heading",
            )
        else:
            diags.info(page.path, page.title_line, "not-a-reference-page", "prose or guide page: no operation")
        return None
    assert page.heading_url is not None and page.heading_method is not None
    url = urlsplit(page.heading_url)
    if url.scheme not in ("http", "https") or not url.path.startswith("/"):
        diags.error(page.path, page.heading_line, "bad-heading-url", f"cannot read a path from {page.heading_url!r}")
        return None
    path = url.path
    method = _resolve_method(page, diags)
    _check_sample_url(page, path, diags)

    response_tree, error_tree, response_example = _response_tree(page, diags)
    request_tree, request_example = _request_tree(page, diags)
    list_kind = _list_kind(response_tree)
    operation_id = _operation_id(page, method, path, bool(list_kind), diags)

    op = Operation(
        page=page,
        method=method,
        path=path,
        operation_id=operation_id,
        summary=page.title or operation_id,
        description=page.description,
        tag=tag_for(path),
        request=request_tree,
        request_example=request_example,
        response=response_tree,
        response_example=response_example,
        error_response=error_tree,
        list_kind=list_kind,
        line=page.heading_line,
    )
    _place_rows(op, diags)
    op.status = _success_status(op)
    op.rate_limit = _rate_limit(page, diags)
    return op


def _resolve_method(page: DocPage, diags: Diagnostics) -> str:
    heading = (page.heading_method or "get").lower()
    sample_verb = page.sample.verb if page.sample else None
    if sample_verb:
        if sample_verb != heading:
            diags.warning(
                page.path,
                page.heading_line,
                "method-mismatch",
                f"heading says {heading.upper()}, sample calls requests.{sample_verb}: using {sample_verb.upper()}",
            )
        return sample_verb
    split = split_suffix(page.slug)
    diags.info(page.path, page.heading_line, "no-sample", "no Python code sample on the page")
    if split is not None:
        by_suffix = SUFFIX_METHODS[split[1]]
        if by_suffix != heading:
            diags.warning(
                page.path,
                page.heading_line,
                "method-mismatch",
                f"heading says {heading.upper()}, operationId suffix `_{split[1]}` means {by_suffix.upper()}: "
                f"using {by_suffix.upper()}",
            )
        return by_suffix
    return heading


def _check_sample_url(page: DocPage, path: str, diags: Diagnostics) -> None:
    if page.sample is None or page.sample.url is None:
        return
    literal = _PARAM.sub(lambda m: m.group(1), path)
    sample_path = urlsplit(page.sample.url).path
    if sample_path not in (literal, path):
        diags.info(
            page.path, page.sample.line, "path-mismatch", f"sample URL path {sample_path!r} differs from {path!r}"
        )


def _response_tree(page: DocPage, diags: Diagnostics) -> tuple[Schema | None, Schema | None, object]:
    """(success tree, error tree, example) from the sample response."""
    sample = page.response
    if sample is None:
        return None, None, None
    if sample.error:
        diags.warning(page.path, sample.line, "response-unparsable", f"sample response is not JSON: {sample.error}")
        return None, None, None
    value = sample.value
    if isinstance(value, dict) and value and set(value) <= _ERROR_KEYS:
        row_names = {row.name for row in page.rows}
        if row_names - set(value) - set(_PARAM.findall(page.heading_url or "")):
            diags.warning(
                page.path,
                sample.line,
                "error-sample-response",
                "sample response is an error body; the success body is built from the table",
            )
            return None, infer(value, sample.line), None
    return infer(value, sample.line), None, value


def _request_tree(page: DocPage, diags: Diagnostics) -> tuple[Schema | None, object]:
    sample = page.sample
    if sample is None or not sample.has_payload:
        return None, None
    if isinstance(sample.payload, dict):
        known = {row.name for row in page.rows} | _keys(page.response.value if page.response else None)
        payload, renames = repair_keys(sample.payload, known)
        for old, new in sorted(set(renames)):
            diags.info(
                page.path,
                sample.line,
                "sample-repaired",
                f"payload key {old!r} restored to {new!r} (digits were stripped)",
            )
        return infer(payload, sample.line), payload
    if sample.payload is None:
        return Schema(types=["object"], origin="sample", line=sample.line), None
    return infer(sample.payload, sample.line), sample.payload


def _keys(value: object) -> set[str]:
    """Every object key anywhere in a JSON value."""
    found: set[str] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.update(str(k) for k in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _list_kind(tree: Schema | None) -> str:
    if tree is None:
        return ""
    if tree.is_array:
        return "array"
    results = tree.properties.get("results")
    if (
        tree.is_object
        and results is not None
        and results.is_array
        and {"next", "previous", "count"} & set(tree.properties)
    ):
        return "paginated"
    return ""


def _operation_id(page: DocPage, method: str, path: str, is_list: bool, diags: Diagnostics) -> str:
    derived = derive_operation_id(method, path, is_list)
    if _IDENT.match(page.slug) and split_suffix(page.slug) is not None:
        if page.slug != derived:
            diags.info(
                page.path,
                page.heading_line,
                "operation-id-mismatch",
                f"slug {page.slug!r} kept; method and path suggest {derived!r}",
            )
        return page.slug
    diags.info(
        page.path,
        page.heading_line,
        "operation-id-derived",
        f"slug {page.slug!r} is not an operationId: using {derived!r}",
    )
    return derived


def _success_status(op: Operation) -> str:
    if op.method == "delete" and op.response is None:
        return "204"
    segments = path_segments(op.path)
    is_action = len(segments) > 1 and words(segments[-1])[:1] and words(segments[-1])[0] in ACTION_WORDS
    if op.method == "post" and not _PARAM.search(op.path) and not is_action:
        return "201"
    return "200"


def _rate_limit(page: DocPage, diags: Diagnostics) -> RateLimit | None:
    if not page.rate_limits:
        diags.info(page.path, page.heading_line, "rate-limit-missing", "no rate limit stated")
        return None
    distinct = {(r.limit, r.period, r.scope) for r in page.rate_limits}
    order = {"callout": 0, "body": 1, "frontmatter": 2}
    chosen = sorted(page.rate_limits, key=lambda r: (order.get(r.where, 3), r.line))[0]
    if len(distinct) > 1:
        stated = ", ".join(f"{r.limit}/{r.period}s per {r.scope} ({r.where}, line {r.line})" for r in page.rate_limits)
        diags.warning(
            page.path, chosen.line, "rate-limit-conflict", f"rate limits disagree: {stated}; using the {chosen.where}"
        )
    return chosen


# --------------------------------------------------------------------------- rows


def _place_rows(op: Operation, diags: Diagnostics) -> None:
    """Attach every table row to a path parameter, a query parameter or a schema node."""
    page = op.page
    path_names = _PARAM.findall(op.path)
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

    placed_any_response = False
    unplaced: list[tuple[RowFacts, bool]] = []
    contexts: dict[str, Path] = {kind: () for kind, _, _ in trees}
    for info in infos:
        if id(info) in skip:
            continue
        name = info.row.name
        hits = 0
        for kind, tree, index in trees:
            where = index.locate(name, contexts[kind], info.type)
            if where is None:
                continue
            hits += 1
            contexts[kind] = where
            _apply(op, kind, tree, where, info, diags)
            if kind == "response":
                placed_any_response = True
        if hits == 0 and name not in path_names:
            unplaced.append((info, placed_any_response))
    _place_leftovers(op, unplaced, diags)
    for kind, tree, _index in trees:
        _drop_copied_descriptions(tree)
        if kind == "response":
            _infer_required(tree)


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
            if child.origin == "sample" and name not in node.required:
                node.required.append(name)


def _drop_copied_descriptions(tree: Schema) -> None:
    """A container row often repeats its first child's description: keep it on the child only."""
    for _path, node in tree.walk():
        if not node.description or not (node.is_object or node.is_array):
            continue
        holder = node.items if node.is_array and node.items is not None else node
        if any(child.description == node.description for child in holder.properties.values()):
            node.description = ""


def _apply(op: Operation, kind: str, tree: Schema, where: Path, info: RowFacts, diags: Diagnostics) -> None:
    node = node_at(tree, where)
    apply_row(node, info)
    parent = parent_of(tree, where)
    name = where[-1]
    writable_required = kind != "request" or op.method != "patch" or len(where) > 1
    if info.row.required and name not in parent.required and writable_required:
        parent.required.append(name)
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
    for info, after_response in unplaced:
        name = info.row.name
        for target_kind in _leftover_targets(op, info, after_response):
            tree = _leftover_tree(op, target_kind, info.row.line)
            tree.properties[name] = info.type.clone() if info.type is not None else Schema()
            _apply(op, target_kind, tree, (name,), info, diags)
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


def _leftover_tree(op: Operation, kind: str, line: int) -> Schema:
    """The object that takes rows no sample shows: the body, or the list items of a response."""
    if kind == "request":
        if op.request is None:
            op.request = Schema(types=["object"], origin="table", line=line)
        return op.request
    if op.response is None:
        op.response = Schema(types=["object"], origin="table", line=line)
    tree = op.response
    if op.list_kind == "array" and tree.items is not None:
        return tree.items
    if op.list_kind == "paginated":
        results = tree.properties["results"]
        return results.items if results.items is not None else tree
    return tree


def _leftover_targets(op: Operation, info: RowFacts, after_response: bool) -> tuple[str, ...]:
    """Where a row that no sample shows goes, decided by which samples the page has."""
    if op.method in ("get", "delete"):
        return ("response",)
    has_request = op.page.sample is not None and op.page.sample.has_payload
    has_response = op.page.response is not None and op.page.response.value is not None
    if has_request and has_response:
        return ("response",) if after_response else ("request",)
    if has_request:
        return ("request",)
    if has_response:
        return ("response",)
    # Neither sample (older page versions): every row is a response field (flat, its nesting
    # unknown) and the optional ones are also taken as writable request fields.
    return ("request", "response") if info.row.required is False else ("response",)
