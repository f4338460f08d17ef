"""POST /api/v1/reports: a member reports an account; forwarded, it leaves as the node's Flag."""

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from fedi.app import Node
from fedi.config import Settings
from fedi.db import account_moderation as account_moderation_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.posts import Draft
from tests.conftest import make_settings
from tests.fedi.api.conftest import ApiUser, MakeUser
from tests.fedi.api.mastodon_entities import assert_entity
from tests.support.remote import RemoteServer, new_keys, running

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEYS = new_keys()
REPORT_KEYS = {
    "id",
    "action_taken",
    "action_taken_at",
    "category",
    "comment",
    "forwarded",
    "created_at",
    "status_ids",
    "rule_ids",
    "target_account",
}


@pytest.fixture
def settings() -> Settings:
    """Rules to cite, and a remote stand-in on loopback the node may reach."""
    return make_settings(FEDI_RULES="Be kind.\nNo spam.", FEDI_ALLOW_PRIVATE_ADDRESSES="1")


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


async def report(client: httpx.AsyncClient, user: ApiUser, **body: Any) -> httpx.Response:
    return await client.post("/api/v1/reports", headers=user.headers, json=body)


async def rows(node: Node, table: str) -> int:
    async with node.pool.acquire() as conn:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))


async def test_a_member_reports_an_account_and_its_post(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    post = await node.publisher.post(bob.actor, Draft("buy followers here"))
    response = await report(
        client,
        alice,
        account_id=str(bob.actor.id),
        status_ids=[str(post.id)],
        comment="Spam in my mentions",
        category="spam",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= REPORT_KEYS
    assert_entity(body["target_account"], "Account")
    assert body["target_account"]["id"] == str(bob.actor.id)
    assert (body["category"], body["comment"], body["status_ids"], body["rule_ids"]) == (
        "spam",
        "Spam in my mentions",
        [str(post.id)],
        None,
    )
    assert (body["action_taken"], body["action_taken_at"], body["forwarded"]) == (
        False,
        None,
        False,
    )
    async with node.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM reports WHERE id = $1", int(body["id"]))
    assert (row["account_id"], row["target_account_id"], row["status_ids"]) == (
        alice.actor.id,
        bob.actor.id,
        [post.id],
    )


async def test_form_parameters_and_defaults(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    response = await client.post(
        "/api/v1/reports", headers=alice.headers, data={"account_id": str(bob.actor.id)}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["category"], body["comment"], body["status_ids"]) == ("other", "", None)


async def test_citing_a_rule_makes_a_violation_report(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    response = await report(
        client, alice, account_id=str(bob.actor.id), rule_ids=["2"], category="other"
    )
    assert response.status_code == 200, response.text
    assert (response.json()["category"], response.json()["rule_ids"]) == ("violation", ["2"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"account_id": "999999"}, "account 999999 does not exist"),
        ({"account_id": "bob"}, "account bob does not exist"),
        ({}, "account_id is required"),
        ({"comment": "x" * 1001}, "comment is longer than 1000 characters"),
        ({"category": "rude"}, "category must be one of spam, legal, violation, other"),
        ({"rule_ids": ["3"]}, "no such rule: 3"),
        ({"status_ids": ["nope"]}, "status nope is not a post of the reported account"),
    ],
)
async def test_bad_input_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    node: Node,
    alice: ApiUser,
    bob: ApiUser,
    body: dict[str, Any],
    message: str,
) -> None:
    full = {"account_id": str(bob.actor.id), **body} if body else {}
    response = await report(client, alice, **full)
    assert (response.status_code, response.json()) == (422, {"error": message})
    assert await rows(node, "reports") == 0


async def test_a_status_of_another_account_is_refused(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    carols = await node.publisher.post(carol.actor, Draft("mine, not bob's"))
    response = await report(
        client, alice, account_id=str(bob.actor.id), status_ids=[str(carols.id)]
    )
    assert response.status_code == 422
    assert response.json()["error"] == f"status {carols.id} is not a post of the reported account"
    assert await rows(node, "reports") == 0


async def test_a_status_the_reporter_may_not_see_is_refused_like_a_missing_one(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    hidden = await node.publisher.post(bob.actor, Draft("followers only", visibility="followers"))
    response = await report(
        client, alice, account_id=str(bob.actor.id), status_ids=[str(hidden.id)]
    )
    missing = await report(client, alice, account_id=str(bob.actor.id), status_ids=["999999"])
    assert response.status_code == missing.status_code == 422
    assert response.json()["error"] == f"status {hidden.id} is not a post of the reported account"
    assert await rows(node, "reports") == 0


async def test_reporting_needs_the_write_reports_scope(
    client: httpx.AsyncClient, node: Node, make_user: MakeUser, bob: ApiUser
) -> None:
    reader = await make_user("reader", scopes=["read"])
    response = await report(client, reader, account_id=str(bob.actor.id))
    assert response.status_code == 403
    granular = await make_user("granular", scopes=["write:reports"])
    assert (await report(client, granular, account_id=str(bob.actor.id))).status_code == 200
    assert (await client.post("/api/v1/reports", json={})).status_code == 401
    assert await rows(node, "reports") == 1


async def test_a_local_account_is_never_forwarded(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    response = await report(client, alice, account_id=str(bob.actor.id), forward=True)
    assert response.json()["forwarded"] is False
    assert await rows(node, "activities") == 0


async def _remote_author(node: Node, remote: RemoteServer) -> tuple[Actor, Post]:
    """zoe on the remote server, known here with one public post."""
    remote.requests.clear()
    remote.add_actor("zoe", KEYS.public_pem)
    zoe = await node.resolver.actor_by_acct(f"zoe@{remote.domain}")
    async with node.pool.acquire() as conn:
        post = await posts_db.insert_remote(
            conn,
            uri=f"{remote.base_url}/users/zoe/statuses/1",
            actor_id=zoe.id,
            local=False,
            visibility="public",
            content="<p>harassment</p>",
        )
    assert post is not None
    return zoe, post


async def test_forwarded_report_leaves_as_a_flag_from_the_instance_actor(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, remote: RemoteServer
) -> None:
    zoe, post = await _remote_author(node, remote)
    response = await report(
        client,
        alice,
        account_id=str(zoe.id),
        status_ids=[str(post.id)],
        comment="Targeted harassment of our members",
        forward=True,
    )
    assert response.status_code == 200, response.text
    assert response.json()["forwarded"] is True

    assert await node.delivery_worker().run_once() == 1
    (sent,) = [r for r in remote.requests if r.method == "POST"]
    assert sent.path == "/inbox"  # the server's shared inbox
    instance = node.instance_actor
    assert f'keyId="{instance.key_id}"' in sent.headers["signature"]
    flag = orjson.loads(sent.body)
    assert (flag["type"], flag["actor"], flag["object"], flag["content"]) == (
        "Flag",
        instance.uri,
        [zoe.uri, post.uri],
        "Targeted harassment of our members",
    )
    # Nothing in the request names who reported.
    raw = sent.body.decode() + str(sent.headers)
    assert alice.actor.uri not in raw
    assert alice.actor.username not in raw
    async with node.pool.acquire() as conn:
        stored = await conn.fetchval("SELECT uri FROM reports")
    assert stored == flag["id"]


async def test_a_remote_report_without_forward_stays_here(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, remote: RemoteServer
) -> None:
    zoe, _ = await _remote_author(node, remote)
    response = await report(client, alice, account_id=str(zoe.id), comment="just for us")
    assert response.status_code == 200
    assert response.json()["forwarded"] is False
    assert await node.delivery_worker().run_once() == 0
    assert [r for r in remote.requests if r.method == "POST"] == []


async def test_a_suspended_account_cannot_be_reported(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    async with node.pool.acquire() as conn:
        await account_moderation_db.set_state(conn, bob.actor.id, "suspended", True)
    response = await report(client, alice, account_id=str(bob.actor.id))
    assert (response.status_code, response.json()) == (
        422,
        {"error": f"account {bob.actor.id} does not exist"},
    )
    assert await rows(node, "reports") == 0
