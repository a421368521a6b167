"""Names: component names from meaning, and safe Python identifiers.

Component names are CamelCase words taken from the path and property names, never numbered
(``Recording``, ``CalendarMeeting``, ``MeetingAttendee``). Python identifiers are sanitized so
that any page text (``class``, ``__init__``, ``a-b``, ``1st``, unicode) becomes valid code.
"""

from __future__ import annotations

import keyword
import re
import unicodedata

#: Words that name an action, not a resource, when they start the last path segment
#: (``/calendar/meetings/refresh/`` is an action on calendar meetings).
ACTION_WORDS = frozenset(
    {
        "authenticate",
        "cancel",
        "connect",
        "create",
        "delete",
        "disconnect",
        "generate",
        "join",
        "leave",
        "output",
        "pause",
        "refresh",
        "regenerate",
        "remove",
        "request",
        "reset",
        "resume",
        "retry",
        "revoke",
        "send",
        "start",
        "stop",
        "sync",
        "update",
        "upload",
        "verify",
    }
)

_IRREGULAR = {
    "metadata": "metadata",
    "media": "media",
    "data": "data",
    "status": "status",
    "settings": "settings",
    "preferences": "preferences",
    "analytics": "analytics",
    "news": "news",
    "series": "series",
    "aliases": "alias",
    "statuses": "status",
    "children": "child",
    "people": "person",
    "addresses": "address",
}


def words(text: str) -> list[str]:
    """Split ``snake_case``, ``kebab-case``, ``camelCase`` and spaced text into lower words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def singular(word: str) -> str:
    """English singular of one lower-case word, conservatively (``meetings`` -> ``meeting``)."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def camel(parts: list[str]) -> str:
    """``["calendar", "meeting"]`` -> ``CalendarMeeting``; digits kept, empty words dropped."""
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def role_name(prop: str) -> str:
    """The CamelCase name of a property's role: last word singular (``attendees`` -> ``Attendee``)."""
    parts = words(prop)
    if not parts:
        return "Value"
    parts[-1] = singular(parts[-1])
    return camel(parts)


_IDENT_BAD = re.compile(r"[^0-9A-Za-z_]")


def python_identifier(text: str, *, fallback: str = "field") -> str:
    """A valid, non-keyword, non-dunder snake_case Python identifier for ``text``.

    Unicode letters are transliterated to ASCII where possible (``café`` -> ``cafe``);
    ``a-b`` -> ``a_b``; ``1st`` -> ``_1st``; ``class`` -> ``class_``; ``__init__`` -> ``init_``.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", ascii_text)
    ident = re.sub(r"_+", "_", _IDENT_BAD.sub("_", snake).lower())
    if ident.startswith("_") and ident.strip("_"):
        ident = ident.strip("_") + "_"  # dunder or private-looking: __init__ -> init_
    elif ident.strip("_") == "":
        ident = fallback
    if ident[0].isdigit():
        ident = "_" + ident
    if keyword.iskeyword(ident) or keyword.issoftkeyword(ident) or ident in {"self", "cls"}:
        ident += "_"
    return ident


def class_name(text: str, *, fallback: str = "Model") -> str:
    """A valid CamelCase Python class name for ``text``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    parts = re.split(r"[^0-9A-Za-z]+", ascii_text)
    name = "".join(p[:1].upper() + p[1:] for p in parts if p) or fallback
    if name[0].isdigit():
        name = "_" + name
    if keyword.iskeyword(name):
        name += "_"
    return name
