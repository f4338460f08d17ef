"""Acting on statuses over HTTP: favourites, reblogs, bookmarks, and the lists they make."""

from typing import Any

import httpx
import pytest

from fedi.app import Node
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity
from tests.fedi.api.test_statuses import post_status

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def act(
    client: httpx.AsyncClient, user: ApiUser, status_id: str, action: str
) -> dict[str, Any]:
    response = await client.post(f"/api/v1/statuses/{status_id}/{action}", headers=user.headers)
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def activities_of(node: Node, activity_type: str) -> int:
    async with node.pool.acquire() as conn:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM activities WHERE activity_type = $1", activity_type
            )
        )


async def test_favourite_sets_the_flag_and_count(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="like me")
    liked = await act(client, bob, status["id"], "favourite")
    assert (liked["id"], liked["favourited"], liked["favourites_count"]) == (status["id"], True, 1)


async def test_favouriting_twice_is_fine(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="like me")
    await act(client, bob, status["id"], "favourite")
    again = await act(client, bob, status["id"], "favourite")
    assert (again["favourited"], again["favourites_count"]) == (True, 1)


async def test_unfavourite_clears_it(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="like me")
    await act(client, bob, status["id"], "favourite")
    undone = await act(client, bob, status["id"], "unfavourite")
    assert (undone["favourited"], undone["favourites_count"]) == (False, 0)
    # Unfavouriting what was never favourited is no error either.
    assert (await act(client, bob, status["id"], "unfavourite"))["favourited"] is False


async def test_favouriting_a_hidden_status_is_404(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="friends", visibility="private")
    response = await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bob.headers)
    assert response.status_code == 404
    mine = await get_json(client, f"/api/v1/statuses/{status['id']}", alice)
    assert mine["favourites_count"] == 0


async def test_favourite_needs_the_favourites_scope(
    client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser
) -> None:
    status = await post_status(client, alice, status="like me")
    poster = await make_user("poster", scopes=["write:statuses"])
    response = await client.post(
        f"/api/v1/statuses/{status['id']}/favourite", headers=poster.headers
    )
    assert response.status_code == 403


async def test_reblog_returns_the_boost_wrapping_the_original(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="boost me")
    boost = await act(client, bob, status["id"], "reblog")
    assert_entity(boost, "Status")
    assert boost["id"] != status["id"]
    assert boost["account"]["id"] == str(bob.actor.id)
    assert boost["reblog"]["id"] == status["id"]
    assert boost["reblogged"] is True
    seen = await get_json(client, f"/api/v1/statuses/{status['id']}", bob)
    assert (seen["reblogged"], seen["reblogs_count"]) == (True, 1)
    assert (await get_json(client, f"/api/v1/statuses/{status['id']}", alice))["reblogged"] is False
    assert await activities_of(node, "Announce") == 1


async def test_reblogging_twice_returns_the_same_boost(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="boost me")
    first = await act(client, bob, status["id"], "reblog")
    again = await act(client, bob, status["id"], "reblog")
    assert again["id"] == first["id"]
    assert again["reblog"]["reblogs_count"] == 1


async def test_a_boost_id_reads_as_the_boost(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="boost me")
    boost = await act(client, bob, status["id"], "reblog")
    seen = await get_json(client, f"/api/v1/statuses/{boost['id']}")
    assert (seen["id"], seen["reblog"]["id"]) == (boost["id"], status["id"])


async def test_unreblog_returns_the_original(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="boost me")
    boost = await act(client, bob, status["id"], "reblog")
    undone = await act(client, bob, status["id"], "unreblog")
    assert (undone["id"], undone["reblogged"], undone["reblogs_count"]) == (status["id"], False, 0)
    assert (await client.get(f"/api/v1/statuses/{boost['id']}")).status_code == 404


async def test_reblogging_a_followers_only_post_is_refused(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    await node.publisher.follow(bob.actor, alice.actor)
    status = await post_status(client, alice, status="friends", visibility="private")
    response = await client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)
    assert response.status_code == 422
    assert "only public and unlisted posts can be boosted" in response.json()["error"]
    assert (await get_json(client, f"/api/v1/statuses/{status['id']}", bob))["reblogs_count"] == 0


async def test_private_reblog_is_for_the_boosters_followers(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol, dave = await make_user("carol"), await make_user("dave")
    await node.publisher.follow(carol.actor, bob.actor)
    status = await post_status(client, alice, status="boost me")
    response = await client.post(
        f"/api/v1/statuses/{status['id']}/reblog",
        headers=bob.headers,
        json={"visibility": "private"},
    )
    assert response.status_code == 200, response.text
    boost = response.json()
    assert boost["visibility"] == "private"
    path = f"/api/v1/statuses/{boost['id']}"
    assert (await get_json(client, path, carol))["id"] == boost["id"]
    assert (await client.get(path, headers=dave.headers)).status_code == 404
    assert await get_json(client, f"/api/v1/statuses/{status['id']}/reblogged_by") == []


async def test_reblogged_by_lists_the_boosters_with_links(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    status = await post_status(client, alice, status="boost me")
    await act(client, bob, status["id"], "reblog")
    await act(client, carol, status["id"], "reblog")
    path = f"/api/v1/statuses/{status['id']}/reblogged_by"
    accounts = await get_json(client, path)
    assert [a["id"] for a in accounts] == [str(carol.actor.id), str(bob.actor.id)]
    response = await client.get(path, params={"limit": 1})
    assert [a["id"] for a in response.json()] == [str(carol.actor.id)]
    assert 'rel="next"' in response.headers["link"]
    next_url = response.headers["link"].split(";")[0].strip("<>")
    older = await get_json(client, next_url)
    assert [a["id"] for a in older] == [str(bob.actor.id)]


async def test_favourited_by_lists_the_likers(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="like me")
    await act(client, bob, status["id"], "favourite")
    accounts = await get_json(client, f"/api/v1/statuses/{status['id']}/favourited_by", alice)
    assert [a["id"] for a in accounts] == [str(bob.actor.id)]
    assert_entity(accounts[0], "Account")


async def test_favourited_by_of_a_hidden_status_is_404(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    status = await post_status(client, alice, status="friends", visibility="private")
    response = await client.get(f"/api/v1/statuses/{status['id']}/favourited_by")
    assert response.status_code == 404


async def test_favourites_list_pages_over_the_likes(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    older = await post_status(client, alice, status="older")
    newer = await post_status(client, alice, status="newer")
    # Liked newest post first: the list follows the order of liking, not of posting.
    await act(client, bob, newer["id"], "favourite")
    await act(client, bob, older["id"], "favourite")
    response = await client.get("/api/v1/favourites", headers=bob.headers, params={"limit": 1})
    assert response.status_code == 200
    assert [s["id"] for s in response.json()] == [older["id"]]
    next_url = response.headers["link"].split(";")[0].strip("<>")
    rest = await get_json(client, next_url, bob)
    assert [s["id"] for s in rest] == [newer["id"]]
    assert await get_json(client, "/api/v1/favourites", alice) == []


async def test_favourites_list_needs_its_scope(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    reader = await make_user("reader", scopes=["read:statuses"])
    response = await client.get("/api/v1/favourites", headers=reader.headers)
    assert response.status_code == 403
    assert (await client.get("/api/v1/favourites")).status_code == 401


async def test_bookmark_and_unbookmark(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="save me")
    saved = await act(client, bob, status["id"], "bookmark")
    assert saved["bookmarked"] is True
    assert (await act(client, bob, status["id"], "bookmark"))["bookmarked"] is True
    assert (await get_json(client, f"/api/v1/statuses/{status['id']}", alice))[
        "bookmarked"
    ] is False
    removed = await act(client, bob, status["id"], "unbookmark")
    assert removed["bookmarked"] is False


async def test_bookmarks_list_is_the_accounts_own_with_links(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    first = await post_status(client, alice, status="first")
    second = await post_status(client, alice, status="second")
    await act(client, bob, first["id"], "bookmark")
    await act(client, bob, second["id"], "bookmark")
    response = await client.get("/api/v1/bookmarks", headers=bob.headers, params={"limit": 1})
    assert [s["id"] for s in response.json()] == [second["id"]]
    next_url = response.headers["link"].split(";")[0].strip("<>")
    assert [s["id"] for s in await get_json(client, next_url, bob)] == [first["id"]]
    assert await get_json(client, "/api/v1/bookmarks", alice) == []


async def test_bookmarks_leave_out_posts_no_longer_visible(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    await node.publisher.follow(bob.actor, alice.actor)
    status = await post_status(client, alice, status="friends", visibility="private")
    await act(client, bob, status["id"], "bookmark")
    assert len(await get_json(client, "/api/v1/bookmarks", bob)) == 1
    await node.publisher.unfollow(bob.actor, alice.actor)
    assert await get_json(client, "/api/v1/bookmarks", bob) == []


async def test_bookmark_needs_its_scope(
    client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser
) -> None:
    status = await post_status(client, alice, status="save me")
    poster = await make_user("poster", scopes=["write:statuses"])
    response = await client.post(
        f"/api/v1/statuses/{status['id']}/bookmark", headers=poster.headers
    )
    assert response.status_code == 403
