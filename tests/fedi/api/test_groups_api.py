"""Our group API (/api/fedi/v1): groups, membership, roles, bans, spaces, posts in them and
moderation, called as a client calls it. Every answer is also checked against the OpenAPI
document (tests/fedi/api/openapi_check.py)."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from fedi.app import Node
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.domain import groups
from fedi.errors import NotFound
from tests.fedi.api.conftest import ApiUser, MakeUser
from tests.fedi.api.openapi_check import validate_hook
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

API = "/api/fedi/v1"


@pytest_asyncio.fixture(loop_scope="session")
async def api(client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The test client, with every /api/fedi answer checked against the OpenAPI document."""
    client.event_hooks["response"].append(validate_hook)
    yield client
    client.event_hooks["response"].remove(validate_hook)


async def call(
    api: httpx.AsyncClient,
    method: str,
    path: str,
    user: ApiUser | None = None,
    *,
    status: int = 200,
    **kwargs: Any,
) -> Any:
    """Call the group API and return the JSON body, asserting the status."""
    response = await api.request(
        method, API + path, headers=user.headers if user else None, **kwargs
    )
    assert response.status_code == status, (method, path, response.status_code, response.text)
    return response.json()


async def make_group(
    api: httpx.AsyncClient, owner: ApiUser, name: str, visibility: str, policy: str = "approval"
) -> dict[str, Any]:
    return await call(
        api,
        "POST",
        "/groups",
        owner,
        json={"username": name, "visibility": visibility, "join_policy": policy},
    )


async def member_of(
    api: httpx.AsyncClient, group: dict[str, Any], owner: ApiUser, *users: ApiUser
) -> None:
    """Make each user an approved member: by invitation, accepted."""
    for user in users:
        await call(
            api,
            "POST",
            f"/groups/{group['id']}/invitations",
            owner,
            json={"account_id": str(user.actor.id)},
        )
        joined = await call(api, "POST", f"/groups/{group['id']}/join", user)
        assert joined["membership"]["state"] == "member"


async def general(api: httpx.AsyncClient, group: dict[str, Any], user: ApiUser) -> str:
    spaces = await call(api, "GET", f"/groups/{group['id']}/spaces", user)
    return str(next(s["id"] for s in spaces if s["is_default"]))


async def test_create_list_show_and_update_a_group(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, node: Node
) -> None:
    created = await call(
        api,
        "POST",
        "/groups",
        alice,
        json={
            "username": "lawyers",
            "display_name": "Lawyers' circle",
            "note": "Mutual help",
            "visibility": "public",
            "join_policy": "open",
            "language": "fr",
            "rules": ["Be kind", "No doxxing"],
        },
    )
    assert created["username"] == created["acct"] == "lawyers"
    assert created["display_name"] == "Lawyers' circle"
    assert (created["visibility"], created["join_policy"], created["language"]) == (
        "public",
        "open",
        "fr",
    )
    assert created["rules"] == ["Be kind", "No doxxing"]
    assert created["membership"] == {"role": "owner", "state": "member"}
    assert created["member_count"] == 1
    group_id = created["id"]

    # Public: anyone sees it, listed and alone, without a membership of their own.
    assert [g["id"] for g in await call(api, "GET", "/groups")] == [group_id]
    shown = await call(api, "GET", f"/groups/{group_id}", bob)
    assert shown["membership"] is None and shown["display_name"] == "Lawyers' circle"
    assert await call(api, "GET", "/groups?member=true", bob) == []
    assert [g["id"] for g in await call(api, "GET", "/groups?member=true", alice)] == [group_id]

    changed = await call(
        api,
        "PATCH",
        f"/groups/{group_id}",
        alice,
        json={"display_name": "Lawyers", "note": "Help", "rules": [], "join_policy": "invite"},
    )
    assert (changed["display_name"], changed["note"], changed["rules"]) == ("Lawyers", "Help", [])
    assert changed["join_policy"] == "invite" and changed["language"] == "fr"
    refused = await call(
        api, "PATCH", f"/groups/{group_id}", bob, status=403, json={"display_name": "Mine"}
    )
    assert "admin" in refused["error"]

    # Bad input is refused with its reason, and creates nothing.
    missing = await call(api, "POST", "/groups", alice, status=422, json={"username": "x1"})
    assert missing["error"].startswith("visibility is required")
    bad = await call(
        api, "POST", "/groups", alice, status=422, json={"username": "x2", "visibility": "secret"}
    )
    assert "visibility must be one of" in bad["error"]
    await call(
        api,
        "POST",
        "/groups",
        alice,
        status=409,
        json={"username": "lawyers", "visibility": "public"},
    )
    async with node.pool.acquire() as conn:
        assert len(await groups_db.list_settings(conn)) == 1
    await call(api, "POST", "/groups", status=401, json={"username": "x3", "visibility": "public"})


async def test_joining_an_open_an_approval_and_an_invite_only_group(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    open_group = await make_group(api, alice, "open_one", "public", "open")
    joined = await call(api, "POST", f"/groups/{open_group['id']}/join", bob)
    assert joined["membership"] == {"role": "member", "state": "member"}
    assert joined["member_count"] == 2

    # Approval: a request waits for a moderator, who approves or refuses it.
    asked = await make_group(api, alice, "asked", "public", "approval")
    path = f"/groups/{asked['id']}"
    pending = await call(api, "POST", f"{path}/join", bob)
    assert pending["membership"] == {"role": "member", "state": "pending"}
    assert pending["member_count"] == 1
    await call(api, "POST", f"{path}/join", carol)
    requests = await call(api, "GET", f"{path}/members?state=pending", alice)
    assert {r["account"]["username"] for r in requests} == {"bob", "carol"}
    await call(api, "GET", f"{path}/members?state=pending", bob, status=403)
    await call(api, "POST", f"{path}/requests/{bob.actor.id}/approve", bob, status=403)
    approved = await call(api, "POST", f"{path}/requests/{bob.actor.id}/approve", alice)
    assert (approved["account"]["id"], approved["state"]) == (str(bob.actor.id), "member")
    assert await call(api, "POST", f"{path}/requests/{carol.actor.id}/reject", alice) == {}
    assert (await call(api, "GET", path, carol))["membership"] is None
    await call(api, "POST", f"{path}/requests/{carol.actor.id}/approve", alice, status=404)

    # A members-only group is unknown to those not invited to it; one invited sees it.
    hidden = await make_group(api, alice, "hidden", "members", "approval")
    path = f"/groups/{hidden['id']}"
    await call(api, "GET", path, bob, status=404)
    await call(api, "POST", f"{path}/join", bob, status=404)
    await call(api, "POST", f"{path}/invitations", alice, json={"account_id": str(bob.actor.id)})
    assert (await call(api, "GET", path, bob))["membership"]["state"] == "invited"
    assert (await call(api, "POST", f"{path}/join", bob))["membership"]["state"] == "member"
    # Leaving it puts it out of sight again.
    assert await call(api, "POST", f"{path}/leave", bob) == {}
    await call(api, "GET", path, bob, status=404)

    # Invitation only: asking is refused; an invitation (by handle) is accepted by joining.
    closed = await make_group(api, alice, "closed", "public", "invite")
    path = f"/groups/{closed['id']}"
    refused = await call(api, "POST", f"{path}/join", carol, status=403)
    assert "invitation" in refused["error"]
    invited = await call(api, "POST", f"{path}/invitations", alice, json={"handle": "@carol"})
    assert (invited["account"]["username"], invited["state"]) == ("carol", "invited")
    assert (await call(api, "GET", path, carol))["membership"]["state"] == "invited"
    accepted = await call(api, "POST", f"{path}/join", carol)
    assert accepted["membership"]["state"] == "member"
    await call(api, "POST", f"{path}/invitations", alice, status=422, json={})
    await call(api, "POST", f"{path}/invitations", alice, status=404, json={"handle": "nobody"})
    await call(api, "POST", f"{path}/invitations", carol, status=403, json={"handle": "bob"})


async def test_roles_follow_the_ranks(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    group = await make_group(api, alice, "ranked", "public", "open")
    await member_of(api, group, alice, bob, carol)
    members = f"/groups/{group['id']}/members"

    def role(user: ApiUser) -> str:
        return f"{members}/{user.actor.id}/role"

    made = await call(api, "PUT", role(bob), alice, json={"role": "moderator"})
    assert (made["account"]["username"], made["role"]) == ("bob", "moderator")
    # A moderator may not give roles; only an owner makes admins.
    await call(api, "PUT", role(carol), bob, status=403, json={"role": "moderator"})
    await call(api, "PUT", role(bob), alice, json={"role": "admin"})
    await call(api, "PUT", role(carol), bob, status=403, json={"role": "admin"})
    assert (await call(api, "PUT", role(carol), bob, json={"role": "moderator"}))["role"] == (
        "moderator"
    )
    await call(api, "PUT", role(alice), bob, status=403, json={"role": "member"})
    await call(api, "PUT", role(carol), alice, status=422, json={"role": "king"})
    await call(api, "PUT", role(carol), alice, status=422, json={})
    last = await call(api, "PUT", role(alice), alice, status=409, json={"role": "admin"})
    assert "last owner" in last["error"]
    await call(api, "POST", f"/groups/{group['id']}/leave", alice, status=409)
    listed = await call(api, "GET", members, carol)
    assert {(m["account"]["username"], m["role"]) for m in listed} == {
        ("alice", "owner"),
        ("bob", "admin"),
        ("carol", "moderator"),
    }


async def test_a_banned_account_cannot_come_back_until_unbanned(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    group = await make_group(api, alice, "banning", "public", "open")
    await member_of(api, group, alice, bob, carol)
    path = f"/groups/{group['id']}"
    await call(api, "PUT", f"{path}/members/{bob.actor.id}/role", alice, json={"role": "moderator"})
    # Members below the moderator's own role only.
    await call(api, "POST", f"{path}/members/{alice.actor.id}/ban", bob, status=403)
    await call(api, "POST", f"{path}/members/{bob.actor.id}/ban", carol, status=403)
    banned = await call(
        api, "POST", f"{path}/members/{carol.actor.id}/ban", bob, json={"reason": "threats"}
    )
    assert (banned["account"]["username"], banned["state"]) == ("carol", "banned")
    assert "banned" in (await call(api, "POST", f"{path}/join", carol, status=403))["error"]
    space = await general(api, group, carol)
    await call(
        api, "POST", f"{path}/spaces/{space}/statuses", carol, status=403, json={"status": "hi"}
    )
    listed = await call(api, "GET", f"{path}/members?state=banned", bob)
    assert [m["account"]["username"] for m in listed] == ["carol"]
    assert await call(api, "POST", f"{path}/members/{carol.actor.id}/unban", bob) == {}
    await call(api, "POST", f"{path}/members/{carol.actor.id}/unban", bob, status=404)
    assert (await call(api, "POST", f"{path}/join", carol))["membership"]["state"] == "member"
    log = await call(api, "GET", f"{path}/moderation_log", alice)
    ban = next(e for e in log if e["action"] == "ban")
    assert (ban["account"]["username"], ban["target_account"]["username"]) == ("bob", "carol")
    assert ban["reason"] == "threats"


async def test_spaces_are_never_looser_than_their_group(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser, node: Node
) -> None:
    carol = await make_user("carol")
    closed = await make_group(api, alice, "closed_one", "members")
    spaces = f"/groups/{closed['id']}/spaces"
    looser = await call(
        api, "POST", spaces, alice, status=422, json={"name": "Open", "visibility": "public"}
    )
    assert "cannot be looser" in looser["error"]
    inner = await call(
        api, "POST", spaces, alice, json={"name": "Inner", "visibility": "confidential"}
    )
    assert (inner["slug"], inner["name"], inner["visibility"]) == ("inner", "Inner", "confidential")
    assert not inner["is_default"]
    await call(api, "POST", spaces, alice, status=409, json={"name": "inner"})
    await call(api, "POST", spaces, alice, status=422, json={"name": "x", "slug": "has space"})
    async with node.pool.acquire() as conn:
        assert len(await groups_db.spaces_of(conn, int(closed["id"]))) == 2
    widened = await call(
        api, "PATCH", f"{spaces}/{inner['id']}", alice, status=422, json={"visibility": "public"}
    )
    assert "cannot be looser" in widened["error"]
    renamed = await call(
        api, "PATCH", f"{spaces}/{inner['id']}", alice, json={"description": "the core"}
    )
    assert renamed["description"] == "the core" and renamed["visibility"] == "confidential"

    # A members-only space of a public group is for members only, and missing to others.
    public = await make_group(api, alice, "open_two", "public", "open")
    await member_of(api, public, alice, bob)
    spaces = f"/groups/{public['id']}/spaces"
    board = await call(
        api,
        "POST",
        spaces,
        alice,
        json={"name": "Board", "slug": "board", "visibility": "members", "description": "d"},
    )
    await call(api, "POST", spaces, bob, status=403, json={"name": "Mine"})
    assert [s["slug"] for s in await call(api, "GET", spaces, bob)] == ["general", "board"]
    assert [s["slug"] for s in await call(api, "GET", spaces, carol)] == ["general"]
    assert [s["slug"] for s in await call(api, "GET", spaces)] == ["general"]
    await call(api, "GET", f"{spaces}/{board['id']}", carol, status=404)
    assert (await call(api, "GET", f"{spaces}/{board['id']}", bob))["name"] == "Board"
    await call(api, "GET", f"/groups/{public['id']}/spaces/{inner['id']}", alice, status=404)


async def test_posting_into_a_space_and_reading_it_back(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    group = await make_group(api, alice, "writers", "public", "open")
    await member_of(api, group, alice, bob)
    path = f"/groups/{group['id']}/spaces"
    space = await general(api, group, bob)
    posted = await call(
        api,
        "POST",
        f"{path}/{space}/statuses",
        bob,
        json={"status": "First post", "spoiler_text": "cw", "language": "en"},
    )
    assert posted["content"] == "<p>First post</p>" and posted["spoiler_text"] == "cw"
    assert posted["visibility"] == "public" and posted["language"] == "en"
    reply = await call(
        api,
        "POST",
        f"{path}/{space}/statuses",
        alice,
        json={"status": "Welcome", "in_reply_to_id": posted["id"]},
    )
    assert reply["in_reply_to_id"] == posted["id"]
    await call(api, "POST", f"{path}/{space}/statuses", alice, json={"status": "Third"})
    read = await call(api, "GET", f"{path}/{space}/statuses")
    assert [s["content"] for s in read] == ["<p>Third</p>", "<p>Welcome</p>", "<p>First post</p>"]

    # Paged as the timelines are, with a Link header to the next page.
    first = await api.get(f"{API}{path}/{space}/statuses?limit=2")
    assert [s["content"] for s in first.json()] == ["<p>Third</p>", "<p>Welcome</p>"]
    assert f"max_id={reply['id']}" in first.headers["link"]
    rest = await call(api, "GET", f"{path}/{space}/statuses?limit=2&max_id={reply['id']}")
    assert [s["id"] for s in rest] == [posted["id"]]

    # A members-only space: its posts are members-only ("private" to Mastodon's eyes).
    board = await call(api, "POST", path, alice, json={"name": "board", "visibility": "members"})
    inside = await call(
        api, "POST", f"{path}/{board['id']}/statuses", bob, json={"status": "Inside"}
    )
    assert inside["visibility"] == "private"
    assert [s["id"] for s in await call(api, "GET", f"{path}/{board['id']}/statuses", alice)] == [
        inside["id"]
    ]
    await call(api, "GET", f"{path}/{board['id']}/statuses", carol, status=404)
    for outsider in (carol, None):
        headers = outsider.headers if outsider else None
        seen = await api.get(f"/api/v1/statuses/{inside['id']}", headers=headers)
        assert seen.status_code == 404
    # Non-members may not post, even in a public group's public space.
    refused = await call(
        api, "POST", f"{path}/{space}/statuses", carol, status=403, json={"status": "me too"}
    )
    assert "only members" in refused["error"]
    await call(api, "POST", f"{path}/{space}/statuses", bob, status=422, json={"status": " "})


async def test_moderators_move_remove_and_pin_posts(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser, node: Node
) -> None:
    carol = await make_user("carol")
    group = await make_group(api, alice, "moderated", "public", "open")
    await member_of(api, group, alice, bob, carol)
    gid = group["id"]
    space = await general(api, group, bob)
    board = await call(
        api, "POST", f"/groups/{gid}/spaces", alice, json={"name": "board", "visibility": "members"}
    )
    post = await call(
        api, "POST", f"/groups/{gid}/spaces/{space}/statuses", bob, json={"status": "Plans"}
    )
    status = f"/groups/{gid}/statuses/{post['id']}"

    # Neither its author nor a moderator: carol may not move bob's post.
    await call(api, "POST", f"{status}/move", carol, status=403, json={"space_id": board["id"]})
    await call(api, "POST", f"{status}/move", alice, status=422, json={})
    moved = await call(api, "POST", f"{status}/move", alice, json={"space_id": board["id"]})
    # Moved into a members-only space, it is as strict as the space at once.
    assert moved["id"] == post["id"] and moved["visibility"] == "private"
    assert await call(api, "GET", f"/groups/{gid}/spaces/{space}/statuses") == []
    in_board = await call(api, "GET", f"/groups/{gid}/spaces/{board['id']}/statuses", carol)
    assert [s["id"] for s in in_board] == [post["id"]]

    await call(api, "POST", f"{status}/pin", carol, status=403)
    assert (await call(api, "POST", f"{status}/pin", alice))["id"] == post["id"]
    async with node.pool.acquire() as conn:
        assert await groups_db.pinned_post_ids(conn, int(gid)) == [int(post["id"])]
    await call(api, "POST", f"{status}/unpin", alice)
    async with node.pool.acquire() as conn:
        assert await groups_db.pinned_post_ids(conn, int(gid)) == []

    await call(api, "DELETE", status, carol, status=403)
    assert await call(api, "DELETE", status, alice, json={"reason": "off topic"}) == {}
    async with node.pool.acquire() as conn:
        assert await posts_db.by_id(conn, int(post["id"])) is None
    await call(api, "DELETE", status, alice, status=404)
    log = await call(api, "GET", f"/groups/{gid}/moderation_log", alice)
    actions = [e["action"] for e in log]
    assert actions[:4] == ["remove_post", "unpin", "pin", "move_post:board"]
    assert log[0]["reason"] == "off topic" and log[0]["target_account"]["username"] == "bob"
    assert log[0]["target_status_id"] == post["id"]


async def test_the_moderation_log_is_for_admins_only(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    group = await make_group(api, alice, "logged", "public", "approval")
    path = f"/groups/{group['id']}"
    await call(api, "POST", f"{path}/join", bob)
    await call(api, "POST", f"{path}/requests/{bob.actor.id}/approve", alice)
    await call(api, "PUT", f"{path}/members/{bob.actor.id}/role", alice, json={"role": "moderator"})
    entries = await call(api, "GET", f"{path}/moderation_log", alice)
    assert [(e["action"], e["target_account"]["username"]) for e in entries] == [
        ("set_role:moderator", "bob"),
        ("approve_request", "bob"),
    ]
    assert entries[0]["account"]["username"] == "alice"
    for user in (bob, carol):
        refused = await call(api, "GET", f"{path}/moderation_log", user, status=403)
        assert "admin" in refused["error"]
    await call(api, "GET", f"{path}/moderation_log", status=401)
    secret = await make_group(api, alice, "secret_log", "confidential")
    await call(api, "GET", f"/groups/{secret['id']}/moderation_log", carol, status=404)
    paged = await api.get(f"{API}{path}/moderation_log?limit=1", headers=alice.headers)
    assert [e["id"] for e in paged.json()] == [entries[0]["id"]]
    assert f"max_id={entries[0]['id']}" in paged.headers["link"]


async def test_a_confidential_group_is_missing_to_everyone_but_its_local_members(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser, node: Node
) -> None:
    carol = await make_user("carol")
    secret = await make_group(api, alice, "safehouse", "confidential", "open")
    gid = secret["id"]
    space = await general(api, secret, alice)
    missing = await call(api, "GET", "/groups/999999999", bob, status=404)
    for path in (
        f"/groups/{gid}",
        f"/groups/{gid}/members",
        f"/groups/{gid}/spaces",
        f"/groups/{gid}/spaces/{space}",
        f"/groups/{gid}/spaces/{space}/statuses",
    ):
        # The same answer as for a group that does not exist, signed in or not.
        assert await call(api, "GET", path, bob, status=404) == missing
        assert await call(api, "GET", path, status=404) == missing
    for path in (f"/groups/{gid}/join", f"/groups/{gid}/spaces/{space}/statuses"):
        assert await call(api, "POST", path, bob, status=404, json={"status": "x"}) == missing
    assert await call(api, "GET", "/groups", bob) == []
    assert await call(api, "GET", "/groups") == []

    # Local members only: a remote handle is refused before any server is asked.
    refused = await call(
        api,
        "POST",
        f"/groups/{gid}/invitations",
        alice,
        status=403,
        json={"handle": "mallory@remote.example"},
    )
    assert refused["error"] == "a confidential group has local members only"
    mallory = await remote_actor(node.pool, "mallory")
    await call(
        api,
        "POST",
        f"/groups/{gid}/invitations",
        alice,
        status=403,
        json={"account_id": str(mallory.id)},
    )
    async with node.pool.acquire() as conn:
        # Even a row that somehow named a remote member would not let it see the group.
        await groups_db.put_membership(conn, int(gid), mallory.id, state="member")
        with pytest.raises(NotFound):
            await groups.visible_group(conn, mallory, int(gid))
        await groups_db.remove_membership(conn, int(gid), mallory.id)

    # A local member sees it all; a post in it is confidential.
    await member_of(api, secret, alice, carol)
    assert (await call(api, "GET", f"/groups/{gid}", carol))["member_count"] == 2
    posted = await call(
        api, "POST", f"/groups/{gid}/spaces/{space}/statuses", carol, json={"status": "Hidden"}
    )
    assert posted["visibility"] == "private"
    async with node.pool.acquire() as conn:
        stored = await posts_db.by_id(conn, int(posted["id"]))
    assert stored is not None and stored.visibility == "confidential"
    read = await call(api, "GET", f"/groups/{gid}/spaces/{space}/statuses", alice)
    assert [s["id"] for s in read] == [posted["id"]]
    assert [g["id"] for g in await call(api, "GET", "/groups", carol)] == [gid]


async def test_who_sees_the_member_list(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser, node: Node
) -> None:
    carol = await make_user("carol")
    dave = await make_user("dave")
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE actors SET shielded = true WHERE id = $1", dave.actor.id)
    group = await make_group(api, alice, "visible", "public", "open")
    await member_of(api, group, alice, bob, dave)
    members = f"/groups/{group['id']}/members"
    # A shielded member is listed and counted for fellow members only.
    for outsider in (carol, None):
        listed = await call(api, "GET", members, outsider)
        assert {m["account"]["username"] for m in listed} == {"alice", "bob"}
        assert (await call(api, "GET", f"/groups/{group['id']}", outsider))["member_count"] == 2
    listed = await call(api, "GET", members, bob)
    assert {m["account"]["username"] for m in listed} == {"alice", "bob", "dave"}
    assert (await call(api, "GET", f"/groups/{group['id']}", bob))["member_count"] == 3
    # Paged by account, with a Link header.
    page = await api.get(f"{API}{members}?limit=1", headers=bob.headers)
    assert [m["account"]["username"] for m in page.json()] == ["dave"]
    assert f"max_id={dave.actor.id}" in page.headers["link"]
    await call(api, "GET", f"{members}?state=friends", alice, status=422)

    # A members-only group's list is for its members: one only invited may not read it.
    closed = await make_group(api, alice, "closed_list", "members")
    await call(api, "POST", f"/groups/{closed['id']}/invitations", alice, json={"handle": "carol"})
    refused = await call(api, "GET", f"/groups/{closed['id']}/members", carol, status=403)
    assert "members" in refused["error"]
    await call(api, "GET", f"/groups/{closed['id']}/members", bob, status=404)
    owners = await call(api, "GET", f"/groups/{closed['id']}/members", alice)
    assert [(m["account"]["username"], m["role"]) for m in owners] == [("alice", "owner")]
    invited = await call(api, "GET", f"/groups/{closed['id']}/members?state=invited", alice)
    assert [m["account"]["username"] for m in invited] == ["carol"]


async def test_inviting_a_remote_account_by_handle_to_a_public_group(
    api: httpx.AsyncClient, alice: ApiUser, node: Node
) -> None:
    group = await make_group(api, alice, "open_door", "public", "invite")
    # Known already (as if resolved earlier), so the resolver answers from its cache.
    await remote_actor(node.pool, "rita", "remote.example")
    invited = await call(
        api,
        "POST",
        f"/groups/{group['id']}/invitations",
        alice,
        json={"handle": "@rita@remote.example"},
    )
    assert (invited["account"]["acct"], invited["state"]) == ("rita@remote.example", "invited")
    listed = await call(api, "GET", f"/groups/{group['id']}/members?state=invited", alice)
    assert [m["account"]["acct"] for m in listed] == ["rita@remote.example"]


async def test_tightening_a_group_through_the_api_takes_effect_at_once(
    api: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    group = await make_group(api, alice, "tightened", "public", "open")
    await member_of(api, group, alice, bob)
    path = f"/groups/{group['id']}"
    space = await general(api, group, bob)
    posted = await call(
        api, "POST", f"{path}/spaces/{space}/statuses", bob, json={"status": "Before"}
    )
    assert posted["visibility"] == "public"
    changed = await call(api, "PATCH", path, alice, json={"visibility": "members"})
    assert changed["visibility"] == "members"
    # Out of sight for outsiders at once, and the old post is members-only now.
    await call(api, "GET", path, carol, status=404)
    await call(api, "GET", path, status=404)
    seen = await api.get(f"/api/v1/statuses/{posted['id']}")
    assert seen.status_code == 404
    read = await call(api, "GET", f"{path}/spaces/{space}/statuses", bob)
    assert [(s["id"], s["visibility"]) for s in read] == [(posted["id"], "private")]
    spaces = await call(api, "GET", f"{path}/spaces", bob)
    assert [s["visibility"] for s in spaces] == ["members"]
    log = await call(api, "GET", f"{path}/moderation_log", alice)
    assert log[0]["action"] == "set_visibility:members"
