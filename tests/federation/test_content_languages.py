"""A post in several languages between two real nodes: the receiving node keeps every version
and knows which one is the post's own language, after an edit too."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from fedi.domain.posts import Draft
from tests.conftest import DatabaseFactory
from tests.federation.cluster import Member, cluster, eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def nodes(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[Member]]:
    folder: Path = tmp_path_factory.mktemp("languages")
    async with cluster(databases, folder, ["west", "dawn"]) as members:
        yield members


async def copy_on(member: Member, uri: str) -> tuple[str | None, dict[str, str]] | None:
    rows = await member.rows("SELECT language, content_map FROM posts WHERE uri = $1", uri)
    return (rows[0]["language"], rows[0]["content_map"]) if rows else None


async def test_every_language_arrives_with_its_own_first(nodes: list[Member]) -> None:
    west, dawn = nodes
    alice = await west.user("alice")
    bob = await dawn.user("bob")
    await dawn.node.publisher.follow(bob, await dawn.remote(alice))
    await eventually(
        lambda: west.value("SELECT count(*) FROM follows WHERE accepted"), what="the follow"
    )
    # "pt" sorts after "ar" and "de": no order of keys names it by chance.
    post = await west.node.publisher.post(
        alice, Draft("Olá", language="pt", translations={"ar": "مرحبا", "de": "Hallo"})
    )
    language, content_map = await eventually(
        lambda: copy_on(dawn, post.uri), what="the post on dawn"
    )
    assert language == "pt"
    assert set(content_map) == {"pt", "ar", "de"} and "Hallo" in content_map["de"]

    await west.node.publisher.edit(
        alice, post.id, Draft("Olá!", language="pt", translations={"fr": "Salut !"})
    )

    async def edited() -> Any:
        found = await copy_on(dawn, post.uri)
        return found if found is not None and "fr" in found[1] else None

    language, content_map = await eventually(edited, what="the edit on dawn")
    assert language == "pt" and set(content_map) == {"pt", "fr"}
