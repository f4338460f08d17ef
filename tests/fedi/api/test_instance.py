"""The instance endpoints, the preferences, and the lists apps ask for at start-up."""

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from fedi import __version__
from fedi.app import create_app, running_node
from fedi.config import load_settings
from fedi.domain.posts import MAX_CHARACTERS, Draft
from fedi.errors import ConfigError
from tests.conftest import make_settings
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

EMPTY_WITH_SCOPE = {
    "/api/v1/announcements": "read",
    "/api/v1/filters": "read:filters",
    "/api/v2/filters": "read:filters",
    "/api/v1/lists": "read:lists",
    "/api/v1/followed_tags": "read:follows",
    "/api/v1/featured_tags": "read:accounts",
    "/api/v1/conversations": "read:statuses",
    "/api/v1/scheduled_statuses": "read:statuses",
    "/api/v1/endorsements": "read:accounts",
    "/api/v1/suggestions": "read",
    "/api/v2/suggestions": "read",
}
EMPTY_PUBLIC = (
    "/api/v1/trends/tags",
    "/api/v1/trends/statuses",
    "/api/v1/custom_emojis",
)


async def test_v2_instance_has_every_documented_attribute(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user("admin", is_admin=True)
    body = await get_json(client, "/api/v2/instance")
    assert_entity(body, "Instance")
    assert body["domain"] == "fedi.test"
    assert body["version"] == f"4.3.0 (compatible; fedi {__version__})"
    assert body["api_versions"] == {"mastodon": 2}
    assert body["languages"] == ["en"]
    assert body["configuration"]["urls"]["streaming"] == "wss://fedi.test"
    statuses = body["configuration"]["statuses"]
    assert statuses == {
        "max_characters": MAX_CHARACTERS,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    }
    media = body["configuration"]["media_attachments"]
    assert set(media["supported_mime_types"]) == {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
    }
    assert media["image_size_limit"] == 16 * 1024 * 1024
    assert media["image_matrix_limit"] > 0
    assert set(body["configuration"]["polls"]) == {
        "max_options",
        "max_characters_per_option",
        "min_expiration",
        "max_expiration",
    }
    assert body["configuration"]["accounts"]["max_pinned_statuses"] == 0
    assert body["registrations"]["enabled"] is False  # FEDI_REGISTRATIONS defaults to closed
    assert body["contact"]["account"]["id"] == str(admin.actor.id)
    assert body["usage"]["users"]["active_month"] == 1
    assert body["rules"] == []


async def test_v1_instance_has_every_documented_attribute_and_counts(
    client: httpx.AsyncClient, node: Any, alice: ApiUser
) -> None:
    await node.publisher.post(alice.actor, Draft("hello", visibility="public"))
    await remote_actor(node.pool, "carol", "one.example")
    await remote_actor(node.pool, "dave", "one.example")
    await remote_actor(node.pool, "erin", "two.example")
    body = await get_json(client, "/api/v1/instance")
    assert_entity(body, "V1_Instance")
    assert body["uri"] == "fedi.test"
    assert body["urls"] == {"streaming_api": "wss://fedi.test"}
    assert body["stats"] == {"user_count": 1, "status_count": 1, "domain_count": 2}
    assert body["registrations"] is False
    assert body["approval_required"] is False
    assert body["contact_account"] is None  # no administrator yet
    assert body["configuration"]["statuses"]["max_characters"] == MAX_CHARACTERS
    assert body["version"].startswith("4.3.0 ")


@pytest.mark.parametrize("path", ["/api/v1/instance", "/api/v2/instance"])
async def test_a_trailing_slash_gives_the_same_answer(client: httpx.AsyncClient, path: str) -> None:
    assert await get_json(client, path + "/") == await get_json(client, path)


async def test_a_shielded_admin_is_not_the_contact(
    client: httpx.AsyncClient, node: Any, make_user: MakeUser
) -> None:
    admin = await make_user("admin", is_admin=True)
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE actors SET shielded = true WHERE id = $1", admin.actor.id)
    assert (await get_json(client, "/api/v2/instance"))["contact"]["account"] is None


@pytest_asyncio.fixture(loop_scope="session")
async def ruled_client(pool: Any) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        FEDI_RULES="Be kind.\n\n  No harassment.  \n",
        FEDI_REGISTRATIONS="approval",
        FEDI_SCHEME="http",
        FEDI_DOMAIN="localhost:8123",
    )
    async with running_node(settings, pool) as node:
        transport = httpx.ASGITransport(app=create_app(node))
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as http:
            yield http


async def test_configured_rules_registrations_and_plain_streaming_url(
    ruled_client: httpx.AsyncClient,
) -> None:
    rules = [
        {"id": "1", "text": "Be kind.", "hint": "", "translations": {}},
        {"id": "2", "text": "No harassment.", "hint": "", "translations": {}},
    ]
    assert await get_json(ruled_client, "/api/v1/instance/rules") == rules
    v2 = await get_json(ruled_client, "/api/v2/instance")
    assert v2["rules"] == rules
    assert v2["registrations"]["enabled"] is True
    assert v2["registrations"]["approval_required"] is True
    assert v2["configuration"]["urls"]["streaming"] == "ws://localhost:8123"
    v1 = await get_json(ruled_client, "/api/v1/instance")
    assert v1["rules"] == rules
    assert (v1["registrations"], v1["approval_required"]) == (True, True)


async def test_rules_come_from_a_toml_list_too(tmp_path: Any) -> None:
    config = tmp_path / "fedi.toml"
    config.write_text('rules = ["One, with a comma", "Two"]\n', encoding="utf-8")
    settings = load_settings({"FEDI_CONFIG": str(config), "FEDI_DOMAIN": "fedi.test"})
    assert settings.rules == ("One, with a comma", "Two")
    with pytest.raises(ConfigError, match="FEDI_RULES"):
        load_settings({"FEDI_RULES": "x" * 1001})


async def test_rules_are_empty_unless_configured(client: httpx.AsyncClient) -> None:
    assert await get_json(client, "/api/v1/instance/rules") == []


async def test_peers_are_the_remote_domains_we_know(client: httpx.AsyncClient, node: Any) -> None:
    await remote_actor(node.pool, "carol", "b.example")
    await remote_actor(node.pool, "dave", "a.example")
    await remote_actor(node.pool, "erin", "b.example")
    assert await get_json(client, "/api/v1/instance/peers") == ["a.example", "b.example"]


async def test_activity_has_twelve_weeks_newest_first(
    client: httpx.AsyncClient, node: Any, alice: ApiUser
) -> None:
    await node.publisher.post(alice.actor, Draft("one"))
    await node.publisher.post(alice.actor, Draft("two"))
    weeks = await get_json(client, "/api/v1/instance/activity")
    assert len(weeks) == 12
    assert all(set(week) == {"week", "statuses", "logins", "registrations"} for week in weeks)
    assert all(isinstance(value, str) for week in weeks for value in week.values())
    starts = [int(week["week"]) for week in weeks]
    assert starts == sorted(starts, reverse=True)
    assert all(a - b == 7 * 86400 for a, b in itertools.pairwise(starts))
    now = datetime.now(UTC)
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    assert starts[0] == int(monday.timestamp())
    this_week = weeks[0]
    assert (this_week["statuses"], this_week["logins"], this_week["registrations"]) == (
        "2",
        "1",
        "1",
    )
    assert {week["statuses"] for week in weeks[1:]} == {"0"}


async def test_extended_description(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/api/v1/instance/extended_description")
    assert set(body) == {"updated_at", "content"}


async def test_preferences_come_from_the_account(
    client: httpx.AsyncClient, node: Any, alice: ApiUser
) -> None:
    assert_entity(await get_json(client, "/api/v1/preferences", alice), "Preferences")
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE users SET default_visibility = 'followers', default_sensitive = true,"
            " default_language = 'de' WHERE actor_id = $1",
            alice.actor.id,
        )
    assert await get_json(client, "/api/v1/preferences", alice) == {
        "posting:default:visibility": "private",
        "posting:default:sensitive": True,
        "posting:default:language": "de",
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    }


async def test_preferences_need_a_token_with_read_accounts(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    assert (await client.get("/api/v1/preferences")).status_code == 401
    writer = await make_user("writer", scopes=["write"])
    response = await client.get("/api/v1/preferences", headers=writer.headers)
    assert response.status_code == 403
    reader = await make_user("reader", scopes=["read:accounts"])
    assert (await client.get("/api/v1/preferences", headers=reader.headers)).status_code == 200


@pytest.mark.parametrize("path", sorted(EMPTY_WITH_SCOPE))
async def test_start_up_lists_are_empty_and_scoped(
    client: httpx.AsyncClient, make_user: MakeUser, path: str
) -> None:
    assert (await client.get(path)).status_code == 401
    unrelated = await make_user("unrelated", scopes=["write"])
    assert (await client.get(path, headers=unrelated.headers)).status_code == 403
    allowed = await make_user("allowed", scopes=[EMPTY_WITH_SCOPE[path]])
    assert await get_json(client, path, allowed) == []


@pytest.mark.parametrize("path", EMPTY_PUBLIC)
async def test_public_start_up_lists_are_empty_without_a_token(
    client: httpx.AsyncClient, path: str
) -> None:
    assert await get_json(client, path) == []


async def test_browser_apps_on_other_origins_may_call_the_api(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/api/v1/timelines/home",
        headers={
            "Origin": "https://elk.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    answer = await client.get("/api/v1/instance", headers={"Origin": "https://elk.example"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "Link" in answer.headers["access-control-expose-headers"]


async def test_the_sign_in_page_is_not_opened_to_other_origins(client: httpx.AsyncClient) -> None:
    answer = await client.get("/oauth/authorize", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers
