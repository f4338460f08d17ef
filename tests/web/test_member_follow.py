"""Follow by handle: an account or group found by handle or address, followed or joined."""

import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from tests.support.actors import remote_actor
from tests.support.groups import make_group, membership
from tests.web.conftest import MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_visitor_is_sent_to_sign_in(make_browser: MakeBrowser) -> None:
    visitor = await make_browser()
    response = await visitor.http.get("/follow?q=alice")
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/sign_in?next=%2Ffollow%3Fq%3Dalice"


async def test_a_local_handle_shows_the_account_with_a_follow_button(
    make_browser: MakeBrowser,
) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    await alice.submit(
        "/settings/profile",
        {"display_name": "Alice A.", "note": "Human-rights lawyer"},
        token_from="/settings/profile",
    )
    html = await bob.page("/follow?q=%40alice%40fedi.test")
    assert "<bdi>Alice A.</bdi>" in html
    assert "<bdi>@alice</bdi>" in html
    assert "Human-rights lawyer" in html
    assert 'id="follow-button"' in html
    assert alice.actor is not None
    assert f'name="account_id" value="{alice.actor.id}"' in html


async def test_following_makes_a_follow_and_says_so(make_browser: MakeBrowser, node: Node) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    response = await bob.submit(
        "/follow/confirm", {"account_id": str(alice.actor.id), "q": "alice"}, token_from="/follow"
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/follow?q=alice&notice=member_now_following"
    async with node.pool.acquire() as conn:
        follow = await follows_db.between(conn, bob.actor.id, alice.actor.id)
    assert follow is not None and follow.accepted
    html = await bob.page(response.headers["location"])
    assert "You are following this account now." in html
    assert 'id="follow-state">Following<' in html
    assert 'id="follow-button"' not in html


async def test_a_locked_account_is_requested(make_browser: MakeBrowser, node: Node) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    await alice.submit("/settings/profile", {"locked": "1"}, token_from="/settings/profile")
    assert "approves each follower by hand" in await bob.page("/follow?q=alice")
    response = await bob.submit(
        "/follow/confirm", {"account_id": str(alice.actor.id), "q": "alice"}, token_from="/follow"
    )
    assert response.headers["location"] == "/follow?q=alice&notice=member_follow_requested"
    async with node.pool.acquire() as conn:
        follow = await follows_db.between(conn, bob.actor.id, alice.actor.id)
    assert follow is not None and not follow.accepted
    html = await bob.page(response.headers["location"])
    assert "Requested: waiting for an answer." in html


async def test_a_known_remote_account_is_found_and_followed(
    make_browser: MakeBrowser, node: Node
) -> None:
    bob = await make_browser("bob")
    assert bob.actor is not None
    carol = await remote_actor(node.pool, "carol", "remote.example")
    html = await bob.page("/follow?q=carol@remote.example")
    assert "<bdi>@carol@remote.example</bdi>" in html
    response = await bob.submit(
        "/follow/confirm",
        {"account_id": str(carol.id), "q": "carol@remote.example"},
        token_from="/follow",
    )
    assert response.status_code == 303
    async with node.pool.acquire() as conn:
        assert await follows_db.between(conn, bob.actor.id, carol.id) is not None


async def test_a_profile_address_finds_the_account(make_browser: MakeBrowser) -> None:
    await make_browser("alice")
    bob = await make_browser("bob")
    html = await bob.page("/follow?q=https://fedi.test/@alice")
    assert "<bdi>@alice</bdi>" in html
    assert 'id="follow-button"' in html


async def test_nobody_found_says_so(make_browser: MakeBrowser) -> None:
    bob = await make_browser("bob")
    html = await bob.page("/follow?q=nobody@unknown.example")
    assert 'id="follow-not-found"' in html
    assert "Nobody was found for nobody@unknown.example." in html
    assert 'id="follow-button"' not in html


async def test_following_a_group_of_this_node_joins_it(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    group, _ = await make_group(node, alice.actor, "rights", join_policy="open")
    html = await bob.page("/follow?q=rights")
    assert 'id="follow-button"' in html and ">Join<" in html
    response = await bob.submit(
        "/follow/confirm", {"account_id": str(group.id), "q": "rights"}, token_from="/follow"
    )
    assert response.headers["location"] == "/follow?q=rights&notice=member_joined"
    joined = await membership(node, group, bob.actor)
    assert joined is not None and joined.state == "member"
    assert "You are a member of this group." in await bob.page(response.headers["location"])


async def test_a_group_that_refuses_says_why(make_browser: MakeBrowser, node: Node) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    group, _ = await make_group(node, alice.actor, "closed", join_policy="invite")
    response = await bob.submit(
        "/follow/confirm", {"account_id": str(group.id), "q": "closed"}, token_from="/follow"
    )
    assert response.status_code == 403
    assert "invitation only" in response.text
    assert await membership(node, group, bob.actor) is None


async def test_a_follow_without_the_csrf_token_changes_nothing(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    response = await bob.http.post("/follow/confirm", data={"account_id": str(alice.actor.id)})
    assert response.status_code == 403
    async with node.pool.acquire() as conn:
        assert await follows_db.between(conn, bob.actor.id, alice.actor.id) is None


async def test_names_and_the_query_are_shown_as_text(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    await alice.submit(
        "/settings/profile",
        {"display_name": "<img src=x>", "note": "<script>bad()</script>"},
        token_from="/settings/profile",
    )
    html = await bob.page("/follow?q=alice")
    assert "<img src=x>" not in html and "<script>bad()" not in html
    assert "&lt;img src=x&gt;" in html
    missing = await bob.page("/follow?q=%3Cscript%3Ex%40y.example")
    assert "<script>x@y.example" not in missing


async def test_ones_own_handle_offers_no_follow(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    html = await alice.page("/follow?q=alice")
    assert "This is you." in html
    assert 'id="follow-button"' not in html
