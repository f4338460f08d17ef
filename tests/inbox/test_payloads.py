"""Real payloads from Mastodon, GoToSocial, Lemmy, Pleroma, Misskey and Mobilizon.

Each activity goes through the real store and worker, sent by its own actor whom a local
account follows; each bare object through the parser. Everything is kept or refused with a
reason; nothing crashes, nothing is left half-done.
"""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from activitypub.hosts import host_of
from activitypub.jsonld import normalise
from activitypub.vocab import ACTOR_TYPES, InvalidDocument, parse_actor, parse_note
from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.domain.accounts import create_user
from tests.support.actors import remote_actor
from tests.support.inbox import receive

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAYLOADS = Path(__file__).resolve().parent.parent / "fixtures" / "payloads"
FILES = sorted(PAYLOADS.glob("*/*.json"))
ACTIVITY_TYPES = {"Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo",
                  "Announce", "Like", "Block", "Flag", "Dislike", "EmojiReact"}  # fmt: skip
# Creates whose post must be kept: the core of federating with each server.
MUST_STORE = {
    "mastodon/create_note_public.json",
    "mastodon/create_note_mention.json",
    "mastodon/create_note_hashtags_emoji.json",
    "mastodon/create_note_reply_mention.json",
    "mastodon/question.json",
    "gotosocial/create_note.json",
    "lemmy/create_page.json",
    "lemmy/create_comment.json",
    "misskey/create_note.json",
    "pleroma/create_note.json",
    "pleroma/create_reply_to_misskey.json",
}


def load(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text())
    assert isinstance(document, dict)
    return document


def name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


async def test_the_corpus_covers_every_server() -> None:
    assert {path.parent.name for path in FILES} >= {
        "mastodon", "gotosocial", "lemmy", "pleroma", "misskey", "mobilizon"
    }  # fmt: skip
    assert {name(path) for path in FILES} >= MUST_STORE


@pytest.mark.parametrize("path", [p for p in FILES if load(p).get("type") in ACTOR_TYPES], ids=name)
async def test_actor_documents_parse(path: Path) -> None:
    actor = parse_actor(normalise(load(path)))
    assert actor.inbox and actor.public_key_pem.startswith("-----BEGIN")


@pytest.mark.parametrize(
    "path",
    [p for p in FILES if load(p).get("type") not in ACTOR_TYPES | ACTIVITY_TYPES],
    ids=name,
)
async def test_objects_parse_or_are_refused_with_a_reason(path: Path) -> None:
    document = normalise(load(path))
    try:
        note = parse_note(document)
    except InvalidDocument as exc:
        assert str(exc)
        return
    assert note.id == document["id"]


@pytest.mark.parametrize(
    "path", [p for p in FILES if load(p).get("type") in ACTIVITY_TYPES], ids=name
)
async def test_activities_are_kept_or_refused_never_stuck(
    node: Node, client: httpx.AsyncClient, path: Path
) -> None:
    activity = load(path)
    if "id" not in activity:
        # Transient activities (GoToSocial's Delete) have no id to deduplicate on: the route
        # refuses them before any key is fetched.
        response = await client.post(
            "/inbox",
            content=json.dumps(activity),
            headers={"Content-Type": "application/activity+json"},
        )
        assert response.status_code == 400 and "id" in response.json()["error"]
        return
    actor_uri = activity["actor"] if isinstance(activity["actor"], str) else activity["actor"]["id"]
    host = host_of(actor_uri)
    sender = await remote_actor(node.pool, actor_uri.rstrip("/").rsplit("/", 1)[-1], host)
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE actors SET uri = $1, inbox_url = $1 || '/inbox',"
            " followers_url = $1 || '/followers' WHERE id = $2",
            actor_uri,
            sender.id,
        )
    sender = await node.resolver.actor_by_uri(actor_uri)
    reader = (await create_user(node.pool, node.urls, node.settings.domain, "reader")).actor
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, "https://fedi.test/f/r", reader.id, sender.id, accepted=True)

    item = await receive(node, sender, activity)

    assert item.state in ("done", "refused"), f"{item.state}: {item.last_error}"
    if item.state == "refused":
        assert item.last_error, "a refusal must say why"
        assert name(path) not in MUST_STORE, item.last_error
    if name(path) in MUST_STORE:
        obj = activity["object"]
        uri = obj if isinstance(obj, str) else obj["id"]
        async with node.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM posts WHERE uri = $1", uri) == 1
