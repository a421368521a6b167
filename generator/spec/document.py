"""Read, validate and write OpenAPI documents deterministically and atomically.

YAML is written with keys in document order, block style, no line wrapping, so a re-run on
the same input is byte-identical. Files are written to a temporary sibling and renamed, so a
failed run never leaves a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from generator.diagnostics import Diagnostics


class _Dumper(yaml.CSafeDumper):
    """libyaml SafeDumper that never emits anchors/aliases (shared sub-objects are written out)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_presenter(dumper: yaml.CSafeDumper, data: str) -> yaml.Node:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(document: Any) -> str:
    """Deterministic YAML text of ``document``."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000, indent=2)


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
    """Validate against OpenAPI 3.1 (openapi-spec-validator); each error is a ``spec-invalid`` error."""
    from openapi_spec_validator import OpenAPIV31SpecValidator  # slow to import; only when validating

    errors = 0
    for error in OpenAPIV31SpecValidator(document).iter_errors():
        errors += 1
        if errors <= limit:
            where = "/".join(str(p) for p in getattr(error, "absolute_path", []) or [])
            diags.error(name, 0, "spec-invalid", f"{where or '<root>'}: {error.message}")
    if errors > limit:
        diags.error(name, 0, "spec-invalid", f"... and {errors - limit} more validation errors")
    return errors == 0


def load_document(path: Path, diags: Diagnostics) -> dict[str, Any] | None:
    """Read a YAML or JSON OpenAPI document; None with a ``spec-unreadable`` error on failure."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        diags.error(str(path), 0, "spec-unreadable", f"cannot read the spec: {exc}")
        return None
    if not isinstance(data, dict) or "openapi" not in data:
        diags.error(str(path), 0, "spec-unreadable", "not an OpenAPI document (no `openapi` key)")
        return None
    return data
