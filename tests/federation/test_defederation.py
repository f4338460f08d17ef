"""Defederation between three real nodes: a suspension in both directions, lifting it, and an
allowlist that lets one node through and keeps another out."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from activitypub.client import OutboundRefused
from fedi.db.actors import Actor
from fedi.domain import policy
from fedi.domain.posts import Draft
from tests.conftest import DatabaseFactory
from tests.federation.cluster import Member, cluster, eventually
from webfinger.resolver import ResolveError

pytestmark = pytest.mark.asyncio(loop_scope="session")

WITHIN = 20.0


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def nodes(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[Member]]:
    folder: Path = tmp_path_factory.mktemp("defederation")
    async with cluster(databases, folder, ["alpha", "bravo", "charlie"]) as members:
        yield members


async def change(member: Member, action: Any, *args: Any) -> None:
    """A policy change on a node, then its in-process copy brought up to date at once (the
    node's server process hears of it by NOTIFY)."""
    async with member.pool.acquire() as conn:
        await action(conn, *args)
    await member.node.policy.refresh()


async def follows(member: Member, follower: Actor, followee: Actor) -> bool:
    """Whether `member` has an accepted follow between the two accounts (by their ids)."""
    return bool(
        await member.value(
            "SELECT f.accepted FROM follows f"
            " JOIN actors a ON a.id = f.follower_id JOIN actors b ON b.id = f.followee_id"
            " WHERE a.uri = $1 AND b.uri = $2",
            follower.uri,
            followee.uri,
        )
    )


async def follow(member: Member, follower: Actor, followee: Actor, on: Member) -> None:
    """`follower` (on `member`) follows `followee` and the Accept comes back."""
    await member.node.publisher.follow(follower, await member.remote(followee))
    await eventually(
        lambda: follows(member, follower, followee),
        within=WITHIN,
        what=f"{follower.handle} following {followee.handle}",
    )
    assert await follows(on, follower, followee)


async def has_post(member: Member, uri: str) -> bool:
    return bool(await member.value("SELECT count(*) FROM posts WHERE uri = $1", uri))


async def last_delivery_status(member: Member, domain: str, uri: str) -> Any:
    """The state and last status of `member`'s delivery of the activity about `uri` to `domain`."""
    rows = await member.rows(
        "SELECT d.state, d.last_status FROM deliveries d JOIN activities a ON a.id = d.activity_id"
        " WHERE d.domain = $1 AND a.object_uri = $2",
        domain,
        uri,
    )
    return [(row["state"], row["last_status"]) for row in rows]


async def test_suspending_a_node_cuts_it_off_both_ways_until_lifted(nodes: list[Member]) -> None:
    a, b, c = nodes
    ann = await a.user("ann")
    bea = await b.user("bea")
    cal = await c.user("cal")
    await follow(a, ann, bea, on=b)
    await follow(b, bea, ann, on=a)
    await follow(a, ann, cal, on=c)
    await follow(c, cal, ann, on=a)
    before = await b.node.publisher.post(bea, Draft("from bravo, before the block"))
    await eventually(lambda: has_post(a, before.uri), within=WITHIN, what="bea's post on alpha")
    await a.node.publisher.like(
        ann, int(await a.value("SELECT id FROM posts WHERE uri = $1", before.uri))
    )

    await change(a, policy.block_domain, b.domain)

    # B's accounts and everything they brought are gone from A, follows both ways included.
    assert await a.value("SELECT count(*) FROM actors WHERE domain = $1", b.domain) == 0
    assert not await has_post(a, before.uri)
    assert not await follows(a, ann, bea) and not await follows(a, bea, ann)
    assert await a.value("SELECT count(*) FROM likes") == 0

    # A fetches nothing from B ...
    with pytest.raises(ResolveError):
        await a.remote(bea)
    with pytest.raises(OutboundRefused):
        await a.node.client.get_object(bea.uri)
    # ... and sends it nothing, while C still hears from A.
    during = await a.node.publisher.post(ann, Draft("from alpha, during the block"))
    await eventually(lambda: has_post(c, during.uri), within=WITHIN, what="ann's post on charlie")
    assert await last_delivery_status(a, b.domain, during.uri) == []
    assert not await has_post(b, during.uri)

    # B does not know: it still delivers to A, and A answers 403 before fetching any key.
    refused = await b.node.publisher.post(bea, Draft("from bravo, during the block"))

    async def refused_with_403() -> bool:
        return await last_delivery_status(b, a.domain, refused.uri) == [("failed", 403)]

    await eventually(refused_with_403, within=WITHIN, what="alpha's 403 to bravo")
    assert not await has_post(a, refused.uri)
    assert await a.value("SELECT count(*) FROM actors WHERE domain = $1", b.domain) == 0

    # C still works both ways.
    from_c = await c.node.publisher.post(cal, Draft("from charlie, during the block"))
    await eventually(lambda: has_post(a, from_c.uri), within=WITHIN, what="cal's post on alpha")

    # Lifted: new activity flows again; nothing purged comes back.
    await change(a, policy.unblock_domain, b.domain)
    await follow(a, ann, bea, on=b)
    after = await b.node.publisher.post(bea, Draft("from bravo, after the block"))
    await eventually(lambda: has_post(a, after.uri), within=WITHIN, what="bea's new post on alpha")
    assert not await has_post(a, before.uri)
    assert not await has_post(a, refused.uri)


async def test_allowlist_mode_lets_listed_nodes_through_and_keeps_others_out(
    nodes: list[Member],
) -> None:
    a, b, c = nodes
    amy = await a.user("amy")
    bob = await b.user("bob")
    cat = await c.user("cat")
    for other, person in ((b, bob), (c, cat)):
        await follow(a, amy, person, on=other)
        await follow(other, person, amy, on=a)

    await change(a, policy.allow_domain, c.domain)
    await change(a, policy.set_federation_mode, "allowlist")
    try:
        # B is refused at A's inbox ...
        from_b = await b.node.publisher.post(bob, Draft("from bravo, not on the list"))

        async def refused_with_403() -> bool:
            return await last_delivery_status(b, a.domain, from_b.uri) == [("failed", 403)]

        await eventually(refused_with_403, within=WITHIN, what="alpha's 403 to bravo")
        assert not await has_post(a, from_b.uri)
        # ... while C gets through.
        from_c = await c.node.publisher.post(cat, Draft("from charlie, on the list"))
        await eventually(lambda: has_post(a, from_c.uri), within=WITHIN, what="cat's post on alpha")

        # A sends to C only, and fetches nothing from B.
        from_a = await a.node.publisher.post(amy, Draft("from alpha, to the list only"))
        await eventually(
            lambda: has_post(c, from_a.uri), within=WITHIN, what="amy's post on charlie"
        )
        assert await last_delivery_status(a, b.domain, from_a.uri) == []
        assert not await has_post(b, from_a.uri)
        with pytest.raises(OutboundRefused):
            await a.node.client.get_object(bob.uri)
    finally:
        await change(a, policy.set_federation_mode, "open")
        await change(a, policy.disallow_domain, c.domain)

    # Open again: B's next post arrives.
    again = await b.node.publisher.post(bob, Draft("from bravo, open again"))
    await eventually(lambda: has_post(a, again.uri), within=WITHIN, what="bob's post on alpha")
