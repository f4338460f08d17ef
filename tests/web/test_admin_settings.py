"""Node admins' pages for the instance's settings and invitations, and the admin index."""

import re

import pytest

from fedi.app import Node
from fedi.domain import audit, instance_profile, registrations
from fedi.web import admin_settings_pages
from tests.web.conftest import MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGES = ("/admin", "/admin/settings", "/admin/invitations")
GOOD_FORM = {
    "name": "Shelter City Network",
    "description": "Lawyers and hosts.",
    "rules": "Be kind.\n\nNo doxxing.",
    "registrations": "approval",
}


async def _entries(node: Node) -> list[audit.AuditEntry]:
    async with node.pool.acquire() as conn:
        return await audit.entries(conn)


async def _profile(node: Node) -> instance_profile.InstanceProfile:
    return await instance_profile.effective_from_pool(node.pool, node.settings)


@pytest.mark.parametrize("path", PAGES)
async def test_visitors_sign_in_first_and_members_are_refused(
    make_browser: MakeBrowser, path: str
) -> None:
    visitor = await make_browser()
    response = await visitor.http.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/auth/sign_in?next=")
    member = await make_browser("member")
    html = await member.page(path, status=403)
    assert "This page is for the node" in html and "administrators." in html


async def test_the_index_links_every_admin_page(make_browser: MakeBrowser) -> None:
    admin = await make_browser("boss", is_admin=True)
    html = await admin.page("/admin")
    for target in (
        "/admin/settings",
        "/admin/invitations",
        "/admin/domains",
        "/admin/reports",
        "/admin/accounts",
        "/admin/audit",
        "/admin/accounts?status=pending",
    ):
        assert f'href="{target}"' in html


async def test_the_settings_form_shows_what_is_in_effect(
    make_browser: MakeBrowser, node: Node
) -> None:
    admin = await make_browser("boss", is_admin=True)
    html = await admin.page("/admin/settings")
    assert f'value="{node.settings.instance_name}"' in html
    assert 'id="settings-mode-closed" name="registrations" value="closed"' in html
    assert re.search(r'id="settings-mode-closed"[^>]* checked', html)
    assert re.search(r'id="settings-language-en"[^>]* checked', html)
    assert 'id="settings-language-ar"' in html


async def test_saving_changes_the_node_everywhere_and_is_audited(
    make_browser: MakeBrowser, node: Node
) -> None:
    admin = await make_browser("boss", is_admin=True)
    fields = [*GOOD_FORM.items(), ("languages", "fr"), ("languages", "ar")]
    response = await admin.submit("/admin/settings", fields, token_from="/admin/settings")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/settings?notice=admin_settings_saved"
    html = await admin.page(response.headers["location"])
    assert "The settings are saved." in html
    # The layout names the node as the admin just did.
    assert "<bdi>Shelter City Network</bdi>" in html
    assert re.search(r'id="settings-mode-approval"[^>]* checked', html)
    profile = await _profile(node)
    assert profile.rules == ("Be kind.", "No doxxing.")
    assert profile.languages == ("fr", "ar")
    v2 = (await admin.http.get("/api/v2/instance")).json()
    assert v2["title"] == "Shelter City Network"
    [entry] = await _entries(node)
    assert admin.actor is not None
    assert (entry.actor_id, entry.action) == (admin.actor.id, "instance.update")


async def test_saving_what_is_already_in_effect_changes_and_records_nothing(
    make_browser: MakeBrowser, node: Node
) -> None:
    admin = await make_browser("boss", is_admin=True)
    settings = node.settings
    fields = {
        "name": settings.instance_name,
        "description": settings.instance_description,
        "rules": "",
        "registrations": settings.registrations,
        "languages": "en",
    }
    response = await admin.submit("/admin/settings", fields, token_from="/admin/settings")
    assert response.status_code == 303
    assert await _entries(node) == []


async def test_a_form_without_its_csrf_token_changes_nothing(
    make_browser: MakeBrowser, node: Node
) -> None:
    admin = await make_browser("boss", is_admin=True)
    response = await admin.http.post("/admin/settings", data={**GOOD_FORM, "languages": "en"})
    assert response.status_code == 403
    assert (await _profile(node)).name == node.settings.instance_name
    made = await admin.http.post("/admin/invitations", data={"max_uses": "1"})
    assert made.status_code == 403
    html = await admin.page("/admin/invitations")
    assert "No invitation links yet." in html


async def test_a_member_cannot_post_the_form(make_browser: MakeBrowser, node: Node) -> None:
    member = await make_browser("member")
    response = await member.submit(
        "/admin/settings", {**GOOD_FORM, "languages": "en"}, token_from="/home"
    )
    assert response.status_code == 403
    assert (await _profile(node)).name == node.settings.instance_name


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "   "}, "The name must be 1 to 100 characters long."),
        ({"rules": "\n".join(f"Rule {n}" for n in range(21))}, "There can be at most 20 rules."),
        (
            {"registrations": "sometimes"},
            "The registration mode must be closed, invite, approval or open.",
        ),
    ],
)
async def test_bad_input_shows_a_clear_message_keeps_what_was_typed_and_changes_nothing(
    make_browser: MakeBrowser, node: Node, change: dict[str, str], message: str
) -> None:
    admin = await make_browser("boss", is_admin=True)
    fields = {**GOOD_FORM, "description": "Typed, not saved.", "languages": "de", **change}
    response = await admin.submit("/admin/settings", fields, token_from="/admin/settings")
    assert response.status_code == 422
    assert message in response.text
    assert "Typed, not saved." in response.text
    assert re.search(r'id="settings-language-de"[^>]* checked', response.text)
    assert await _profile(node) == instance_profile.defaults(node.settings)
    assert await _entries(node) == []


async def test_no_language_is_refused_in_the_readers_language(
    make_browser: MakeBrowser, node: Node
) -> None:
    admin = await make_browser("boss", is_admin=True, **{"accept-language": "fr"})
    response = await admin.submit("/admin/settings", GOOD_FORM, token_from="/admin/settings")
    assert response.status_code == 422
    assert "Choisissez au moins une langue." in response.text
    assert (await _profile(node)).languages == node.settings.languages


async def test_text_the_admin_typed_is_shown_as_text(make_browser: MakeBrowser) -> None:
    admin = await make_browser("boss", is_admin=True)
    fields = {
        **GOOD_FORM,
        "name": "<script>alert(1)</script>",
        "rules": "<img src=x onerror=alert(2)>",
        "languages": "en",
    }
    response = await admin.submit("/admin/settings", fields, token_from="/admin/settings")
    assert response.status_code == 303
    html = await admin.page("/admin/settings")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


async def test_an_invitation_link_is_made_listed_and_revoked(
    make_browser: MakeBrowser, node: Node
) -> None:
    admin = await make_browser("boss", is_admin=True)
    response = await admin.submit(
        "/admin/invitations",
        {"max_uses": "5", "expires_in": "86400"},
        token_from="/admin/invitations",
    )
    assert response.status_code == 303
    html = await admin.page(response.headers["location"])
    assert "The invitation link is ready" in html
    found = re.search(r"https://fedi\.test/invite/([A-Za-z0-9_-]+)", html)
    assert found, html
    assert "0 of 5" in html and "Usable" in html
    invitation_id = re.search(r'id="invitation-revoke-(\d+)"', html)
    assert invitation_id
    revoked = await admin.submit(
        f"/admin/invitations/{invitation_id.group(1)}/revoke", token_from="/admin/invitations"
    )
    assert revoked.status_code == 303
    html = await admin.page("/admin/invitations")
    assert "Revoked" in html
    assert "invitation-revoke-" not in html
    actions = [entry.action for entry in await _entries(node)]
    assert actions == ["invitation.revoke", "invitation.create"]


async def test_an_invitation_without_limits_and_the_mode_it_works_in(
    make_browser: MakeBrowser,
) -> None:
    admin = await make_browser("boss", is_admin=True)
    html = await admin.page("/admin/invitations")
    assert "Invitation links open nothing while registrations are closed." in html
    await admin.submit(
        "/admin/invitations", {"max_uses": "", "expires_in": ""}, token_from="/admin/invitations"
    )
    html = await admin.page("/admin/invitations")
    assert "0, no limit" in html
    assert "Never" in html


async def test_a_bad_invitation_shows_the_reason_and_makes_none(
    make_browser: MakeBrowser,
) -> None:
    admin = await make_browser("boss", is_admin=True)
    response = await admin.submit(
        "/admin/invitations",
        {"max_uses": "5000", "expires_in": ""},
        token_from="/admin/invitations",
    )
    assert response.status_code == 422
    assert "An invitation can be used 1 to 1000 times." in response.text
    assert "No invitation links yet." in response.text


async def test_revoking_an_unknown_invitation_is_404(make_browser: MakeBrowser) -> None:
    admin = await make_browser("boss", is_admin=True)
    response = await admin.submit("/admin/invitations/999/revoke", token_from="/admin/invitations")
    assert response.status_code == 404
    assert "This invitation does not exist." in response.text


async def test_the_pages_know_every_message_the_admin_api_gives() -> None:
    expected = set(instance_profile.MESSAGES) | {
        registrations.INVITE_USES,
        registrations.INVITE_EXPIRY,
    }
    assert expected <= admin_settings_pages.API_MESSAGES
