"""The intermediate representation that templates see (and nothing else).

``build_ir(document)`` turns a normalized OpenAPI document into a :class:`ClientIR`: package
facts, the files to render and one :class:`OperationIR` per operation. Python computes every
string a template prints; templates only arrange them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.naming import python_identifier

#: (template, target path relative to the output directory) rendered for every package.
PACKAGE_FILES: tuple[tuple[str, str], ...] = (
    ("pyproject.toml.jinja", "pyproject.toml"),
    ("README.md.jinja", "README.md"),
    ("__init__.py.jinja", "recall_client/__init__.py"),
)


@dataclass(frozen=True)
class OperationIR:
    """One operation as templates need it: identifiers already sanitized."""

    operation_id: str
    method: str
    path: str
    summary: str
    tag: str
    python_name: str


@dataclass
class ClientIR:
    """Everything the package templates print."""

    package: str
    distribution: str
    version: str
    generator_version: str
    spec_sha256: str
    title: str
    operations: list[OperationIR] = field(default_factory=list)
    files: tuple[tuple[str, str], ...] = PACKAGE_FILES


def build_ir(document: dict[str, Any], sha256: str, generator_version: str) -> ClientIR:
    """Build the IR of ``document`` (a normalized OpenAPI 3.1 document as plain data)."""
    info = document.get("info", {})
    ir = ClientIR(
        package="recall_client",
        distribution="recall-client",
        version=str(info.get("version", "0.0.0")),
        generator_version=generator_version,
        spec_sha256=sha256,
        title=str(info.get("title", "API")),
    )
    for path, item in sorted(document.get("paths", {}).items()):
        for method, op in sorted(item.items()):
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            op_id = str(op["operationId"])
            ir.operations.append(
                OperationIR(
                    operation_id=op_id,
                    method=method.upper(),
                    path=path,
                    summary=str(op.get("summary", "")),
                    tag=str((op.get("tags") or ["default"])[0]),
                    python_name=python_identifier(op_id),
                )
            )
    return ir
