"""Several real nodes: each a `fedi serve` process, plus an in-process handle on its database.

The test acts through the handle (the same domain code the client API will call) and the
processes do the rest over real HTTP: signing, delivering, receiving, processing.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fedi.app import Node, running_node
from fedi.config import load_settings
from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.db.database import create_pool
from fedi.domain.accounts import create_user
from tests.conftest import DatabaseFactory
from tests.federation.nodes import NodeProcess


@dataclass
class Member:
    process: NodeProcess
    node: Node

    @property
    def pool(self) -> Any:
        return self.node.pool

    @property
    def domain(self) -> str:
        return self.process.domain

    async def user(self, name: str, *, locked: bool = False) -> Actor:
        actor = (await create_user(self.pool, self.node.urls, self.domain, name)).actor
        if locked:
            async with self.pool.acquire() as conn:
                await conn.execute(
                    "UPDATE actors SET manually_approves_followers = true WHERE id = $1", actor.id
                )
                refreshed = await actors_db.by_id(conn, actor.id)
            assert refreshed is not None
            return refreshed
        return actor

    async def remote(self, actor: Actor) -> Actor:
        """How this node knows an actor of another node (resolving it over HTTP if needed)."""
        return await self.node.resolver.actor_by_uri(actor.uri)

    async def value(self, query: str, *args: Any) -> Any:
        async with self.pool.acquire() as conn:
            return await conn.fetchval(query, *args)

    async def rows(self, query: str, *args: Any) -> list[Any]:
        async with self.pool.acquire() as conn:
            return list(await conn.fetch(query, *args))

    def start(self) -> None:
        self.process.start()

    def stop(self) -> None:
        self.process.stop()

    def kill(self) -> None:
        """SIGKILL: no shutdown, nothing flushed, leases left as they were."""
        assert self.process.process is not None
        self.process.process.kill()
        self.process.process.wait(timeout=10)
        self.process.process = None


@asynccontextmanager
async def cluster(
    databases: DatabaseFactory, folder: Path, names: list[str]
) -> AsyncIterator[list[Member]]:
    async with AsyncExitStack() as stack:
        members = []
        for name in names:
            dsn = await databases.create(name)
            process = NodeProcess(name, folder / name, database_url=dsn)
            settings = load_settings(process.env())
            pool = await create_pool(dsn, max_size=4)
            stack.push_async_callback(pool.close)
            node = await stack.enter_async_context(running_node(settings, pool))
            members.append(Member(process, node))
        for member in members:
            member.start()
            stack.callback(member.stop)
        yield members


async def eventually(
    check: Callable[[], Awaitable[Any]], *, within: float = 15.0, what: str = "condition"
) -> Any:
    """Poll until `check` returns something truthy; fail with `what` after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.1)
