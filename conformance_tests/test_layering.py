"""The suite's modules read the spec through ``generator.spec`` and never import the normalizer
(ARCHITECTURE.md, layering rules); checked in a fresh interpreter, so no test's imports interfere."""

from __future__ import annotations

import os
import subprocess
import sys

from conformance_tests import speclib

PROBE = """
import importlib, pkgutil, sys
import conformance_tests
for info in pkgutil.iter_modules(conformance_tests.__path__):
    if not info.name.startswith("test_") and info.name != "conftest":
        importlib.import_module("conformance_tests." + info.name)
from conformance_tests.adapter import all_operations
all_operations()
print(sorted(name for name in sys.modules if name.startswith("generator.")))
"""


def test_the_suite_never_imports_the_normalizer() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=speclib.ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": f"{speclib.ROOT}:{speclib.ROOT / 'generated'}"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    imported = done.stdout.strip()
    assert "generator.spec.model" in imported, imported
    assert "generator.normalize" not in imported, imported
