"""``recallgen build``: pages -> spec -> client package in one run, both written or neither.

It writes what ``recallgen normalize`` then ``recallgen generate`` write, byte for byte, with less
waiting: one interpreter instead of two, the spec dumped once and never read back (the typed model
is made from the normalized document itself, as ``recallgen check`` does), and
datamodel-code-generator, started before the pages are read
(:func:`generator.client.models_process.prestart_models`), gets the models' input as soon as the
document exists (:func:`generator.client.render.send_models`): it makes the models while the
document is validated (in a forked process, :class:`Validation`) and written as YAML, and the rest
of the package is prepared here.

Nothing is half-written: the spec and the package are written together
(:class:`~generator.release.files.Transaction`), and only when the pages gave no error (``strict``:
no warning either), the document is valid OpenAPI and the package was rendered, formatted and
imported.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.client.render import prepare_package, send_models
from generator.diagnostics import Diagnostic, Diagnostics, Severity
from generator.normalize.pipeline import normalize
from generator.release.files import Transaction
from generator.release.version import read_version, set_version
from generator.spec.document import PARALLEL_VALIDATION_PATHS, dump_yaml, validate_document
from generator.spec.model import Spec
from generator.spec.overlay import load_overlay


@dataclass
class Built:
    """What a build wrote: the spec (with its operation count) and the package folder."""

    spec: Path
    output: Path
    operations: int


def build(
    inputs: Sequence[Path],
    spec_path: Path,
    output: Path,
    diags: Diagnostics,
    *,
    overlay: Path | None = None,
    version_file: Path | None = None,
    strict: bool = False,
    force: bool = False,
    templates: Path | None = None,
) -> Built | None:
    """Normalize ``inputs`` into ``spec_path`` and generate its package into ``output``; None
    (errors in ``diags``, nothing written) when a step fails (module docstring).

    ``overlay``, ``version_file`` and ``strict`` mean what they mean to ``recallgen normalize``;
    ``force`` and ``templates`` what they mean to ``recallgen generate``.
    """
    loaded = load_overlay(overlay, diags) if overlay is not None else None
    package_version = read_version(version_file, diags)
    if (overlay is not None and loaded is None) or package_version is None:
        return None
    result = normalize(inputs, loaded, diags)
    if diags.has_errors:
        return None
    if version_file is not None:
        set_version(result.document, package_version)
    document, operations = result.document, len(result.operations)
    del result  # the pages and operations: freed before the document is written, validated and rendered
    validation = Validation(document, str(spec_path))
    try:
        spec = Spec.from_document(document, str(spec_path))
        send_models(spec)  # the models are made while the document is validated, written and rendered
        text = spec.text = dump_yaml(document)  # the lines of diagnostics (none was asked for yet)
        if not validation.forked:
            validation.wait(diags)  # here, while the models are made
        rendered = prepare_package(spec, output, diags, templates, force=force)
    finally:
        valid = validation.wait(diags)
    if not valid or rendered is None:
        return None
    if strict and diags.count(Severity.WARNING):
        return None
    transaction = Transaction()
    try:
        transaction.write(spec_path, text)
        transaction.package(rendered.plan, rendered.files, rendered.header)
    except OSError as exc:
        transaction.rollback()
        diags.error(str(spec_path), 0, "file-unwritable", f"cannot write {spec_path} and {output}: {exc}")
        return None
    transaction.done()
    return Built(spec_path, output, operations)


class Validation:
    """:func:`generator.spec.document.validate_document` of ``document`` in a forked process, which
    inherits the document, while this one goes on; :meth:`wait` takes its diagnostics. Done in this
    process (by :meth:`wait`) without ``fork``, on one core, with ``RECALLGEN_JOBS=1``, or for a
    document of as many paths as the end of :data:`~generator.spec.document.PARALLEL_VALIDATION_PATHS`
    or more (the validator reads every node, so the process would end up with its own copy of the
    document)."""

    def __init__(self, document: dict[str, Any], name: str) -> None:
        self.document = document
        self.name = name
        self.pid = 0
        self._read = -1
        self._valid: bool | None = None
        paths = document.get("paths")
        if (
            not hasattr(os, "fork")
            or (os.cpu_count() or 1) < 2
            or os.environ.get("RECALLGEN_JOBS") == "1"
            or (isinstance(paths, dict) and len(paths) >= PARALLEL_VALIDATION_PATHS.stop)
        ):
            return
        read, write = os.pipe()
        gc.freeze()  # the child's collector never walks (and so never copies) the inherited document
        try:
            self.pid = os.fork()
        finally:
            gc.unfreeze()
        if self.pid == 0:  # the child: never returns
            code = 0
            try:
                os.close(read)
                own = Diagnostics()
                validate_document(document, name, own)
                data = pickle.dumps(own.items, protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as outgoing:
                    outgoing.write(data)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(write)
        self._read = read

    @property
    def forked(self) -> bool:
        """True while the document is validated in another process."""
        return self.pid != 0

    def wait(self, diags: Diagnostics) -> bool:
        """True when the document is valid; its ``spec-invalid`` errors go to ``diags`` (validated
        here when the process gave no answer). Later calls give the same answer and add nothing."""
        if self._valid is None:
            self._valid = self._wait(diags)
        return self._valid

    def _wait(self, diags: Diagnostics) -> bool:
        if self.pid:
            try:
                with os.fdopen(self._read, "rb") as incoming:
                    data = incoming.read()
            except OSError:
                data = b""
            finally:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(self.pid, 0)
                self.pid = 0
            with contextlib.suppress(Exception):
                found: list[Diagnostic] = pickle.loads(data)
                diags.items.extend(found)
                return not any(item.severity is Severity.ERROR for item in found)
        return validate_document(self.document, self.name, diags)
