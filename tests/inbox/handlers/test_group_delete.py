"""Delete of a post a local group relayed: the group relays the author's Delete (as Lemmy:
Announce{Delete}) to its other members' nodes; Like of anything confidential is refused."""

from typing import Any

import pytest

from fedi.app import Node
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from tests.support.actors import remote_actor
from tests.support.groups import documents, make_group, put_member, sent
from tests.support.inbox import count, receive
from tests.support.notes import create, note

pytestmark = pytest.mark.asyncio(loop_scope="session")


def delete(author: Actor, uri: str) -> dict[str, Any]:
    return {
        "id": f"{uri}#delete",
        "type": "Delete",
        "actor": author.uri,
        "object": {"id": uri, "type": "Tombstone"},
    }


async def test_author_deleting_a_relayed_post_is_relayed_by_the_group(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice)
    await put_member(node, group, zoe)
    await put_member(node, group, await remote_actor(node.pool, "yuri", "other.example"))
    obj = note(zoe, 1, cc=[group.uri], audience=group.uri)
    await receive(node, zoe, create(zoe, obj))
    item = await receive(node, zoe, delete(zoe, obj["id"]))
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        assert await posts_db.by_uri(conn, obj["id"]) is None
    announces = await documents(node, "Announce")
    assert [
        a["object"] if isinstance(a["object"], str) else a["object"]["type"] for a in announces
    ] == [
        obj["id"],
        "Delete",
    ]
    relayed = announces[1]["object"]
    assert relayed["actor"] == zoe.uri
    assert relayed["object"]["id"] == obj["id"]
    assert "@context" not in relayed
    assert await sent(node) == [
        (group.uri, "Announce", "https://other.example/inbox"),
        (group.uri, "Announce", "https://other.example/inbox"),
    ]


async def test_delete_of_an_ordinary_post_is_not_relayed(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    await make_group(node, alice)
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO posts (uri, actor_id, local, visibility, content, published_at)"
            " VALUES ($1, $2, false, 'public', 'hello', now())",
            f"{zoe.uri}/statuses/1",
            zoe.id,
        )
    await receive(node, zoe, delete(zoe, f"{zoe.uri}/statuses/1"))
    assert await count(node, "activities") == 0


async def test_like_of_a_confidential_group_or_its_posts_is_refused_unanswered(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, general = await make_group(node, alice, visibility="confidential")
    for n, target in enumerate([group.uri, general.uri, f"{group.uri}/spaces/general/1"]):
        like = {"id": f"{zoe.uri}#likes/{n}", "type": "Like", "actor": zoe.uri, "object": target}
        item = await receive(node, zoe, like)
        assert item.state == "refused", target
    assert await count(node, "likes") == 0
    assert await count(node, "activities") == 0
