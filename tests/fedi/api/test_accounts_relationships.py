"""Following, blocking and muting through the client API, and the lists they make."""

from typing import Any

import httpx
import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def act(
    client: httpx.AsyncClient, user: ApiUser, target: ApiUser | int, action: str, **kwargs: Any
) -> dict[str, Any]:
    target_id = target if isinstance(target, int) else target.actor.id
    response = await client.post(
        f"/api/v1/accounts/{target_id}/{action}", headers=user.headers, **kwargs
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def relationship(client: httpx.AsyncClient, user: ApiUser, target: ApiUser) -> dict[str, Any]:
    (found,) = await get_json(
        client, "/api/v1/accounts/relationships", user, params={"id[]": target.actor.id}
    )
    result: dict[str, Any] = found
    return result


async def names(client: httpx.AsyncClient, path: str, user: ApiUser | None = None) -> list[str]:
    return [account["acct"] for account in await get_json(client, path, user)]


async def lock(client: httpx.AsyncClient, user: ApiUser) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials", json={"locked": True}, headers=user.headers
    )
    assert response.status_code == 200


# --- follow and unfollow ------------------------------------------------------------------


async def test_follow_an_open_account(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    followed = await act(client, bob, alice, "follow")
    assert_entity(followed, "Relationship")
    assert followed["id"] == str(alice.actor.id)
    assert (followed["following"], followed["requested"]) == (True, False)
    assert (followed["showing_reblogs"], followed["notifying"]) == (True, False)
    seen_by_alice = await relationship(client, alice, bob)
    assert (seen_by_alice["followed_by"], seen_by_alice["following"]) == (True, False)


async def test_follow_a_locked_account_is_a_request(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    await lock(client, alice)
    followed = await act(client, bob, alice, "follow")
    assert (followed["following"], followed["requested"]) == (False, True)
    assert (await relationship(client, alice, bob))["requested_by"] is True


async def test_follow_options_are_kept_until_changed(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    first = await act(
        client, bob, alice, "follow", json={"reblogs": False, "notify": True, "languages": ["de"]}
    )
    assert (first["showing_reblogs"], first["notifying"], first["languages"]) == (
        False,
        True,
        ["de"],
    )
    again = await act(client, bob, alice, "follow", data={"notify": "false"})
    assert (again["showing_reblogs"], again["notifying"], again["languages"]) == (
        False,
        False,
        ["de"],
    )
    cleared = await act(client, bob, alice, "follow", json={"languages": []})
    assert cleared["languages"] is None


async def test_follow_with_a_bad_language_is_refused(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    response = await client.post(
        f"/api/v1/accounts/{alice.actor.id}/follow",
        json={"languages": ["German"]},
        headers=bob.headers,
    )
    assert response.status_code == 422
    assert "German" in response.json()["error"]
    assert (await relationship(client, bob, alice))["following"] is False


async def test_following_yourself_is_refused(client: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await client.post(f"/api/v1/accounts/{alice.actor.id}/follow", headers=alice.headers)
    assert response.status_code == 422
    assert response.json() == {"error": "you cannot follow yourself"}


async def test_following_someone_who_blocks_you_is_forbidden(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    await act(client, alice, bob, "block")
    response = await client.post(f"/api/v1/accounts/{alice.actor.id}/follow", headers=bob.headers)
    assert response.status_code == 403
    response = await client.post(f"/api/v1/accounts/{bob.actor.id}/follow", headers=alice.headers)
    assert response.status_code == 403


async def test_unfollow(client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser) -> None:
    await act(client, bob, alice, "follow")
    unfollowed = await act(client, bob, alice, "unfollow")
    assert unfollowed["following"] is False
    assert (await relationship(client, alice, bob))["followed_by"] is False


async def test_remove_from_followers(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    await act(client, bob, alice, "follow")
    removed = await act(client, alice, bob, "remove_from_followers")
    assert removed["followed_by"] is False
    assert (await relationship(client, bob, alice))["following"] is False


async def test_actions_on_unknown_accounts_are_not_found(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    for action in ("follow", "unfollow", "block", "unblock", "mute", "unmute"):
        response = await client.post(f"/api/v1/accounts/987654321/{action}", headers=alice.headers)
        assert response.status_code == 404, action
        assert response.json() == {"error": "Record not found"}


async def test_actions_need_their_scopes(
    client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser
) -> None:
    reader = await make_user("reader", scopes=["read"])
    legacy = await make_user("legacy", scopes=["follow"])
    target = f"/api/v1/accounts/{alice.actor.id}"
    assert (await client.post(f"{target}/follow")).status_code == 401
    for action in ("follow", "block", "mute"):
        response = await client.post(f"{target}/{action}", headers=reader.headers)
        assert response.status_code == 403, action
    # Mastodon's old `follow` scope still covers follows, blocks and mutes.
    for action in ("follow", "block", "mute"):
        response = await client.post(f"{target}/{action}", headers=legacy.headers)
        assert response.status_code == 200, action
    blocks_only = await make_user("blocker", scopes=["write:blocks"])
    assert (await client.post(f"{target}/block", headers=blocks_only.headers)).status_code == 200
    response = await client.post(f"{target}/follow", headers=blocks_only.headers)
    assert response.status_code == 403


# --- relationships ------------------------------------------------------------------------


async def test_relationships_of_several_accounts(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    await act(client, alice, bob, "follow")
    await act(client, carol, alice, "follow")
    found = await get_json(
        client,
        "/api/v1/accounts/relationships",
        alice,
        params=[
            ("id[]", carol.actor.id),
            ("id[]", 987654321),
            ("id[]", bob.actor.id),
            ("with_suspended", "true"),
        ],
    )
    for item in found:
        assert_entity(item, "Relationship")
    assert [(r["id"], r["following"], r["followed_by"]) for r in found] == [
        (str(carol.actor.id), False, True),
        (str(bob.actor.id), True, False),
    ]


async def test_relationships_need_a_user_with_read_follows(
    client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser
) -> None:
    path = f"/api/v1/accounts/relationships?id[]={alice.actor.id}"
    assert (await client.get(path)).status_code == 401
    statuses_only = await make_user("reader", scopes=["read:statuses"])
    assert (await client.get(path, headers=statuses_only.headers)).status_code == 403
    follows = await make_user("follows", scopes=["read:follows"])
    assert (await client.get(path, headers=follows.headers)).status_code == 200


# --- follow requests ----------------------------------------------------------------------


async def test_follow_requests_listed_and_authorized(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    await lock(client, alice)
    await act(client, bob, alice, "follow")
    assert await names(client, "/api/v1/follow_requests", alice) == ["bob"]
    response = await client.post(
        f"/api/v1/follow_requests/{bob.actor.id}/authorize", headers=alice.headers
    )
    assert response.status_code == 200, response.text
    assert_entity(response.json(), "Relationship")
    assert response.json()["followed_by"] is True
    assert await names(client, "/api/v1/follow_requests", alice) == []
    assert (await relationship(client, bob, alice))["following"] is True


async def test_follow_requests_rejected(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    await lock(client, alice)
    await act(client, bob, alice, "follow")
    response = await client.post(
        f"/api/v1/follow_requests/{bob.actor.id}/reject", headers=alice.headers
    )
    assert response.status_code == 200
    assert (response.json()["followed_by"], response.json()["requested_by"]) == (False, False)
    assert (await relationship(client, bob, alice))["requested"] is False


async def test_answering_a_request_nobody_made_is_not_found(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    await act(client, bob, alice, "follow")  # accepted at once: not a request
    for verdict in ("authorize", "reject"):
        response = await client.post(
            f"/api/v1/follow_requests/{bob.actor.id}/{verdict}", headers=alice.headers
        )
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}
    assert (await relationship(client, alice, bob))["followed_by"] is True


async def test_follow_requests_page_with_link_headers(
    client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser
) -> None:
    await lock(client, alice)
    for name in ("one", "two", "three"):
        await act(client, await make_user(name), alice, "follow")
    first = await client.get("/api/v1/follow_requests?limit=2", headers=alice.headers)
    assert [a["acct"] for a in first.json()] == ["three", "two"]
    following = await client.get(first.links["next"]["url"], headers=alice.headers)
    assert [a["acct"] for a in following.json()] == ["one"]
    assert (await client.get("/api/v1/follow_requests")).status_code == 401


# --- followers and following --------------------------------------------------------------


async def test_followers_and_following_lists_page_by_follow(
    client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser
) -> None:
    fans = [await make_user(name) for name in ("fan1", "fan2", "fan3")]
    for fan in fans:
        await act(client, fan, alice, "follow")
    await act(client, alice, fans[0], "follow")
    path = f"/api/v1/accounts/{alice.actor.id}/followers"
    first = await client.get(f"{path}?limit=2")
    assert [a["acct"] for a in first.json()] == ["fan3", "fan2"]
    rest = await client.get(first.links["next"]["url"])
    assert [a["acct"] for a in rest.json()] == ["fan1"]
    newer = await client.get(first.links["prev"]["url"])
    assert newer.json() == []
    assert await names(client, f"/api/v1/accounts/{alice.actor.id}/following") == ["fan1"]
    assert await names(client, f"/api/v1/accounts/{fans[0].actor.id}/followers") == ["alice"]


async def test_a_hidden_network_shows_only_to_its_owner(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    await act(client, bob, alice, "follow")
    await client.patch(
        "/api/v1/accounts/update_credentials",
        json={"hide_collections": True},
        headers=alice.headers,
    )
    path = f"/api/v1/accounts/{alice.actor.id}/followers"
    assert await names(client, path) == []
    assert await names(client, path, bob) == []
    assert await names(client, path, alice) == ["bob"]


async def test_shielded_accounts_are_left_out_of_lists_others_see(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    for follower in (bob, carol):
        await act(client, follower, alice, "follow")
    await client.patch(
        "/api/v1/accounts/update_credentials", json={"shielded": True}, headers=bob.headers
    )
    followers = f"/api/v1/accounts/{alice.actor.id}/followers"
    assert await names(client, followers) == ["carol"]
    assert await names(client, followers, carol) == ["carol"]
    assert await names(client, followers, bob) == ["carol", "bob"]
    assert await names(client, followers, alice) == ["carol", "bob"]
    assert await names(client, f"/api/v1/accounts/{bob.actor.id}/following", bob) == ["alice"]


async def test_lists_of_unknown_accounts_are_not_found(client: httpx.AsyncClient) -> None:
    for which in ("followers", "following"):
        response = await client.get(f"/api/v1/accounts/987654321/{which}")
        assert response.status_code == 404


# --- blocks -------------------------------------------------------------------------------


async def test_block_ends_follows_both_ways_and_is_listed(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    await act(client, alice, bob, "follow")
    await act(client, bob, alice, "follow")
    blocked = await act(client, alice, bob, "block")
    assert (blocked["blocking"], blocked["following"], blocked["followed_by"]) == (
        True,
        False,
        False,
    )
    assert (await relationship(client, bob, alice))["blocked_by"] is True
    async with node.pool.acquire() as conn:
        assert await follows_db.between(conn, bob.actor.id, alice.actor.id) is None
    assert await names(client, "/api/v1/blocks", alice) == ["bob"]
    unblocked = await act(client, alice, bob, "unblock")
    assert unblocked["blocking"] is False
    assert await names(client, "/api/v1/blocks", alice) == []


async def test_blocking_yourself_is_refused(client: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await client.post(f"/api/v1/accounts/{alice.actor.id}/block", headers=alice.headers)
    assert response.status_code == 422
    assert response.json()["error"] == "you cannot block yourself"


async def test_blocks_list_pages_and_needs_read_blocks(
    client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser
) -> None:
    for name in ("x1", "x2", "x3"):
        await act(client, alice, await make_user(name), "block")
    first = await client.get("/api/v1/blocks?limit=2", headers=alice.headers)
    assert [a["acct"] for a in first.json()] == ["x3", "x2"]
    rest = await client.get(first.links["next"]["url"], headers=alice.headers)
    assert [a["acct"] for a in rest.json()] == ["x1"]
    mutes_reader = await make_user("reader", scopes=["read:mutes"])
    assert (await client.get("/api/v1/blocks", headers=mutes_reader.headers)).status_code == 403


# --- mutes --------------------------------------------------------------------------------


async def test_mute_with_duration_and_without_notifications(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    muted = await act(client, alice, bob, "mute", json={"notifications": False, "duration": 3600})
    assert (muted["muting"], muted["muting_notifications"]) == (True, False)
    assert muted["muting_expires_at"] is not None
    forever = await act(client, alice, bob, "mute")
    assert (forever["muting_notifications"], forever["muting_expires_at"]) == (True, None)
    assert await names(client, "/api/v1/mutes", alice) == ["bob"]
    assert (await relationship(client, bob, alice))["muting"] is False  # nobody else knows
    unmuted = await act(client, alice, bob, "unmute")
    assert unmuted["muting"] is False
    assert await names(client, "/api/v1/mutes", alice) == []


async def test_an_expired_mute_no_longer_counts(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    await act(client, alice, bob, "mute", data={"duration": "60"})
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE mutes SET expires_at = now() - interval '1 second'")
    assert (await relationship(client, alice, bob))["muting"] is False
    assert await names(client, "/api/v1/mutes", alice) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"duration": -5}, "duration must be at least 0"),
        ({"duration": "soon"}, "duration must be a whole number"),
        ({"notifications": "sometimes"}, "notifications must be true or false"),
    ],
)
async def test_bad_mute_parameters_are_refused(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, body: dict[str, Any], message: str
) -> None:
    response = await client.post(
        f"/api/v1/accounts/{bob.actor.id}/mute", json=body, headers=alice.headers
    )
    assert response.status_code == 422
    assert message in response.json()["error"]
    assert (await relationship(client, alice, bob))["muting"] is False


async def test_muting_yourself_is_refused(client: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await client.post(f"/api/v1/accounts/{alice.actor.id}/mute", headers=alice.headers)
    assert response.status_code == 422


async def test_mutes_list_needs_read_mutes(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    assert (await client.get("/api/v1/mutes")).status_code == 401
    blocks_reader = await make_user("reader", scopes=["read:blocks"])
    assert (await client.get("/api/v1/mutes", headers=blocks_reader.headers)).status_code == 403
