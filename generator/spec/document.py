"""Read, validate and write OpenAPI documents deterministically, atomically and safely.

YAML is written with keys in document order, block style, no line wrapping, so a re-run on
the same input is byte-identical. Files are written to a temporary sibling and renamed, so a
failed run never leaves a half-written file.

Reading (:func:`load_yaml_text`, :func:`read_document`, :func:`load_document`) is the toolkit's one
loader for YAML and JSON it did not write (specs, overlays, page frontmatter). A text is refused
before anything walks it when it exceeds :data:`MAX_DOCUMENT_BYTES`, nests collections deeper than
:data:`MAX_DEPTH` levels, or would hold more than :data:`MAX_NODES` nodes once its aliases are
expanded (a "billion laughs" document): libyaml's event stream is scanned first (the parser keeps
its own stack, so a 50,000-deep flow cannot overflow the C stack as the C composer would). Only
JSON-compatible values are constructed: timestamps stay strings; ``!!binary``, ``!!set``,
``!!omap``, ``!!pairs`` and ``!!timestamp`` are refused; numbers are at most
:data:`MAX_NUMBER_CHARS` characters; strings hold no lone surrogates; mapping keys are strings (an
unquoted integer key such as the status code ``200`` becomes ``"200"``) and appear once.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import yaml

from generator.diagnostics import Diagnostics
from generator.spec.reading import MAX_DOCUMENT_BYTES as MAX_DOCUMENT_BYTES
from generator.spec.reading import read_text

#: Deepest nesting of mappings and sequences, aliases expanded (the whole-API spec reaches 21).
MAX_DEPTH = 100
#: Most nodes (scalars, mappings, sequences; keys included) once aliases are expanded (the
#: whole-API spec has about 70,000).
MAX_NODES = 1_000_000
#: Longest number scalar (characters): Python prints integers of at most 4,300 digits.
MAX_NUMBER_CHARS = 256

_CLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_COLLECTION_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_SURROGATE = re.compile("[\ud800-\udfff]")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"


class LimitError(yaml.YAMLError):
    """The text is refused before it is constructed: too large, too deep, too many nodes after
    alias expansion, a recursive alias or a lone surrogate. ``line`` is 1-based (0: unknown)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return self.message


class _Loader(_CLoader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader that constructs JSON-compatible values only (module docstring)."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in _CLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                    if key_node.value in seen:
                        raise yaml.constructor.ConstructorError(
                            "while constructing a mapping",
                            node.start_mark,
                            f"found duplicate key {key_node.value!r}",
                            key_node.start_mark,
                        )
                    seen.add(key_node.value)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        if all(type(key) is str for key in mapping):
            return mapping
        out: dict[str, Any] = {}
        for key, value in mapping.items():
            if type(key) is int:
                key = str(key)
            elif type(key) is not str:
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping keys must be strings, found {type(key).__name__} {key!r}", node.start_mark
                )
            if key in out:
                raise yaml.constructor.ConstructorError(None, None, f"found duplicate key {key!r}", node.start_mark)
            out[key] = value
        return out


def _refuse_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"the tag {node.tag} is not JSON-compatible (not allowed here)", node.start_mark
    )


def _bounded(construct: Any) -> Any:
    def number(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_NUMBER_CHARS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {len(node.value)} characters (at most {MAX_NUMBER_CHARS})", node.start_mark
            )
        return construct(loader, node)

    return number


for _tag in ("binary", "set", "omap", "pairs", "timestamp"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)
_Loader.add_constructor("tag:yaml.org,2002:int", _bounded(yaml.constructor.SafeConstructor.construct_yaml_int))
_Loader.add_constructor("tag:yaml.org,2002:float", _bounded(yaml.constructor.SafeConstructor.construct_yaml_float))


def check_limits(text: str, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> None:
    """Scan ``text``'s YAML events; raise :class:`LimitError` (or another ``yaml.YAMLError`` for
    malformed YAML) when composing it would exceed ``max_depth`` nesting levels or ``max_nodes``
    nodes with aliases expanded, uses a recursive alias, or holds a lone surrogate.

    Time and memory are linear in the length of ``text``; nothing is composed or constructed.
    """
    # Per open collection: [anchor, expanded size, height]; per finished anchor: (size, height).
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[int, int]] = {}
    total = 0

    def count(nodes: int, line: int) -> None:
        nonlocal total
        total += nodes
        if total > max_nodes:
            raise LimitError(f"more than {max_nodes} nodes once aliases are expanded (an alias bomb?)", line)

    def finished(size: int, height: int, line: int) -> None:
        """A node of ``size`` nodes and ``height`` levels below it ends inside the open collections."""
        if len(stack) + height > max_depth:
            raise LimitError(f"nested deeper than {max_depth} levels", line)
        if stack:
            stack[-1][1] += size
            stack[-1][2] = max(stack[-1][2], height + 1)

    for event in yaml.parse(text, Loader=_CLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.ScalarEvent):
            if not event.value.isascii() and _SURROGATE.search(event.value):
                raise LimitError("a string holds a lone surrogate (an escape such as \\ud800)", line)
            count(1, line)
            finished(1, 0, line)
            if event.anchor is not None:
                anchors[event.anchor] = (1, 0)
        elif isinstance(event, _COLLECTION_START):
            if len(stack) + 1 > max_depth:
                raise LimitError(f"nested deeper than {max_depth} levels", line)
            count(1, line)
            stack.append([event.anchor, 1, 1])
        elif isinstance(event, _COLLECTION_END):
            anchor, size, height = stack.pop()
            finished(size, height, line)
            if anchor is not None:
                anchors[anchor] = (size, height)
        elif isinstance(event, yaml.AliasEvent):
            anchor = event.anchor or ""
            if any(frame[0] == anchor for frame in stack):
                raise LimitError(f"the alias *{anchor} refers to a node that contains it", line)
            size, height = anchors.get(anchor, (1, 0))  # an undefined alias fails when composed
            count(size, line)
            finished(size, height, line)


class _Unusual(Exception):
    """The text leaves the subset :func:`_load_plain` builds in one pass (the careful path decides)."""


_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


def _plain_scalar(value: str, cache: dict[str, Any], resolver: _Loader) -> Any:
    """The value of a plain (unquoted, untagged) scalar, as :class:`_Loader` constructs it."""
    tag = resolver.resolve(yaml.ScalarNode, value, (True, False))
    if tag == _STR_TAG:
        result: Any = value
    elif tag in _SCALAR_TAGS:  # the same constructors, number bounds included
        result = _Loader.yaml_constructors[tag](resolver, yaml.ScalarNode(tag, value))
    else:  # a merge key (<<), a value key (=): the careful path says what they mean
        raise _Unusual
    cache[value] = result
    return result


def _load_plain(text: str, max_depth: int, max_nodes: int) -> Any:
    """Build the document from libyaml's events in one pass, for the texts specs are made of: no
    anchors, aliases or explicit tags, string (or integer) keys each once, no lone surrogates,
    within ``max_depth`` and ``max_nodes``. Anything else raises :class:`_Unusual` (so does
    malformed YAML); the result is then exactly what :class:`_Loader` builds.
    """
    parser = _CLoader(text)
    resolver = _Loader("")
    cache: dict[str, Any] = {}
    # The innermost open collection (``top``: dict or list; None at the root) and, for a mapping,
    # the key waiting for its value (``key``: _KEY_NEXT when the next node is a key; _NO_KEY in a
    # sequence); ``stack`` holds them for the enclosing collections.
    stack: list[tuple[Any, Any]] = []
    top: Any = None
    key: Any = _NO_KEY
    root: Any = None
    nodes = 0
    documents = 0
    get_event = parser.get_event
    scalar, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    try:
        while True:
            event = get_event()  # type: ignore[no-untyped-call]
            kind = event.__class__
            if kind is scalar:
                if event.anchor is not None or event.tag not in (None, "!"):
                    raise _Unusual
                value: Any = event.value
                if not value.isascii() and _SURROGATE.search(value):
                    raise _Unusual
                if event.implicit[0]:
                    value = cache[value] if value in cache else _plain_scalar(value, cache, resolver)
            elif kind is mapping_start or kind is sequence_start:
                if event.anchor is not None or event.tag not in (None, "!") or len(stack) >= max_depth:
                    raise _Unusual
                value = {} if kind is mapping_start else []
            elif kind is mapping_end or kind is sequence_end:  # placed when it started
                top, key = stack.pop()
                continue
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Unusual
                continue
            elif kind is yaml.StreamEndEvent:
                return root
            elif kind is yaml.AliasEvent:
                raise _Unusual
            else:  # stream start, document end
                continue
            nodes += 1
            if nodes > max_nodes:
                raise _Unusual
            if key is _KEY_NEXT:  # this node is a key
                if type(value) is not str:
                    if type(value) is not int:
                        raise _Unusual
                    value = str(value)
                if value in top:
                    raise _Unusual
                key = value
                continue  # a key is a scalar: nothing opens
            if key is not _NO_KEY:
                top[key] = value
                key = _KEY_NEXT
            elif top is not None:  # a sequence item
                top.append(value)
            else:
                root = value
            if kind is mapping_start:
                stack.append((top, key))
                top, key = value, _KEY_NEXT
            elif kind is sequence_start:
                stack.append((top, key))
                top, key = value, _NO_KEY
    except yaml.YAMLError:
        raise _Unusual from None
    finally:
        parser.dispose()
        resolver.dispose()


_NO_KEY = object()
_KEY_NEXT = object()


def load_yaml_text(text: str, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Any:
    """Parse one YAML (or JSON) document within the limits of :func:`check_limits`.

    Returns plain JSON-compatible data (dict, list, str, int, float, bool, None). Raises
    ``yaml.YAMLError`` (:class:`LimitError` for a refused text) on any failure.

    Specs are read in one pass over libyaml's events (:func:`_load_plain`); a text outside that
    subset (anchors, tags, merge keys, an error of any kind) is scanned by :func:`check_limits` and
    then constructed by :class:`_Loader`, which gives the same data for texts both read.
    """
    try:
        return _load_plain(text, max_depth, max_nodes)
    except _Unusual:
        pass
    return _load_careful(text, max_depth, max_nodes)


def _load_careful(text: str, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Any:
    """:func:`load_yaml_text` by the general path: :func:`check_limits`, then :class:`_Loader`."""
    check_limits(text, max_depth, max_nodes)
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def compose_yaml_text(text: str) -> yaml.Node | None:
    """The YAML node tree of ``text`` (for line numbers), or None when it cannot be composed
    within the limits; aliases are shared, not expanded."""
    try:
        check_limits(text)
        return yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None


def error_line(exc: yaml.YAMLError) -> int:
    """The 1-based line a ``yaml.YAMLError`` points at (0 when it names none)."""
    if isinstance(exc, LimitError):
        return exc.line
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else 0


def error_message(exc: yaml.YAMLError) -> str:
    """One line saying what is wrong with the text (no file positions, no snippets)."""
    if isinstance(exc, LimitError):
        return exc.message
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    text = " ".join(str(p) for p in (context, problem) if p) or str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def read_document(
    path: Path, diags: Diagnostics, code: str = "spec-unreadable", what: str = "spec"
) -> tuple[Any, str] | None:
    """Read and parse the YAML or JSON file at ``path`` safely: ``(data, text)``.

    None, with one ``code`` error diagnostic naming the line, when the file cannot be read, is
    larger than :data:`MAX_DOCUMENT_BYTES`, is not UTF-8 (:func:`read_text`), or is not YAML within
    the limits of :func:`check_limits`; ``what`` names the file in the message (``cannot read the
    spec: ...``). ``data`` may be any JSON-compatible value (the caller checks its shape).
    """
    text = read_text(path, diags, code, what)
    if text is None:
        return None
    try:
        return load_yaml_text(text), text
    except yaml.YAMLError as exc:
        diags.error(str(path), error_line(exc), code, f"not readable YAML or JSON: {error_message(exc)}")
        return None


class _Dumper(yaml.CSafeDumper):
    """libyaml SafeDumper that never emits anchors/aliases (shared sub-objects are written out)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_presenter(dumper: yaml.CSafeDumper, data: str) -> yaml.Node:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)


_DUMP_OPTIONS: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 1_000_000, "indent": 2}


def dump_yaml(document: Any) -> str:
    """Deterministic YAML text of ``document``.

    JSON-compatible data is written as a stream of events straight into libyaml's emitter
    (:class:`_EventWriter`): the events the safe representer, :func:`_str_presenter` and the
    serializer would give, without building the node tree (memory stays flat) and with each
    scalar's implicit-tag test asked once per distinct text. Other data goes through
    ``yaml.dump``. Both write the same text (tested).
    """
    try:
        return _EventWriter().dump(document)
    except _Unusual:
        text: str = yaml.dump(document, Dumper=_Dumper, **_DUMP_OPTIONS)
        return text


_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"


class _EventWriter:
    """One :func:`dump_yaml` call: emitter, the implicit flags of the scalars met so far."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.dumper = _Dumper(self.stream, default_flow_style=False, **_DUMP_OPTIONS)
        self.implicit: dict[tuple[str, str], tuple[bool, bool]] = {}

    def dump(self, document: Any) -> str:
        emit = self.dumper.emit
        try:
            emit(yaml.StreamStartEvent())
            emit(yaml.DocumentStartEvent(explicit=False))
            self.write(document)
            emit(yaml.DocumentEndEvent(explicit=False))
            emit(yaml.StreamEndEvent())
        finally:
            self.dumper.dispose()
        return self.stream.getvalue()

    def scalar(self, tag: str, text: str, style: str | None = None) -> None:
        """A scalar: plain when its text reads back as ``tag`` (the serializer's test), else quoted."""
        flags = self.implicit.get((text, tag))
        if flags is None:
            detected = self.dumper.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
            flags = self.implicit[(text, tag)] = (detected == tag, tag == _STR)
        self.dumper.emit(yaml.ScalarEvent(None, tag, flags, text, style=style))

    def write(self, data: Any) -> None:
        kind = type(data)
        if kind is str:
            self.scalar(_STR, data, "|" if "\n" in data else None)
        elif kind is dict:
            self.dumper.emit(yaml.MappingStartEvent(None, _TAG + "map", True, flow_style=False))
            for key, value in data.items():
                self.write(key)
                self.write(value)
            self.dumper.emit(yaml.MappingEndEvent())
        elif kind is list:
            self.dumper.emit(yaml.SequenceStartEvent(None, _TAG + "seq", True, flow_style=False))
            for item in data:
                self.write(item)
            self.dumper.emit(yaml.SequenceEndEvent())
        elif kind is bool:
            self.scalar(_TAG + "bool", "true" if data else "false")
        elif data is None:
            self.scalar(_TAG + "null", "null")
        elif kind is int:
            self.scalar(_TAG + "int", str(data))
        elif kind is float:
            self.scalar(_TAG + "float", _float_text(data))
        else:
            raise _Unusual


def _float_text(data: float) -> str:
    """``SafeRepresenter.represent_float``'s text."""
    if data != data:
        return ".nan"
    if data == float("inf"):
        return ".inf"
    if data == float("-inf"):
        return "-.inf"
    value = repr(data).lower()
    return value.replace("e", ".0e", 1) if "." not in value and "e" in value else value


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same directory and a rename.

    Raises OSError when the directory cannot be written; the target is then untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a written file gets the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def validate_document(document: dict[str, Any], name: str, diags: Diagnostics, limit: int = 20) -> bool:
    """Validate against OpenAPI 3.1 (openapi-spec-validator's checks in linear time,
    :mod:`generator.spec.validation`); each error is a ``spec-invalid`` error.

    Only for documents whose ``$ref``s are all local (the normalizer's output): the validator
    follows references itself.
    """
    return _report_errors(validation_errors(document, (0, 1)), name, diags, limit)


def validation_errors(document: dict[str, Any], parts: tuple[int, ...]) -> list[tuple[str, str]]:
    """``(where, message)`` of each validation error of the passes ``parts`` (0: the document
    against the OpenAPI 3.1 schema, 1: the keyword checks; both, in that order, are the validator's
    errors in its order)."""
    from generator.spec.validation import SpecValidator  # slow to import; only when validating

    validator = SpecValidator(document)
    out = []
    for part in parts:
        for error in validator.part_errors(part):
            where = "/".join(str(p) for p in getattr(error, "absolute_path", []) or [])
            out.append((where, error.message))
    return out


def _report_errors(errors: list[tuple[str, str]], name: str, diags: Diagnostics, limit: int = 20) -> bool:
    for where, message in errors[:limit]:
        diags.error(name, 0, "spec-invalid", f"{where or '<root>'}: {message}")
    if len(errors) > limit:
        diags.error(name, 0, "spec-invalid", f"... and {len(errors) - limit} more validation errors")
    return not errors


#: Paths from which :func:`dump_validated` validates in workers forked then, when none were started
#: ahead (:func:`generator.spec.validation_workers.prestart_validation`), and up to which: the
#: validator reads every node, so a process forked from this one ends up with its own copy of the
#: document (reference counts are written), which costs more memory than the overlap saves time.
PARALLEL_VALIDATION_PATHS = range(20, 1000)


def dump_validated(document: dict[str, Any], name: str, diags: Diagnostics) -> str | None:
    """The YAML text of ``document`` (:func:`dump_yaml`), or None when :func:`validate_document`
    finds it invalid (its ``spec-invalid`` errors are in ``diags``).

    The document is validated by other processes while this one writes the text
    (:func:`generator.spec.validation_workers.validate_beside`): those started ahead, or else, for
    a document of :data:`PARALLEL_VALIDATION_PATHS` paths, processes forked now.
    """
    from generator.spec import validation_workers as workers

    paths = document.get("paths")
    started = not workers.PRESTARTED and isinstance(paths, dict) and len(paths) in PARALLEL_VALIDATION_PATHS
    if started:
        workers.prestart_validation()
    try:
        text, errors = workers.validate_beside(document, lambda: dump_yaml(document))
    finally:
        if started:
            workers.stop_validation()
    return text if _report_errors(errors, name, diags) else None


def load_document(path: Path, diags: Diagnostics) -> dict[str, Any] | None:
    """Read a YAML or JSON OpenAPI document safely (:func:`read_document`); None with a
    ``spec-unreadable`` error when it cannot be read or is not a mapping with an ``openapi`` key."""
    found = read_document(path, diags)
    if found is None:
        return None
    data = found[0]
    if not isinstance(data, dict) or "openapi" not in data:
        diags.error(str(path), 0, "spec-unreadable", "not an OpenAPI document (no `openapi` key)")
        return None
    return data
