"""Every edge-case object of fediverse-pasture-inputs is kept or refused with a reason.

The package is installed alone by `make test` (see the Makefile). It imports its runner's
type for a hint only; that module belongs to a package whose dependencies would pin ours
to old versions, so a stand-in is registered before the import.
"""

import sys
import types
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from activitypub.vocab import PUBLIC
from fedi.app import Node, running_node
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from tests.conftest import loopback_only, make_settings
from tests.support.actors import remote_actor
from tests.support.inbox import receive

pytestmark = pytest.mark.asyncio(loop_scope="session")


def pasture_examples() -> list[tuple[str, dict[str, Any]]]:
    for module in (
        "fediverse_pasture",
        "fediverse_pasture.runner",
        "fediverse_pasture.runner.entry",
    ):
        sys.modules.setdefault(module, types.ModuleType(module))
    entry = sys.modules["fediverse_pasture.runner.entry"]
    if not hasattr(entry, "Entry"):
        entry.Entry = object  # type: ignore[attr-defined]
    from fediverse_pasture_inputs import available

    return [
        (f"{name}-{n}", example)
        for name, data in sorted(available.items())
        for n, example in enumerate(data.examples)
    ]


EXAMPLES = pasture_examples()
HOST = "pasture.example"
ACTOR = f"https://{HOST}/actor"


async def test_there_are_hundreds_of_examples() -> None:
    assert len(EXAMPLES) >= 250


def as_create(label: str, example: dict[str, Any]) -> dict[str, Any]:
    """The Create its runner would send, with the example merged into a Note."""
    note: dict[str, Any] = {
        "type": "Note",
        "attributedTo": ACTOR,
        "to": [PUBLIC],
        "id": f"https://{HOST}/objects/{label}",
        "published": "2026-11-20T10:00:00Z",
        **example,
    }
    default_context = [
        "https://www.w3.org/ns/activitystreams",
        {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"},
    ]
    context = note.pop("@context", default_context)
    return {
        "@context": context,
        "type": "Create",
        "id": f"https://{HOST}/activities/{label}",
        "actor": ACTOR,
        "to": note.get("to"),
        "object": note,
    }


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pasture(session_pool: Any) -> AsyncIterator[tuple[Node, Actor]]:
    """One node for every example (ids never collide): a sender, and a reader who follows it."""
    async with session_pool.acquire() as conn:
        await conn.execute("TRUNCATE actors, inbox_items, tombstones RESTART IDENTITY CASCADE")
    settings = make_settings()
    async with running_node(settings, session_pool, outbound_guard=loopback_only) as node:
        sender = await remote_actor(node.pool, "actor", HOST)
        async with node.pool.acquire() as conn:
            await conn.execute(
                "UPDATE actors SET uri = $1, followers_url = $1 || '/followers' WHERE id = $2",
                ACTOR,
                sender.id,
            )
        sender = await node.resolver.actor_by_uri(ACTOR)
        reader = (await create_user(node.pool, node.urls, settings.domain, "reader")).actor
        async with node.pool.acquire() as conn:
            await follows_db.upsert(
                conn, "https://fedi.test/f/r", reader.id, sender.id, accepted=True
            )
        yield node, sender


@pytest.mark.parametrize(("label", "example"), EXAMPLES, ids=[label for label, _ in EXAMPLES])
async def test_example_is_kept_or_refused_with_a_reason(
    pasture: tuple[Node, Actor], label: str, example: dict[str, Any]
) -> None:
    node, sender = pasture
    activity = as_create(label, example)
    item = await receive(node, sender, activity)

    assert item.state in ("done", "refused"), f"{item.state}: {item.last_error}"
    async with node.pool.acquire() as conn:
        kept = await conn.fetchval(
            "SELECT count(*) FROM posts WHERE uri = $1", activity["object"]["id"]
        )
    if item.state == "done":
        assert kept == 1, "a Create processed without error keeps its post"
    else:
        assert item.last_error and kept == 0
