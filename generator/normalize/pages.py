"""Stage 1: read one reference page into a typed :class:`DocPage`.

The page format and its quirks are catalogued in ``../shared/corpus/README.md``. This module
knows markdown and the page layout; it knows nothing of OpenAPI. Every element keeps the
1-based line of the original file (frontmatter included) so diagnostics can cite it.

Libraries do the generic work: the toolkit's safe YAML loader reads the header, ftfy repairs mojibake
(``ðŸ“˜`` for 📘), markdown-it-py tokenizes the body (with GFM tables).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import ftfy
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from generator.diagnostics import Diagnostics, Severity
from generator.normalize.samples import CodeSample, load_json, parse_code_sample
from generator.spec.document import error_message, load_yaml_text

#: Pages larger than this are refused (bytes); real pages are under 100 kB.
MAX_PAGE_BYTES = 5 * 1024 * 1024

#: Most parameter-table rows read from one page (the corpus' longest table has under 100).
MAX_TABLE_ROWS = 2_000

#: Frontmatter limits: nesting levels and nodes once aliases are expanded (pages have about 10 keys).
_FRONTMATTER_DEPTH = 20
_FRONTMATTER_NODES = 10_000

#: Theme-toggle text that ends every title of the vendor site.
THEME_TOGGLE = "Moon (Dark Mode)Sun (Light Mode)"

_HEADING = re.compile(r"^(?P<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(?P<url>\S+)\s*$")
_MOJIBAKE_HINT = re.compile("[ÃÂâð][\u0080-\u00ff\u0152-\u0178\u02c6-\u02dc\u2013-\u203a\u20ac\u2122]")
_RATE = re.compile(
    r"(?<![\d,])(?P<limit>\d[\d,]*)\s+requests?\s+per\s+(?P<unit>second|sec|minute|min|hour|hr|day)\b"
    r"(?:\s+per\s+(?P<scope>[A-Za-z_][A-Za-z0-9_]*))?",
    re.I,
)
_MAX_LIMIT_DIGITS = 12
_PERIODS = {"second": 1, "sec": 1, "minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86400}
_SECTION_NAMES = {"parameters", "python code sample", "sample response", "response", "body params"}

_MD = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class TableRow:
    """One row of the ``| Name | Type | Required | Description |`` table.

    ``type`` is the raw Type cell (``date-time | null``); ``required`` is None when the cell
    is neither Yes nor No; ``description`` is plain text with markup removed.
    """

    name: str
    type: str
    required: bool | None
    description: str
    line: int


@dataclass(frozen=True)
class RateLimit:
    """A stated rate limit: ``limit`` requests per ``period`` seconds per ``scope``."""

    limit: int
    period: int
    scope: str
    line: int
    where: str  # "frontmatter", "callout" or "body"


@dataclass(frozen=True)
class JsonSample:
    """A ``## Sample Response`` fence: the parsed value, or ``error`` when it is not JSON."""

    line: int
    value: object = None
    error: str = ""


@dataclass(frozen=True)
class Block:
    """One block of a page body, in order: what prose pages (``authentication``, ``errors``,
    ``idempotency``) state API-wide facts with.

    ``kind`` is ``heading``, ``paragraph``, ``item`` (a list item), ``callout`` (a blockquote),
    ``code`` (a fence; ``info`` is its language) or ``table`` (``cells``: the header row, then
    the rows). ``text`` is plain text (markup removed, link text kept); ``links`` the
    (text, URL) pairs of the block; ``code_spans`` its inline code (``Idempotency-Key``);
    ``heading`` the nearest heading above it.
    """

    kind: str
    text: str
    line: int
    heading: str = ""
    info: str = ""
    links: tuple[tuple[str, str], ...] = ()
    cells: tuple[tuple[str, ...], ...] = ()
    code_spans: tuple[str, ...] = ()


@dataclass
class DocPage:
    """A reference (or guide) page, read but not interpreted.

    ``slug`` comes from ``source_file`` (``reference/recording_list.html`` -> ``recording_list``)
    or else from the file name. ``heading_method``/``heading_url`` are None on prose pages.
    ``path`` is how diagnostics cite the file (relative to the working directory); ``source`` names
    it relative to its input root (the folder given, or the file's parent), so the spec's
    ``x-source`` does not depend on the working directory.
    """

    path: str
    slug: str
    source: str = ""
    title: str = ""
    summary: str = ""
    description: str = ""
    is_reference: bool = True
    converted_at: str = ""
    params_count: int | None = None
    heading_method: str | None = None
    heading_url: str | None = None
    heading_line: int = 0
    title_line: int = 0
    rows: list[TableRow] = field(default_factory=list)
    table_line: int = 0
    sample: CodeSample | None = None
    response: JsonSample | None = None
    rate_limits: list[RateLimit] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def is_endpoint(self) -> bool:
        """True when the page has a ``## METHOD URL`` heading."""
        return self.heading_method is not None


def read_page(path: Path, diags: Diagnostics, display: str | None = None, source: str | None = None) -> DocPage | None:
    """Read and parse the page at ``path``; None when the file cannot be used at all.

    Problems become diagnostics under ``display`` (default: ``str(path)``); nothing raises
    for bad content. ``source`` is the page's name relative to its input root (default: the
    file name). Files over :data:`MAX_PAGE_BYTES`, with NUL bytes or not UTF-8 are refused with
    an error diagnostic.
    """
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            diags.error(name, 0, "file-too-large", f"{size} bytes exceeds the {MAX_PAGE_BYTES}-byte limit")
            return None
        raw = path.read_bytes()
    except OSError as exc:
        diags.error(name, 0, "file-unreadable", f"cannot read: {exc.strerror or exc}")
        return None
    if b"\x00" in raw:
        diags.error(name, 0, "binary-input", "file holds NUL bytes: not a text page")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        diags.error(name, 0, "binary-input", f"not UTF-8 text (byte {exc.start})")
        return None
    page = parse_page(text, name, diags, fallback_slug=path.stem)
    page.source = source if source is not None else path.name
    return page


def parse_page(text: str, path: str, diags: Diagnostics, fallback_slug: str = "page") -> DocPage:
    """Parse page text (already decoded) into a :class:`DocPage`; never raises."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _MOJIBAKE_HINT.search(text):
        fixed = ftfy.fix_text(text, normalization=None, fix_line_breaks=False)
        if fixed != text:
            diags.info(path, _first_diff_line(text, fixed), "mojibake-repaired", "repaired UTF-8 read as cp1252")
            text = fixed

    meta, body, offset = _split_frontmatter(text, path, diags)
    slug = _slug(meta.get("source_file"), fallback_slug)
    page = DocPage(path=path, slug=slug)
    title = str(meta.get("title") or "")
    page.title = title.replace(THEME_TOGGLE, "").strip()
    page.title_line = _meta_line(text, "title")
    page.is_reference = str(meta.get("is_api_reference", "true")).lower() != "false"
    page.converted_at = str(meta.get("converted_at") or "")
    try:
        page.params_count = int(str(meta["api_parameters_count"]))
    except (KeyError, ValueError):
        page.params_count = None
    fm_description = str(meta.get("description") or "")
    for limit in _rate_limits(fm_description, _meta_line(text, "description"), "frontmatter"):
        page.rate_limits.append(limit)

    _read_body(page, body, offset, diags)
    return page


def _first_diff_line(a: str, b: str) -> int:
    for number, (x, y) in enumerate(zip(a.split("\n"), b.split("\n"), strict=False), start=1):
        if x != y:
            return number
    return 0


def _split_frontmatter(text: str, path: str, diags: Diagnostics) -> tuple[dict[str, object], str, int]:
    """Return (metadata, body, number of lines before the body)."""
    if not text.startswith("---\n"):
        return {}, text, 0
    end = text.find("\n---", 3)
    if end < 0:
        diags.warning(path, 1, "frontmatter-invalid", "frontmatter is never closed with ---")
        return {}, text, 0
    close = text.find("\n", end + 1)
    close = len(text) if close < 0 else close + 1
    header_lines = text.count("\n", 0, close)
    try:  # the toolkit's safe loader: depth, size and alias expansion bounded, JSON-compatible values
        loaded = load_yaml_text(text[4:end], max_depth=_FRONTMATTER_DEPTH, max_nodes=_FRONTMATTER_NODES)
    except yaml.YAMLError as exc:
        diags.warning(path, 1, "frontmatter-invalid", f"frontmatter is not YAML: {error_message(exc)}")
        loaded = {}
    if loaded is not None and not isinstance(loaded, dict):
        diags.warning(path, 1, "frontmatter-invalid", "frontmatter is not a mapping of keys to values")
    meta = loaded if isinstance(loaded, dict) else {}
    return meta, text[close:], header_lines


def _meta_line(text: str, key: str) -> int:
    match = re.search(rf"^{re.escape(key)}:", text[: text.find("\n---", 3) + 1 if text.startswith("---") else 0], re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _slug(source_file: object, fallback: str) -> str:
    """``reference/recording_list.html`` -> ``recording_list``."""
    if isinstance(source_file, str) and source_file.strip():
        return Path(source_file.strip()).stem
    return fallback.split("__")[0]


def _rate_limits(text: str, line: int, where: str) -> list[RateLimit]:
    out = []
    for match in _RATE.finditer(text):
        digits = match.group("limit").replace(",", "")
        if len(digits) > _MAX_LIMIT_DIGITS:
            continue  # not a rate limit anyone states (and int() refuses over 4,300 digits)
        limit = int(digits)
        period = _PERIODS[match.group("unit").lower()]
        scope = (match.group("scope") or "workspace").lower()
        out.append(RateLimit(limit, period, scope, line, where))
    return out


def inline_text(token: Token) -> str:
    """Plain text of an inline token: link text kept, markup and lost-URL links dropped."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def inline_markdown(token: Token) -> str:
    """Markdown of an inline token with vendor links made absolute and ``.md`` anchors fixed."""
    return fix_links(token.content)


_LINK = re.compile(r"\]\((?P<url>[^)\s]*)\)")


def fix_links(markdown: str) -> str:
    """Repair converted links: ``(/docs/x#y.md)`` -> ``(https://docs.recall.ai/docs/x#y)``."""

    def repl(match: re.Match[str]) -> str:
        url = match.group("url")
        if url.endswith(".md"):
            url = url[:-3]
        if url.startswith("/"):
            url = "https://docs.recall.ai" + url
        return f"]({url})"

    return _LINK.sub(repl, markdown)


def _is_emoji_only(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not any(ch.isalnum() for ch in stripped)


def _read_body(page: DocPage, body: str, offset: int, diags: Diagnostics) -> None:
    """Walk the markdown tokens of the body and fill ``page``."""
    tokens = _MD.parse(body)
    total_lines = body.count("\n") + 1
    section = "intro"
    heading = ""
    prose: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        line = offset + (tok.map[0] + 1 if tok.map else 0)
        if tok.type == "heading_open":
            inline = tokens[i + 1]
            content = inline.content.strip()
            if not _is_emoji_only(content):
                heading = inline_text(inline).strip()
                page.blocks.append(Block("heading", heading, line, heading))
            match = _HEADING.match(content)
            if match and page.heading_method is None:
                page.heading_method = match.group("method")
                page.heading_url = match.group("url")
                page.heading_line = line
                section = "description"
            elif content.lower() in _SECTION_NAMES:
                section = content.lower()
            elif _is_emoji_only(content):
                pass  # callout icon heading: debris
            elif section in ("intro", "description"):
                prose.append(content)
            i += 3
            continue
        if tok.type == "fence":
            page.blocks.append(Block("code", tok.content, line, heading, info=tok.info.strip()))
            closed = _fence_closed(body, tok)
            if not closed:
                diags.error(page.path, line, "unterminated-fence", "code fence is never closed")
            elif section == "python code sample" and page.sample is None:
                page.sample = parse_code_sample(tok.content, line)
                for code, message, where in page.sample.problems:
                    severity = Severity.INFO if code == "sample-repaired" else Severity.WARNING
                    diags.add(page.path, where, severity, code, message)
            elif section == "sample response" and page.response is None:
                page.response = _json_sample(tok.content, line)
            i += 1
            continue
        if tok.type == "table_open":
            close = _find_close(tokens, i, "table_close")
            page.blocks.append(Block("table", "", line, heading, cells=_table_cells(tokens[i:close])))
            if section == "parameters" and not page.rows:
                _read_table(page, tokens[i:close], offset, diags)
                _check_ragged(page, body, tok, offset, diags)
            i = close + 1
            continue
        if tok.type == "blockquote_open":
            close = _find_close(tokens, i, "blockquote_close")
            text = " ".join(inline_text(t) for t in tokens[i:close] if t.type == "inline")
            links = tuple(link for t in tokens[i:close] if t.type == "inline" for link in _links(t))
            page.blocks.append(Block("callout", text, line, heading, links=links))
            limits = _rate_limits(text, line, "callout")
            if limits:
                page.rate_limits.extend(limits)
            elif section in ("intro", "description") and text.strip() and not text.startswith("CALLOUT"):
                prose.append(" ".join(inline_markdown(t) for t in tokens[i:close] if t.type == "inline"))
            i = close + 1
            continue
        if tok.type == "inline" and section == "parameters" and tok.content.lstrip().startswith("|") and not page.rows:
            diags.error(
                page.path,
                line,
                "table-malformed",
                "the parameter table does not parse: header, delimiter and rows must have the same columns",
            )
            i += 1
            continue
        if tok.type == "inline" and i >= 1 and tokens[i - 1].type == "paragraph_open":
            kind = "item" if i >= 2 and tokens[i - 2].type == "list_item_open" else "paragraph"
            spans = tuple(c.content for c in tok.children or [] if c.type == "code_inline")
            page.blocks.append(Block(kind, inline_text(tok), line, heading, links=_links(tok), code_spans=spans))
        if tok.type == "inline" and section in ("intro", "description"):
            plain = inline_text(tok)
            limits = _rate_limits(plain, line, "body")
            if limits and re.match(r"^\s*this endpoint is rate limited", plain, re.I):
                page.rate_limits.extend(limits)
            elif plain.strip() and not _is_emoji_only(plain):
                if limits:
                    page.rate_limits.extend(limits)
                prose.append(_strip_rate_sentence(inline_markdown(tok)))
        i += 1
    del total_lines
    prose = [p for p in (p.strip() for p in prose) if p]
    if page.heading_method is not None and prose:
        page.summary = prose[0]
    page.description = "\n\n".join(prose)


def _links(token: Token) -> tuple[tuple[str, str], ...]:
    """(text, URL) of every link in an inline token (converted links repaired, :func:`fix_links`)."""
    out: list[tuple[str, str]] = []
    href: str | None = None
    text: list[str] = []
    for child in token.children or []:
        if child.type == "link_open":
            href, text = str(child.attrs.get("href", "")), []
        elif child.type == "link_close" and href is not None:
            url = fix_links(f"]({href})")[2:-1]
            out.append(("".join(text).strip(), url))
            href = None
        elif href is not None and child.type in ("text", "code_inline"):
            text.append(child.content)
    return tuple(out)


def _table_cells(tokens: list[Token]) -> tuple[tuple[str, ...], ...]:
    """The plain-text cells of a GFM table, header row first."""
    rows: list[tuple[str, ...]] = []
    current: list[str] = []
    for tok in tokens:
        if tok.type == "tr_open":
            current = []
        elif tok.type == "inline":
            current.append(_with_html(tok))
        elif tok.type == "tr_close":
            rows.append(tuple(current))
    return tuple(rows)


def _with_html(token: Token) -> str:
    """Plain text of an inline token, placeholders that look like HTML kept (``<delay-seconds>``)."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


_RATE_SENTENCE = re.compile(r"\s*This endpoint is rate limited to:[^.\n]*\.?", re.I)


def _strip_rate_sentence(text: str) -> str:
    return _RATE_SENTENCE.sub("", text).strip()


def _fence_closed(body: str, tok: Token) -> bool:
    """markdown-it runs an unclosed fence to the end of the document; detect that."""
    if not tok.map:
        return True
    lines = body.split("\n")
    last = tok.map[1] - 1
    if last <= tok.map[0] or last >= len(lines):
        return False
    marker = tok.markup[0] if tok.markup else "`"
    return lines[last].strip().startswith(marker * 3)


def _find_close(tokens: list[Token], start: int, close_type: str) -> int:
    depth = 0
    open_type = tokens[start].type
    for j in range(start, len(tokens)):
        if tokens[j].type == open_type:
            depth += 1
        elif tokens[j].type == close_type:
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


#: Deepest nesting accepted in a sample (real samples stay under 12 levels).
MAX_SAMPLE_DEPTH = 64


def _json_sample(content: str, line: int) -> JsonSample:
    try:
        value = load_json(content)
    except json.JSONDecodeError as exc:
        return JsonSample(line, None, f"{exc.msg} (sample line {exc.lineno})")
    except RecursionError:
        return JsonSample(line, None, "nested too deeply to read")
    except ValueError as exc:  # a number load_json refuses
        return JsonSample(line, None, str(exc))
    if nesting_depth(value) > MAX_SAMPLE_DEPTH:
        return JsonSample(line, None, f"nested deeper than {MAX_SAMPLE_DEPTH} levels")
    return JsonSample(line, value)


def nesting_depth(value: object) -> int:
    """How deeply lists and dicts nest in ``value`` (computed without recursion)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, dict):
            stack.extend((child, level + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, level + 1) for child in node)
    return deepest


_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _check_ragged(page: DocPage, body: str, tok: Token, offset: int, diags: Diagnostics) -> None:
    """Warn about table rows whose cell count differs from the header's (GFM pads them silently)."""
    if not tok.map:
        return
    lines = body.split("\n")[tok.map[0] : tok.map[1]]
    counts = [len(_CELL_SPLIT.split(line.strip().strip("|"))) for line in lines]
    if not counts:
        return
    for number, (line, count) in enumerate(zip(lines, counts, strict=False)):
        if count != counts[0] and line.strip():
            diags.warning(
                page.path,
                offset + tok.map[0] + number + 1,
                "table-malformed",
                f"row has {count} cells, the header has {counts[0]}",
            )


_COLUMNS = {
    "name": ("name", "parameter", "field", "property"),
    "type": ("type",),
    "required": ("required",),
    "description": ("description",),
}


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _read_table(page: DocPage, tokens: list[Token], offset: int, diags: Diagnostics) -> None:
    """Fill ``page.rows`` from the tokens of one GFM table."""
    rows: list[tuple[int, list[str]]] = []
    current: list[str] = []
    row_line = 0
    for tok in tokens:
        if tok.type == "tr_open":
            current = []
            row_line = offset + (tok.map[0] + 1 if tok.map else 0)
        elif tok.type == "inline":
            current.append(inline_text(tok).strip())
        elif tok.type == "tr_close":
            rows.append((row_line, current))
    if not rows:
        return
    page.table_line = rows[0][0]
    header = [h.lower().strip() for h in rows[0][1]]
    cols = {key: _column(header, names) for key, names in _COLUMNS.items()}
    if cols["name"] is None or cols["type"] is None:
        diags.error(
            page.path, page.table_line, "table-malformed", f"table header {rows[0][1]} lacks Name and Type columns"
        )
        return
    seen: set[str] = set()
    if len(rows) - 1 > MAX_TABLE_ROWS:  # placing rows costs more than linear time; real tables have < 100
        message = f"the table has {len(rows) - 1} rows; rows after the first {MAX_TABLE_ROWS} are ignored"
        diags.warning(page.path, rows[MAX_TABLE_ROWS + 1][0], "table-malformed", message)
        rows = rows[: MAX_TABLE_ROWS + 1]
    for line, cells in rows[1:]:
        if len(cells) < len(header) or not _cell(cells, cols["name"]):
            diags.warning(
                page.path, line, "table-malformed", f"row has {len(cells)} cells, expected {len(header)}; skipped"
            )
            continue
        name = _cell(cells, cols["name"])
        if name in seen:
            diags.warning(page.path, line, "duplicate-row", f"`{name}` is listed twice; the later row is ignored")
            continue
        seen.add(name)
        required_cell = _cell(cells, cols["required"]).lower()
        required = {"yes": True, "true": True, "no": False, "false": False}.get(required_cell)
        type_cell, description = _cell(cells, cols["type"]), _cell(cells, cols["description"])
        page.rows.append(TableRow(name, type_cell, required, description, line))
