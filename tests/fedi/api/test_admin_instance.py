"""Our admin API for the instance's profile and invitations: who may, what changes where, and
every answer as the OpenAPI document says."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from fedi.app import Node
from fedi.domain import audit
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.openapi_check import validate_hook

pytestmark = pytest.mark.asyncio(loop_scope="session")

INSTANCE = "/api/fedi/v1/admin/instance"
INVITATIONS = "/api/fedi/v1/admin/invitations"
ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"]
ENDPOINTS = [
    ("GET", INSTANCE),
    ("PATCH", INSTANCE),
    ("GET", INVITATIONS),
    ("POST", INVITATIONS),
    ("DELETE", f"{INVITATIONS}/1"),
]


@pytest_asyncio.fixture(loop_scope="session")
async def api(client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The test client, with every /api/fedi answer checked against the OpenAPI document."""
    client.event_hooks["response"].append(validate_hook)
    yield client
    client.event_hooks["response"].remove(validate_hook)


@pytest_asyncio.fixture(loop_scope="session")
async def admin(make_user: MakeUser) -> ApiUser:
    return await make_user("admin", is_admin=True, scopes=ADMIN_SCOPES)


async def _patch(api: httpx.AsyncClient, admin: ApiUser, status: int = 200, **kwargs: Any) -> Any:
    response = await api.patch(INSTANCE, headers=admin.headers, **kwargs)
    assert response.status_code == status, response.text
    return response.json()


async def _entries(node: Node) -> list[audit.AuditEntry]:
    async with node.pool.acquire() as conn:
        return await audit.entries(conn)


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
async def test_no_token_is_401_and_a_member_gets_403(
    api: httpx.AsyncClient, make_user: MakeUser, method: str, url: str
) -> None:
    assert (await api.request(method, url)).status_code == 401
    member = await make_user("member", scopes=ADMIN_SCOPES)
    refused = await api.request(method, url, json={"name": "Taken"}, headers=member.headers)
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is not allowed"}


async def test_an_admin_token_without_admin_scopes_is_refused(
    api: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user("admin", is_admin=True, scopes=["read", "write"])
    response = await api.patch(INSTANCE, json={"name": "Taken"}, headers=admin.headers)
    assert response.status_code == 403


async def test_the_profile_starts_as_the_settings_file_says(
    api: httpx.AsyncClient, admin: ApiUser, node: Node
) -> None:
    body = await get_json(api, INSTANCE, admin)
    expected = {
        "name": node.settings.instance_name,
        "description": node.settings.instance_description,
        "rules": [],
        "registrations": "closed",
        "languages": ["en"],
    }
    assert body == {**expected, "defaults": expected}


async def test_a_change_shows_in_the_mastodon_api_nodeinfo_and_the_audit_log(
    api: httpx.AsyncClient, admin: ApiUser, node: Node
) -> None:
    body = await _patch(
        api,
        admin,
        json={
            "name": "Shelter City Network",
            "description": "Lawyers and hosts.",
            "rules": ["Be kind.", "  ", "No doxxing."],
            "registrations": "approval",
            "languages": ["fr", "ar", "pt_BR", "fr"],
        },
    )
    assert body["name"] == "Shelter City Network"
    assert body["rules"] == ["Be kind.", "No doxxing."]
    assert body["languages"] == ["fr", "ar", "pt-BR"]
    assert body["defaults"]["name"] == node.settings.instance_name
    v2 = await get_json(api, "/api/v2/instance")
    assert (v2["title"], v2["description"]) == ("Shelter City Network", "Lawyers and hosts.")
    assert v2["languages"] == ["fr", "ar", "pt-BR"]
    assert [rule["text"] for rule in v2["rules"]] == ["Be kind.", "No doxxing."]
    assert (v2["registrations"]["enabled"], v2["registrations"]["approval_required"]) == (
        True,
        True,
    )
    v1 = await get_json(api, "/api/v1/instance")
    assert (v1["title"], v1["registrations"], v1["approval_required"]) == (
        "Shelter City Network",
        True,
        True,
    )
    rules = await get_json(api, "/api/v1/instance/rules")
    assert [(rule["id"], rule["text"]) for rule in rules] == [
        ("1", "Be kind."),
        ("2", "No doxxing."),
    ]
    described = await get_json(api, "/api/v1/instance/extended_description")
    assert described["content"] == "Lawyers and hosts."
    nodeinfo = await get_json(api, "/nodeinfo/2.1")
    assert nodeinfo["metadata"]["nodeName"] == "Shelter City Network"
    assert nodeinfo["metadata"]["registrationMode"] == "approval"
    assert nodeinfo["openRegistrations"] is False
    [entry] = await _entries(node)
    assert (entry.actor_id, entry.action, entry.target_type) == (
        admin.actor.id,
        "instance.update",
        "instance",
    )
    assert entry.target == "name, description, rules, registrations, languages"
    assert "registrations: approval" in entry.reason


async def test_only_the_fields_sent_change_and_a_repeat_is_not_audited(
    api: httpx.AsyncClient, admin: ApiUser, node: Node
) -> None:
    await _patch(api, admin, json={"name": "First"})
    body = await _patch(api, admin, json={"registrations": "open"})
    assert (body["name"], body["registrations"]) == ("First", "open")
    await _patch(api, admin, json={"registrations": "open"})
    assert [entry.target for entry in await _entries(node)] == ["registrations", "name"]


async def test_null_puts_a_field_back_to_the_settings_file(
    api: httpx.AsyncClient, admin: ApiUser, node: Node
) -> None:
    await _patch(api, admin, json={"name": "Changed", "rules": ["One"]})
    body = await _patch(api, admin, json={"name": None, "rules": None})
    assert body["name"] == node.settings.instance_name
    assert body["rules"] == []


async def test_a_form_sends_lists_with_brackets_and_a_rule_a_line(
    api: httpx.AsyncClient, admin: ApiUser
) -> None:
    body = await _patch(
        api,
        admin,
        data={"rules[]": ["One\nTwo", "Three"], "languages[]": ["de", "en"], "name": " Padded "},
    )
    assert body["rules"] == ["One", "Two", "Three"]
    assert body["languages"] == ["de", "en"]
    assert body["name"] == "Padded"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "   "}, "The name must be 1 to 100 characters long."),
        ({"name": "n" * 101}, "The name must be 1 to 100 characters long."),
        ({"description": "d" * 2001}, "The description must be at most 2000 characters long."),
        ({"rules": [f"rule {n}" for n in range(21)]}, "There can be at most 20 rules."),
        ({"rules": ["r" * 301]}, "Each rule must be at most 300 characters long."),
        ({"registrations": "sometimes"}, "The registration mode must be closed, invite,"),
        ({"languages": []}, "Choose at least one language."),
        ({"languages": ["en", "xx-nowhere"]}, "'xx-nowhere' is not a language code"),
        ({"languages": ["tlh"]}, "'tlh' is not a language code"),
    ],
)
async def test_bad_input_is_422_with_a_clear_message_and_changes_nothing(
    api: httpx.AsyncClient, admin: ApiUser, node: Node, fields: dict[str, Any], message: str
) -> None:
    # A good field beside the bad one is not stored either.
    body = await _patch(api, admin, status=422, json={"description": "kept out", **fields})
    assert body["error"].startswith(message)
    after = await get_json(api, INSTANCE, admin)
    assert after["description"] == node.settings.instance_description
    assert await _entries(node) == []


async def test_invitations_are_made_listed_and_revoked(
    api: httpx.AsyncClient, admin: ApiUser, node: Node
) -> None:
    response = await api.post(
        INVITATIONS, json={"max_uses": 5, "expires_in": 3600}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    made = response.json()
    assert made["url"] == f"https://fedi.test/invite/{made['code']}"
    assert len(made["code"]) >= 16
    assert (made["max_uses"], made["uses"], made["usable"]) == (5, 0, True)
    assert made["expires_at"] is not None and made["revoked_at"] is None
    assert made["created_by"] == str(admin.actor.id)
    forever = (await api.post(INVITATIONS, data={}, headers=admin.headers)).json()
    assert (forever["max_uses"], forever["expires_at"]) == (None, None)
    listed = await get_json(api, INVITATIONS, admin)
    assert [item["id"] for item in listed] == [forever["id"], made["id"]]
    revoked = await api.delete(f"{INVITATIONS}/{made['id']}", headers=admin.headers)
    assert revoked.status_code == 200
    assert revoked.json()["usable"] is False and revoked.json()["revoked_at"] is not None
    again = await api.delete(f"{INVITATIONS}/{made['id']}", headers=admin.headers)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    actions = [(entry.action, entry.target) for entry in await _entries(node)]
    assert actions == [
        ("invitation.revoke", made["id"]),
        ("invitation.create", forever["id"]),
        ("invitation.create", made["id"]),
    ]


async def test_invitations_page_with_link_headers(api: httpx.AsyncClient, admin: ApiUser) -> None:
    ids = [(await api.post(INVITATIONS, headers=admin.headers)).json()["id"] for _ in range(3)]
    first = await api.get(INVITATIONS, params={"limit": 2}, headers=admin.headers)
    assert [item["id"] for item in first.json()] == [ids[2], ids[1]]
    older = first.links["next"]["url"]
    second = await api.get(older, headers=admin.headers)
    assert [item["id"] for item in second.json()] == [ids[0]]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"max_uses": 0}, "An invitation can be used 1 to 1000 times."),
        ({"max_uses": 1001}, "An invitation can be used 1 to 1000 times."),
        ({"expires_in": 10}, "An invitation lasts between a minute and a year."),
        ({"max_uses": "many"}, "max_uses must be a whole number"),
    ],
)
async def test_a_bad_invitation_is_422_and_none_is_made(
    api: httpx.AsyncClient, admin: ApiUser, fields: dict[str, Any], message: str
) -> None:
    response = await api.post(INVITATIONS, json=fields, headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["error"] == message
    assert await get_json(api, INVITATIONS, admin) == []


async def test_revoking_an_unknown_invitation_is_404(
    api: httpx.AsyncClient, admin: ApiUser
) -> None:
    for missing in ("999", "not-a-number"):
        response = await api.delete(f"{INVITATIONS}/{missing}", headers=admin.headers)
        assert response.status_code == 404
