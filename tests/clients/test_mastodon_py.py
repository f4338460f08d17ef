"""Mastodon.py, the Python library many bots and tools use, against two real nodes."""

import asyncio
import html
import re
import threading
from typing import Any

import httpx
import pytest
from mastodon import Mastodon, StreamListener

from fedi.domain.groups import NewGroup
from outbox.group_actions import GroupActions
from tests.clients.conftest import PASSWORD, account, png_bytes
from tests.federation.cluster import Member, eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

SCOPES = ["read", "write", "follow"]
OOB = "urn:ietf:wg:oauth:2.0:oob"


def signed_in(base_url: str, username: str) -> Mastodon:
    """Register an app and log in with the password grant, as a script would."""
    client_id, client_secret = Mastodon.create_app(
        "fedi tests", api_base_url=base_url, scopes=SCOPES
    )
    client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base_url)
    # Our nodes speak plain HTTP on loopback; Mastodon.py insists on https unless told.
    client.log_in(username, PASSWORD, scopes=SCOPES, allow_http=True)
    return client


class Notifications(StreamListener):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.received: list[Any] = []
        self.updates: list[Any] = []
        self.arrived = threading.Event()

    def on_notification(self, notification: Any) -> None:
        self.received.append(notification)
        self.arrived.set()

    def on_update(self, status: Any) -> None:
        self.updates.append(status)


async def test_register_log_in_and_post_with_media(nodes: list[Member]) -> None:
    home, _ = nodes
    await account(home, "mpy_alice")

    def scenario() -> tuple[Any, Any, list[Any], list[Any]]:
        client = signed_in(home.process.base_url, "mpy_alice")
        me = client.account_verify_credentials()
        media = client.media_post(png_bytes(), mime_type="image/png", description="a red square")
        status = client.status_post("hello from Mastodon.py #fedi", media_ids=[media])
        return me, status, client.timeline_home(), client.timeline_local()

    me, status, home_timeline, local_timeline = await asyncio.to_thread(scenario)
    assert me["username"] == "mpy_alice"
    assert "hello from Mastodon.py" in status["content"]
    assert status["media_attachments"][0]["description"] == "a red square"
    assert status["media_attachments"][0]["type"] == "image"
    assert status["id"] in [s["id"] for s in home_timeline]
    assert status["id"] in [s["id"] for s in local_timeline]
    assert [t["name"] for t in status["tags"]] == ["fedi"]


async def test_follow_across_nodes_arrives_as_a_streamed_notification(
    nodes: list[Member],
) -> None:
    home, away = nodes
    await account(home, "mpy_carol")
    await account(away, "mpy_dave")
    dave = await asyncio.to_thread(signed_in, away.process.base_url, "mpy_dave")
    listener = Notifications()
    stream = await asyncio.to_thread(
        dave.stream_user, listener, run_async=True, reconnect_async=False
    )
    try:
        await asyncio.sleep(0.5)  # let the stream subscribe before the follow happens

        def follow() -> Any:
            carol = signed_in(home.process.base_url, "mpy_carol")
            found = carol.search_v2(f"mpy_dave@{away.domain}", resolve=True)
            assert [a["acct"] for a in found["accounts"]] == [f"mpy_dave@{away.domain}"]
            return carol.account_follow(found["accounts"][0]["id"])

        relationship = await asyncio.to_thread(follow)
        assert relationship["following"] or relationship["requested"]

        async def notified() -> bool:
            return listener.arrived.is_set()

        await eventually(notified, within=20, what="a follow notification over streaming")
    finally:
        stream.close()
    notification = listener.received[0]
    assert notification["type"] == "follow"
    assert notification["account"]["acct"] == f"mpy_carol@{home.domain}"

    def followers() -> list[Any]:
        me = dave.account_verify_credentials()
        return list(dave.account_followers(me["id"]))

    assert [a["acct"] for a in await asyncio.to_thread(followers)] == [f"mpy_carol@{home.domain}"]


async def test_authorization_code_flow_through_the_sign_in_page(nodes: list[Member]) -> None:
    """The flow Mastodon.py recommends: open the page, sign in, paste the code back."""
    home, _ = nodes
    await account(home, "mpy_frank")
    base = home.process.base_url

    def scenario() -> Any:
        client_id, client_secret = Mastodon.create_app(
            "fedi tests (code)", api_base_url=base, scopes=SCOPES
        )
        client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
        url = client.auth_request_url(scopes=SCOPES, redirect_uris=OOB, allow_http=True)
        with httpx.Client(follow_redirects=True, timeout=10) as browser:
            page = browser.get(url)
            assert page.status_code == 200
            form = dict(
                re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
            )
            form = {name: html.unescape(value) for name, value in form.items()}
            form.update(username="mpy_frank", password=PASSWORD, decision="approve")
            answer = browser.post(f"{base}/oauth/authorize", data=form)
            assert answer.status_code == 200, answer.text
            found = re.search(r'<code class="oauth-code">([^<]+)</code>', answer.text)
            assert found, answer.text
        client.log_in(code=found[1], redirect_uri=OOB, scopes=SCOPES, allow_http=True)
        return client.account_verify_credentials()

    me = await asyncio.to_thread(scenario)
    assert me["username"] == "mpy_frank"


async def test_a_member_finds_follows_and_posts_to_a_group_by_mention(
    nodes: list[Member],
) -> None:
    """A group is an account with `group: true`: following it joins it, and mentioning it posts
    into it, in the space a hashtag names."""
    home, _ = nodes
    owner = await account(home, "mpy_grace")
    await account(home, "mpy_heidi")
    actions = GroupActions(home.node.publisher)
    group, _ = await actions.create_group(
        owner, NewGroup(username="mpy_allotment", join_policy="open")
    )
    compost = await actions.create_space(owner, group.id, slug="compost", name="Compost")

    def scenario() -> tuple[Any, Any, Any, list[Any]]:
        client = signed_in(home.process.base_url, "mpy_heidi")
        found = client.account_lookup("mpy_allotment")
        relationship = client.account_follow(found["id"])
        status = client.status_post("@mpy_allotment hello #compost")
        return found, relationship, status, list(client.account_statuses(found["id"]))

    found, relationship, status, statuses = await asyncio.to_thread(scenario)
    assert found["group"] is True
    assert found["id"] == str(group.id)
    assert relationship["following"] is True
    assert status["group"]["id"] == str(group.id)
    assert status["group"]["space_id"] == str(compost.id)
    assert [s["id"] for s in statuses] == [status["id"]]
    assert "hello" in statuses[0]["content"]
