"""Public profiles at /@name: what anyone sees, what a member may do there, remote accounts."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fedi.app import Node
from fedi.config import Settings
from fedi.db import account_moderation as moderation_db
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from fedi.domain.profiles import ProfileChange, ProfileField
from tests.conftest import make_settings
from tests.support.groups import make_group
from tests.support.remote import RemoteServer, new_keys, running
from tests.web.conftest import MakeBrowser, csrf_token

pytestmark = pytest.mark.asyncio(loop_scope="session")

AS_JSON = {"Accept": "application/activity+json"}
KEYS = new_keys()


@pytest.fixture
def settings() -> Settings:
    # The stand-in for another server listens on loopback.
    return make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1")


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        server.add_actor("bob", KEYS.public_pem, manuallyApprovesFollowers=True)
        yield server


async def person(node: Node, name: str) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, name)).actor


async def change_profile(node: Node, actor: Actor, change: ProfileChange, media: Path) -> None:
    await node.publisher.update_profile(actor, change, media)


async def following(node: Node, follower: Actor, followee: Actor) -> bool | None:
    """True when accepted, False when asked, None when there is no follow."""
    async with node.pool.acquire() as conn:
        found = await follows_db.between(conn, follower.id, followee.id)
    return None if found is None else found.accepted


async def test_a_visitor_sees_the_profile_bio_fields_counts_and_public_posts(
    node: Node, make_browser: MakeBrowser, tmp_path: Path
) -> None:
    alice = await person(node, "alice")
    change = ProfileChange(
        display_name="Alice Avocat",
        note="Human-rights lawyer",
        fields=(ProfileField("Office", "Geneva"),),
    )
    await change_profile(node, alice, change, tmp_path)
    await node.publisher.post(alice, Draft("A public statement", language="en"))
    await node.publisher.post(alice, Draft("For friends only", visibility="followers"))
    visitor = await make_browser()
    html = await visitor.page("/@alice")
    assert "<bdi>Alice Avocat</bdi>" in html
    assert "@alice@fedi.test" in html
    assert "Human-rights lawyer" in html
    assert "Office" in html and "Geneva" in html
    # The count is the API's: every post, as Mastodon counts them.
    assert "Posts: 2" in html and "Followers: 0" in html and "Following: 0" in html
    assert "A public statement" in html
    assert "For friends only" not in html
    assert 'type="application/activity+json" href="https://fedi.test/users/alice"' in html
    # A visitor follows from their own server; a Follow button is for members.
    assert 'href="/remote_follow?uri=https%3A//fedi.test/users/alice"' in html
    assert 'id="profile-follow"' not in html


async def test_hidden_collections_hide_the_follower_counts(
    node: Node, make_browser: MakeBrowser, tmp_path: Path
) -> None:
    alice = await person(node, "alice")
    await change_profile(node, alice, ProfileChange(hide_collections=True), tmp_path)
    html = await (await make_browser()).page("/@alice")
    assert "Posts: 0" in html
    assert "Followers:" not in html and "Following:" not in html


async def test_user_text_is_escaped_and_the_bio_sanitised(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await person(node, "alice")
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE actors SET display_name = $1, summary = $2 WHERE id = $3",
            "<script>alert('name')</script>",
            '<p>Bio</p><script>alert("bio")</script><img src="https://tracker.example/x.png">',
            alice.id,
        )
    await node.publisher.post(alice, Draft("<script>alert('post')</script>"))
    html = await (await make_browser()).page("/@alice")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html
    assert "<p>Bio</p>" in html
    assert "tracker.example" not in html


async def test_older_posts_are_a_link_away(node: Node, make_browser: MakeBrowser) -> None:
    alice = await person(node, "alice")
    posts = [await node.publisher.post(alice, Draft(f"post number {n}")) for n in range(22)]
    visitor = await make_browser()
    html = await visitor.page("/@alice")
    assert "post number 21" in html and "post number 1<" not in html
    link = f'href="/@alice?max_id={posts[2].id}"'
    assert link in html
    older = await visitor.page(f"/@alice?max_id={posts[2].id}")
    assert "post number 1" in older and "post number 0" in older
    assert "post number 21" not in older


async def test_servers_are_sent_to_the_actor_and_groups_to_their_page(
    node: Node, make_browser: MakeBrowser
) -> None:
    owner = await person(node, "owner")
    await make_group(node, owner, "lawyers", visibility="public")
    await make_group(node, owner, "circle", visibility="members")
    await make_group(node, owner, "safehouse", visibility="confidential")
    visitor = await make_browser()
    as_server = await visitor.http.get("/@owner", headers=AS_JSON)
    assert as_server.status_code == 302
    assert as_server.headers["location"] == "https://fedi.test/users/owner"
    moved = await visitor.http.get("/@lawyers")
    assert moved.status_code == 303 and moved.headers["location"] == "/groups/lawyers"
    for name in ("circle", "safehouse", "nobody"):
        page = await visitor.http.get(f"/@{name}")
        assert page.status_code == 404
        # The page does not even repeat the name: a probe gets nothing back.
        assert name not in page.text and "This page does not exist." in page.text
        assert (await visitor.http.get(f"/@{name}", headers=AS_JSON)).status_code == 404
    # A group's members do not find it here by name either: the name stays unknown.
    member = await make_browser("member")
    assert (await member.http.get("/@circle")).status_code == 404


async def test_a_suspended_account_is_gone(node: Node, make_browser: MakeBrowser) -> None:
    alice = await person(node, "alice")
    async with node.pool.acquire() as conn:
        await moderation_db.set_state(conn, alice.id, "suspended", True)
    visitor = await make_browser()
    assert (await visitor.http.get("/@alice")).status_code == 410
    assert (await visitor.http.get("/users/alice")).status_code == 410


async def test_a_member_follows_and_unfollows_from_the_profile(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await person(node, "alice")
    reader = await make_browser("reader")
    assert reader.actor is not None
    html = await reader.page("/@alice")
    assert 'action="/@alice/follow"' in html and 'id="profile-remote-follow"' not in html
    done = await reader.submit("/@alice/follow", token_from="/@alice")
    assert done.status_code == 303
    assert done.headers["location"] == "/@alice?notice=public_followed"
    assert await following(node, reader.actor, alice) is True
    html = await reader.page("/@alice?notice=public_followed")
    assert "You follow this account now." in html
    assert 'action="/@alice/unfollow"' in html and "Followers: 1" in html
    done = await reader.submit("/@alice/unfollow", token_from="/@alice")
    assert done.headers["location"] == "/@alice?notice=public_unfollowed"
    assert await following(node, reader.actor, alice) is None


async def test_a_locked_account_shows_requested(
    node: Node, make_browser: MakeBrowser, tmp_path: Path
) -> None:
    alice = await person(node, "alice")
    await change_profile(node, alice, ProfileChange(locked=True), tmp_path)
    reader = await make_browser("reader")
    assert reader.actor is not None
    done = await reader.submit("/@alice/follow", token_from="/@alice")
    assert done.headers["location"] == "/@alice?notice=public_follow_requested"
    assert await following(node, reader.actor, alice) is False
    html = await reader.page("/@alice")
    assert "Requested" in html and 'action="/@alice/unfollow"' in html


async def test_following_without_the_forms_token_changes_nothing(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await person(node, "alice")
    reader = await make_browser("reader")
    assert reader.actor is not None
    forged = await reader.http.post("/@alice/follow", data={})
    assert forged.status_code == 403
    assert await following(node, reader.actor, alice) is None
    # A visitor is sent to sign in, and nothing is followed.
    visitor = await make_browser()
    html = await visitor.page("/@alice")
    answer = await visitor.http.post("/@alice/follow", data={"csrf_token": csrf_token(html)})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/auth/sign_in")


async def test_ones_own_profile_offers_editing_not_following(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    html = await alice.page("/@alice")
    assert 'href="/settings/profile"' in html
    assert 'id="profile-follow"' not in html


async def test_a_member_sees_and_follows_a_remote_account(
    node: Node, make_browser: MakeBrowser, remote: RemoteServer
) -> None:
    acct = f"bob@{remote.domain}"
    visitor = await make_browser()
    sent = await visitor.http.get(f"/@{acct}")
    assert sent.status_code == 303 and sent.headers["location"].startswith("/auth/sign_in")
    reader = await make_browser("reader")
    assert reader.actor is not None
    html = await reader.page(f"/@{acct}")
    assert f"@{acct}" in html and "<bdi>Bob</bdi>" in html
    # Another server's avatar and document are never loaded by the browser.
    assert 'rel="alternate"' not in html
    done = await reader.submit(f"/@{acct}/follow", token_from=f"/@{acct}")
    assert done.headers["location"] == f"/@{acct}?notice=public_follow_requested"
    html = await reader.page(f"/@{acct}")
    assert "Requested" in html
    async with node.pool.acquire() as conn:
        bob = await conn.fetchval("SELECT id FROM actors WHERE username = 'bob'")
        found = await follows_db.between(conn, reader.actor.id, bob)
    assert found is not None and found.accepted is False
    # The node's own accounts have one address.
    own = await reader.http.get("/@reader@fedi.test")
    assert own.status_code == 303 and own.headers["location"] == "/@reader"


async def test_an_unknown_remote_handle_is_not_found(
    make_browser: MakeBrowser, remote: RemoteServer
) -> None:
    reader = await make_browser("reader")
    html = await reader.page(f"/@nobody@{remote.domain}", status=404)
    assert "No account with this address could be found." in html


async def test_pages_under_users_show_the_same_profile(
    node: Node, client: httpx.AsyncClient
) -> None:
    await person(node, "alice")
    response = await client.get("/users/alice", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "@alice@fedi.test" in response.text
