"""The notifications page: each kind shown, read on sight, follow requests answered, cleared."""

import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db import markers as markers_db
from tests.web.conftest import MakeBrowser
from tests.web.member_support import api_get, publish

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_visitor_is_sent_to_sign_in(make_browser: MakeBrowser) -> None:
    visitor = await make_browser()
    response = await visitor.http.get("/notifications")
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/sign_in?next=%2Fnotifications"


async def test_a_mention_shows_with_its_post_and_counts_as_new_once(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    await publish(bob, "@alice the meeting moved to Thursday")
    html = await alice.page("/notifications")
    assert "New: 1" in html
    assert "mentioned you" in html
    assert "<bdi>bob</bdi>" in html
    assert "the meeting moved to Thursday" in html
    assert alice.actor is not None
    async with node.pool.acquire() as conn:
        assert await markers_db.last_read(conn, alice.actor.id, "notifications")
    assert (await api_get(alice, "/api/v1/notifications/unread_count"))["count"] == 0
    again = await alice.page("/notifications")
    assert "New: " not in again
    assert "the meeting moved to Thursday" in again


async def test_a_follow_shows_who_followed(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None
    response = await bob.submit(
        "/follow/confirm", {"account_id": str(alice.actor.id), "q": "alice"}, token_from="/follow"
    )
    assert response.status_code == 303
    html = await alice.page("/notifications")
    assert "followed you" in html
    assert "@bob" in html


async def test_a_follow_request_is_accepted_from_the_page(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    saved = await alice.submit(
        "/settings/profile", {"locked": "1", "privacy": "public"}, token_from="/settings/profile"
    )
    assert saved.status_code == 303, saved.text[:500]
    await bob.submit(
        "/follow/confirm", {"account_id": str(alice.actor.id), "q": "alice"}, token_from="/follow"
    )
    html = await alice.page("/notifications")
    assert "asked to follow you" in html
    assert f'action="/notifications/requests/{bob.actor.id}/authorize"' in html
    answer = await alice.submit(
        f"/notifications/requests/{bob.actor.id}/authorize", token_from="/notifications"
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/notifications?notice=member_request_accepted"
    async with node.pool.acquire() as conn:
        follow = await follows_db.between(conn, bob.actor.id, alice.actor.id)
    assert follow is not None and follow.accepted
    after = await alice.page("/notifications")
    assert "/authorize" not in after


async def test_a_rejected_follow_request_leaves_no_follow(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    await alice.submit("/settings/profile", {"locked": "1"}, token_from="/settings/profile")
    await bob.submit(
        "/follow/confirm", {"account_id": str(alice.actor.id), "q": "alice"}, token_from="/follow"
    )
    answer = await alice.submit(
        f"/notifications/requests/{bob.actor.id}/reject", token_from="/notifications"
    )
    assert answer.headers["location"] == "/notifications?notice=member_request_rejected"
    async with node.pool.acquire() as conn:
        assert await follows_db.between(conn, bob.actor.id, alice.actor.id) is None
    again = await alice.submit(
        f"/notifications/requests/{bob.actor.id}/reject", token_from="/notifications"
    )
    assert again.status_code == 404
    assert "already answered" in again.text


async def test_clear_all_removes_every_notification(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    await publish(bob, "@alice first")
    await publish(bob, "@alice second")
    assert len(await api_get(alice, "/api/v1/notifications")) == 2
    response = await alice.submit("/notifications/clear", token_from="/notifications")
    assert response.status_code == 303
    assert await api_get(alice, "/api/v1/notifications") == []
    html = await alice.page("/notifications?notice=member_notifications_cleared")
    assert "Your notifications are cleared." in html
    assert "No notifications." in html


async def test_clear_without_the_csrf_token_clears_nothing(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    await publish(bob, "@alice keep me")
    response = await alice.http.post("/notifications/clear")
    assert response.status_code == 403
    assert len(await api_get(alice, "/api/v1/notifications")) == 1


async def test_an_answer_without_the_csrf_token_changes_nothing(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    await alice.submit("/settings/profile", {"locked": "1"}, token_from="/settings/profile")
    await bob.submit(
        "/follow/confirm", {"account_id": str(alice.actor.id), "q": "alice"}, token_from="/follow"
    )
    response = await alice.http.post(f"/notifications/requests/{bob.actor.id}/authorize")
    assert response.status_code == 403
    async with node.pool.acquire() as conn:
        follow = await follows_db.between(conn, bob.actor.id, alice.actor.id)
    assert follow is not None and not follow.accepted


async def test_older_notifications_are_a_link_away(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    for number in range(32):
        await publish(bob, f"@alice note number {number}")
    html = await alice.page("/notifications")
    assert "note number 31" in html and "note number 0<" not in html
    link = html.split('<p class="more"><a href="')[1].split('"')[0]
    older = await alice.page(link.replace("&amp;", "&"))
    assert "note number 0<" in older


async def test_names_and_posts_are_shown_as_text(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    await bob.submit(
        "/settings/profile",
        {"display_name": "<script>x</script>"},
        token_from="/settings/profile",
    )
    await publish(bob, "@alice <script>alert(1)</script>")
    html = await alice.page("/notifications")
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


async def test_the_page_speaks_the_readers_language(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    await publish(bob, "@alice مرحبا")
    html = await alice.page("/notifications", headers={"accept-language": "ar"})
    assert 'dir="rtl"' in html
    assert "الجديدة: 1" in html
    assert 'أشار إليك <a href="/@bob"><bdi>bob</bdi></a>' in html
