"""Flag: another server reports our accounts and posts; refused when its domain may not."""

from typing import Any

import pytest

from fedi.app import Node
from fedi.db import account_moderation as account_moderation_db
from fedi.db.actors import Actor
from fedi.domain import policy
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from tests.support.inbox import count, receive

pytestmark = pytest.mark.asyncio(loop_scope="session")


def flag(sender: Actor, objects: list[str], suffix: str = "1", **extra: Any) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"https://{sender.domain}/reports/{suffix}",
        "type": "Flag",
        "actor": sender.uri,
        "object": objects,
        "content": "Please look at this account",
        **extra,
    }


async def reports(node: Node) -> list[Any]:
    async with node.pool.acquire() as conn:
        return list(await conn.fetch("SELECT * FROM reports ORDER BY id"))


async def test_flag_reports_a_local_account_and_post(node: Node, alice: Actor, zoe: Actor) -> None:
    post = await node.publisher.post(alice, Draft("something zoe's server disliked"))
    item = await receive(node, zoe, flag(zoe, [alice.uri, post.uri]))
    assert item.state == "done", item.last_error
    (row,) = await reports(node)
    assert (row["account_id"], row["target_account_id"], row["status_ids"]) == (
        zoe.id,
        alice.id,
        [post.id],
    )
    assert (row["comment"], row["uri"], row["forwarded"]) == (
        "Please look at this account",
        f"https://{zoe.domain}/reports/1",
        False,
    )


async def test_a_replayed_flag_reports_once(node: Node, alice: Actor, zoe: Actor) -> None:
    activity = flag(zoe, [alice.uri])
    assert (await receive(node, zoe, activity)).state == "done"
    # The inbox keeps each activity id once; forget it, as a purge of old items would, and the
    # same Flag arriving again must still not report twice.
    async with node.pool.acquire() as conn:
        await conn.execute("DELETE FROM inbox_items")
    assert (await receive(node, zoe, activity)).state == "done"
    assert len(await reports(node)) == 1


async def test_a_post_named_alone_reports_its_author(node: Node, alice: Actor, zoe: Actor) -> None:
    post = await node.publisher.post(alice, Draft("public words"))
    assert (await receive(node, zoe, flag(zoe, [post.uri]))).state == "done"
    (row,) = await reports(node)
    assert (row["target_account_id"], row["status_ids"]) == (alice.id, [post.id])


async def test_one_flag_naming_two_accounts_makes_two_reports(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    bob = (await create_user(node.pool, node.urls, node.settings.domain, "bob")).actor
    assert (await receive(node, zoe, flag(zoe, [alice.uri, bob.uri]))).state == "done"
    assert sorted(row["target_account_id"] for row in await reports(node)) == [alice.id, bob.id]


async def test_posts_never_sent_to_the_sender_are_left_out(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    # A followers-only post with no follower on zoe's server never went there: her server
    # may not pull it in front of our moderators.
    hidden = await node.publisher.post(alice, Draft("for my followers", visibility="followers"))
    local = await node.publisher.post(alice, Draft("this node only", visibility="local"))
    assert (await receive(node, zoe, flag(zoe, [alice.uri, hidden.uri, local.uri]))).state == "done"
    (row,) = await reports(node)
    assert row["status_ids"] == []


async def test_a_flag_naming_nothing_of_ours_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    hidden = await node.publisher.post(alice, Draft("for my followers", visibility="followers"))
    item = await receive(
        node,
        zoe,
        flag(zoe, ["https://remote.example/users/other", "https://fedi.test/users/x", hidden.uri]),
    )
    assert item.state == "refused"
    assert item.last_error and "names no account or post of this node" in item.last_error
    assert await count(node, "reports") == 0


async def test_a_domain_rejecting_reports_is_refused(node: Node, alice: Actor, zoe: Actor) -> None:
    async with node.pool.acquire() as conn:
        await policy.block_domain(conn, zoe.domain, severity="noop", reject_reports=True)
    item = await receive(node, zoe, flag(zoe, [alice.uri]))
    assert item.state == "refused"
    assert item.last_error and f"reports from {zoe.domain} are refused" in item.last_error
    assert await count(node, "reports") == 0


async def test_other_domains_still_report_when_one_is_rejected(
    node: Node, alice: Actor, zoe: Actor, mallory: Actor
) -> None:
    async with node.pool.acquire() as conn:
        await policy.block_domain(conn, mallory.domain, severity="noop", reject_reports=True)
    assert (await receive(node, zoe, flag(zoe, [alice.uri]))).state == "done"
    assert await count(node, "reports") == 1


async def test_mastodons_flag_with_an_embedded_account_and_to(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    activity = flag(zoe, [{"id": alice.uri, "type": "Person"}], to=alice.uri)
    assert (await receive(node, zoe, activity)).state == "done"
    (row,) = await reports(node)
    assert row["target_account_id"] == alice.id


async def test_a_suspended_account_is_not_reported_again(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    async with node.pool.acquire() as conn:
        await account_moderation_db.set_state(conn, alice.id, "suspended", True)
    assert (await receive(node, zoe, flag(zoe, [alice.uri]))).state == "done"
    assert await count(node, "reports") == 0


async def test_a_flag_with_an_id_on_another_host_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    activity = {**flag(zoe, [alice.uri]), "id": "https://evil.example/reports/1"}
    item = await receive(node, zoe, activity)
    assert item.state == "refused"
    assert item.last_error and "may not speak for the activity" in item.last_error
    assert await count(node, "reports") == 0
