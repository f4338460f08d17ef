"""The node admins' account pages: the filtered list, one account, its actions and their undoing."""

import pytest

from fedi.app import Node
from fedi.db import account_moderation as moderation_db
from fedi.db.account_moderation import Standing
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from tests.support.actors import remote_actor
from tests.web.admin_moderation_support import (
    api_json,
    assert_admins_only,
    audit_actions,
    forged_post,
)
from tests.web.conftest import Browser, MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGE = "/admin/accounts"


async def standing(node: Node, actor: Actor) -> Standing:
    async with node.pool.acquire() as conn:
        return await moderation_db.standing(conn, actor.id)


async def member_actor(make_browser: MakeBrowser, name: str) -> tuple[Browser, Actor]:
    browser = await make_browser(name)
    assert browser.actor is not None
    return browser, browser.actor


async def test_only_admins_see_the_account_pages(make_browser: MakeBrowser) -> None:
    html = await assert_admins_only(make_browser, PAGE)
    assert '<a href="/admin/accounts" aria-current="page">' in html
    assert "<bdi>@root</bdi>" in html
    _, bob = await member_actor(make_browser, "bob")
    detail = f"{PAGE}/{bob.id}"
    admin = await make_browser("boss", is_admin=True)
    assert "<bdi>@bob</bdi>" in await admin.page(detail)
    other = await make_browser("other")
    await other.page(detail, status=403)
    visitor = await make_browser()
    assert (await visitor.http.get(detail)).status_code == 303


async def test_the_list_filters_by_origin_standing_and_username(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    _, bob = await member_actor(make_browser, "bob")
    await member_actor(make_browser, "carol")
    await remote_actor(node.pool, "mallory")
    async with node.pool.acquire() as conn:
        await moderation_db.set_state(conn, bob.id, "silenced", True)
    everyone = await admin.page(PAGE)
    for handle in ("@root", "@bob", "@carol", "@mallory@remote.example"):
        assert f"<bdi>{handle}</bdi>" in everyone
    assert '<li class="badge">Admin</li>' in everyone
    assert '<li class="badge warn">Limited</li>' in everyone
    remote = await admin.page(f"{PAGE}?origin=remote")
    assert "<bdi>@mallory@remote.example</bdi>" in remote
    assert "<bdi>@bob</bdi>" not in remote
    assert '<option value="remote" selected>' in remote
    limited = await admin.page(f"{PAGE}?status=silenced")
    assert "<bdi>@bob</bdi>" in limited
    assert "<bdi>@carol</bdi>" not in limited
    found = await admin.page(f"{PAGE}?username=ca")
    assert "<bdi>@carol</bdi>" in found
    assert "<bdi>@bob</bdi>" not in found
    nothing = await admin.page(f"{PAGE}?username=zzz&origin=nowhere")
    assert "No account matches." in nothing
    from_there = await admin.page(f"{PAGE}?by_domain=Remote.Example")
    assert "<bdi>@mallory@remote.example</bdi>" in from_there
    assert "<bdi>@carol</bdi>" not in from_there
    response = await admin.http.get(PAGE, params={"by_domain": "not a domain"})
    assert response.status_code == 422
    assert "by_domain is not a domain name" in response.text


async def test_suspending_and_unsuspending_through_the_pages(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    _, bob = await member_actor(make_browser, "bob")
    detail = f"{PAGE}/{bob.id}"
    assert 'id="account-unsuspend"' not in await admin.page(detail)
    response = await admin.submit(
        f"{detail}/action", {"type": "suspend", "text": "threats"}, token_from=detail
    )
    assert response.headers["location"] == f"{detail}?notice=admin_account_acted"
    assert (await standing(node, bob)).suspended
    html = await admin.page(f"{detail}?notice=admin_account_acted")
    assert "The action on the account is done." in html
    assert '<li class="badge danger">Suspended</li>' in html
    assert 'id="account-unsuspend"' in html
    response = await admin.submit(f"{detail}/unsuspend", token_from=detail)
    assert response.headers["location"] == f"{detail}?notice=admin_account_unsuspended"
    assert not (await standing(node, bob)).suspended
    assert 'id="account-unsuspend"' not in await admin.page(detail)
    actions = await audit_actions(node)
    assert actions == [("account.suspend", bob.handle), ("account.unsuspend", bob.handle)]


async def test_limits_sensitive_marks_and_disabled_sign_in_are_lifted_by_their_buttons(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    _, bob = await member_actor(make_browser, "bob")
    detail = f"{PAGE}/{bob.id}"
    for kind in ("silence", "sensitive", "disable"):
        response = await admin.submit(f"{detail}/action", {"type": kind}, token_from=detail)
        assert response.status_code == 303, response.text
    imposed = await standing(node, bob)
    assert (imposed.silenced, imposed.sensitized, imposed.disabled) == (True, True, True)
    html = await admin.page(detail)
    for step in ("unsilence", "unsensitive", "enable"):
        assert f'id="account-{step}"' in html
        response = await admin.submit(f"{detail}/{step}", token_from=detail)
        assert response.status_code == 303, response.text
    lifted = await standing(node, bob)
    assert not (lifted.silenced or lifted.sensitized or lifted.disabled)


async def test_a_remote_account_cannot_be_disabled_and_has_no_sign_up_to_approve(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    mallory = await remote_actor(node.pool, "mallory")
    html = await admin.page(f"{PAGE}/{mallory.id}")
    assert "<bdi>remote.example</bdi>" in html
    assert 'value="disable"' not in html
    assert 'id="account-approve"' not in html
    response = await admin.submit(
        f"{PAGE}/{mallory.id}/action", {"type": "silence"}, token_from=f"{PAGE}/{mallory.id}"
    )
    assert response.status_code == 303
    assert (await standing(node, mallory)).silenced


async def test_approved_members_show_no_approval_buttons(make_browser: MakeBrowser) -> None:
    admin = await make_browser("root", is_admin=True)
    _, bob = await member_actor(make_browser, "bob")
    shown = await api_json(admin, "GET", f"/api/v1/admin/accounts/{bob.id}")
    assert shown["approved"] is True
    html = await admin.page(f"{PAGE}/{bob.id}")
    assert 'id="account-approve"' not in html
    assert 'id="account-reject"' not in html


async def test_acting_on_an_admin_is_refused_with_the_apis_reason(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    other = await make_browser("chief", is_admin=True)
    assert other.actor is not None
    detail = f"{PAGE}/{other.actor.id}"
    response = await admin.submit(f"{detail}/action", {"type": "suspend"}, token_from=detail)
    assert response.status_code == 403
    assert 'role="alert"' in response.text
    assert "This action is not allowed" in response.text
    assert not (await standing(node, other.actor)).suspended
    assert await audit_actions(node) == []


async def test_posts_without_the_csrf_token_change_nothing(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    _, bob = await member_actor(make_browser, "bob")
    detail = f"{PAGE}/{bob.id}"
    forged = await forged_post(admin, f"{detail}/action", {"type": "suspend"})
    assert forged.status_code == 403
    assert not (await standing(node, bob)).suspended
    await admin.submit(f"{detail}/action", {"type": "silence"}, token_from=detail)
    assert (await forged_post(admin, f"{detail}/unsilence", {})).status_code == 403
    assert (await standing(node, bob)).silenced


async def test_an_unknown_account_is_not_found(make_browser: MakeBrowser) -> None:
    admin = await make_browser("root", is_admin=True)
    await admin.page(f"{PAGE}/99999999", status=404)
    await admin.page(f"{PAGE}/bob", status=404)
    response = await admin.submit(f"{PAGE}/99999999/unsuspend", token_from=PAGE)
    assert response.status_code == 404


async def test_names_and_bios_are_shown_as_text(make_browser: MakeBrowser) -> None:
    admin = await make_browser("root", is_admin=True)
    bob, actor = await member_actor(make_browser, "bob")
    await api_json(
        bob,
        "PATCH",
        "/api/v1/accounts/update_credentials",
        data={"display_name": "<script>alert(1)</script>", "note": "<script>alert(2)</script>"},
    )
    for path in (PAGE, f"{PAGE}/{actor.id}"):
        html = await admin.page(path)
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def waiting_sign_up(node: Node, username: str) -> Actor:
    """A local account whose sign-up waits for an admin's approval."""
    created = await create_user(node.pool, node.urls, node.settings.domain, username)
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE users SET approved_at = NULL, sign_up_reason = $2 WHERE actor_id = $1",
            created.actor.id,
            "I <3 human rights",
        )
    return created.actor


async def test_a_waiting_sign_up_is_approved_or_rejected(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    dora = await waiting_sign_up(node, "dora")
    eve = await waiting_sign_up(node, "eve")
    pending = await admin.page(f"{PAGE}?status=pending")
    assert "<bdi>@dora</bdi>" in pending and "<bdi>@eve</bdi>" in pending
    assert "<bdi>@root</bdi>" not in pending
    detail = f"{PAGE}/{dora.id}"
    html = await admin.page(detail)
    assert '<li class="badge warn">Waiting for approval</li>' in html
    assert "I &lt;3 human rights" in html
    assert 'id="account-approve"' in html and 'id="account-reject"' in html
    response = await admin.submit(f"{detail}/approve", token_from=detail)
    assert response.headers["location"] == f"{detail}?notice=admin_account_approved"
    shown = await api_json(admin, "GET", f"/api/v1/admin/accounts/{dora.id}")
    assert shown["approved"] is True
    assert 'id="account-approve"' not in await admin.page(detail)
    response = await admin.submit(f"{PAGE}/{eve.id}/reject", token_from=detail)
    assert response.headers["location"] == f"{PAGE}?notice=admin_account_rejected"
    await admin.page(f"{PAGE}/{eve.id}", status=404)
    actions = await audit_actions(node)
    assert actions == [("account.approve", dora.handle), ("account.reject", eve.handle)]
    audit = await admin.page("/admin/audit")
    assert "Approved a sign-up" in audit and "Rejected a sign-up" in audit
