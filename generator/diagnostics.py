"""Diagnostics as data: every stage reports problems as values, never by raising.

A :class:`Diagnostic` is printed the way compilers print, ``path:line: severity[code]: message``
(line is 1-based; 0 means "the whole file"). Codes are stable: tests, CI greps and the JSON
output depend on them, and ``CODES`` documents each one. Stages append to a shared
:class:`Diagnostics` collector and keep going past a bad page or operation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a diagnostic is; ``error`` makes the command exit 1."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


#: Every diagnostic code the toolkit emits, with what it means and what the toolkit did about it.
CODES: dict[str, str] = {
    # input files
    "file-unreadable": "the file could not be read; it is skipped",
    "file-unwritable": "the output could not be written; nothing was changed",
    "file-too-large": "the file exceeds the size limit; it is skipped",
    "binary-input": "the file holds NUL bytes or is not UTF-8 text; it is skipped",
    "no-input": "no page files were found under the given paths",
    "no-operations": "an input (a folder of guides, a stray file) yields no operation: an error, nothing is written",
    "frontmatter-invalid": "the YAML frontmatter does not parse; the page is read without it",
    "mojibake-repaired": "UTF-8 read as cp1252 was repaired (ftfy)",
    # page structure
    "not-a-reference-page": "a guide or prose page (no endpoint heading); it yields no operation",
    "no-heading": "a reference page without a `## METHOD URL` heading; it yields no operation",
    "bad-heading-url": "the heading URL is not an absolute http(s) URL with a path",
    "table-malformed": "the parameter table is missing columns or has ragged rows; bad rows are skipped",
    "duplicate-row": "a name appears twice in the parameter table; the later row is ignored",
    "unknown-type": "a `Type` value outside the 18 known ones; typed as unconstrained",
    "unterminated-fence": "a fenced code block is never closed; its content is ignored",
    # samples
    "sample-unparsable": "the Python code sample does not parse; the payload is recovered or dropped",
    "sample-repaired": "the Python code sample was repaired before parsing (stray quotes)",
    "sample-not-literal": "the sample payload is not a plain literal; it is ignored",
    "no-sample": "no Python code sample: method from the operationId suffix or the heading",
    "response-unparsable": "the sample response is not valid JSON; response shape from the table only",
    "no-sample-response": "no sample response: nesting of table rows cannot be rebuilt",
    "error-sample-response": "the sample response is an error body, not the success response",
    # reconciliation
    "method-mismatch": "the heading method disagrees with the sample's requests.<verb>; the sample wins",
    "path-mismatch": "the sample URL is not the heading URL with literal parameter names",
    "operation-id-derived": "the page slug is not an operationId; one is derived from method and path",
    "operation-id-mismatch": "the page slug disagrees with the operationId derived from method and path",
    "duplicate-operation": "two pages describe the same method and path; one is kept",
    "superseded-version": "an older dated version of a page also given as input; the newest is kept",
    "copied-content": "a page carries another page's title or description (e.g. *_destroy from *_create)",
    "enum-on-container": "an enum written on an object or array row is moved to the child it describes",
    "enum-dropped": "an enum on a container row matches no child; it is dropped",
    "row-unplaced": "a table row matches nothing in the samples; it is placed by row order",
    "query-parameter": "a list-endpoint row absent from the response became a query parameter",
    "rate-limit-conflict": "the rate limits stated in frontmatter, callout and body disagree",
    "rate-limit-missing": "no rate limit is stated on the page",
    "lost-link": "link text whose URL was lost in conversion was removed from a description",
    "unsafe-name": "a name from the page is not a valid identifier; it is kept but flagged",
    "api-wide-facts": "a prose page (authentication, errors, idempotency) stated API-wide facts, now in the spec",
    # overlay and output
    "overlay-invalid": "the overlay document is not OpenAPI Overlay 1.0",
    "overlay-no-match": "an overlay action's target matches nothing",
    "shape-corrected": "an overlay correction changed a shape the pages state wrongly (its source is cited)",
    "overlay-superseded": "an overlay action stating a prose page's facts is skipped: that page is an input",
    "spec-invalid": "the normalized document fails OpenAPI 3.1 validation",
    "spec-unreadable": "the OpenAPI document could not be read",
    "generate-failed": "code generation failed",
    "internal-error": "a failure the command did not foresee (a bug): reported instead of a traceback; exit 1",
    "output-not-owned": "the output directory holds files `generate` did not write (see `.recallgen-manifest`); "
    "nothing is written unless --force, and other files are never removed",
    # reading a spec (generator/spec/model.py), reported by each consumer with its own prefix
    "spec-bad-ref": "a $ref is not a reference into the document (`#/...`), points at nothing, or loops",
    # client generation (`recallgen generate`, generator/client/): errors leave the output untouched
    "ir-bad-ref": "a $ref is not local (`#/...`), points at nothing, or loops; nothing is generated",
    "ir-bad-operation": "an operation cannot be read (bad parameter, requestBody or response); nothing is generated",
    "ir-no-operations": "the spec declares no operations: the client has no methods",
    "ir-rate-limit": "an `x-rate-limit` is malformed (limit, period or scope); nothing is generated",
    "ir-security": "a security scheme is unsupported (not apiKey or http) or unknown; nothing is generated",
    "ir-retry": "an `x-retry` is malformed or cannot be followed by the client runtime; nothing is generated",
    "ir-models-failed": "datamodel-code-generator failed on `components.schemas`; nothing is generated",
    "ir-format-failed": "the ruff post-step failed on the rendered package (a template bug); nothing is generated",
    "ir-import-failed": "the rendered package fails to import (checked in a subprocess); nothing is generated",
    "ir-unsafe-name": "a name with characters outside ASCII or that is no Python name: the Python name spells "
    "them out (`u0441lass`), so look-alike names never pass through",
    "ir-name-clash": "two names of one object give the same Python name (e.g. equal under Unicode NFKC); "
    "the later one gets a `_` suffix",
    "ir-version": "`info.version` is not a PEP 440 version; the package version is derived from it (a date "
    "`2024-06-10` -> `2024.6.10`) or `0.0.0`",
    # versioned regeneration (`recallgen update`, `recallgen check`, generator/release/)
    "version-invalid": "the version file (spec/version) is not one MAJOR.MINOR.PATCH line; nothing is written",
    "check-stale": "the committed spec or generated package does not follow the pages, overlay and version: "
    "the message names what is stale and the command that regenerates it",
    # sandbox (`recallgen sandbox`, generator/sandbox/)
    "sandbox-no-operations": "the spec has no `paths` or no operations: there is nothing to serve",
    "sandbox-bad-operation": "an operation cannot be read (bad parameter, response or security); the spec is refused",
    "sandbox-bad-ref": "a $ref is not local (`#/...`) or points at nothing; the spec is refused",
    "sandbox-bad-rate-limit": "an operation's x-rate-limit is malformed (limit, period or scope); the spec is refused",
    "sandbox-unsupported-security": "a security scheme is not an apiKey in a header; the sandbox does not enforce it",
    "sandbox-db-unusable": "the --db file cannot be opened as a SQLite sandbox database",
    "sandbox-port-unusable": "the --host/--port address cannot be bound",
    "sandbox-default-credentials": "bound to a non-loopback address while accepting the default key or token",
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding: ``path:line: severity[code]: message``.

    ``line`` is 1-based in the original file (frontmatter included), 0 when no line applies.
    """

    path: str
    line: int
    severity: Severity
    code: str
    message: str

    def format(self) -> str:
        """Render the compiler-style one-liner."""
        return f"{self.path}:{self.line}: {self.severity.value}[{self.code}]: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """The JSON form: the same fields, severity as its string value."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass
class Diagnostics:
    """An ordered collector shared by all stages of one run."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, path: str, line: int, severity: Severity, code: str, message: str) -> None:
        """Record one diagnostic. ``code`` must be a key of :data:`CODES` (KeyError otherwise)."""
        if code not in CODES:
            raise KeyError(f"undocumented diagnostic code {code!r}")
        self.items.append(Diagnostic(path, line, severity, code, message))

    def info(self, path: str, line: int, code: str, message: str) -> None:
        """Record an informational diagnostic."""
        self.add(path, line, Severity.INFO, code, message)

    def warning(self, path: str, line: int, code: str, message: str) -> None:
        """Record a warning (exit 0 unless ``--strict``)."""
        self.add(path, line, Severity.WARNING, code, message)

    def error(self, path: str, line: int, code: str, message: str) -> None:
        """Record an error (exit 1)."""
        self.add(path, line, Severity.ERROR, code, message)

    def extend(self, other: Iterable[Diagnostic]) -> None:
        """Append diagnostics produced elsewhere."""
        self.items.extend(other)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def count(self, severity: Severity) -> int:
        """How many diagnostics have this severity."""
        return sum(1 for d in self.items if d.severity is severity)

    @property
    def has_errors(self) -> bool:
        """True when any diagnostic is an error."""
        return self.count(Severity.ERROR) > 0

    def sorted(self) -> list[Diagnostic]:
        """Stable order for output: by path, line, code, message."""
        return sorted(set(self.items), key=lambda d: (d.path, d.line, d.code, d.message))

    def summary(self) -> str:
        """``N errors, N warnings, N notes`` for the end of a run."""
        e, w, i = (self.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
        return f"{e} error(s), {w} warning(s), {i} note(s)"

    def to_json(self) -> str:
        """All diagnostics and the counts as one JSON document."""
        return json.dumps(
            {
                "diagnostics": [d.to_dict() for d in self.sorted()],
                "summary": {
                    "errors": self.count(Severity.ERROR),
                    "warnings": self.count(Severity.WARNING),
                    "notes": self.count(Severity.INFO),
                },
            },
            indent=2,
        )
