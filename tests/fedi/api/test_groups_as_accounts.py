"""Groups in the Mastodon client API: accounts with `group: true` that a viewer finds, follows
and reads only as far as it may know of them; a members or confidential group is, to anyone
else, exactly an account that does not exist."""

import httpx
import pytest

from fedi.app import Node
from fedi.db import groups as groups_db
from fedi.db.actors import Actor
from fedi.db.group_accounts import hidden_groups_among
from fedi.domain import groups
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.group_support import (
    follow,
    group_post,
    make_group,
    remote_group,
    set_membership,
)
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

MISSING = 987_654_321


async def shield(node: Node, actor: Actor) -> None:
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE actors SET shielded = true WHERE id = $1", actor.id)


async def answers(client: httpx.AsyncClient, url: str, user: ApiUser | None) -> tuple[int, str]:
    response = await client.get(url, headers=user.headers if user else None)
    return response.status_code, response.text


async def test_a_group_is_an_account_whose_counts_are_what_the_viewer_may_see(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol, dave = await make_user("carol"), await make_user("dave")
    await shield(node, carol.actor)
    members = (bob.actor, carol.actor)
    garden = await make_group(node, alice.actor, "garden", members=members)
    circle = await make_group(node, alice.actor, "circle", "members", members=members)
    await group_post(node, bob.actor, garden.id, "public")
    await group_post(node, bob.actor, garden.id, "members")  # written before it was loosened
    await group_post(node, alice.actor, circle.id, "members")

    fellow = await get_json(client, f"/api/v1/accounts/{garden.id}", bob)
    stranger = await get_json(client, f"/api/v1/accounts/{garden.id}", dave)
    anonymous = await get_json(client, f"/api/v1/accounts/{garden.id}")
    assert fellow["group"] is stranger["group"] is True
    assert fellow["acct"] == "garden"
    # Members: alice, bob and (for fellow members only) the shielded carol.
    assert (fellow["followers_count"], stranger["followers_count"]) == (3, 2)
    assert (fellow["statuses_count"], stranger["statuses_count"]) == (2, 1)
    assert (anonymous["followers_count"], anonymous["statuses_count"]) == (2, 1)
    assert fellow["following_count"] == 0

    inner = await get_json(client, f"/api/v1/accounts/{circle.id}", bob)
    assert (inner["group"], inner["statuses_count"], inner["followers_count"]) == (True, 1, 3)
    [listed] = await get_json(client, f"/api/v1/accounts?id[]={circle.id}", carol)
    assert listed["statuses_count"] == 1


@pytest.mark.parametrize("visibility", ["members", "confidential"])
async def test_a_hidden_group_answers_as_a_missing_account_to_everyone_else(
    client: httpx.AsyncClient,
    node: Node,
    alice: ApiUser,
    bob: ApiUser,
    make_user: MakeUser,
    visibility: str,
) -> None:
    stranger = await make_user("stranger")
    invited = await make_user("invited")
    group = await make_group(node, alice.actor, "hidden", visibility, members=(bob.actor,))
    await set_membership(node, group, invited.actor, "invited")
    paths = ["", "/statuses", "/followers", "/following"]
    for viewer in (stranger, None):
        for path in paths:
            missing = await answers(client, f"/api/v1/accounts/{MISSING}{path}", viewer)
            assert missing[0] == 404
            assert await answers(client, f"/api/v1/accounts/{group.id}{path}", viewer) == missing
        lookup = await client.get(
            "/api/v1/accounts/lookup?acct=hidden", headers=viewer.headers if viewer else None
        )
        nobody = await client.get(
            "/api/v1/accounts/lookup?acct=nobody", headers=viewer.headers if viewer else None
        )
        assert (
            (lookup.status_code, lookup.text)
            == (nobody.status_code, nobody.text)
            == (
                404,
                nobody.text,
            )
        )
        assert await get_json(client, f"/api/v1/accounts?id[]={group.id}", viewer) == []
    assert await get_json(
        client, f"/api/v1/accounts/relationships?id[]={group.id}", stranger
    ) == await get_json(client, f"/api/v1/accounts/relationships?id[]={MISSING}", stranger)
    for action in ("follow", "unfollow", "block", "mute"):
        refused = await client.post(
            f"/api/v1/accounts/{group.id}/{action}", headers=stranger.headers
        )
        nothing = await client.post(
            f"/api/v1/accounts/{MISSING}/{action}", headers=stranger.headers
        )
        assert (refused.status_code, refused.text) == (nothing.status_code, nothing.text)
        assert refused.status_code == 404
    async with node.pool.acquire() as conn:
        assert await groups_db.membership(conn, group.id, stranger.actor.id) is None
    reported, nobody_reported = [
        await client.post(
            "/api/v1/reports", headers=stranger.headers, json={"account_id": str(target)}
        )
        for target in (group.id, MISSING)
    ]
    assert reported.status_code == nobody_reported.status_code == 422
    assert reported.json() == {
        "error": nobody_reported.json()["error"].replace(str(MISSING), str(group.id))
    }

    # A member, and someone invited, know of it.
    for viewer in (bob, invited):
        found = await get_json(client, f"/api/v1/accounts/{group.id}", viewer)
        assert found["group"] is True
        assert (await get_json(client, "/api/v1/accounts/lookup?acct=hidden", viewer))["id"] == str(
            group.id
        )


async def test_search_finds_a_hidden_group_only_for_who_may_know_of_it(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    stranger = await make_user("stranger")
    await make_group(node, alice.actor, "hiddenclub", "members", members=(bob.actor,))
    await make_group(node, alice.actor, "hiddenvault", "confidential", members=(bob.actor,))
    await make_group(node, alice.actor, "hiddengarden", members=(bob.actor,))
    urls = node.urls

    async def v1(viewer: ApiUser, query: str) -> list[str]:
        found = await get_json(client, f"/api/v1/accounts/search?q={query}", viewer)
        return sorted(a["acct"] for a in found)

    async def v2(viewer: ApiUser | None, query: str) -> list[str]:
        found = await get_json(client, f"/api/v2/search?q={query}&type=accounts", viewer)
        return sorted(a["acct"] for a in found["accounts"])

    everything = ["hiddenclub", "hiddengarden", "hiddenvault"]
    assert await v1(bob, "hidden") == await v2(bob, "hidden") == everything
    assert await v1(stranger, "hidden") == await v2(stranger, "hidden") == ["hiddengarden"]
    assert await v2(None, "hidden") == ["hiddengarden"]
    # Not by the whole address either, nor by the URL of its profile.
    assert await v1(stranger, "hiddenvault") == await v2(stranger, "hiddenvault") == []
    domain = node.settings.domain
    assert await v1(stranger, f"hiddenclub@{domain}") == []
    assert await v1(bob, f"hiddenclub@{domain}") == ["hiddenclub"]
    vault_url = urls.actor("Group", "hiddenvault")
    assert await v2(stranger, vault_url) == []
    assert await v2(bob, vault_url) == ["hiddenvault"]


async def test_the_sql_for_hidden_groups_agrees_with_may_see_group(
    node: Node, alice: ApiUser, make_user: MakeUser
) -> None:
    member, invited, pending, banned, stranger = [
        (await make_user(name)).actor
        for name in ("member", "invited", "pending", "banned", "stranger")
    ]
    remote_member = await remote_actor(node.pool, "rmember", "remote.example")
    remote_stranger = await remote_actor(node.pool, "rstranger", "remote.example")
    found = []
    for visibility in ("public", "members", "confidential"):
        group = await make_group(node, alice.actor, f"g{visibility}", visibility)
        for actor, state in (
            (member, "member"),
            (invited, "invited"),
            (pending, "pending"),
            (banned, "banned"),
            (remote_member, "member"),
        ):
            await set_membership(node, group, actor, state)
        found.append(group)
    viewers: list[Actor | None] = [
        None,
        alice.actor,
        member,
        invited,
        pending,
        banned,
        stranger,
        remote_member,
        remote_stranger,
    ]
    outcomes = set()
    async with node.pool.acquire() as conn:
        for viewer in viewers:
            hidden = await hidden_groups_among(
                conn, viewer.id if viewer else None, [g.id for g in found] + [member.id]
            )
            by_rule = {g.id for g in found if not await groups.may_see_group(conn, g, viewer)}
            assert hidden == by_rule, viewer.handle if viewer else "anonymous"
            outcomes.add(frozenset(hidden))
    # Not vacuous: some see all three, some only the public group, the remote member two.
    assert len(outcomes) == 3


async def test_following_a_local_group_is_joining_it(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    open_group = await make_group(node, alice.actor, "opengroup")
    asking = await make_group(node, alice.actor, "askfirst", join_policy="approval")

    joined = await client.post(f"/api/v1/accounts/{open_group.id}/follow", headers=bob.headers)
    assert joined.status_code == 200
    assert (joined.json()["following"], joined.json()["requested"]) == (True, False)
    asked = await client.post(f"/api/v1/accounts/{asking.id}/follow", headers=bob.headers)
    assert (asked.json()["following"], asked.json()["requested"]) == (False, True)
    async with node.pool.acquire() as conn:
        states = [
            await groups_db.membership(conn, g.id, bob.actor.id) for g in (open_group, asking)
        ]
        assert [found.state if found else None for found in states] == ["member", "pending"]
        assert await conn.fetchval("SELECT count(*) FROM follows") == 0
    relationships = await get_json(
        client,
        f"/api/v1/accounts/relationships?id[]={open_group.id}&id[]={asking.id}",
        bob,
    )
    assert [(r["following"], r["requested"]) for r in relationships] == [
        (True, False),
        (False, True),
    ]

    left = await client.post(f"/api/v1/accounts/{open_group.id}/unfollow", headers=bob.headers)
    assert (left.json()["following"], left.json()["requested"]) == (False, False)
    async with node.pool.acquire() as conn:
        assert await groups_db.membership(conn, open_group.id, bob.actor.id) is None


async def test_following_a_confidential_group_takes_an_invitation(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    stranger = await make_user("stranger")
    vault = await make_group(node, alice.actor, "vault", "confidential", join_policy="invite")
    await set_membership(node, vault, bob.actor, "invited")
    refused = await client.post(f"/api/v1/accounts/{vault.id}/follow", headers=stranger.headers)
    assert refused.status_code == 404
    accepted = await client.post(f"/api/v1/accounts/{vault.id}/follow", headers=bob.headers)
    assert accepted.status_code == 200
    assert accepted.json()["following"] is True


async def test_following_a_remote_group_is_an_ordinary_follow(
    client: httpx.AsyncClient, node: Node, bob: ApiUser
) -> None:
    club = await remote_group(node, "club")
    response = await client.post(f"/api/v1/accounts/{club.id}/follow", headers=bob.headers)
    assert response.status_code == 200
    assert response.json()["requested"] is True  # until the group's Accept arrives
    async with node.pool.acquire() as conn:
        assert await conn.fetchval(
            "SELECT count(*) FROM follows WHERE follower_id = $1 AND followee_id = $2",
            bob.actor.id,
            club.id,
        )
        assert await conn.fetchval("SELECT count(*) FROM group_members") == 0
    account = await get_json(client, f"/api/v1/accounts/{club.id}", bob)
    assert account["group"] is True
    assert account["acct"] == "club@remote.example"


async def test_a_groups_statuses_are_its_posts_the_viewer_may_see(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    invited = await make_user("invited")
    circle = await make_group(node, alice.actor, "circle", "members", members=(bob.actor,))
    garden = await make_group(node, alice.actor, "garden")
    await set_membership(node, circle, invited.actor, "invited")
    first = await group_post(node, alice.actor, circle.id, "members")
    second = await group_post(node, bob.actor, circle.id, "members")
    await group_post(node, bob.actor, None, "public")  # bob's own, not the group's
    public = await group_post(node, alice.actor, garden.id, "public")

    def ids(statuses: list[dict[str, str]]) -> list[int]:
        return [int(s["id"]) for s in statuses]

    url = f"/api/v1/accounts/{circle.id}/statuses"
    assert ids(await get_json(client, url, bob)) == [second.id, first.id]
    # Someone invited knows the group but may not read it yet.
    assert ids(await get_json(client, url, invited)) == []
    assert ids(await get_json(client, f"/api/v1/accounts/{garden.id}/statuses")) == [public.id]

    async with node.pool.acquire() as conn:
        await groups_db.pin(conn, circle.id, first.id)
    assert ids(await get_json(client, f"{url}?pinned=true", bob)) == [first.id]
    assert ids(await get_json(client, f"{url}?pinned=true", invited)) == []


async def test_a_groups_followers_are_its_members(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol, invited = await make_user("carol"), await make_user("invited")
    await shield(node, carol.actor)
    remote = await remote_actor(node.pool, "faraway", "remote.example")
    garden = await make_group(node, alice.actor, "garden", members=(bob.actor, carol.actor, remote))
    circle = await make_group(node, alice.actor, "circle", "members", members=(bob.actor,))
    await set_membership(node, garden, invited.actor, "pending")
    await set_membership(node, circle, invited.actor, "invited")

    async def accts(group_id: int, viewer: ApiUser | None) -> list[str]:
        found = await get_json(client, f"/api/v1/accounts/{group_id}/followers", viewer)
        return sorted(a["acct"] for a in found)

    everyone = ["alice", "bob", "carol", "faraway@remote.example"]
    assert await accts(garden.id, bob) == everyone
    assert await accts(garden.id, None) == ["alice", "bob", "faraway@remote.example"]
    assert await accts(garden.id, invited) == ["alice", "bob", "faraway@remote.example"]
    assert await accts(circle.id, bob) == ["alice", "bob"]
    assert await accts(circle.id, invited) == []  # knows the group, not who is in it
    page = await client.get(f"/api/v1/accounts/{garden.id}/followers?limit=2", headers=bob.headers)
    assert len(page.json()) == 2
    assert "max_id=" in page.headers["link"]


async def test_the_public_timelines_carry_public_group_posts_only(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    members = (bob.actor,)
    garden = await make_group(node, alice.actor, "garden", members=members)
    circle = await make_group(node, alice.actor, "circle", "members", members=members)
    vault = await make_group(node, alice.actor, "vault", "confidential", members=members)
    public = await group_post(node, bob.actor, garden.id, "public")
    await group_post(node, bob.actor, circle.id, "members")
    await group_post(node, bob.actor, vault.id, "confidential")
    for viewer in (None, alice, bob):
        for url in ("/api/v1/timelines/public", "/api/v1/timelines/public?local=true"):
            found = await get_json(client, url, viewer)
            assert [int(s["id"]) for s in found] == [public.id]


async def test_home_holds_the_posts_of_the_groups_one_belongs_to(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    pending, stranger = await make_user("pending"), await make_user("stranger")
    circle = await make_group(node, alice.actor, "circle", "members", members=(bob.actor,))
    await set_membership(node, circle, pending.actor, "pending")
    await follow(node, stranger.actor, alice.actor)
    inner = await group_post(node, alice.actor, circle.id, "members", "for the circle")
    outer = await group_post(node, alice.actor, None, "public", "for everyone")

    async def home(viewer: ApiUser) -> list[int]:
        return [int(s["id"]) for s in await get_json(client, "/api/v1/timelines/home", viewer)]

    assert await home(bob) == [inner.id]  # bob follows nobody, but is in the circle
    assert await home(stranger) == [outer.id]  # follows alice, is not in the circle
    assert await home(pending) == []
    [status] = await get_json(client, "/api/v1/timelines/home", bob)
    assert status["visibility"] == "private"
    assert status["local_only"] is False
    assert status["group"] == {"id": str(circle.id), "acct": "circle", "space_id": None}
