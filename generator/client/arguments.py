"""One argument of a generated method, as the IR builder and the docstring writer share it."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any


@dataclass
class Argument:
    """One method argument: Python name, wire name, where it goes, its type and whether required."""

    python_name: str
    wire_name: str
    location: str
    type_node: ast.expr
    required: bool
    doc: str
    example: Any = None
