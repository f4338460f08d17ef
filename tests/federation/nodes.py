"""Real fedi nodes as separate processes on loopback ports, for federation tests."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

READY_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class NodeProcess:
    """One `fedi serve` process; its own data folder, database and port."""

    name: str
    data_dir: Path
    database_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    # Where the process really listens, when something else (a recording proxy) serves `port`.
    listen_port: int | None = None

    @property
    def domain(self) -> str:
        return f"localhost:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.domain}"

    @property
    def serving_port(self) -> int:
        """The port the process itself listens on: `listen_port` if set, else `port`."""
        return self.port if self.listen_port is None else self.listen_port

    @property
    def direct_url(self) -> str:
        """The process itself, bypassing whatever serves the public `port`."""
        return f"http://localhost:{self.serving_port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "node.log"

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("FEDI_") and key != "DATABASE_URL"
        }
        env.update(
            FEDI_DOMAIN=self.domain,
            FEDI_SCHEME="http",
            FEDI_DATA_DIR=str(self.data_dir),
            FEDI_ALLOW_PRIVATE_ADDRESSES="1",
            FEDI_INSTANCE_NAME=self.name,
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run `fedi ARGS` against this node's configuration."""
        return subprocess.run(
            [sys.executable, "-m", "fedi.cli", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        """Another `fedi ARGS` process on this node's configuration, output discarded."""
        return subprocess.Popen(
            [sys.executable, "-m", "fedi.cli", *args],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self, *serve_args: str) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fedi.cli",
                "serve",
                "--port",
                str(self.serving_port),
                *serve_args,
            ],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node {self.name} exited:\n{self.log_path.read_text()}")
            try:
                # The public Host header, so the probe is answered as any request to `port` is.
                probe = httpx.get(
                    f"{self.direct_url}/.well-known/nodeinfo",
                    headers={"Host": self.domain},
                    timeout=1,
                )
                if probe.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"node {self.name} did not start:\n{self.log_path.read_text()}")

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        code = self.process.returncode
        self.process = None
        return code
