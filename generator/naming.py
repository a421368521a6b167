"""Names: component names from meaning, and safe Python identifiers.

Component names are CamelCase words taken from the path and property names, never numbered
(``Recording``, ``CalendarMeeting``, ``MeetingAttendee``). Python identifiers are sanitized so
that any page or spec text (``class``, ``__init__``, ``a-b``, ``1st``, unicode) becomes valid code.

Generated identifiers are ASCII (:func:`ascii_name`): a letter that Unicode compatibility
decomposition (NFKD) maps to ASCII letters is transliterated (``café`` -> ``cafe``, fullwidth
``ｆｕｌｌ`` -> ``full``); any other character is spelled out as its code point (Cyrillic ``сlass``
-> ``u0441lass``), so a look-alike (homoglyph) name never passes through and nothing is silently
dropped. Names that become equal this way are told apart by the caller (:func:`unique`).
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


def ascii_name(text: str) -> str:
    """``text`` in ASCII: each character NFKD maps to ASCII (combining marks dropped) is
    transliterated, any other is spelled ``u`` + its code point in hex (``с`` -> ``u0441``).

    ``café`` -> ``cafe``; ``ｆｕｌｌ`` -> ``full``; ``сlass`` -> ``u0441lass``; ``日本`` -> ``u65e5u672c``.
    """
    if text.isascii():
        return text
    out: list[str] = []
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        decomposed = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(decomposed if decomposed and decomposed.isascii() else f"u{ord(char):04x}")
    return "".join(out)


def foreign_characters(text: str) -> list[str]:
    """The characters of ``text`` that :func:`ascii_name` spells out, described for a diagnostic
    (``['U+0441 CYRILLIC SMALL LETTER ES']``), each once, in order."""
    found: list[str] = []
    for char in dict.fromkeys(text):
        if char.isascii():
            continue
        decomposed = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if not (decomposed and decomposed.isascii()):
            found.append(f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}")
    return found


def unique(name: str, taken: set[str], suffix: str = "_") -> str:
    """``name``, or ``name`` + ``suffix`` repeated until it is not in ``taken``; the result is added
    to ``taken``."""
    while name in taken:
        name += suffix
    taken.add(name)
    return name


def python_identifier(text: str, *, fallback: str = "field") -> str:
    """A valid, non-keyword, non-dunder snake_case ASCII Python identifier for ``text``.

    Unicode is made ASCII by :func:`ascii_name` (``café`` -> ``cafe``, ``сlass`` -> ``u0441lass``);
    ``a-b`` -> ``a_b``; ``1st`` -> ``_1st``; ``class`` -> ``class_``; ``__init__`` -> ``init_``.
    """
    ascii_text = ascii_name(text)
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


def field_name(text: str) -> str:
    """A pydantic field name for the property ``text``: :func:`python_identifier`, never starting
    with ``_`` (pydantic keeps such names private): ``１st`` -> ``field_1st``."""
    ident = python_identifier(text)
    return "field" + ident if ident.startswith("_") else ident


def class_name(text: str, *, fallback: str = "Model") -> str:
    """A valid CamelCase ASCII Python class name for ``text`` (``v1.Thing`` -> ``V1Thing``)."""
    ascii_text = ascii_name(text)
    parts = re.split(r"[^0-9A-Za-z]+", ascii_text)
    name = "".join(p[:1].upper() + p[1:] for p in parts if p) or fallback
    if name[0].isdigit():
        name = "_" + name
    if keyword.iskeyword(name):
        name += "_"
    return name


_DATE_VERSION = re.compile(r"^v?(\d{4})-(\d{1,2})-(\d{1,2})$")
#: A PEP 440 version (PEP 440, Appendix B: "Parsing version strings with regular expressions").
_PEP440 = re.compile(
    r"""
    v?
    (?:(?:[0-9]+)!)?                                  # epoch
    (?:[0-9]+(?:\.[0-9]+)*)                            # release segment
    (?:[-_\.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_\.]?(?:[0-9]+)?)?  # pre-release
    (?:(?:-(?:[0-9]+))|(?:[-_\.]?(?:post|rev|r)[-_\.]?(?:[0-9]+)?))?    # post release
    (?:[-_\.]?(?:dev)[-_\.]?(?:[0-9]+)?)?               # dev release
    (?:\+(?:[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?             # local version
    """,
    re.VERBOSE | re.IGNORECASE,
)


def pep440_version(text: str) -> tuple[str, str]:
    """A PEP 440 version for the package from the spec's ``info.version``, and a note saying what
    was changed (``""`` when ``text``, spaces stripped, is a PEP 440 version and is used as is).

    ``1.0.0`` -> ``1.0.0``; ``v2`` -> ``v2``; a date ``2024-06-10`` -> ``2024.6.10``; anything else
    -> ``0.0.0``.
    """
    stripped = text.strip()
    if _PEP440.fullmatch(stripped):
        return stripped, ""
    date = _DATE_VERSION.match(stripped)
    if date is not None:
        version = ".".join(str(int(part)) for part in date.groups())
        return version, f"{text!r} is not a PEP 440 version: the package version is {version}"
    return "0.0.0", f"{text[:80]!r} is not a PEP 440 version: the package version is 0.0.0"
