"""The tools we measure ourselves against, each in its own virtual environment under ``build/peers/``.

Installed by pip from the registry, pinned, the first time a benchmark needs them; never project
dependencies. ``make conformance-peer`` uses the same Schemathesis (:data:`SCHEMATHESIS`).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks._common import BUILD

PEERS = BUILD / "peers"


@dataclass(frozen=True)
class Peer:
    """A pinned PyPI package and the console script of it that the benchmarks run."""

    name: str
    requirement: str
    script: str

    @property
    def venv(self) -> Path:
        return PEERS / self.name

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / self.script

    def install(self) -> Path:
        """The script, installed first when missing; raises ``RuntimeError`` when pip fails."""
        if self.executable.exists():
            return self.executable
        self.venv.parent.mkdir(parents=True, exist_ok=True)
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(self.venv)],
            [str(self.venv / "bin" / "python"), "-m", "pip", "install", "--quiet", self.requirement],
        ]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, check=False, timeout=900)
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
                raise RuntimeError(f"cannot install {self.requirement}: {' | '.join(tail)}")
        return self.executable


OPENAPI_PYTHON_CLIENT = Peer("openapi-python-client", "openapi-python-client==0.29.1", "openapi-python-client")
SCHEMATHESIS = Peer("schemathesis", "schemathesis==4.32.5", "st")

if __name__ == "__main__":  # python -m benchmarks._peers schemathesis: install it, print the script's path
    peers = {peer.name: peer for peer in (OPENAPI_PYTHON_CLIENT, SCHEMATHESIS)}
    print(peers[sys.argv[1]].install())
