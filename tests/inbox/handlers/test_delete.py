"""Delete: authors delete their posts; accounts delete themselves; nobody else."""

import pytest

from fedi.app import Node
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from tests.support.inbox import count, receive
from tests.support.notes import create, note

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def seed(node: Node, alice: Actor, zoe: Actor) -> str:
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{alice.uri}#f", alice.id, zoe.id, accepted=True)
    obj = note(zoe, 1)
    assert (await receive(node, zoe, create(zoe, obj))).state == "done"
    return str(obj["id"])


async def test_author_deletes_post(node: Node, alice: Actor, zoe: Actor) -> None:
    uri = await seed(node, alice, zoe)
    item = await receive(
        node, zoe, {"id": f"{uri}#delete", "type": "Delete", "actor": zoe.uri, "object": uri}
    )
    assert item.state == "done"
    assert await count(node, "posts") == 0
    async with node.pool.acquire() as conn:
        assert await posts_db.is_tombstoned(conn, uri)


async def test_delete_from_another_host_is_refused(
    node: Node, alice: Actor, zoe: Actor, mallory: Actor
) -> None:
    uri = await seed(node, alice, zoe)
    item = await receive(
        node,
        mallory,
        {"id": f"{mallory.uri}#d", "type": "Delete", "actor": mallory.uri, "object": uri},
    )
    assert item.state == "refused"
    assert await count(node, "posts") == 1


async def test_delete_of_local_post_by_remote_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    from fedi.domain.posts import Draft

    post = await node.publisher.post(alice, Draft("mine"))
    item = await receive(
        node, zoe, {"id": f"{zoe.uri}#d2", "type": "Delete", "actor": zoe.uri, "object": post.uri}
    )
    assert item.state == "refused"
    async with node.pool.acquire() as conn:
        assert await posts_db.by_id(conn, post.id) is not None


async def test_account_deletion_removes_everything(node: Node, alice: Actor, zoe: Actor) -> None:
    await seed(node, alice, zoe)
    item = await receive(
        node,
        zoe,
        {"id": f"{zoe.uri}#delete", "type": "Delete", "actor": zoe.uri, "object": zoe.uri},
    )
    assert item.state == "done", item.last_error
    assert await count(node, "posts") == 0
    assert await count(node, "follows") == 0
    async with node.pool.acquire() as conn:
        assert await actors_db.by_uri(conn, zoe.uri) is None
