"""``make conformance-peer``: Schemathesis, an independent judge, against a sandbox serving the spec.

``python -m generator.sandbox.peer [--spec spec/openapi.yaml] [--max-examples 5] [--seed 1] [--workers 1] [--st PATH]``

Schemathesis is not a dependency of the project: ``make conformance-peer`` (and the benchmarks)
install it, pinned, into its own virtual environment, ``build/peers/schemathesis``.

1. starts the sandbox on a free loopback port (in memory, ``check_responses`` on, so a body that
   fails its own schema becomes a 500 that ``not_a_server_error`` reports);
2. writes a ``schemathesis.toml`` that pins each operation's path parameters to stored
   resources (:meth:`ResourceModel.sample_params`): requests for random ids would only ever reach
   the 404 answer; bodies, query and headers are fuzzed;
3. runs ``st run`` with every check, the sandbox's credentials as headers, phases ``examples``,
   ``coverage`` and ``fuzzing`` (no ``stateful``: the spec declares no links), a fixed seed,
   ``--max-examples`` per operation and ``--workers`` (its threads), then stops the sandbox and
   exits with Schemathesis' code.
   It runs in a temporary directory, so its crash cache (``.schemathesis/``) never leaks into
   the next run or the work tree.

Only loopback traffic: Schemathesis reads the spec from a local file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from generator.sandbox.app import SandboxConfig
from generator.sandbox.server import start_sandbox


def write_config(path: Path, pins: dict[str, dict[str, str]]) -> None:
    """A ``schemathesis.toml`` pinning ``{operationId: {param: value}}`` path parameters."""
    lines = []
    for operation_id, params in sorted(pins.items()):
        pairs = ", ".join(f"{json.dumps('path.' + k)} = {json.dumps(v)}" for k, v in sorted(params.items()))
        lines += ["[[operations]]", f"include-operation-id = {json.dumps(operation_id)}", f"parameters = {{ {pairs} }}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


#: Where ``make conformance-peer`` and the benchmarks install Schemathesis (its own virtual
#: environment: it is not a dependency of the project).
PEER_ST = Path(__file__).resolve().parents[2] / "build" / "peers" / "schemathesis" / "bin" / "st"


def _find_st() -> str | None:
    if PEER_ST.exists():
        return str(PEER_ST)
    return shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")


def main(argv: list[str] | None = None) -> int:
    """Run the judge; returns Schemathesis' exit code (2 when it is not installed)."""
    parser = argparse.ArgumentParser(prog="python -m generator.sandbox.peer", description=__doc__.split("\n")[0])
    parser.add_argument("--spec", type=Path, default=Path("spec/openapi.yaml"))
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="Schemathesis' --workers (threads)")
    parser.add_argument("--st", type=Path, default=None, help="Schemathesis' `st` (default: build/peers, then PATH)")
    parser.add_argument("extra", nargs="*", help="more `st run` arguments (after --)")
    args = parser.parse_args(argv)
    st = str(args.st.resolve()) if args.st is not None else _find_st()
    if st is None:
        print("conformance-peer: no `st` (schemathesis): make conformance-peer installs it", file=sys.stderr)
        return 2
    running = start_sandbox(args.spec, SandboxConfig(check_responses=True))
    try:
        sandbox = running.app.state.sandbox
        pins = {
            op.operation_id: sandbox.resources.sample_params(op.path)
            for op in sandbox.spec.operations
            if "{" in op.path
        }
        headers = [arg for name, value in running.auth_headers().items() for arg in ("-H", f"{name}: {value}")]
        with tempfile.TemporaryDirectory(prefix="conformance-peer-") as tmp:
            config = Path(tmp) / "schemathesis.toml"
            write_config(config, pins)
            command = [
                st, "--config-file", str(config), "run", str(args.spec.resolve()), "--url", running.base_url,
                *headers, "--checks", "all", "--phases", "examples,coverage,fuzzing",
                "--max-examples", str(args.max_examples), "--seed", str(args.seed),
                "--generation-database", "none", "--workers", str(args.workers), *args.extra,
            ]  # fmt: skip
            print("conformance-peer:", " ".join(command), flush=True)
            return subprocess.run(command, check=False, cwd=tmp).returncode
    finally:
        running.stop()


if __name__ == "__main__":
    raise SystemExit(main())
