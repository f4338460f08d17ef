"""Like: of visible posts only; once per actor; undone by Undo."""

import pytest

from fedi.app import Node
from fedi.db.actors import Actor
from fedi.domain.posts import Draft
from tests.support.inbox import count, receive

pytestmark = pytest.mark.asyncio(loop_scope="session")


def like(actor: Actor, uri: str, n: int = 1) -> dict[str, str]:
    return {"id": f"{actor.uri}#likes/{n}", "type": "Like", "actor": actor.uri, "object": uri}


async def test_like_of_public_post(node: Node, alice: Actor, zoe: Actor) -> None:
    post = await node.publisher.post(alice, Draft("like me"))
    assert (await receive(node, zoe, like(zoe, post.uri))).state == "done"
    assert (await receive(node, zoe, like(zoe, post.uri, 2))).state == "done"
    assert await count(node, "likes") == 1


async def test_like_of_followers_only_post_by_stranger_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    post = await node.publisher.post(alice, Draft("friends", visibility="followers"))
    item = await receive(node, zoe, like(zoe, post.uri))
    assert item.state == "refused"
    assert await count(node, "likes") == 0


async def test_like_of_unknown_post_is_ignored(node: Node, zoe: Actor) -> None:
    item = await receive(node, zoe, like(zoe, "https://fedi.test/users/alice/statuses/404"))
    assert item.state == "done"
    assert await count(node, "likes") == 0
