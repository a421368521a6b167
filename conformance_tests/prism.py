"""Stoplight Prism (``@stoplight/prism-cli`` from the npm registry) serving a spec: a server the live
checks must find wrong (it accepts any API key, has no rate limits and never replays), and the
sandbox benchmark's peer (``benchmarks/bench_sandbox.py``).

:func:`install` installs the pinned version once per machine into the user cache
(``$XDG_CACHE_HOME/recallgen/prism-cli-<version>``, default ``~/.cache``): ``npm install`` into a
temporary sibling, then renamed into place, so concurrent runs never see half an install. Install
scripts are not run. :func:`serve` starts ``prism mock`` on a free loopback port and stops that
process afterwards. Both raise :class:`PrismUnavailable` when npm/node or the registry cannot be used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: One version for the suite and the sandbox benchmark. 5.16.0 declares Node >= 24.18, but its
#: ``mock`` command runs on Node 20 (tested here); the last that declares Node 18.20 is 5.14.2.
PRISM_VERSION = "5.16.0"
NODE_MINIMUM = (18, 20)


class PrismUnavailable(RuntimeError):
    """npm or node is missing or too old, or the package cannot be installed (no registry)."""


def cache_dir() -> Path:
    """Where the pinned version is installed."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "recallgen" / f"prism-cli-{PRISM_VERSION}"


def _node_version(node: str) -> tuple[int, ...]:
    done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
    digits = done.stdout.strip().lstrip("v").split(".")
    return tuple(int(d) for d in digits if d.isdigit())


def install(timeout: float = 300.0) -> Path:
    """The ``prism`` executable of :data:`PRISM_VERSION`, installed first when needed."""
    target = cache_dir()
    executable = target / "node_modules" / ".bin" / "prism"
    if executable.exists():
        return executable
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        raise PrismUnavailable("npm and node are needed to install @stoplight/prism-cli (not on PATH)")
    if _node_version(node) < NODE_MINIMUM:
        raise PrismUnavailable(f"node {'.'.join(map(str, _node_version(node)))} is older than 18.20 (prism-cli)")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    command = [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--ignore-scripts"]
    command += ["--fetch-retries=2", "--fetch-retry-mintimeout=1000", "--fetch-retry-maxtimeout=5000"]
    command.append(f"@stoplight/prism-cli@{PRISM_VERSION}")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        shutil.rmtree(staging, ignore_errors=True)
        raise PrismUnavailable(f"npm install @stoplight/prism-cli@{PRISM_VERSION} took over {timeout:g} s") from None
    if done.returncode != 0 or not (staging / "node_modules" / ".bin" / "prism").exists():
        shutil.rmtree(staging, ignore_errors=True)
        tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        package = f"@stoplight/prism-cli@{PRISM_VERSION}"
        raise PrismUnavailable(f"npm install {package} failed (registry unreachable?): {tail}")
    try:
        staging.rename(target)
    except OSError:  # another run installed it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return executable


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve(spec: Path, executable: Path, log: Path, timeout: float = 60.0) -> Iterator[str]:
    """Run ``prism mock spec`` on a free loopback port (output to ``log``); yields its base URL."""
    port = _free_port()
    command = [str(executable), "mock", str(spec), "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise PrismUnavailable(f"prism exited with {process.returncode}: {log.read_text()[-500:]}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                if time.monotonic() > deadline:
                    raise PrismUnavailable(f"prism did not listen on port {port} within {timeout:g} s")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)  # its own session: prism and nothing else
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
