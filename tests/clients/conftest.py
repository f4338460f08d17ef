"""Two real nodes for the tests that drive the client API with real Mastodon clients."""

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image

from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from tests.conftest import DatabaseFactory
from tests.federation.cluster import Member, cluster

PASSWORD = "correct horse battery staple"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def nodes(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[Member]]:
    folder: Path = tmp_path_factory.mktemp("clients")
    async with cluster(databases, folder, ["home", "away"]) as members:
        yield members


async def account(member: Member, username: str) -> Actor:
    """A local account with a known password on that node."""
    created = await create_user(
        member.pool, member.node.urls, member.domain, username, password=PASSWORD
    )
    return created.actor


def png_bytes(colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="PNG")
    return out.getvalue()
