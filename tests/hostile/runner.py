"""Run the CLI on the hostile corpus as processes (``python -m generator.cli``), in parallel.

Each run gets a timeout (:data:`TIMEOUT` seconds: a hang is a failure, not a stuck suite), the
working directory ``cwd`` (a folder next to the corpus, so a reference resolved against the working
directory would find the canary too) and the audit hook of ``audit/sitecustomize.py``, which records
every read of a canary file and every network connection.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HOSTILE = Path(__file__).resolve().parent
ROOT = HOSTILE.parents[1]
#: Seconds a command may take on one hostile input.
TIMEOUT = 60
#: Commands run at once (each is a process; the suite itself may run on several workers).
PARALLEL = max(2, min(4, os.cpu_count() or 2))


@dataclass(frozen=True)
class Run:
    """The outcome of one command: exit code (None: killed after :data:`TIMEOUT` s), output, audit."""

    args: tuple[str, ...]
    code: int | None
    stdout: str
    stderr: str
    audit: str

    def describe(self) -> str:
        """The command and its output, for an assertion message."""
        tail = self.stderr[-2000:]
        return f"recallgen {' '.join(self.args)} -> exit {self.code}\n{tail}\naudit: {self.audit!r}"

    def has(self, severity: str, code: str) -> bool:
        """True when a ``severity[code]`` diagnostic was printed."""
        return f": {severity}[{code}]: " in self.stderr


@dataclass(frozen=True)
class Sandbox:
    """Where the corpus was copied (``root``) and the canary file outside the spec folder."""

    root: Path
    canary: Path
    canary_text: str

    @property
    def cwd(self) -> Path:
        return self.root / "cwd"


def run_cli(box: Sandbox, args: Sequence[str], name: str) -> Run:
    """``python -m generator.cli *args`` in ``box.cwd``; never raises for a failing command."""
    log = box.root / "audit" / f"{name}.log"
    log.parent.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECALLGEN_", "PYTHON"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(HOSTILE / "audit"), str(ROOT)]),
        RECALLGEN_AUDIT_LOG=str(log),
        RECALLGEN_CANARIES=str(box.canary),
        COLUMNS="200",
    )
    command = [sys.executable, "-m", "generator.cli", *args]
    try:
        done = subprocess.run(command, cwd=box.cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        code: int | None = done.returncode
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        code = None
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or ""
    audit = log.read_text() if log.exists() else ""
    return Run(tuple(args), code, stdout, stderr, audit)


def run_all(box: Sandbox, jobs: dict[str, Sequence[str]]) -> dict[str, Run]:
    """Run every job (name -> CLI arguments) with :data:`PARALLEL` processes at a time."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {name: pool.submit(run_cli, box, args, name) for name, args in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def imports(package_root: Path, package: str = "recall_client") -> subprocess.CompletedProcess[str]:
    """Import ``package`` and all its modules from ``package_root`` in a fresh isolated interpreter."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"sys.path.insert(0, {str(package_root)!r})\n"
        f"p = importlib.import_module({package!r})\n"
        "for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'): importlib.import_module(m.name)\n"
        f"p.{''.join(w.capitalize() for w in package.split('_'))}(base_url='http://127.0.0.1:9').close()\n"
    )
    return subprocess.run(
        [sys.executable, "-I", "-B", "-c", code], capture_output=True, text=True, timeout=TIMEOUT, cwd=package_root
    )
