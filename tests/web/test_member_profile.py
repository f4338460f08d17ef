"""Editing the profile: every setting reaches the accounts API, refusals come back with the form."""

import re

import pytest

from fedi.app import Node
from fedi.db import actors as actors_db
from tests.support.images import png_bytes
from tests.web.conftest import MakeBrowser
from tests.web.member_support import api_get

pytestmark = pytest.mark.asyncio(loop_scope="session")

FULL_FORM = {
    "display_name": "Alice Advocate",
    "note": "Lawyer, Tunis. PGP on request.",
    "field_name_0": "Office",
    "field_value_0": "Tunis",
    "field_name_1": "Languages",
    "field_value_1": "ar, fr",
    "locked": "1",
    "shielded": "1",
    "hide_collections": "1",
    "privacy": "private",
    "language": "fr",
}


async def test_a_visitor_is_sent_to_sign_in(make_browser: MakeBrowser) -> None:
    visitor = await make_browser()
    response = await visitor.http.get("/settings/profile")
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/sign_in?next=%2Fsettings%2Fprofile"


async def test_the_form_shows_the_current_profile_and_explains_shielding(
    make_browser: MakeBrowser,
) -> None:
    alice = await make_browser("alice")
    html = await alice.page("/settings/profile")
    assert 'id="profile-display-name"' in html
    assert 'name="shielded"' in html
    assert "left out of directories and search" in html
    assert 'href="/settings/sessions"' in html
    assert 'href="#language-choice"' in html
    assert 'enctype="multipart/form-data"' in html


async def test_saving_changes_every_setting(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    response = await alice.submit("/settings/profile", FULL_FORM, token_from="/settings/profile")
    assert response.status_code == 303
    assert response.headers["location"] == "/settings/profile?notice=member_profile_saved"
    account = await api_get(alice, "/api/v1/accounts/verify_credentials")
    assert account["display_name"] == "Alice Advocate"
    assert account["source"]["note"] == "Lawyer, Tunis. PGP on request."
    assert [(f["name"], f["value"]) for f in account["source"]["fields"]] == [
        ("Office", "Tunis"),
        ("Languages", "ar, fr"),
    ]
    assert account["locked"] is True
    assert account["bot"] is False
    assert account["source"]["shielded"] is True
    assert account["source"]["hide_collections"] is True
    assert account["source"]["discoverable"] is False
    assert account["source"]["privacy"] == "private"
    assert account["source"]["language"] == "fr"
    html = await alice.page("/settings/profile?notice=member_profile_saved")
    assert "Your profile is saved." in html
    assert 'value="Alice Advocate"' in html
    assert re.search(r'<input type="checkbox" id="profile-shielded"[^>]* checked>', html)
    assert '<option value="private" selected>' in html


async def test_an_unticked_box_turns_the_setting_off(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    await alice.submit("/settings/profile", FULL_FORM, token_from="/settings/profile")
    unticked = {k: v for k, v in FULL_FORM.items() if k not in ("shielded", "locked")}
    await alice.submit("/settings/profile", unticked, token_from="/settings/profile")
    account = await api_get(alice, "/api/v1/accounts/verify_credentials")
    assert account["source"]["shielded"] is False
    assert account["locked"] is False
    assert account["source"]["hide_collections"] is True


async def test_an_avatar_upload_becomes_the_profile_picture(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    before = await api_get(alice, "/api/v1/accounts/verify_credentials")
    response = await alice.submit(
        "/settings/profile",
        {"display_name": "Alice"},
        token_from="/settings/profile",
        files={
            "avatar": ("me.png", png_bytes((64, 64)), "image/png"),
            "header": ("", b"", "application/octet-stream"),
        },
    )
    assert response.status_code == 303, response.text[:500]
    account = await api_get(alice, "/api/v1/accounts/verify_credentials")
    assert account["avatar"] != before["avatar"]
    assert account["avatar"].startswith(node.settings.base_url + "/media/")
    assert account["header"] == before["header"]
    html = await alice.page("/settings/profile")
    assert f'src="{account["avatar"]}"' in html


async def test_an_image_the_api_cannot_read_is_refused_with_the_form_kept(
    make_browser: MakeBrowser,
) -> None:
    alice = await make_browser("alice")
    response = await alice.submit(
        "/settings/profile",
        {"display_name": "Kept name"},
        token_from="/settings/profile",
        files={"avatar": ("me.png", b"not an image at all", "image/png")},
    )
    assert response.status_code == 422
    assert "Your profile was not saved." in response.text
    assert 'value="Kept name"' in response.text
    account = await api_get(alice, "/api/v1/accounts/verify_credentials")
    assert account["display_name"] != "Kept name"


async def test_a_display_name_too_long_is_refused_with_a_clear_message(
    make_browser: MakeBrowser,
) -> None:
    alice = await make_browser("alice")
    too_long = "A" * 31
    response = await alice.submit(
        "/settings/profile",
        {**FULL_FORM, "display_name": too_long},
        token_from="/settings/profile",
    )
    assert response.status_code == 422
    assert "Your profile was not saved." in response.text
    assert "display_name may have at most 30 characters" in response.text
    assert f'value="{too_long}"' in response.text
    assert "Lawyer, Tunis. PGP on request.</textarea>" in response.text
    account = await api_get(alice, "/api/v1/accounts/verify_credentials")
    assert account["display_name"] != too_long
    assert account["source"]["shielded"] is False


async def test_a_form_without_its_csrf_token_changes_nothing(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    response = await alice.http.post("/settings/profile", data={"display_name": "Forged"})
    assert response.status_code == 403
    assert alice.actor is not None
    async with node.pool.acquire() as conn:
        actor = await actors_db.by_id(conn, alice.actor.id)
    assert actor is not None and actor.display_name != "Forged"


async def test_what_was_typed_is_shown_as_text(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    await alice.submit(
        "/settings/profile",
        {"display_name": '"><script>1', "note": "</textarea><script>2</script>"},
        token_from="/settings/profile",
    )
    html = await alice.page("/settings/profile")
    assert "<script>1" not in html and "<script>2" not in html
    assert 'value="&#34;&gt;&lt;script&gt;1"' in html
    assert "&lt;/textarea&gt;&lt;script&gt;2&lt;/script&gt;</textarea>" in html
