"""Signing up from the pages under each registration mode, and invitation links."""

import re
from typing import Any

import pytest

from fedi.app import Node
from fedi.domain import instance_profile, registrations
from fedi.domain.instance_profile import ProfileChange
from fedi.web import sign_up_pages
from tests.web.conftest import Browser, MakeBrowser, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "a long enough password"


async def set_profile(node: Node, **fields: Any) -> None:
    async with node.pool.acquire() as conn, conn.transaction():
        await instance_profile.change(
            conn, node.settings, ProfileChange(**fields), by_actor_id=None
        )


async def make_invitation(node: Node, **limits: Any) -> str:
    async with node.pool.acquire() as conn:
        made = await registrations.create_invitation(
            conn,
            max_uses=limits.get("max_uses"),
            expires_in=limits.get("expires_in"),
            by_actor_id=None,
        )
    return made.code


async def count_users(node: Node) -> int:
    async with node.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM users"))


def form(**fields: str) -> dict[str, str]:
    return {
        "username": "newcomer",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "agreement": "1",
        **fields,
    }


async def submit(visitor: Browser, page: str = "/auth/sign_up", **fields: str) -> Any:
    return await visitor.submit("/auth/sign_up", form(**fields), token_from=page)


async def test_closed_says_so_and_takes_no_one(make_browser: MakeBrowser, node: Node) -> None:
    visitor = await make_browser()
    html = await visitor.page("/auth/sign_up")
    assert "Registrations are closed" in html
    assert 'id="sign-up-form"' not in html
    response = await submit(visitor)
    assert response.status_code == 403
    assert "Registrations are closed" in response.text
    assert await count_users(node) == 0


async def test_open_makes_the_account_and_signs_the_person_in(
    make_browser: MakeBrowser, node: Node
) -> None:
    await set_profile(node, registrations="open", rules=["Be kind."])
    visitor = await make_browser()
    html = await visitor.page("/auth/sign_up")
    assert 'id="sign-up-form"' in html
    assert "Be kind." in html
    assert 'id="sign-up-reason"' not in html
    response = await submit(visitor, email="new@example.org")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/home?notice=sign_up_welcome"
    assert "fedi_session" in visitor.http.cookies
    home = await visitor.page(response.headers["location"])
    assert "Welcome! Your account is ready." in home
    assert "compose-text" in home
    # The account signs in again the usual way, and the sessions list names this browser.
    again = await make_browser()
    assert (await sign_in(again.http, "newcomer", PASSWORD)).status_code == 303
    assert "This browser" in await visitor.page("/settings/sessions")


async def test_approval_asks_why_and_the_account_waits(
    make_browser: MakeBrowser, node: Node
) -> None:
    await set_profile(node, registrations="approval")
    visitor = await make_browser()
    html = await visitor.page("/auth/sign_up")
    assert 'id="sign-up-reason"' in html
    assert "An administrator reviews each request" in html
    response = await submit(visitor, reason="I host people at risk.")
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/sign_up/waiting"
    assert "fedi_session" not in visitor.http.cookies
    waiting = await visitor.page("/auth/sign_up/waiting")
    assert "Your request is waiting for an administrator." in waiting
    # Signing in is refused until an admin approves the account.
    refused = await sign_in((await make_browser()).http, "newcomer", PASSWORD)
    assert refused.status_code == 401
    admin = await make_browser("boss", is_admin=True)
    pending = await admin.page("/admin/accounts?status=pending")
    assert "newcomer" in pending
    async with node.pool.acquire() as conn:
        newcomer_id = await conn.fetchval("SELECT id FROM actors WHERE username = 'newcomer'")
        reason = await conn.fetchval(
            "SELECT sign_up_reason FROM users WHERE actor_id = $1", newcomer_id
        )
    assert reason == "I host people at risk."
    approved = await admin.submit(
        f"/admin/accounts/{newcomer_id}/approve", token_from="/admin/accounts?status=pending"
    )
    assert approved.status_code == 303
    assert (await sign_in((await make_browser()).http, "newcomer", PASSWORD)).status_code == 303


async def test_invite_mode_needs_an_invitation_link(make_browser: MakeBrowser, node: Node) -> None:
    await set_profile(node, registrations="invite")
    code = await make_invitation(node, max_uses=1)
    visitor = await make_browser()
    html = await visitor.page("/auth/sign_up")
    assert "An invitation is needed to sign up here." in html
    assert 'id="sign-up-form"' not in html
    html = await visitor.page(f"/invite/{code}")
    assert f'<input type="hidden" name="invite_code" value="{code}">' in html
    assert "You were invited to join." in html
    response = await submit(visitor, f"/invite/{code}", invite_code=code)
    assert response.status_code == 303
    assert response.headers["location"] == "/home?notice=sign_up_welcome"
    # Used up: the link now says so, and opens nothing.
    later = await make_browser()
    html = await later.page(f"/invite/{code}", status=404)
    assert "This invitation has expired, been used up or been revoked." in html
    assert 'id="sign-up-form"' not in html
    assert await count_users(node) == 1


async def test_an_unknown_invitation_link_is_404(make_browser: MakeBrowser, node: Node) -> None:
    await set_profile(node, registrations="invite")
    visitor = await make_browser()
    html = await visitor.page("/invite/no-such-code", status=404)
    assert "This invitation has expired" in html


async def test_an_invitation_in_approval_mode_skips_the_wait(
    make_browser: MakeBrowser, node: Node
) -> None:
    await set_profile(node, registrations="approval")
    code = await make_invitation(node)
    visitor = await make_browser()
    html = await visitor.page(f"/invite/{code}")
    assert 'id="sign-up-reason"' not in html
    response = await submit(visitor, f"/invite/{code}", invite_code=code)
    assert response.headers["location"] == "/home?notice=sign_up_welcome"


async def test_passwords_that_differ_make_nothing(make_browser: MakeBrowser, node: Node) -> None:
    await set_profile(node, registrations="open")
    visitor = await make_browser()
    response = await submit(visitor, password_again="something else", email="kept@example.org")
    assert response.status_code == 422
    assert "The two passwords are not the same." in response.text
    assert 'value="newcomer"' in response.text
    assert 'value="kept@example.org"' in response.text
    assert PASSWORD not in response.text
    assert await count_users(node) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"agreement": ""}, "You must accept the rules to sign up."),
        ({"username": "no spaces"}, "A username has 1 to 30 letters, digits or underscores."),
        ({"username": "taken"}, "This username is not available."),
        ({"password": "short", "password_again": "short"}, "The password must be at least 8"),
    ],
)
async def test_the_apis_refusal_is_shown_and_nothing_is_made(
    make_browser: MakeBrowser, node: Node, fields: dict[str, str], message: str
) -> None:
    await make_browser("taken")
    await set_profile(node, registrations="open")
    visitor = await make_browser()
    response = await submit(visitor, **fields)
    assert response.status_code == 422
    assert message in response.text
    assert 'id="sign-up-form"' in response.text
    assert await count_users(node) == 1


async def test_the_refusal_is_in_the_readers_language(
    make_browser: MakeBrowser, node: Node
) -> None:
    await make_browser("taken")
    await set_profile(node, registrations="open")
    visitor = await make_browser(**{"accept-language": "ar"})
    response = await submit(visitor, username="taken")
    assert response.status_code == 422
    assert 'dir="rtl"' in response.text
    assert "This username is not available." not in response.text
    assert "اسم المستخدم هذا غير متاح." in response.text


async def test_a_form_without_its_csrf_token_makes_nothing(
    make_browser: MakeBrowser, node: Node
) -> None:
    await set_profile(node, registrations="open")
    visitor = await make_browser()
    response = await visitor.http.post("/auth/sign_up", data=form())
    assert response.status_code == 403
    assert await count_users(node) == 0


async def test_rules_and_typed_text_are_shown_as_text(
    make_browser: MakeBrowser, node: Node
) -> None:
    await set_profile(node, registrations="approval", rules=["<script>alert(1)</script>"])
    visitor = await make_browser()
    html = await visitor.page("/auth/sign_up")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    response = await submit(visitor, username="<b>bold</b>", reason="</textarea><script>x</script>")
    assert response.status_code == 422
    assert "<b>bold</b>" not in response.text
    assert "</textarea><script>" not in response.text


async def test_a_member_is_sent_home(make_browser: MakeBrowser, node: Node) -> None:
    await set_profile(node, registrations="open")
    member = await make_browser("member")
    for path in ("/auth/sign_up", "/invite/anything"):
        response = await member.http.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/home"


async def test_the_layout_names_the_node_as_its_admins_do(
    make_browser: MakeBrowser, node: Node
) -> None:
    await set_profile(node, name="Réseau <Abri>")
    html = await (await make_browser()).page("/auth/sign_up")
    assert "<bdi>Réseau &lt;Abri&gt;</bdi>" in html


async def test_the_form_knows_every_message_the_api_gives() -> None:
    assert set(registrations.MESSAGES) <= sign_up_pages.API_MESSAGES
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", registrations.new_code())
