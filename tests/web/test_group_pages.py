"""The groups directory, group and space pages, joining and leaving, posting into a group."""

import re

import pytest

from fedi.app import Node
from fedi.db.actors import Actor
from fedi.db.groups import Group
from fedi.domain.groups import NewGroup
from outbox.group_actions import GroupActions
from tests.fedi.api.group_support import add_space, make_group
from tests.support.groups import membership, put_member
from tests.web.conftest import MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")

AS_JSON = {"Accept": "application/activity+json"}
_TOKEN_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')


async def named_group(
    node: Node,
    owner: Actor,
    username: str,
    visibility: str,
    *,
    display_name: str = "",
    note: str = "",
    join_policy: str = "open",
    rules: tuple[str, ...] = (),
) -> Group:
    group, _ = await GroupActions(node.publisher).create_group(
        owner,
        NewGroup(
            username=username,
            display_name=display_name,
            summary=note,
            visibility=visibility,
            join_policy=join_policy,
            rules=rules,
        ),
    )
    return group


async def test_visitors_and_strangers_see_only_public_groups_in_the_directory(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    assert alice.actor is not None
    await named_group(node, alice.actor, "lawyers", "public", display_name="Lawyers Collective")
    await named_group(node, alice.actor, "circle", "members", display_name="Inner Circle")
    await named_group(node, alice.actor, "safehouse", "confidential", display_name="Safe House")
    visitor = await make_browser()
    bob = await make_browser("bob")
    for browser in (visitor, bob):
        html = await browser.page("/groups")
        assert "Lawyers Collective" in html
        for hidden in ("circle", "Inner Circle", "safehouse", "Safe House"):
            assert hidden not in html
    assert 'id="create-group"' not in await visitor.page("/groups")
    assert 'id="create-group"' in await bob.page("/groups")


async def test_a_member_finds_their_hidden_groups_under_my_groups(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    assert alice.actor is not None
    await named_group(node, alice.actor, "safehouse", "confidential", display_name="Safe House")
    html = await alice.page("/groups")
    mine = html.split('id="my-groups"')[1].split("</ul>")[0]
    assert "Safe House" in mine
    assert "Members: 1" in mine


async def test_creating_a_group_through_the_form(node: Node, make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    fields = {
        "username": "shelter",
        "display_name": "Shelter City",
        "note": "Hosting defenders",
        "visibility": "members",
        "join_policy": "approval",
        "language": "fr",
    }
    response = await alice.submit("/groups", fields, token_from="/groups")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/groups/shelter?notice=groups_created"
    html = await alice.page(response.headers["location"])
    assert "Shelter City" in html and "Hosting defenders" in html
    assert "Your group is created. You are its owner." in html
    assert "Members only" in html and "On request: moderators approve each member" in html
    assert 'id="manage-group"' in html


async def test_a_group_without_a_visibility_is_refused_with_a_message(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    response = await alice.submit(
        "/groups", {"username": "undecided", "display_name": "Undecided"}, token_from="/groups"
    )
    assert response.status_code == 422
    assert "visibility is required" in response.text
    assert 'value="undecided"' in response.text  # what was typed stays in the form
    await alice.page("/groups/undecided", status=404)


async def test_hidden_groups_are_404_to_outsiders_without_their_name(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    assert alice.actor is not None
    await named_group(node, alice.actor, "circle", "members", display_name="Inner Circle")
    safehouse = await named_group(
        node, alice.actor, "safehouse", "confidential", display_name="Safe House"
    )
    await add_space(node, safehouse, alice.actor, "plans")
    visitor = await make_browser()
    bob = await make_browser("bob")
    for browser in (visitor, bob):
        nowhere = _TOKEN_VALUE.sub("", await browser.page("/groups/nowhere", status=404))
        for path in (
            "/groups/circle",
            "/groups/safehouse",
            "/groups/safehouse/spaces/general",
            "/groups/safehouse/spaces/plans",
        ):
            html = await browser.page(path, status=404)
            assert _TOKEN_VALUE.sub("", html) == nowhere, path
            for name in ("circle", "Inner Circle", "safehouse", "Safe House", "plans"):
                assert name not in html
    # Its members see it.
    html = await alice.page("/groups/safehouse")
    assert "Safe House" in html and "Confidential" in html


async def test_the_group_page_shows_the_group_and_keeps_its_activitypub_document(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    assert alice.actor is not None
    group = await named_group(
        node,
        alice.actor,
        "lawyers",
        "public",
        display_name="Lawyers Collective",
        note="Legal aid for defenders",
        join_policy="approval",
        rules=("Be kind", "No doxxing"),
    )
    await add_space(node, group, alice.actor, "campaign")
    visitor = await make_browser()
    html = await visitor.page("/groups/lawyers")
    for text in (
        "Lawyers Collective",
        "Legal aid for defenders",
        "Be kind",
        "No doxxing",
        "Public",
        "Members: 1",
        "On request: moderators approve each member",
        'href="/groups/lawyers/spaces/campaign"',
        'href="/groups/lawyers/spaces/general"',
        "/remote_follow?uri=https%3A//fedi.test/groups/lawyers",
        "Sign in to join this group",
    ):
        assert text in html, text
    assert 'id="composer"' not in html
    document = await visitor.http.get("/groups/lawyers", headers=AS_JSON)
    assert document.status_code == 200
    assert document.headers["content-type"].startswith("application/activity+json")
    assert document.json()["type"] == "Group"
    space = await visitor.http.get("/groups/lawyers/spaces/campaign", headers=AS_JSON)
    assert space.json()["id"] == "https://fedi.test/groups/lawyers/spaces/campaign"


async def test_joining_and_leaving_an_open_group(node: Node, make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    group = await make_group(node, alice.actor, "open_door", "public", join_policy="open")
    html = await bob.page("/groups/open_door")
    assert 'id="group-join"' in html and ">Join<" in html
    response = await bob.submit("/groups/open_door/join", token_from="/groups/open_door")
    assert response.headers["location"] == "/groups/open_door?notice=groups_joined"
    found = await membership(node, group, bob.actor)
    assert found is not None and found.state == "member"
    html = await bob.page("/groups/open_door")
    assert "You are a member of this group (Member)." in html
    assert 'id="composer"' in html
    response = await bob.submit("/groups/open_door/leave", token_from="/groups/open_door")
    assert response.headers["location"] == "/groups/open_door?notice=groups_left"
    assert await membership(node, group, bob.actor) is None


async def test_asking_to_join_shows_requested(node: Node, make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    group = await make_group(node, alice.actor, "careful", "public", join_policy="approval")
    assert "Request to join" in await bob.page("/groups/careful")
    response = await bob.submit("/groups/careful/join", token_from="/groups/careful")
    assert response.headers["location"] == "/groups/careful?notice=groups_requested"
    html = await bob.page("/groups/careful")
    assert 'id="group-requested"' in html and "Requested" in html
    assert 'id="composer"' not in html
    found = await membership(node, group, bob.actor)
    assert found is not None and found.state == "pending"
    await bob.submit("/groups/careful/leave", token_from="/groups/careful")
    assert await membership(node, group, bob.actor) is None


async def test_an_invitation_is_accepted_on_the_group_page(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    group = await make_group(node, alice.actor, "invited_only", "members", join_policy="invite")
    await put_member(node, group, bob.actor, state="invited")
    html = await bob.page("/groups/invited_only")
    assert "Accept the invitation" in html
    await bob.submit("/groups/invited_only/join", token_from="/groups/invited_only")
    found = await membership(node, group, bob.actor)
    assert found is not None and found.state == "member"


async def test_a_join_without_csrf_token_changes_nothing(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    group = await make_group(node, alice.actor, "open_door", "public", join_policy="open")
    response = await bob.http.post("/groups/open_door/join")
    assert response.status_code == 403
    assert await membership(node, group, bob.actor) is None
    visitor = await make_browser()
    response = await visitor.http.post("/groups/open_door/join")
    assert response.status_code == 303 and "/auth/sign_in" in response.headers["location"]


async def test_a_post_from_the_space_composer_appears_on_the_space_page(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert alice.actor is not None and bob.actor is not None
    group = await make_group(node, alice.actor, "lawyers", "public", members=(bob.actor,))
    space = await add_space(node, group, alice.actor, "campaign")
    page = "/groups/lawyers/spaces/campaign"
    html = await bob.page(page)
    assert f'name="target" value="s:{group.id}:{space.id}"' in html
    response = await bob.submit(
        "/compose",
        {
            "status": "Hearing on Monday",
            "visibility": "public",
            "language": "en",
            "target": f"s:{group.id}:{space.id}",
            "back": page,
        },
        token_from=page,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{page}?notice=posted"
    assert "Hearing on Monday" in await bob.page(page)
    assert "Hearing on Monday" in await (await make_browser()).page(page)
    assert "Hearing on Monday" not in await bob.page("/groups/lawyers")


async def test_a_post_from_the_group_composer_appears_on_the_group_page(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    assert alice.actor is not None
    group = await make_group(node, alice.actor, "circle", "members")
    html = await alice.page("/groups/circle")
    assert f'name="target" value="g:{group.id}"' in html
    response = await alice.submit(
        "/compose",
        {"status": "Members meeting", "visibility": "public", "target": f"g:{group.id}"},
        token_from="/groups/circle",
    )
    assert response.status_code == 303, response.text
    assert "Members meeting" in await alice.page("/groups/circle")
    assert "Members meeting" in await alice.page("/groups/circle/spaces/general")


async def test_names_and_descriptions_are_shown_as_text(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    assert alice.actor is not None
    await named_group(
        node,
        alice.actor,
        "tricky",
        "public",
        display_name="<script>alert(1)</script>",
        note="<img src=x onerror=alert(2)>",
    )
    for path in ("/groups", "/groups/tricky"):
        html = await alice.page(path)
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_a_missing_space_is_404(node: Node, make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    assert alice.actor is not None
    await make_group(node, alice.actor, "lawyers", "public")
    await alice.page("/groups/lawyers/spaces/nothing", status=404)
    await alice.page("/groups/no_such_group/spaces/general", status=404)


async def test_the_group_page_reads_right_to_left_in_arabic(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    assert alice.actor is not None
    await named_group(node, alice.actor, "lawyers", "public", display_name="محامون")
    visitor = await make_browser(None, **{"Accept-Language": "ar"})
    html = await visitor.page("/groups/lawyers")
    assert 'dir="rtl"' in html
    assert "<bdi>محامون</bdi>" in html
    assert "سجّل الدخول للانضمام إلى هذه المجموعة" in html
    assert "مفتوحة: يمكن لأي شخص الانضمام" in html


async def test_only_a_public_group_offers_following_from_another_server(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await make_browser("alice")
    assert alice.actor is not None
    await make_group(node, alice.actor, "open_door", "public")
    await make_group(node, alice.actor, "safehouse", "confidential")
    assert 'id="remote-follow"' in await alice.page("/groups/open_door")
    html = await alice.page("/groups/safehouse")
    assert 'id="remote-follow"' not in html and "application/activity+json" not in html
