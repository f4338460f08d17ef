"""Local groups served to other nodes: the Group document's shape, its collections and spaces,
its posts, and who may fetch what (public: anyone; members: members and their servers;
confidential: no one), with shielded accounts left out of everything served."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from activitypub.signatures import HttpSignatureAuth
from activitypub.vocab import PUBLIC
from fedi.app import Node, create_app, running_node
from fedi.db import follows as follows_db
from fedi.db import groups as groups_db
from fedi.db.actors import Actor
from fedi.db.groups import Group, Space
from fedi.db.posts import Post
from fedi.domain import groups
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft, write_post
from fedi.domain.remote_groups import facts_from_document
from fedi.federation.group_documents import FEDI_NS
from tests.conftest import make_settings
from tests.support.remote import RemoteKeys, RemoteServer, new_keys, running

pytestmark = pytest.mark.asyncio(loop_scope="session")
AS_JSON = {"Accept": "application/activity+json"}


@dataclass
class Remote:
    """A remote server whose actors all sign with one key pair."""

    server: RemoteServer
    keys: RemoteKeys

    def add(self, name: str, actor_type: str = "Person") -> str:
        return str(self.server.add_actor(name, self.keys.public_pem, type=actor_type)["id"])

    def auth(self, name: str) -> HttpSignatureAuth:
        return HttpSignatureAuth(
            f"{self.server.base_url}/users/{name}#main-key", self.keys.private_pem
        )


@pytest.fixture(scope="module")
def home() -> Iterator[Remote]:
    """The server of the groups' remote members, with its instance actor."""
    with running(RemoteServer()) as server:
        remote = Remote(server, new_keys())
        remote.add("bob")
        remote.add("pat")
        remote.add("instance", "Application")
        yield remote


@pytest.fixture(scope="module")
def far() -> Iterator[Remote]:
    """A server none of whose accounts belongs to any group."""
    with running(RemoteServer()) as server:
        remote = Remote(server, new_keys())
        remote.add("mallory")
        remote.add("instance", "Application")
        yield remote


@asynccontextmanager
async def serving(pool: Any, **overrides: str) -> AsyncIterator[tuple[Node, httpx.AsyncClient]]:
    settings = make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1", **overrides)
    async with running_node(settings, pool) as node:
        transport = httpx.ASGITransport(app=create_app(node))
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as http:
            yield node, http


@pytest_asyncio.fixture(loop_scope="session")
async def node_and_client(pool: Any) -> AsyncIterator[tuple[Node, httpx.AsyncClient]]:
    async with serving(pool) as pair:
        yield pair


@pytest.fixture
def node(node_and_client: tuple[Node, httpx.AsyncClient]) -> Node:
    return node_and_client[0]


@pytest.fixture
def client(node_and_client: tuple[Node, httpx.AsyncClient]) -> httpx.AsyncClient:
    return node_and_client[1]


async def user(node: Node, name: str, *, shielded: bool = False) -> Actor:
    actor = (await create_user(node.pool, node.urls, node.settings.domain, name)).actor
    if shielded:
        async with node.pool.acquire() as conn:
            await conn.execute("UPDATE actors SET shielded = true WHERE id = $1", actor.id)
    return actor


async def make_group(
    node: Node, owner: Actor, name: str, visibility: str, **options: Any
) -> tuple[Group, Space]:
    async with node.pool.acquire() as conn, conn.transaction():
        return await groups.create_group(
            conn,
            node.urls,
            node.settings.domain,
            owner,
            groups.NewGroup(name, visibility=visibility, **options),
        )


async def add_space(
    node: Node, group: Group, owner: Actor, slug: str, visibility: str, **options: Any
) -> Space:
    async with node.pool.acquire() as conn, conn.transaction():
        return await groups.create_space(
            conn, group, owner, slug=slug, name=slug.title(), visibility=visibility, **options
        )


async def join(
    node: Node, group: Group, actor: Actor, state: str = "member", role: str = "member"
) -> None:
    async with node.pool.acquire() as conn:
        await groups_db.put_membership(conn, group.id, actor.id, state=state, role=role)


async def remote_member(
    node: Node, group: Group, remote: Remote, name: str, state: str = "member"
) -> Actor:
    actor = await node.resolver.actor_by_uri(f"{remote.server.base_url}/users/{name}")
    await join(node, group, actor, state)
    return actor


async def write(
    node: Node, author: Actor, text: str, group: Group | None = None, space: Space | None = None
) -> Post:
    draft = Draft(
        text,
        group_id=group.id if group else None,
        space_id=space.id if space else None,
    )
    async with node.pool.acquire() as conn, conn.transaction():
        return await write_post(conn, node.urls, node.settings.domain, author, draft, {})


async def get(
    client: httpx.AsyncClient, path: str, auth: HttpSignatureAuth | None = None
) -> httpx.Response:
    return (
        await client.get(path, headers=AS_JSON, auth=auth)
        if auth
        else await client.get(path, headers=AS_JSON)
    )


# The document


async def test_public_group_document_has_what_lemmy_mobilizon_and_mastodon_read(
    node: Node, client: httpx.AsyncClient
) -> None:
    alice = await user(node, "alice")
    group, default = await make_group(
        node,
        alice,
        "lawyers",
        "public",
        display_name="Lawyers' Collective",
        summary="<p>Legal aid</p>",
        language="fr",
        rules=("Be kind", "No <b>doxxing</b>"),
    )
    campaign = await add_space(node, group, alice, "campaign", "public")
    await add_space(node, group, alice, "casework", "members")
    await add_space(node, group, alice, "witnesses", "confidential")

    response = await get(client, "/groups/lawyers")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "max-age=60"
    doc = response.json()
    uri = "https://fedi.test/groups/lawyers"
    assert doc["id"] == uri
    assert doc["type"] == "Group"
    assert doc["preferredUsername"] == "lawyers"
    assert doc["name"] == "Lawyers' Collective"
    assert doc["summary"] == "<p>Legal aid</p>"
    assert doc["inbox"] == f"{uri}/inbox"
    assert doc["outbox"] == f"{uri}/outbox"
    assert doc["followers"] == f"{uri}/followers"
    assert doc["members"] == f"{uri}/members"
    assert doc["attributedTo"] == doc["moderators"] == f"{uri}/moderators"
    assert doc["featured"] == f"{uri}/featured"
    assert doc["endpoints"] == {"sharedInbox": "https://fedi.test/inbox"}
    assert doc["postingRestrictedToMods"] is False
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["openness"] == "moderated"
    assert doc["discoverable"] is True
    assert doc["publicKey"]["owner"] == uri
    assert doc["language"] == [{"identifier": "fr", "name": "français"}]
    assert doc["content"] == "<ol><li>Be kind</li><li>No &lt;b&gt;doxxing&lt;/b&gt;</li></ol>"
    assert doc["source"] == {
        "content": "1. Be kind\n2. No <b>doxxing</b>",
        "mediaType": "text/markdown",
    }
    # Only public spaces are listed; the stricter ones are for members.
    assert doc["streams"] == [default.uri, campaign.uri]
    assert doc["fedi:visibility"] == "public"
    terms = doc["@context"][-1]
    assert terms["fedi"] == FEDI_NS
    assert terms["postingRestrictedToMods"] == "lemmy:postingRestrictedToMods"
    assert "witnesses" not in response.text and "casework" not in response.text


async def test_open_group_takes_followers_without_approval(
    node: Node, client: httpx.AsyncClient
) -> None:
    alice = await user(node, "alice")
    await make_group(node, alice, "open", "public", join_policy="open")
    doc = (await get(client, "/groups/open")).json()
    assert doc["manuallyApprovesFollowers"] is False
    assert doc["openness"] == "open"
    assert "language" not in doc and "content" not in doc


async def test_public_group_page_for_browsers_and_by_profile_url(
    node: Node, client: httpx.AsyncClient
) -> None:
    alice = await user(node, "alice")
    await make_group(node, alice, "lawyers", "public", display_name="Lawyers' Collective")
    # The profile URL of a group sends a browser to the group's page.
    moved = await client.get("/@lawyers", headers={"Accept": "text/html"})
    assert moved.status_code == 303 and moved.headers["location"] == "/groups/lawyers"
    page = await client.get("/groups/lawyers", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Lawyers&#39; Collective" in page.text or "Lawyers' Collective" in page.text
    redirect = await client.get("/@lawyers", headers=AS_JSON)
    assert redirect.status_code == 302
    assert redirect.headers["location"] == "https://fedi.test/groups/lawyers"


# Who may fetch a members group


async def test_members_group_is_404_to_anonymous_strangers_and_bad_signatures(
    node: Node, client: httpx.AsyncClient, home: Remote, far: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "circle", "members")
    await remote_member(node, group, home, "bob")
    paths = [
        "/groups/circle",
        "/groups/circle/members",
        "/groups/circle/followers",
        "/groups/circle/moderators",
        "/groups/circle/outbox",
        "/groups/circle/featured",
        "/groups/circle/spaces/general",
    ]
    nowhere = (await get(client, "/groups/nowhere")).json()
    wrong_key = HttpSignatureAuth(
        f"{home.server.base_url}/users/bob#main-key", far.keys.private_pem
    )
    for path in paths:
        for auth in (None, far.auth("mallory"), far.auth("instance"), wrong_key):
            response = await get(client, path, auth)
            assert response.status_code == 404, (path, auth)
            assert response.json() == nowhere
    for path in ("/groups/circle", "/@circle"):
        page = await client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 404
    assert (await get(client, "/@circle")).status_code == 404


async def test_members_group_is_served_to_its_member_and_the_members_server(
    node: Node, client: httpx.AsyncClient, home: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "circle", "members")
    bob = await remote_member(node, group, home, "bob")
    for auth in (home.auth("bob"), home.auth("instance")):
        response = await get(client, "/groups/circle", auth)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "private, no-store"
        doc = response.json()
        assert doc["fedi:visibility"] == "members"
        # Another fedi node reads it as a members group it joins by Follow.
        facts = facts_from_document(doc)
        assert (facts.visibility, facts.members_url, facts.join_type) == (
            "members",
            "https://fedi.test/groups/circle/members",
            "Follow",
        )
        assert doc["discoverable"] is False
        # The default space is as strict as the group: not listed.
        assert doc["streams"] == []
        members = await get(client, "/groups/circle/members?page=true", auth)
        assert members.status_code == 200
        assert members.json()["orderedItems"] == [bob.uri, alice.uri]


async def test_pending_members_server_sees_the_group_but_not_its_content(
    node: Node, client: httpx.AsyncClient, home: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "circle", "members")
    await remote_member(node, group, home, "pat", state="pending")
    # The asker's server must read the group to take its Accept; nothing inside it yet.
    assert (await get(client, "/groups/circle", home.auth("instance"))).status_code == 200
    assert (await get(client, "/groups/circle", home.auth("pat"))).status_code == 200
    for path in (
        "/groups/circle/outbox",
        "/groups/circle/members",
        "/groups/circle/spaces/general",
    ):
        assert (await get(client, path, home.auth("instance"))).status_code == 404, path
        assert (await get(client, path, home.auth("pat"))).status_code == 404, path


async def test_banned_member_is_refused_even_with_members_on_its_server(
    node: Node, client: httpx.AsyncClient, home: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "circle", "members")
    await remote_member(node, group, home, "bob")
    await remote_member(node, group, home, "pat", state="banned")
    assert (await get(client, "/groups/circle", home.auth("pat"))).status_code == 404
    assert (await get(client, "/groups/circle", home.auth("instance"))).status_code == 200


# Confidential groups exist for no one outside


async def test_confidential_group_is_404_to_every_request(
    node: Node, client: httpx.AsyncClient, home: Remote, far: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "safehouse", "confidential")
    await add_space(node, group, alice, "plans", "confidential")
    # Even a remote row that somehow became a member: confidential is local only.
    await remote_member(node, group, home, "bob")
    nowhere = (await get(client, "/groups/nowhere")).json()
    paths = [
        "/groups/safehouse",
        "/groups/safehouse/members",
        "/groups/safehouse/followers",
        "/groups/safehouse/moderators",
        "/groups/safehouse/outbox",
        "/groups/safehouse/featured",
        "/groups/safehouse/spaces/general",
        "/groups/safehouse/spaces/plans",
        "/@safehouse",
    ]
    for path in paths:
        for auth in (None, home.auth("bob"), home.auth("instance"), far.auth("mallory")):
            response = await get(client, path, auth)
            assert response.status_code == 404, (path, auth)
            assert response.json() == nowhere
            assert "safehouse" not in response.text
        page = await client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 404


async def test_suspended_public_group_is_gone_but_a_hidden_one_stays_unknown(
    node: Node, client: httpx.AsyncClient, far: Remote
) -> None:
    alice = await user(node, "alice")
    public, _ = await make_group(node, alice, "lawyers", "public")
    hidden, _ = await make_group(node, alice, "circle", "members")
    async with node.pool.acquire() as conn:
        for group in (public, hidden):
            await conn.execute(
                "INSERT INTO account_moderation (actor_id, suspended_at) VALUES ($1, now())",
                group.id,
            )
    assert (await get(client, "/groups/lawyers")).status_code == 410
    assert (await get(client, "/groups/lawyers/outbox")).status_code == 410
    assert (await get(client, "/groups/circle")).status_code == 404
    assert (await get(client, "/groups/circle", far.auth("mallory"))).status_code == 404


async def test_authorized_fetch_needs_a_signature_for_public_groups_and_hides_the_rest(
    pool: Any, home: Remote
) -> None:
    async with serving(pool, FEDI_AUTHORIZED_FETCH="1") as (node, client):
        alice = await user(node, "alice")
        await make_group(node, alice, "lawyers", "public")
        circle, _ = await make_group(node, alice, "circle", "members")
        post = await write(node, alice, "members only", circle)
        assert (await get(client, "/groups/lawyers")).status_code == 401
        assert (await get(client, "/groups/lawyers/outbox")).status_code == 401
        signed = await get(client, "/groups/lawyers", home.auth("bob"))
        assert signed.status_code == 200
        # Unsigned, a members group is as unknown as a missing one, not "sign first".
        assert (await get(client, "/groups/circle")).status_code == 404
        assert (await get(client, "/groups/nowhere")).status_code == 404
        assert (await get(client, post.uri)).status_code == 404


# Collections


async def test_members_followers_and_moderators_leave_shielded_and_pending_out(
    node: Node, client: httpx.AsyncClient, home: Remote
) -> None:
    alice = await user(node, "alice")
    carol = await user(node, "carol", shielded=True)
    dan = await user(node, "dan")
    group, _ = await make_group(node, alice, "lawyers", "public")
    await join(node, group, carol, role="moderator")
    await join(node, group, dan, role="moderator")
    bob = await remote_member(node, group, home, "bob")
    await remote_member(node, group, home, "pat", state="pending")
    fan = await node.resolver.actor_by_uri(f"{home.server.base_url}/users/instance")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{fan.uri}#follow", fan.id, group.id, accepted=True)

    members = (await get(client, "/groups/lawyers/members")).json()
    assert members["totalItems"] == 3
    page = (await get(client, members["first"])).json()
    assert page["orderedItems"] == [bob.uri, dan.uri, alice.uri]
    followers = (await get(client, "/groups/lawyers/followers")).json()
    assert followers["totalItems"] == 4
    page = (await get(client, "/groups/lawyers/followers?page=true")).json()
    assert page["orderedItems"] == [fan.uri, bob.uri, dan.uri, alice.uri]
    moderators = (await get(client, "/groups/lawyers/moderators")).json()
    assert moderators["type"] == "OrderedCollection"
    assert moderators["orderedItems"] == [alice.uri, dan.uri]
    for path in ("members", "followers", "moderators"):
        served = await get(client, f"/groups/lawyers/{path}?page=true")
        assert carol.uri not in served.text and "/users/pat" not in served.text


async def test_outbox_announces_what_the_fetcher_may_read(
    node: Node, client: httpx.AsyncClient, home: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "lawyers", "public")
    inner = await add_space(node, group, alice, "inner", "members")
    secret = await add_space(node, group, alice, "secret", "confidential")
    await remote_member(node, group, home, "bob")
    public = await write(node, alice, "for everyone", group)
    members = await write(node, alice, "for members", group, inner)
    hidden = await write(node, alice, "for here", group, secret)
    assert (public.visibility, members.visibility, hidden.visibility) == (
        "public",
        "members",
        "confidential",
    )

    outbox = (await get(client, "/groups/lawyers/outbox")).json()
    assert outbox["totalItems"] == 1
    items = (await get(client, outbox["first"])).json()["orderedItems"]
    assert [item["object"] for item in items] == [public.uri]
    announce = items[0]
    assert announce["type"] == "Announce"
    assert announce["actor"] == group.uri
    assert announce["to"] == [PUBLIC]
    assert announce["cc"] == [group.actor.followers_url]

    as_member = await get(client, "/groups/lawyers/outbox?page=true", home.auth("bob"))
    assert as_member.headers["cache-control"] == "private, no-store"
    items = as_member.json()["orderedItems"]
    assert [item["object"] for item in items] == [members.uri, public.uri]
    assert items[0]["to"] == [group.members_url]
    assert hidden.uri not in as_member.text


async def test_featured_serves_pinned_posts_as_notes(
    node: Node, client: httpx.AsyncClient, home: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "lawyers", "public")
    inner = await add_space(node, group, alice, "inner", "members")
    await remote_member(node, group, home, "bob")
    pinned = await write(node, alice, "read this first", group)
    await write(node, alice, "not pinned", group)
    members_pin = await write(node, alice, "members read this", group, inner)
    async with node.pool.acquire() as conn:
        await groups_db.pin(conn, group.id, pinned.id)
        await groups_db.pin(conn, group.id, members_pin.id)
    featured = (await get(client, "/groups/lawyers/featured")).json()
    assert featured["totalItems"] == 1
    [note] = featured["orderedItems"]
    assert note["id"] == pinned.uri
    assert note["type"] == "Note"
    assert "read this first" in note["content"]
    as_member = (await get(client, "/groups/lawyers/featured", home.auth("bob"))).json()
    assert {item["id"] for item in as_member["orderedItems"]} == {pinned.uri, members_pin.uri}


async def test_space_is_a_paged_collection_of_its_posts(
    node: Node, client: httpx.AsyncClient
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "lawyers", "public")
    campaign = await add_space(
        node, group, alice, "campaign", "public", description="Free the detained"
    )
    posts = [await write(node, alice, f"campaign {n}", group, campaign) for n in range(22)]
    await write(node, alice, "elsewhere", group)
    space = (await get(client, "/groups/lawyers/spaces/campaign")).json()
    assert space["id"] == campaign.uri == "https://fedi.test/groups/lawyers/spaces/campaign"
    assert space["type"] == "OrderedCollection"
    assert space["name"] == "Campaign"
    assert space["summary"] == "Free the detained"
    assert space["attributedTo"] == group.uri
    assert space["fedi:visibility"] == "public"
    assert space["totalItems"] == 22
    first = (await get(client, space["first"])).json()
    assert first["partOf"] == campaign.uri
    assert first["orderedItems"] == [p.uri for p in posts[::-1][:20]]
    second = (await get(client, first["next"])).json()
    assert second["orderedItems"] == [posts[1].uri, posts[0].uri]
    assert "next" not in second
    assert (await get(client, "/groups/lawyers/spaces/nothing")).status_code == 404


async def test_space_stricter_than_its_group_follows_its_own_visibility(
    node: Node, client: httpx.AsyncClient, home: Remote, far: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "lawyers", "public")
    await add_space(node, group, alice, "inner", "members")
    await add_space(node, group, alice, "secret", "confidential")
    await remote_member(node, group, home, "bob")
    assert (await get(client, "/groups/lawyers/spaces/inner")).status_code == 404
    assert (
        await get(client, "/groups/lawyers/spaces/inner", far.auth("mallory"))
    ).status_code == 404
    inner = await get(client, "/groups/lawyers/spaces/inner", home.auth("instance"))
    assert inner.status_code == 200
    assert inner.json()["fedi:visibility"] == "members"
    for auth in (None, home.auth("bob")):
        assert (await get(client, "/groups/lawyers/spaces/secret", auth)).status_code == 404


# Posts


async def test_members_post_is_served_to_members_and_their_server_only(
    node: Node, client: httpx.AsyncClient, home: Remote, far: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "circle", "members")
    await remote_member(node, group, home, "bob")
    post = await write(node, alice, "members only", group)
    assert post.visibility == "members"
    wrong_key = HttpSignatureAuth(
        f"{home.server.base_url}/users/bob#main-key", far.keys.private_pem
    )
    for auth in (None, far.auth("mallory"), far.auth("instance"), wrong_key):
        assert (await get(client, post.uri, auth)).status_code == 404
    for auth in (home.auth("bob"), home.auth("instance")):
        response = await get(client, post.uri, auth)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == post.uri
    assert (await client.get(post.uri, headers={"Accept": "text/html"})).status_code == 404


async def test_confidential_and_local_posts_are_never_served(
    node: Node, client: httpx.AsyncClient, home: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "safehouse", "confidential")
    await remote_member(node, group, home, "bob")
    secret = await write(node, alice, "meet at dawn", group)
    async with node.pool.acquire() as conn, conn.transaction():
        local = await write_post(
            conn,
            node.urls,
            node.settings.domain,
            alice,
            Draft("here only", visibility="local"),
            {},
        )
    assert secret.visibility == "confidential"
    for post in (secret, local):
        for auth in (None, home.auth("bob"), home.auth("instance")):
            for path in (post.uri, f"{post.uri}/activity"):
                response = await get(client, path, auth)
                assert response.status_code == 404, (path, auth)
                assert "dawn" not in response.text


# Persons' collections leave shielded members out


async def test_persons_followers_and_following_leave_shielded_and_hidden_groups_out(
    node: Node, client: httpx.AsyncClient, home: Remote
) -> None:
    alice = await user(node, "alice")
    carol = await user(node, "carol", shielded=True)
    dan = await user(node, "dan")
    bob = await node.resolver.actor_by_uri(f"{home.server.base_url}/users/bob")
    circle, _ = await make_group(node, alice, "circle", "members")
    lawyers, _ = await make_group(node, alice, "lawyers", "public")
    async with node.pool.acquire() as conn:
        for follower in (carol, dan, bob):
            await follows_db.upsert(
                conn, f"{follower.uri}#f-alice", follower.id, alice.id, accepted=True
            )
        for followee in (carol, dan, circle.actor, lawyers.actor):
            await follows_db.upsert(
                conn, f"{alice.uri}#f-{followee.username}", alice.id, followee.id, accepted=True
            )
    followers = (await get(client, "/users/alice/followers")).json()
    assert followers["totalItems"] == 2
    page = (await get(client, "/users/alice/followers?page=true")).json()
    assert page["orderedItems"] == [bob.uri, dan.uri]
    following = (await get(client, "/users/alice/following")).json()
    assert following["totalItems"] == 2
    page = (await get(client, "/users/alice/following?page=true")).json()
    assert page["orderedItems"] == [lawyers.uri, dan.uri]


async def test_shielded_persons_own_network_shows_counts_only(
    node: Node, client: httpx.AsyncClient
) -> None:
    carol = await user(node, "carol", shielded=True)
    dan = await user(node, "dan")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{dan.uri}#f", dan.id, carol.id, accepted=True)
        await follows_db.upsert(conn, f"{carol.uri}#f", carol.id, dan.id, accepted=True)
    for name in ("followers", "following"):
        collection = (await get(client, f"/users/carol/{name}")).json()
        assert collection["totalItems"] == 1 and "first" not in collection
        page = await get(client, f"/users/carol/{name}?page=true")
        assert dan.uri not in page.text


async def test_a_fetched_group_post_names_its_group_and_space_as_a_delivered_one_does(
    node: Node, client: httpx.AsyncClient, home: Remote
) -> None:
    alice = await user(node, "alice")
    group, _ = await make_group(node, alice, "commons", "public")
    shelf = await add_space(node, group, alice, "shelf", "public")
    post = await write(node, alice, "in the shelf", group, shelf)
    fetched = (await get(client, post.uri, home.auth("bob"))).json()
    assert fetched["audience"] == group.uri
    assert fetched["target"]["id"] == shelf.uri
    async with node.pool.acquire() as conn:
        delivered = await node.publisher.note_for(conn, post, alice)
    assert {k: v for k, v in fetched.items() if k != "@context"} == delivered
