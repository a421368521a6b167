"""Reading a spec file's text: size-bounded, UTF-8, errors as diagnostics.

Kept apart from :mod:`generator.spec.document` (which imports PyYAML) so that a command reading
specs another way (``recallgen diff``: :mod:`generator.spec.checked_read`) does not import it.
"""

from __future__ import annotations

from pathlib import Path

from generator.diagnostics import Diagnostics

#: Largest document read (bytes); the whole-API spec is about 1.2 MB.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


def read_text(path: Path, diags: Diagnostics, code: str = "spec-unreadable", what: str = "spec") -> str | None:
    """The UTF-8 text of the file at ``path``; None, with one ``code`` error diagnostic, when it
    cannot be read, is larger than :data:`MAX_DOCUMENT_BYTES` or is not UTF-8 (``what`` names the
    file in the message: ``cannot read the spec: ...``)."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            diags.error(name, 0, code, f"the file has {size} bytes; at most {MAX_DOCUMENT_BYTES} are read")
            return None
        with path.open("rb") as handle:
            raw = handle.read(MAX_DOCUMENT_BYTES + 1)
        if len(raw) > MAX_DOCUMENT_BYTES:
            diags.error(name, 0, code, f"the file has more than {MAX_DOCUMENT_BYTES} bytes")
            return None
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        diags.error(name, 0, code, f"not UTF-8 text (byte {exc.start})")
        return None
    except OSError as exc:
        diags.error(name, 0, code, f"cannot read the {what}: {exc.strerror or exc}")
        return None
