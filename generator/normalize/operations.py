"""Stage 2: reconcile one :class:`DocPage` into an :class:`Operation`.

Rules (``../shared/corpus/README.md`` lists the quirks they answer):

* method: the sample's ``requests.<verb>`` wins over the heading (``method-mismatch``); with no
  sample, the operationId suffix (``_partial_update`` -> PATCH) wins over the heading;
* path: the heading URL's path; its ``{id}``-style parameters are typed from the table;
* request body: the sample payload's shape; response: the sample response's shape; both are
  typed by the table rows placed into them (:mod:`generator.normalize.rows`);
* success status: DELETE without a body 204, POST to a collection 201, otherwise 200.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from generator.diagnostics import Diagnostics
from generator.naming import ACTION_WORDS, words
from generator.normalize.infer import infer
from generator.normalize.operation import (
    PATH_PARAM,
    SUFFIX_METHODS,
    Operation,
    derive_operation_id,
    path_segments,
    split_suffix,
    tag_for,
)
from generator.normalize.pages import DocPage, RateLimit
from generator.normalize.rows import place_rows
from generator.normalize.samples import repair_keys
from generator.normalize.schema import Schema

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_ERROR_KEYS = frozenset({"code", "message", "detail", "error", "errors", "non_field_errors"})


def build_operation(page: DocPage, diags: Diagnostics, vocabulary: frozenset[str] = frozenset()) -> Operation | None:
    """Reconcile a page into an operation; None (with a diagnostic) for non-endpoint pages.

    ``vocabulary`` holds the field names the other pages state (:func:`field_names`): a payload
    key whose digits were stripped (``b_data``) is restored from it when this page's own table
    and sample response do not name the field (``bot_create`` never lists ``b64_data``).
    """
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
    request_tree, request_example = _request_tree(page, diags, vocabulary)
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
    place_rows(op, diags)
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
    literal = PATH_PARAM.sub(lambda m: m.group(1), path)
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
        if row_names - set(value) - set(PATH_PARAM.findall(page.heading_url or "")):
            diags.warning(
                page.path,
                sample.line,
                "error-sample-response",
                "sample response is an error body; the success body is built from the table",
            )
            return None, infer(value, sample.line), None
    return infer(value, sample.line), None, value


def field_names(pages: list[DocPage]) -> frozenset[str]:
    """Every field name the pages state with its digits: table rows and sample response keys.

    Python payload samples lose digits (``b64_data`` -> ``b_data``); tables and JSON samples
    keep them, so these names restore payload keys across pages.
    """
    names: set[str] = set()
    for page in pages:
        names |= page_field_names(page)
    return frozenset(names)


def page_field_names(page: DocPage) -> frozenset[str]:
    """The field names one page states (:func:`field_names`)."""
    return frozenset(
        {row.name for row in page.rows} | _keys(page.response.value if page.response is not None else None)
    )


def _request_tree(page: DocPage, diags: Diagnostics, vocabulary: frozenset[str]) -> tuple[Schema | None, object]:
    sample = page.sample
    if sample is None or not sample.has_payload:
        return None, None
    if isinstance(sample.payload, (dict, list)):
        own = {row.name for row in page.rows} | _keys(page.response.value if page.response else None)
        payload, renames = repair_keys(sample.payload, own)
        payload, more = repair_keys(payload, own | vocabulary)  # names only other pages state
        renames += more
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
    if op.method == "post" and not PATH_PARAM.search(op.path) and not is_action:
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
