"""Every change id ``recallgen diff`` reports, with its level, its kind and what it means.

Ids are stable: CI filters, the JSON output and changelogs depend on them, like the diagnostic
``CODES`` (:mod:`generator.diagnostics`). A schema change carries the side it is seen from:
``request-`` (what a client sends: parameters and request bodies) or ``response-`` (what it
reads). The rules follow the usual API-evolution conventions (oasdiff's breaking-change checks):
a client that sends what the old spec allowed and reads what it promised must keep working, and the
generated client's names (methods, groups, model classes, ``region=`` values) must stay.

Levels: ``breaking`` (existing clients or code using the generated package may fail), ``warning``
(clients with closed enums or strict validation may fail: the generated client is being made
forward-compatible, so these are not breaking), ``info`` (nothing fails). Kinds say what a
changelog section and a semantic version bump make of a change: ``added`` (a minor release),
``removed``, ``changed``, ``deprecated``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """How much a change can hurt a client, from least to most."""

    INFO = "info"
    WARNING = "warning"
    BREAKING = "breaking"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for breaking (``--fail-on`` compares ranks)."""
        return _RANKS[self]


_RANKS = {Level.INFO: 0, Level.WARNING: 1, Level.BREAKING: 2}


class Kind(StrEnum):
    """The changelog section of a change (Keep a Changelog) and its weight for a version bump."""

    ADDED = "added"
    CHANGED = "changed"
    DEPRECATED = "deprecated"
    REMOVED = "removed"


@dataclass(frozen=True)
class ChangeKind:
    """What one change id means: its level, its kind and a sentence for the documentation."""

    level: Level
    kind: Kind
    meaning: str


B, W, INFO = Level.BREAKING, Level.WARNING, Level.INFO
ADD, CHG, DEP, REM = Kind.ADDED, Kind.CHANGED, Kind.DEPRECATED, Kind.REMOVED

#: Every change id, grouped by what it concerns. ``README.md`` (section "recallgen diff") shows this table.
CHANGES: dict[str, ChangeKind] = {
    # the API as a whole
    "server-added": ChangeKind(INFO, ADD, "a server (a `region=` value of the client) was added"),
    "server-removed": ChangeKind(B, REM, "a server was removed: its `region=` value is refused by the client"),
    "security-scheme-added": ChangeKind(INFO, ADD, "a security scheme was added"),
    "security-scheme-removed": ChangeKind(B, REM, "a security scheme was removed"),
    "security-scheme-renamed": ChangeKind(B, CHG, "a security scheme was renamed (same credential, another name)"),
    "security-scheme-changed": ChangeKind(
        B, CHG, "a security scheme sends its credential elsewhere: another header, location, type or prefix"
    ),
    "component-added": ChangeKind(INFO, ADD, "a schema component (a model class of the client) was added"),
    "component-removed": ChangeKind(B, REM, "a schema component was removed: its model class disappears"),
    "component-renamed": ChangeKind(B, CHG, "a schema component was renamed (same schema): its model class is renamed"),
    # operations
    "operation-added": ChangeKind(INFO, ADD, "an operation (a client method) was added"),
    "operation-removed": ChangeKind(B, REM, "an operation was removed: its client method disappears"),
    "operation-moved": ChangeKind(B, CHG, "an operation (same operationId) has another method or path"),
    "operation-id-changed": ChangeKind(B, CHG, "an operationId was renamed: the client method is renamed"),
    "operation-tag-changed": ChangeKind(B, CHG, "an operation's first tag changed: its client group is renamed"),
    "operation-deprecated": ChangeKind(W, DEP, "an operation was marked deprecated"),
    "operation-summary-changed": ChangeKind(INFO, CHG, "an operation's summary changed"),
    "operation-description-changed": ChangeKind(INFO, CHG, "an operation's description changed"),
    "operation-security-added": ChangeKind(
        B, CHG, "an operation requires credentials that a client sending what it required before may lack"
    ),
    "operation-security-removed": ChangeKind(INFO, CHG, "an operation accepts fewer or other credentials, no new ones"),
    "rate-limit-tightened": ChangeKind(W, CHG, "an operation's `x-rate-limit` allows fewer requests per period"),
    "rate-limit-loosened": ChangeKind(INFO, CHG, "an operation's `x-rate-limit` allows more requests, or was removed"),
    "rate-limit-changed": ChangeKind(INFO, CHG, "an operation's `x-rate-limit` scope changed"),
    # parameters
    "parameter-added": ChangeKind(INFO, ADD, "an optional parameter was added"),
    "parameter-removed": ChangeKind(B, REM, "a parameter was removed: its client argument disappears"),
    "parameter-renamed": ChangeKind(B, CHG, "a path parameter was renamed: its client argument is renamed"),
    "parameter-required-added": ChangeKind(
        B, CHG, "a parameter is required: a new required one, or it became required"
    ),
    "parameter-required-removed": ChangeKind(INFO, CHG, "a parameter became optional"),
    "parameter-description-changed": ChangeKind(INFO, CHG, "a parameter's description changed"),
    # request bodies
    "request-body-added": ChangeKind(INFO, ADD, "an optional request body was added"),
    "request-body-removed": ChangeKind(B, REM, "the request body was removed: its client arguments disappear"),
    "request-body-required-added": ChangeKind(
        B, CHG, "`requestBody.required` became true (or a required body was added)"
    ),
    "request-body-required-removed": ChangeKind(INFO, CHG, "`requestBody.required` became false"),
    # responses
    "success-status-changed": ChangeKind(B, CHG, "the success status code changed"),
    "response-status-added": ChangeKind(INFO, ADD, "a response status (e.g. an error) is documented"),
    "response-status-removed": ChangeKind(W, REM, "a documented response status was removed"),
    "response-body-added": ChangeKind(INFO, ADD, "the success response gained a JSON body"),
    "response-body-removed": ChangeKind(B, REM, "the success response lost its JSON body: the method returns nothing"),
    # schemas: properties
    "request-property-added": ChangeKind(INFO, ADD, "an optional request property was added"),
    "request-property-removed": ChangeKind(B, REM, "a request property was removed: the server no longer accepts it"),
    "request-property-moved": ChangeKind(B, CHG, "a request property moved to another place (same name and type)"),
    "request-property-required-added": ChangeKind(
        B, CHG, "a request property is required: a new required one, or an optional one became required"
    ),
    "request-property-required-removed": ChangeKind(INFO, CHG, "a request property became optional"),
    "response-property-added": ChangeKind(INFO, ADD, "a response property was added"),
    "response-property-removed": ChangeKind(B, REM, "a response property was removed: code reading it fails"),
    "response-property-moved": ChangeKind(B, CHG, "a response property moved to another place (same name and type)"),
    "response-property-required-added": ChangeKind(INFO, CHG, "a response property is now always present"),
    "response-property-required-removed": ChangeKind(B, CHG, "a response property may now be missing"),
    # schemas: types and values
    "request-type-changed": ChangeKind(B, CHG, "a request value has another type"),
    "request-type-widened": ChangeKind(INFO, CHG, "a request value accepts more types"),
    "response-type-changed": ChangeKind(B, CHG, "a response value has another type"),
    "response-type-narrowed": ChangeKind(INFO, CHG, "a response value has fewer possible types"),
    "request-format-changed": ChangeKind(B, CHG, "a request value's `format` changed (the client's Python type too)"),
    "response-format-changed": ChangeKind(B, CHG, "a response value's `format` changed (the client's Python type too)"),
    "request-nullable-added": ChangeKind(INFO, CHG, "a request value accepts null"),
    "request-nullable-removed": ChangeKind(B, CHG, "a request value no longer accepts null"),
    "response-nullable-added": ChangeKind(B, CHG, "a response value may be null"),
    "response-nullable-removed": ChangeKind(INFO, CHG, "a response value is never null"),
    "request-enum-value-added": ChangeKind(INFO, ADD, "a request enum accepts another value"),
    "request-enum-value-removed": ChangeKind(B, REM, "a request enum no longer accepts a value"),
    "response-enum-value-added": ChangeKind(
        W, ADD, "a response enum gained a value: clients with closed enums fail on it"
    ),
    "response-enum-value-removed": ChangeKind(INFO, REM, "a response enum lost a value"),
    "request-enum-added": ChangeKind(B, CHG, "a request value is restricted to an enum"),
    "request-enum-removed": ChangeKind(INFO, CHG, "a request value is no longer restricted to an enum"),
    "response-enum-added": ChangeKind(INFO, CHG, "a response value is restricted to an enum"),
    "response-enum-removed": ChangeKind(W, CHG, "a response value is no longer restricted to an enum"),
    "request-additional-properties-narrowed": ChangeKind(
        B, CHG, "a request object accepts fewer or other extra keys (`additionalProperties`)"
    ),
    "request-additional-properties-widened": ChangeKind(INFO, CHG, "a request object accepts more extra keys"),
    "response-additional-properties-changed": ChangeKind(
        W, CHG, "a response object's extra keys (`additionalProperties`) changed: the client's dict type too"
    ),
    "request-constraint-tightened": ChangeKind(
        B, CHG, "a request constraint is tighter (`maxLength`, `minimum`, `pattern`, `minItems`, ...)"
    ),
    "request-constraint-loosened": ChangeKind(INFO, CHG, "a request constraint is looser or was removed"),
    "response-constraint-tightened": ChangeKind(INFO, CHG, "a response constraint is tighter"),
    "response-constraint-loosened": ChangeKind(
        W, CHG, "a response constraint is looser or was removed: clients validating responses may fail"
    ),
    "request-default-changed": ChangeKind(
        W, CHG, "a request default changed or was dropped: the server acts otherwise when the value is omitted"
    ),
    "response-default-changed": ChangeKind(INFO, CHG, "a response default changed"),
    "schema-description-changed": ChangeKind(INFO, CHG, "a schema's or property's description changed"),
}


def level_of(change_id: str) -> Level:
    """The level of ``change_id`` (KeyError for an undocumented id)."""
    return CHANGES[change_id].level


def kind_of(change_id: str) -> Kind:
    """The kind of ``change_id`` (KeyError for an undocumented id)."""
    return CHANGES[change_id].kind


def markdown_table() -> str:
    """The table of every change id (id, level, kind, meaning) as Markdown, as the README shows it."""
    lines = ["| id | level | kind | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `{cid}` | {ck.level.value} | {ck.kind.value} | {ck.meaning} |" for cid, ck in CHANGES.items()]
    return "\n".join(lines) + "\n"
