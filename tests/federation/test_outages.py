"""Deliveries survive a receiver that is down and a sender killed in the middle of sending."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from fedi.domain.posts import Draft
from tests.conftest import DatabaseFactory
from tests.federation.cluster import Member, cluster, eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def nodes(databases: DatabaseFactory, tmp_path: Path) -> AsyncIterator[list[Member]]:
    async with cluster(databases, tmp_path, ["sender", "receiver"]) as members:
        yield members


async def fast_forward(member: Member) -> None:
    """Let the clock run on: due retries now, leases of a dead worker expired."""
    async with member.pool.acquire() as conn:
        await conn.execute(
            "UPDATE deliveries SET next_attempt_at = now(), lease_until = NULL"
            " WHERE state = 'pending'"
        )
        await conn.execute("NOTIFY fedi_deliveries")


async def follow(sender: Member, receiver: Member) -> tuple[int, int]:
    author = await sender.user("writer")
    reader = await receiver.user("reader")
    await receiver.node.publisher.follow(reader, await receiver.remote(author))

    async def accepted() -> bool:
        return bool(
            await receiver.value("SELECT accepted FROM follows WHERE follower_id = $1", reader.id)
        )

    await eventually(accepted, what="the follow to be accepted")
    return author.id, reader.id


async def test_receiver_down_then_up_gets_everything(nodes: list[Member]) -> None:
    sender, receiver = nodes
    author_id, _ = await follow(sender, receiver)
    author = await sender.node.resolver.actor_by_uri(
        await sender.value("SELECT uri FROM actors WHERE id = $1", author_id)
    )
    receiver.stop()
    uris = [
        (await sender.node.publisher.post(author, Draft(f"while down {n}"))).uri for n in range(10)
    ]

    async def failed_once() -> bool:
        return bool(
            await sender.value(
                "SELECT count(*) = 10 FROM deliveries WHERE state = 'pending' AND attempts >= 1"
            )
        )

    await eventually(failed_once, what="every delivery to fail once while the receiver is down")
    assert await sender.value("SELECT count(*) FROM domain_failures") == 1
    receiver.start()
    await fast_forward(sender)

    async def all_arrived() -> bool:
        return await receiver.value("SELECT count(*) FROM posts WHERE uri = ANY($1)", uris) == 10

    await eventually(all_arrived, what="all ten posts on the receiver")
    assert await sender.value("SELECT count(*) FROM deliveries WHERE state <> 'done'") == 0
    # One success clears the domain's failure record.
    assert await sender.value("SELECT count(*) FROM domain_failures") == 0


async def test_sender_killed_mid_delivery_loses_nothing_and_duplicates_nothing(
    nodes: list[Member],
) -> None:
    sender, receiver = nodes
    author_id, _ = await follow(sender, receiver)
    author = await sender.node.resolver.actor_by_uri(
        await sender.value("SELECT uri FROM actors WHERE id = $1", author_id)
    )
    sender.stop()
    total = 150
    uris = [
        (await sender.node.publisher.post(author, Draft(f"queued {n}"))).uri for n in range(total)
    ]
    sender.start()

    async def some_sent() -> bool:
        return bool(
            await sender.value("SELECT count(*) >= 10 FROM deliveries WHERE state = 'done'")
        )

    await eventually(some_sent, what="the first deliveries")
    sender.kill()
    done_at_kill = await sender.value("SELECT count(*) FROM deliveries WHERE state = 'done'")
    sender.start()
    await fast_forward(sender)

    async def all_arrived() -> bool:
        return await receiver.value("SELECT count(*) FROM posts WHERE uri = ANY($1)", uris) == total

    await eventually(all_arrived, within=60, what=f"all {total} posts on the receiver")
    assert await sender.value("SELECT count(*) FROM deliveries WHERE state <> 'done'") == 0
    assert (
        await receiver.value("SELECT count(*) FROM inbox_items WHERE activity_type = 'Create'")
        == total
    )
    assert await receiver.value("SELECT count(DISTINCT uri) FROM posts") == await receiver.value(
        "SELECT count(*) FROM posts"
    )
    print(f"killed the sender with {done_at_kill} of {total} deliveries done")


async def test_separate_worker_processes_deliver_everything_once(nodes: list[Member]) -> None:
    sender, receiver = nodes
    author_id, _ = await follow(sender, receiver)
    author = await sender.node.resolver.actor_by_uri(
        await sender.value("SELECT uri FROM actors WHERE id = $1", author_id)
    )
    sender.stop()
    sender.process.start("--no-workers")
    workers = sender.process.spawn("worker", "--count", "2")
    try:
        total = 40
        uris = [
            (await sender.node.publisher.post(author, Draft(f"by workers {n}"))).uri
            for n in range(total)
        ]

        async def all_arrived() -> bool:
            found = await receiver.value("SELECT count(*) FROM posts WHERE uri = ANY($1)", uris)
            return bool(found == total)

        await eventually(all_arrived, within=60, what="posts delivered by `fedi worker`")
        assert await sender.value(
            "SELECT count(*) FROM deliveries WHERE state = 'done' AND attempts = 1"
        ) == await sender.value("SELECT count(*) FROM deliveries")
    finally:
        workers.terminate()
        workers.wait(timeout=20)
    assert workers.returncode == 0
