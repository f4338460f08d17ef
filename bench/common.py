"""Helpers the benchmarks share: ports, throwaway databases, `fedi` processes, memory readings."""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import psutil

from fedi.db.embedded import EmbeddedPostgres

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_mb": round(psutil.virtual_memory().total / MB),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; 0 for an empty list."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def median(values: Iterable[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class Database:
    dsn: str
    # The embedded server's folder, to find its processes; None on FEDI_TEST_DATABASE_URL.
    embedded_dir: Path | None


@asynccontextmanager
async def throwaway_database(label: str) -> AsyncIterator[Database]:
    """A new, empty database, dropped (and its server stopped) afterwards.

    On FEDI_TEST_DATABASE_URL when set, else on an embedded PostgreSQL in a temporary folder.
    """
    configured = os.environ.get("FEDI_TEST_DATABASE_URL")
    if configured:
        async with _fresh_database(configured, f"fedi_bench_{label}_{os.getpid()}") as dsn:
            yield Database(dsn, None)
        return
    with tempfile.TemporaryDirectory(prefix="fedi-bench-pg-") as folder:
        server = EmbeddedPostgres(Path(folder))
        try:
            admin_dsn = server.start()
            async with _fresh_database(admin_dsn, f"fedi_bench_{label}") as dsn:
                yield Database(dsn, Path(folder))
        finally:
            server.stop()


@asynccontextmanager
async def _fresh_database(admin_dsn: str, name: str) -> AsyncIterator[str]:
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            parts = urlsplit(admin_dsn)
            yield urlunsplit(parts._replace(path="/" + name))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def node_env(port: int, data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a node on loopback: ours, minus any FEDI_* or DATABASE_URL around."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FEDI_") and key != "DATABASE_URL"
    }
    env.update(
        FEDI_DOMAIN=f"localhost:{port}",
        FEDI_SCHEME="http",
        FEDI_DATA_DIR=str(data_dir),
        FEDI_ALLOW_PRIVATE_ADDRESSES="1",
        FEDI_INSTANCE_NAME="bench",
    )
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


@dataclass
class FediProcess:
    """One `fedi serve` process on a loopback port, with its log in the data folder."""

    data_dir: Path
    database_url: str | None = None
    port: int = field(default_factory=free_port)
    python: str = sys.executable
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    # `fedi worker` processes started beside the server, for split deployments.
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _worker_starts: int = 0

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "node.log"

    @property
    def pid(self) -> int:
        assert self.process is not None, "the node is not running"
        return self.process.pid

    def env(self) -> dict[str, str]:
        env = node_env(self.port, self.data_dir, self.database_url, **self.extra_env)
        # The repository on the path: the server may run on another interpreter (--server-python).
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return env

    def cli(self, *args: str, timeout: float = 120) -> str:
        """Run `fedi ARGS` with this node's settings; its output, or RuntimeError."""
        done = subprocess.run(
            [self.python, "-m", "fedi.cli", *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"fedi {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def start(self, *serve_args: str, timeout: float = 120) -> float:
        """Start `fedi serve`; returns the seconds until it answered NodeInfo."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.python, "-m", "fedi.cli", "serve", "--port", str(self.port), *serve_args],
                env=self.env(),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fedi serve exited:\n{self.tail_log()}")
            try:
                answer = httpx.get(f"{self.base_url}/.well-known/nodeinfo", timeout=2)
                if answer.status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"fedi serve did not answer within {timeout:.0f} s:\n{self.tail_log()}")

    def start_worker(self, count: int, timeout: float = 60) -> subprocess.Popen[bytes]:
        """Start `fedi worker --count COUNT` beside the server; returns once it says it runs."""
        with self.log_path.open("ab") as log:
            worker = subprocess.Popen(
                [self.python, "-m", "fedi.cli", "worker", "--count", str(count)],
                env=self.env(),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.workers.append(worker)
        deadline = time.monotonic() + timeout
        while self.tail_log(10_000).count("fedi worker running") < self._worker_starts + 1:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"fedi worker did not start:\n{self.tail_log()}")
            time.sleep(0.1)
        self._worker_starts += 1
        return worker

    def stop_workers(self, timeout: float = 30) -> None:
        for worker in self.workers:
            _terminate(worker, timeout)
        self.workers = []

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`, workers first; the server's exit code."""
        self.stop_workers(timeout)
        if self.process is None:
            return None
        process, self.process = self.process, None
        return _terminate(process, timeout)

    def tail_log(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _terminate(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return process.returncode


def rss_bytes(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss)


def memory_of(processes: Iterable[psutil.Process]) -> dict[str, float]:
    """Total RSS, and PSS (shared pages split between sharers) of some processes, in MB."""
    rss = pss = 0
    for process in processes:
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
    return {"rss_mb": round(rss / MB, 1), "pss_mb": round(pss / MB, 1)}


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """The postmaster whose data folder lies under `data_dir`, and all its children."""
    folder = str(data_dir.resolve())
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "postgres" in (process.info["name"] or "") and any(folder in arg for arg in cmdline):
            try:
                if process.parent() is not None and process.parent().name() == "postgres":
                    continue  # a backend: found below, through its postmaster
                return [process, *process.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
    return []


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)
