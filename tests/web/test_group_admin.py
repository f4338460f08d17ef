"""Group administration pages: requests, invitations, roles, bans, removals, settings, spaces,
the moderation log; and who may not use them."""

import pytest

from fedi.app import Node
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.db.groups import Group
from tests.fedi.api.group_support import add_space, make_group
from tests.support.groups import membership, put_member
from tests.web.conftest import Browser, MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")

MANAGE = "/groups/lawyers/manage"


async def owner_and_member(
    node: Node, make_browser: MakeBrowser, visibility: str = "public", policy: str = "approval"
) -> tuple[Browser, Browser, Group]:
    """alice owns the group `lawyers`; bob is an approved member of it."""
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    group = await make_group(
        node, alice.actor, "lawyers", visibility, join_policy=policy, members=(bob.actor,)
    )
    return alice, bob, group


async def post_in_group(node: Node, browser: Browser, group: Group, text: str) -> int:
    """A post written with the group page's composer; its id."""
    response = await browser.submit(
        "/compose",
        {"status": text, "visibility": "public", "target": f"g:{group.id}"},
        token_from="/groups/lawyers",
    )
    assert response.status_code == 303, response.text
    async with node.pool.acquire() as conn:
        post_id = await conn.fetchval(
            "SELECT id FROM posts WHERE group_id = $1 ORDER BY id DESC LIMIT 1", group.id
        )
    assert isinstance(post_id, int)
    return post_id


async def test_a_request_approved_on_the_requests_page_makes_a_member(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice, _, group = await owner_and_member(node, make_browser)
    carol = await make_browser("carol")
    assert carol.actor is not None
    await carol.submit("/groups/lawyers/join", token_from="/groups/lawyers")
    html = await alice.page(MANAGE)
    assert f'id="approve-{carol.actor.id}"' in html and "@carol" in html
    response = await alice.submit(f"{MANAGE}/requests/{carol.actor.id}/approve", token_from=MANAGE)
    assert response.headers["location"] == f"{MANAGE}?notice=groups_request_approved"
    found = await membership(node, group, carol.actor)
    assert found is not None and found.state == "member"
    html = await alice.page(response.headers["location"])
    assert "The request is approved: they are a member now." in html
    assert "@carol" not in html.split('id="main"')[1]
    assert "@carol" in await alice.page(f"{MANAGE}/members")
    assert "You are a member of this group" in await carol.page("/groups/lawyers")


async def test_a_refused_request_leaves_no_row(node: Node, make_browser: MakeBrowser) -> None:
    alice, _, group = await owner_and_member(node, make_browser)
    carol = await make_browser("carol")
    assert carol.actor is not None
    await put_member(node, group, carol.actor, state="pending")
    await alice.submit(f"{MANAGE}/requests/{carol.actor.id}/reject", token_from=MANAGE)
    assert await membership(node, group, carol.actor) is None


async def test_inviting_a_local_account_and_a_bad_handle(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice, _, group = await owner_and_member(node, make_browser, "members", "invite")
    carol = await make_browser("carol")
    assert carol.actor is not None
    page = f"{MANAGE}/invitations"
    response = await alice.submit(page, {"handle": "@carol"}, token_from=page)
    assert response.headers["location"] == f"{page}?notice=groups_invited"
    found = await membership(node, group, carol.actor)
    assert found is not None and found.state == "invited"
    assert "@carol" in await alice.page(page)
    assert "Accept the invitation" in await carol.page("/groups/lawyers")
    response = await alice.submit(page, {"handle": "nobody_here"}, token_from=page)
    assert response.status_code == 404
    assert "no local account nobody_here" in response.text
    assert 'value="nobody_here"' in response.text


async def test_an_api_refusal_quoting_a_percent_sign_is_shown_as_typed(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice, _, _ = await owner_and_member(node, make_browser, "members", "invite")
    page = f"{MANAGE}/invitations"
    response = await alice.submit(page, {"handle": "half%_of"}, token_from=page)
    assert response.status_code == 404
    assert "no local account half%_of" in response.text


async def test_a_confidential_group_invites_no_remote_handle(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice, _, _ = await owner_and_member(node, make_browser, "confidential", "invite")
    page = f"{MANAGE}/invitations"
    response = await alice.submit(page, {"handle": "someone@far.example"}, token_from=page)
    assert response.status_code == 403
    assert "a confidential group has local members only" in response.text


async def test_changing_a_role_on_the_members_page(node: Node, make_browser: MakeBrowser) -> None:
    alice, bob, group = await owner_and_member(node, make_browser)
    assert bob.actor is not None
    page = f"{MANAGE}/members"
    html = await alice.page(page)
    assert f'id="role-{bob.actor.id}"' in html
    response = await alice.submit(
        f"{page}/{bob.actor.id}/role", {"role": "moderator"}, token_from=page
    )
    assert response.headers["location"] == f"{page}?notice=groups_role_changed"
    found = await membership(node, group, bob.actor)
    assert found is not None and found.role == "moderator"
    html = await alice.page(page)
    cell = html.split(f'id="role-of-{bob.actor.id}">')[1].split("</td>")[0]
    assert cell == "Moderator"
    # A moderator manages members but sees no role form and may not change roles.
    html = await bob.page(page)
    assert 'name="role"' not in html and "Settings" not in html.split("</nav>")[0]
    response = await bob.submit(
        f"{page}/{alice.actor.id if alice.actor else 0}/role", {"role": "member"}, token_from=page
    )
    assert response.status_code == 403
    owner = await membership(node, group, alice.actor) if alice.actor else None
    assert owner is not None and owner.role == "owner"


async def test_banning_unbanning_and_removing_members(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice, bob, group = await owner_and_member(node, make_browser)
    carol = await make_browser("carol")
    assert bob.actor is not None and carol.actor is not None
    await put_member(node, group, carol.actor)
    page = f"{MANAGE}/members"
    response = await alice.submit(
        f"{page}/{bob.actor.id}/ban", {"reason": "threats"}, token_from=page
    )
    assert response.headers["location"] == f"{page}?notice=groups_banned"
    found = await membership(node, group, bob.actor)
    assert found is not None and found.state == "banned"
    html = await alice.page(page)
    assert f'id="unban-{bob.actor.id}"' in html
    assert "You cannot join this group." in await bob.page("/groups/lawyers")
    await alice.submit(f"{page}/{bob.actor.id}/unban", token_from=page)
    assert await membership(node, group, bob.actor) is None
    response = await alice.submit(f"{page}/{carol.actor.id}/remove", token_from=page)
    assert response.headers["location"] == f"{page}?notice=groups_member_removed"
    assert await membership(node, group, carol.actor) is None
    assert "Request to join" in await carol.page("/groups/lawyers")
    log = await alice.page(f"{MANAGE}/log")
    assert "Banned" in log and "threats" in log and "Lifted a ban" in log


async def test_a_moderator_removes_a_post_from_the_group_page(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice, bob, group = await owner_and_member(node, make_browser)
    post_id = await post_in_group(node, bob, group, "Spam spam spam")
    html = await alice.page("/groups/lawyers")
    assert "Spam spam spam" in html and f'id="remove-post-{post_id}"' in html
    assert f'id="remove-post-{post_id}"' not in await bob.page("/groups/lawyers")
    response = await alice.submit(
        f"{MANAGE}/posts/{post_id}/remove",
        {"reason": "off topic", "back": "/groups/lawyers"},
        token_from="/groups/lawyers",
    )
    assert response.headers["location"] == "/groups/lawyers?notice=groups_post_removed"
    html = await alice.page(response.headers["location"])
    assert "Spam spam spam" not in html
    assert "The post is removed from the group." in html
    async with node.pool.acquire() as conn:
        assert await posts_db.by_id(conn, post_id) is None
    log = await alice.page(f"{MANAGE}/log")
    assert "Removed a post" in log and "off topic" in log and "@bob" in log


async def test_a_moderator_moves_a_post_to_another_space(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice, bob, group = await owner_and_member(node, make_browser)
    assert alice.actor is not None
    space = await add_space(node, group, alice.actor, "campaign")
    post_id = await post_in_group(node, bob, group, "Belongs to the campaign")
    response = await alice.submit(
        f"{MANAGE}/posts/{post_id}/move",
        {"space_id": str(space.id), "back": "/groups/lawyers"},
        token_from="/groups/lawyers",
    )
    assert response.headers["location"] == "/groups/lawyers?notice=groups_post_moved"
    assert "Belongs to the campaign" not in await alice.page("/groups/lawyers")
    assert "Belongs to the campaign" in await alice.page("/groups/lawyers/spaces/campaign")
    log = await alice.page(f"{MANAGE}/log")
    assert "Moved a post to the space" in log and "campaign" in log


async def test_members_may_not_remove_posts(node: Node, make_browser: MakeBrowser) -> None:
    alice, bob, group = await owner_and_member(node, make_browser)
    post_id = await post_in_group(node, alice, group, "Owner's notice")
    response = await bob.submit(
        f"{MANAGE}/posts/{post_id}/remove", {"reason": "mine now"}, token_from="/groups/lawyers"
    )
    assert response.status_code == 403
    async with node.pool.acquire() as conn:
        assert await posts_db.by_id(conn, post_id) is not None


async def test_saving_the_settings(node: Node, make_browser: MakeBrowser) -> None:
    alice, bob, group = await owner_and_member(node, make_browser)
    page = f"{MANAGE}/settings"
    html = await alice.page(page)
    assert 'id="group-visibility-public" name="visibility" value="public" required checked' in html
    response = await alice.submit(
        page,
        {
            "display_name": "Lawyers Collective",
            "note": "Legal aid",
            "rules": "Be kind\n\nNo doxxing\n",
            "visibility": "members",
            "join_policy": "invite",
            "language": "fr",
        },
        token_from=page,
    )
    assert response.headers["location"] == f"{page}?notice=groups_settings_saved"
    html = await bob.page("/groups/lawyers")
    for text in ("Lawyers Collective", "Legal aid", "Be kind", "No doxxing", "Members only"):
        assert text in html, text
    assert "By invitation only" in html
    async with node.pool.acquire() as conn:
        settings = await groups_db.settings_of(conn, group.id)
    assert settings is not None
    assert settings.rules == ["Be kind", "No doxxing"] and settings.language == "fr"
    await (await make_browser()).page("/groups/lawyers", status=404)
    assert "set_visibility" not in await alice.page(f"{MANAGE}/log")
    assert "Changed who can see the group to" in await alice.page(f"{MANAGE}/log")


async def test_bad_settings_show_the_message_and_change_nothing(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice, _, _ = await owner_and_member(node, make_browser)
    page = f"{MANAGE}/settings"
    rules = "\n".join(f"rule {n}" for n in range(25))
    response = await alice.submit(
        page,
        {"display_name": "Renamed", "rules": rules, "visibility": "public"},
        token_from=page,
    )
    assert response.status_code == 422
    assert "rules may have at most 20 items" in response.text
    assert 'value="Renamed"' in response.text
    assert "Renamed" not in await alice.page("/groups/lawyers")


async def test_creating_a_space(node: Node, make_browser: MakeBrowser) -> None:
    alice, bob, _ = await owner_and_member(node, make_browser, "members")
    page = f"{MANAGE}/spaces"
    html = await alice.page(page)
    assert 'value="public"' not in html.split('id="space-visibility"')[1]
    response = await alice.submit(
        page,
        {
            "name": "Court Cases",
            "slug": "court",
            "description": "Hearings",
            "visibility": "members",
        },
        token_from=page,
    )
    assert response.headers["location"] == f"{page}?notice=groups_space_created"
    assert 'href="/groups/lawyers/spaces/court"' in await alice.page(page)
    html = await bob.page("/groups/lawyers/spaces/court")
    assert "Court Cases" in html and "Hearings" in html
    response = await alice.submit(page, {"name": "Again", "slug": "court"}, token_from=page)
    assert response.status_code == 409
    assert "already has a space called" in response.text


async def test_who_may_open_the_administration(node: Node, make_browser: MakeBrowser) -> None:
    alice, bob, _ = await owner_and_member(node, make_browser, "members")
    assert bob.actor is not None
    # A member who does not moderate: 403 everywhere; a stranger to a members group: 404.
    for path in ("", "/invitations", "/members", "/spaces", "/settings", "/log"):
        await bob.page(MANAGE + path, status=403)
    stranger = await make_browser("mallory")
    html = await stranger.page(MANAGE, status=404)
    assert "lawyers" not in html
    visitor = await make_browser()
    response = await visitor.http.get(MANAGE)
    assert response.status_code == 303 and "/auth/sign_in" in response.headers["location"]
    # A moderator opens the member tabs, not the admin ones.
    await alice.submit(
        f"{MANAGE}/members/{bob.actor.id}/role",
        {"role": "moderator"},
        token_from=f"{MANAGE}/members",
    )
    await bob.page(MANAGE)
    await bob.page(f"{MANAGE}/members")
    for path in ("/spaces", "/settings", "/log"):
        await bob.page(MANAGE + path, status=403)
    assert 'id="manage-group"' in await bob.page("/groups/lawyers")


async def test_admin_forms_without_csrf_token_change_nothing(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice, bob, group = await owner_and_member(node, make_browser)
    carol = await make_browser("carol")
    assert bob.actor is not None and carol.actor is not None
    await put_member(node, group, carol.actor, state="pending")
    post_id = await post_in_group(node, bob, group, "Still here")
    forged = [
        (f"{MANAGE}/requests/{carol.actor.id}/approve", {}),
        (f"{MANAGE}/members/{bob.actor.id}/role", {"role": "admin"}),
        (f"{MANAGE}/members/{bob.actor.id}/ban", {}),
        (f"{MANAGE}/posts/{post_id}/remove", {}),
        (f"{MANAGE}/settings", {"display_name": "Forged", "visibility": "public"}),
        (f"{MANAGE}/spaces", {"name": "forged"}),
        (f"{MANAGE}/invitations", {"handle": "carol"}),
    ]
    for path, data in forged:
        response = await alice.http.post(path, data=data)
        assert response.status_code == 403, path
    pending = await membership(node, group, carol.actor)
    assert pending is not None and pending.state == "pending"
    member = await membership(node, group, bob.actor)
    assert member is not None and (member.state, member.role) == ("member", "member")
    html = await alice.page("/groups/lawyers")
    assert "Still here" in html and "Forged" not in html and "forged" not in html
    assert "Nothing has been logged yet." in await alice.page(f"{MANAGE}/log")
