"""Announce from remote groups (FEP-1b12): what a Lemmy community or a Mobilizon group relays to
the local accounts that joined it, read from real Lemmy payloads (hosts moved to loopback
servers) and Mobilizon-shaped ones."""

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from activitypub.vocab import PUBLIC
from fedi.api.pagination import Page
from fedi.app import Node, running_node
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db import timelines
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft, may_see
from tests.conftest import make_settings
from tests.support.inbox import count, receive
from tests.support.remote import RemoteServer, running

pytestmark = pytest.mark.asyncio(loop_scope="session")
PAYLOADS = Path(__file__).parents[2] / "fixtures" / "payloads"


@pytest.fixture(scope="module")
def enterprise() -> Iterator[RemoteServer]:
    """The Lemmy instance of the community (enterprise.lemmy.ml in the payloads)."""
    with running(RemoteServer()) as server:
        yield server


@pytest.fixture(scope="module")
def ds9() -> Iterator[RemoteServer]:
    """Another Lemmy instance, where some of the community's posters live."""
    with running(RemoteServer()) as server:
        yield server


@pytest.fixture(scope="module")
def mobilizon() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="session")
async def node(
    pool: Any, enterprise: RemoteServer, ds9: RemoteServer, mobilizon: RemoteServer
) -> AsyncIterator[Node]:
    for server in (enterprise, ds9, mobilizon):
        server.documents.clear()
        server.requests.clear()
    async with running_node(make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1"), pool) as running_:
        yield running_


def lemmy(name: str, enterprise: RemoteServer, ds9: RemoteServer) -> dict[str, Any]:
    """A Lemmy payload from tests/fixtures, its two instances moved to the loopback servers."""
    text = (PAYLOADS / "lemmy" / f"{name}.json").read_text()
    for scheme in ("https", "http"):
        text = text.replace(f"{scheme}://enterprise.lemmy.ml", enterprise.base_url)
        text = text.replace(f"{scheme}://ds9.lemmy.ml", ds9.base_url)
    text = text.replace("/c/tenforward", "/c/main")
    document: dict[str, Any] = json.loads(text)
    return document


def serve(server: RemoteServer, document: dict[str, Any]) -> dict[str, Any]:
    server.documents[document["id"].removeprefix(server.base_url)] = document
    return document


def lemmy_person(server: RemoteServer, name: str) -> dict[str, Any]:
    text = (PAYLOADS / "lemmy" / "person.json").read_text()
    text = text.replace("https://enterprise.lemmy.ml", server.base_url).replace("picard", name)
    return serve(server, json.loads(text))


async def joined_community(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer, member: Actor
) -> Actor:
    """The Lemmy community /c/main, resolved as the node does, and `member` an accepted
    follower of it (its member, for this node)."""
    serve(enterprise, lemmy("group", enterprise, ds9))
    group = await node.resolver.actor_by_uri(f"{enterprise.base_url}/c/main")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{member.uri}#follows/1", member.id, group.id, accepted=True)
    return group


async def user(node: Node, name: str) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, name)).actor


async def stored(node: Node, uri: str) -> Post:
    async with node.pool.acquire() as conn:
        post = await posts_db.by_uri(conn, uri)
    assert post is not None, f"{uri} was not kept"
    return post


async def home(node: Node, viewer: Actor) -> list[int]:
    async with node.pool.acquire() as conn:
        return await timelines.home(conn, viewer.id, True, Page(None, None, None, 20))


async def boosts_of(node: Node, post: Post) -> list[tuple[int, int, str]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id, actor_id, visibility FROM boosts WHERE post_id = $1", post.id
        )
    return [(row["id"], row["actor_id"], row["visibility"]) for row in rows]


async def test_lemmy_announce_create_page_is_kept_in_the_group_and_home_timeline(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    lemmy_person(enterprise, "lemmy_beta")
    announce = lemmy("announce_create_page", enterprise, ds9)
    item = await receive(node, group, announce)
    assert item.state == "done", item.last_error
    post = await stored(node, f"{enterprise.base_url}/post/7")
    assert post.group_id == group.id
    assert post.visibility == "public"
    assert "post 4" in post.content
    # The page lives on the community's own server, which signed the Announce: not refetched.
    assert enterprise.hits("/post/7") == 0
    [(boost_id, booster, visibility)] = await boosts_of(node, post)
    assert (booster, visibility) == (group.id, "public")
    assert boost_id in await home(node, alice)


async def test_mastodon_compatible_announce_of_the_same_page_adds_nothing(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    lemmy_person(enterprise, "lemmy_beta")
    announce = lemmy("announce_create_page", enterprise, ds9)
    assert (await receive(node, group, announce)).state == "done"
    compatible = {
        **announce,
        "id": f"{enterprise.base_url}/activities/announce/{uuid.uuid4()}",
        "object": {**announce["object"]["object"], "actor": announce["object"]["actor"]},
    }
    assert (await receive(node, group, compatible)).state == "done"
    assert await count(node, "posts") == 1
    assert await count(node, "boosts") == 1


async def test_embedded_post_from_another_host_is_fetched_from_its_own_host(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    lemmy_person(ds9, "lemmy_alpha")
    create = lemmy("create_page", enterprise, ds9)
    serve(ds9, dict(create["object"]))
    # The community embeds a copy that lies about what the ds9 member wrote.
    create["object"] = {**create["object"], "content": "<p>forged by the community</p>"}
    announce = {
        "id": f"{enterprise.base_url}/activities/announce/{uuid.uuid4()}",
        "type": "Announce",
        "actor": group.uri,
        "to": [PUBLIC],
        "cc": [group.followers_url],
        "object": create,
    }
    item = await receive(node, group, announce)
    assert item.state == "done", item.last_error
    post = await stored(node, create["object"]["id"])
    assert "test body" in post.content and "forged" not in post.content
    assert ds9.hits("/post/1") == 1
    assert post.group_id == group.id  # its `audience` names the community


async def test_post_that_cannot_be_fetched_from_its_host_is_refused(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    create = lemmy("create_page", enterprise, ds9)
    announce = {
        "id": f"{enterprise.base_url}/activities/announce/{uuid.uuid4()}",
        "type": "Announce",
        "actor": group.uri,
        "to": [PUBLIC],
        "object": create,
    }
    item = await receive(node, group, announce)
    assert item.state == "refused"
    assert "cannot be fetched" in (item.last_error or "")
    assert await count(node, "posts") == 0


async def test_announce_by_a_group_nobody_here_follows_is_ignored(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    serve(enterprise, lemmy("group", enterprise, ds9))
    group = await node.resolver.actor_by_uri(f"{enterprise.base_url}/c/main")
    lemmy_person(enterprise, "lemmy_beta")
    item = await receive(node, group, lemmy("announce_create_page", enterprise, ds9))
    assert item.state == "done"
    assert await count(node, "posts") == 0
    assert enterprise.hits("/u/lemmy_beta") == 0


async def test_a_person_boosting_a_group_post_is_a_boost(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    lemmy_person(enterprise, "lemmy_beta")
    assert (await receive(node, group, lemmy("announce_create_page", enterprise, ds9))).state
    post = await stored(node, f"{enterprise.base_url}/post/7")
    booster = await node.resolver.actor_by_uri(lemmy_person(ds9, "quark")["id"])
    boost = {
        "id": f"{booster.uri}#announces/1",
        "type": "Announce",
        "actor": booster.uri,
        "object": post.uri,
        "to": [PUBLIC],
    }
    assert (await receive(node, booster, boost)).state == "done"
    assert sorted(b[1] for b in await boosts_of(node, post)) == sorted([group.id, booster.id])
    assert (await stored(node, post.uri)).group_id == group.id


async def test_relayed_update_applies_the_authors_current_version(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    lemmy_person(ds9, "lemmy_alpha")
    create = lemmy("create_page", enterprise, ds9)
    serve(ds9, dict(create["object"]))
    first = {"id": f"{group.uri}#a/1", "type": "Announce", "actor": group.uri, "object": create}
    assert (await receive(node, group, first)).state == "done"
    update = lemmy("update_page", enterprise, ds9)
    edited = {**update["object"], "content": "<p>edited body</p>"}
    serve(ds9, edited)
    update["object"] = {**update["object"], "content": "<p>the community's version</p>"}
    second = {"id": f"{group.uri}#a/2", "type": "Announce", "actor": group.uri, "object": update}
    item = await receive(node, group, second)
    assert item.state == "done", item.last_error
    assert "edited body" in (await stored(node, edited["id"])).content


async def test_members_removal_by_the_group_deletes_the_post(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    lemmy_person(ds9, "lemmy_alpha")
    create = lemmy("create_page", enterprise, ds9)
    serve(ds9, dict(create["object"]))
    first = {"id": f"{group.uri}#a/1", "type": "Announce", "actor": group.uri, "object": create}
    assert (await receive(node, group, first)).state == "done"
    post = await stored(node, create["object"]["id"])
    # A moderator on the community's server removes it (Lemmy's remove_note, aimed at this post).
    removal = lemmy("remove_note", enterprise, ds9)
    removal["object"] = post.uri
    second = {"id": f"{group.uri}#a/2", "type": "Announce", "actor": group.uri, "object": removal}
    item = await receive(node, group, second)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        assert await posts_db.by_uri(conn, post.uri) is None


async def test_delete_of_a_post_outside_the_group_needs_its_server_to_agree(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    author = await node.resolver.actor_by_uri(lemmy_person(ds9, "lemmy_alpha")["id"])
    page = serve(ds9, {**lemmy("create_page", enterprise, ds9)["object"], "to": [PUBLIC]})
    page.pop("audience")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{alice.uri}#follows/2", alice.id, author.id, accepted=True)
    create = {"id": f"{page['id']}/create", "type": "Create", "actor": author.uri, "object": page}
    assert (await receive(node, author, create)).state == "done"
    assert (await stored(node, page["id"])).group_id is None
    delete = lemmy("delete_page", enterprise, ds9)
    announce = {"id": f"{group.uri}#a/3", "type": "Announce", "actor": group.uri, "object": delete}
    item = await receive(node, group, announce)
    # The page is still on ds9: the claim is not its author's.
    assert item.state == "refused" and "still on its server" in (item.last_error or "")
    await stored(node, page["id"])
    del ds9.documents["/post/1"]
    announce["id"] = f"{group.uri}#a/4"
    item = await receive(node, group, announce)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        assert await posts_db.by_uri(conn, page["id"]) is None


async def test_relayed_like_from_the_groups_server_is_recorded(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    post = await node.publisher.post(alice, Draft("hello community"))
    lemmy_person(enterprise, "lemmy_beta")
    like = {
        "id": f"{enterprise.base_url}/activities/like/{uuid.uuid4()}",
        "type": "Like",
        "actor": f"{enterprise.base_url}/u/lemmy_beta",
        "object": post.uri,
        "audience": group.uri,
    }
    announce = {"id": f"{group.uri}#a/5", "type": "Announce", "actor": group.uri, "object": like}
    item = await receive(node, group, announce)
    assert item.state == "done", item.last_error
    assert await count(node, "likes") == 1


async def test_relayed_like_from_elsewhere_that_its_server_does_not_serve_is_refused(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    post = await node.publisher.post(alice, Draft("hello community"))
    like = lemmy("like_note", enterprise, ds9)
    like["object"] = post.uri
    announce = {"id": f"{group.uri}#a/6", "type": "Announce", "actor": group.uri, "object": like}
    item = await receive(node, group, announce)
    assert item.state == "refused" and "cannot be fetched" in (item.last_error or "")
    assert await count(node, "likes") == 0


async def test_relayed_update_of_the_community_itself_changes_its_profile(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    update = lemmy("update_community", enterprise, ds9)
    announce = {"id": f"{group.uri}#a/8", "type": "Announce", "actor": group.uri, "object": update}
    item = await receive(node, group, announce)
    assert item.state == "done", item.last_error
    refreshed = await node.resolver.actor_by_uri(group.uri)
    assert refreshed.display_name == "The Updated Community"


async def test_relay_of_our_local_only_post_is_refused(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await joined_community(node, enterprise, ds9, alice)
    post = await node.publisher.post(alice, Draft("only here", visibility="local"))
    announce = {
        "id": f"{group.uri}#a/7",
        "type": "Announce",
        "actor": group.uri,
        "object": post.uri,
    }
    item = await receive(node, group, announce)
    assert item.state == "refused" and "local post" in (item.last_error or "")
    # Nor wrapped in a Create the group claims someone made.
    create = {"id": f"{group.uri}/create/1", "type": "Create", "actor": group.uri}
    wrapped = {**announce, "id": f"{group.uri}#a/9", "object": {**create, "object": post.uri}}
    item = await receive(node, group, wrapped)
    assert item.state == "refused" and "local post" in (item.last_error or "")
    assert await count(node, "boosts") == 0


async def test_accept_from_a_lemmy_community_makes_the_membership(
    node: Node, enterprise: RemoteServer, ds9: RemoteServer
) -> None:
    alice = await user(node, "alice")
    serve(enterprise, lemmy("group", enterprise, ds9))
    group = await node.resolver.actor_by_uri(f"{enterprise.base_url}/c/main")
    follow = await node.publisher.follow(alice, group)
    assert not follow.accepted
    accept = lemmy("accept_follow", enterprise, ds9)
    accept["object"] = {**accept["object"], "id": follow.uri, "actor": alice.uri}
    item = await receive(node, group, accept)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        assert await follows_db.is_following(conn, alice.id, group.id)


# Mobilizon: members join by Join; the group relays its members' notes to its members only.


def mobilizon_group(server: RemoteServer) -> dict[str, Any]:
    text = (PAYLOADS / "mobilizon" / "group.json").read_text()
    return serve(server, json.loads(text.replace("https://mobilizon.fr", server.base_url)))


def mobilizon_person(server: RemoteServer, name: str) -> dict[str, Any]:
    text = (PAYLOADS / "mobilizon" / "person.json").read_text()
    text = text.replace("https://mobilizon.fr", server.base_url).replace("sanof44", name)
    return serve(server, json.loads(text))


async def test_mobilizon_group_is_joined_with_join_and_its_accept_of_the_member_counts(
    node: Node, mobilizon: RemoteServer
) -> None:
    alice = await user(node, "alice")
    group = await node.resolver.actor_by_uri(mobilizon_group(mobilizon)["id"])
    follow = await node.publisher.follow(alice, group)
    async with node.pool.acquire() as conn:
        sent = await conn.fetchval("SELECT document FROM activities WHERE uri = $1", follow.uri)
    assert sent["type"] == "Join" and sent["object"] == group.uri
    # Mobilizon accepts a Join with the Member it made, whose id is the Join's.
    accept = {
        "id": f"{mobilizon.base_url}/accept/join/12/activity",
        "type": "Accept",
        "actor": group.uri,
        "to": [alice.uri],
        "object": {
            "type": "Member",
            "id": follow.uri,
            "actor": alice.uri,
            "object": group.uri,
            "role": "member",
        },
    }
    item = await receive(node, group, accept)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        assert await follows_db.is_following(conn, alice.id, group.id)


async def test_mobilizon_members_only_note_is_for_the_groups_members(
    node: Node, mobilizon: RemoteServer
) -> None:
    alice = await user(node, "alice")
    bob = await user(node, "bob")
    document = mobilizon_group(mobilizon)
    group = await node.resolver.actor_by_uri(document["id"])
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{alice.uri}#follows/9", alice.id, group.id, accepted=True)
    member = mobilizon_person(mobilizon, "camille")
    note = serve(
        mobilizon,
        {
            "id": f"{mobilizon.base_url}/comments/{uuid.uuid4()}",
            "type": "Note",
            "actor": member["id"],
            "attributedTo": member["id"],
            "to": [document["members"]],
            "cc": [],
            "content": "<p>Réunion jeudi</p>",
            "mediaType": "text/html",
            "context": f"{mobilizon.base_url}/@contribateliers/discussions/1",
            "published": "2026-11-20T10:00:00Z",
        },
    )
    announce = {
        "id": f"{mobilizon.base_url}/announces/{uuid.uuid4()}",
        "type": "Announce",
        "actor": group.uri,
        "object": note["id"],
        "to": [document["members"]],
        "cc": [],
    }
    item = await receive(node, group, announce)
    assert item.state == "done", item.last_error
    post = await stored(node, note["id"])
    assert (post.visibility, post.group_id) == ("members", group.id)
    [(boost_id, _, visibility)] = await boosts_of(node, post)
    assert visibility == "followers"
    async with node.pool.acquire() as conn:
        assert await may_see(conn, post, alice)
        assert not await may_see(conn, post, bob)
    assert boost_id in await home(node, alice)
    assert await home(node, bob) == []
