"""Idle memory: the resident size of a fresh `fedi serve` with its embedded PostgreSQL.

    .venv/bin/python -m bench.idle_memory [--idle 5] [--runs 1]

Starts the node as a new user would (no DATABASE_URL: PostgreSQL embedded in a temporary
FEDI_DATA_DIR), waits until it answers NodeInfo, lets it sit idle, then reads the RSS of the
fedi process alone (target: under 150 MB) and, for information, of the PostgreSQL processes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.common import MB, FediProcess, machine, median, memory_of, postgres_processes

TARGET_MB = 150


def measure(idle_seconds: float, python: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fedi-bench-idle-") as folder:
        node = FediProcess(Path(folder), database_url=None, python=python)
        try:
            ready_seconds = node.start()
            time.sleep(idle_seconds)
            fedi = psutil.Process(node.pid)
            info = fedi.memory_full_info()
            postgres = memory_of(postgres_processes(Path(folder) / "postgres"))
            return {
                "ready_seconds": round(ready_seconds, 2),
                "fedi_rss_mb": round(info.rss / MB, 1),
                "fedi_uss_mb": round(info.uss / MB, 1),
                "fedi_threads": fedi.num_threads(),
                "postgres_processes": len(postgres_processes(Path(folder) / "postgres")),
                "postgres_rss_mb": postgres["rss_mb"],
                "postgres_pss_mb": postgres["pss_mb"],
            }
        finally:
            code = node.stop()
            if code not in (0, None):
                print(f"fedi serve exited with {code}:\n{node.tail_log()}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading")
    parser.add_argument("--runs", type=int, default=1, help="fresh nodes to measure (1)")
    parser.add_argument("--server-python", default=sys.executable, help="interpreter for fedi")
    args = parser.parse_args()
    runs = [measure(args.idle, args.server_python) for _ in range(args.runs)]
    rss = median(run["fedi_rss_mb"] for run in runs)
    print(
        json.dumps(
            {
                "machine": machine(),
                "runs": runs,
                "fedi_rss_mb_median": rss,
                "postgres_rss_mb_median": median(run["postgres_rss_mb"] for run in runs),
                "postgres_pss_mb_median": median(run["postgres_pss_mb"] for run in runs),
                "target_mb": TARGET_MB,
                "within_target": rss < TARGET_MB,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
