"""An embedded PostgreSQL server in the data folder, for nodes started with no DATABASE_URL."""

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Starts (or joins) the `pgserver` PostgreSQL living in `data_dir`, and stops it on close.

    pgserver shares one server between processes using the same folder and stops it when the
    last of them lets go, so `fedi serve` and `fedi worker` can run side by side.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> str:
        # Imported here: only nodes without DATABASE_URL pay for it.
        from pgserver.postgres_server import get_server

        self.data_dir.mkdir(parents=True, exist_ok=True)
        log.info("starting embedded PostgreSQL in %s", self.data_dir)
        self._server = get_server(self.data_dir, cleanup_mode="stop")
        socket_dir = str(self._server.get_uri()).rsplit("host=", 1)[1]
        return f"postgresql://postgres@/postgres?host={quote(socket_dir)}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
