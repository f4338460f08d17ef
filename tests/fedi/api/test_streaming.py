"""The streaming API end to end: the app under a real uvicorn on loopback, clients connecting
with the `websockets` library (and httpx for server-sent events), events fed by NOTIFY."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from fedi.api.stream_clients import Frame, Subscriber, SubscriberClosed
from fedi.api.stream_hub import StreamHub
from fedi.app import Node, create_app
from fedi.domain.posts import Draft
from tests.federation.nodes import free_port
from tests.fedi.api.conftest import ApiUser, MakeUser
from tests.fedi.api.group_support import make_group

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT = 10.0  # seconds any one expected event may take
QUIET = 0.5  # seconds of silence that show nothing more is coming


class Served:
    def __init__(self, port: int, hub: StreamHub) -> None:
        self.port = port
        self.hub = hub

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/streaming"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while True:
            if condition():
                return
            await asyncio.sleep(0.01)


@pytest_asyncio.fixture(loop_scope="session")
async def served(node: Node) -> AsyncIterator[Served]:
    """The node's app under uvicorn in this event loop (the pool belongs to it)."""
    app = create_app(node)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign, assignment]
    task = asyncio.create_task(server.serve())
    await until(lambda: server.started)
    hub = app.state.stream_hub
    try:
        yield Served(port, hub)
        # Every client of the test has gone: each must have left the hub.
        await until(lambda: hub.subscriber_count == 0)
    finally:
        server.should_exit = True
        async with asyncio.timeout(WAIT):
            await task
    assert not hub.listening  # the app's shutdown closed the LISTEN connection


@contextlib.asynccontextmanager
async def streaming(
    served: Served, user: ApiUser | None, query: str = "", **options: Any
) -> AsyncIterator[ClientConnection]:
    headers = {} if user is None else user.headers
    url = served.ws + (f"?{query}" if query else "")
    async with connect(
        url, additional_headers=headers, proxy=None, open_timeout=WAIT, **options
    ) as socket:
        yield socket


async def receive(socket: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(WAIT):
        message = orjson.loads(await socket.recv())
    assert isinstance(message, dict)
    return message


async def nothing_more(socket: ClientConnection) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(QUIET):
            await socket.recv()


async def subscribed(socket: ClientConnection, **message: Any) -> None:
    """Subscribe, and know it took effect: messages are handled in order, so once the error for
    a bogus stream sent next comes back, the subscription before it is in place."""
    await socket.send(orjson.dumps({"type": "subscribe", **message}).decode())
    await socket.send('{"type": "subscribe", "stream": "no-such-stream"}')
    assert await receive(socket) == {"error": "Unknown stream type"}


def payload(message: dict[str, Any]) -> Any:
    assert isinstance(message["payload"], str)  # Mastodon sends the entity as a JSON string
    return orjson.loads(message["payload"])


async def follow(node: Node, follower: ApiUser, followee: ApiUser) -> None:
    await node.publisher.follow(follower.actor, followee.actor)


async def test_health_check(served: Served, client: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=served.http, trust_env=False) as http:
        response = await http.get("/api/v1/streaming/health", timeout=WAIT)
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["content-type"].startswith("text/plain")
    assert (await client.get("/api/v1/streaming/health")).text == "OK"


async def test_a_connection_without_a_valid_token_is_refused(served: Served) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with streaming(served, None, "stream=public"):
            pass
    assert refused.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as refused:
        async with streaming(served, None, "stream=user&access_token=not-a-token"):
            pass
    assert refused.value.response.status_code == 401
    assert served.hub.subscriber_count == 0


async def test_own_post_arrives_on_the_user_and_public_streams(
    served: Served, node: Node, alice: ApiUser
) -> None:
    async with streaming(served, alice, "stream=user") as socket:
        await subscribed(socket, stream="public")
        post = await node.publisher.post(alice.actor, Draft("hello #streams"))
        messages = [await receive(socket), await receive(socket)]
        await nothing_more(socket)
    assert sorted(m["stream"][0] for m in messages) == ["public", "user"]
    for message in messages:
        assert message["event"] == "update"
        status = payload(message)
        assert status["id"] == str(post.id)
        assert "hello" in status["content"]
        assert status["account"]["acct"] == "alice"
        assert status["favourited"] is False  # rendered for the viewer


async def test_a_follow_arrives_as_a_notification(
    served: Served, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    async with streaming(served, alice, "stream=user") as socket:
        await follow(node, bob, alice)
        message = await receive(socket)
    assert message["stream"] == ["user"]
    assert message["event"] == "notification"
    notification = payload(message)
    assert notification["type"] == "follow"
    assert notification["account"]["acct"] == "bob"


async def test_a_notification_row_reaches_the_notification_stream_only_of_its_recipient(
    served: Served, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    async with (
        streaming(served, alice, "stream=user:notification") as socket,
        streaming(served, carol, "stream=user") as other,
    ):
        await subscribed(other, stream="user:notification")
        async with node.pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO notifications (recipient_id, notification_type, from_actor_id)"
                " VALUES ($1, 'follow', $2)",
                alice.actor.id,
                bob.actor.id,
            )
        message = await receive(socket)
        await nothing_more(other)
    assert message["stream"] == ["user:notification"]
    assert payload(message)["account"]["acct"] == "bob"


async def test_who_gets_a_post_follows_who_may_see_it(
    served: Served, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    await follow(node, bob, alice)
    async with (
        streaming(served, bob, "stream=user") as follower,
        streaming(served, carol, "stream=user") as stranger,
    ):
        await subscribed(stranger, stream="public")
        private = await node.publisher.post(alice.actor, Draft("friends", visibility="followers"))
        unlisted = await node.publisher.post(alice.actor, Draft("quiet", visibility="unlisted"))
        public = await node.publisher.post(alice.actor, Draft("everyone"))
        seen = [payload(await receive(follower))["id"] for _ in range(3)]
        stranger_message = await receive(stranger)
        await nothing_more(stranger)
        await nothing_more(follower)
    assert seen == [str(private.id), str(unlisted.id), str(public.id)]
    assert stranger_message["stream"] == ["public"]
    assert payload(stranger_message)["id"] == str(public.id)


async def test_a_direct_post_reaches_only_who_it_mentions(
    served: Served, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    await follow(node, carol, alice)
    async with (
        streaming(served, bob, "stream=user") as mentioned,
        streaming(served, carol, "stream=user") as follower,
    ):
        await subscribed(follower, stream="public")
        post = await node.publisher.post(alice.actor, Draft("@bob psst", visibility="direct"))
        update, mention = await receive(mentioned), await receive(mentioned)
        await nothing_more(follower)
    assert (update["event"], payload(update)["id"]) == ("update", str(post.id))
    assert payload(update)["visibility"] == "direct"
    assert mention["event"] == "notification"
    assert payload(mention)["type"] == "mention"


async def test_edits_and_deletes_follow_the_post(
    served: Served, node: Node, alice: ApiUser
) -> None:
    post = await node.publisher.post(alice.actor, Draft("first words #edited"))
    async with streaming(served, alice, "stream=hashtag&tag=Edited") as socket:
        await subscribed(socket, stream="public:local")
        await node.publisher.edit(alice.actor, post.id, Draft("second words #edited"))
        edits = [await receive(socket), await receive(socket)]
        await node.publisher.delete(alice.actor, post.id)
        deletes = [await receive(socket), await receive(socket)]
        await nothing_more(socket)
    assert {tuple(m["stream"]) for m in edits} == {("hashtag", "Edited"), ("public:local",)}
    assert all(m["event"] == "status.update" for m in edits)
    assert all("second words" in payload(m)["content"] for m in edits)
    assert {tuple(m["stream"]) for m in deletes} == {("hashtag", "Edited"), ("public:local",)}
    assert all(m["event"] == "delete" and m["payload"] == str(post.id) for m in deletes)


async def test_a_boost_reaches_the_boosters_followers_but_no_public_stream(
    served: Served, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    post = await node.publisher.post(carol.actor, Draft("worth sharing"))
    await follow(node, bob, alice)
    async with streaming(served, bob, "stream=user") as socket:
        await subscribed(socket, stream="public")
        await node.publisher.boost(alice.actor, post.id)
        boosted = await receive(socket)
        await node.publisher.unboost(alice.actor, post.id)
        removed = await receive(socket)
        await nothing_more(socket)
    assert boosted["stream"] == ["user"]
    status = payload(boosted)
    assert status["account"]["acct"] == "alice"
    assert status["reblog"]["id"] == str(post.id)
    assert removed == {"stream": ["user"], "event": "delete", "payload": status["id"]}


async def test_blocked_and_muted_accounts_do_not_stream(
    served: Served, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    async with streaming(served, bob, "stream=public") as socket:
        await node.publisher.block(bob.actor, alice.actor)
        await node.publisher.post(alice.actor, Draft("you blocked me"))
        await nothing_more(socket)


async def test_unsubscribing_stops_a_stream(served: Served, node: Node, alice: ApiUser) -> None:
    async with streaming(served, alice, "stream=public") as socket:
        await socket.send('{"type": "unsubscribe", "stream": "public"}')
        await subscribed(socket, stream="public:remote")  # also proves the unsubscribe ran
        await node.publisher.post(alice.actor, Draft("nobody listens"))
        await nothing_more(socket)


async def test_the_token_may_come_as_a_subprotocol_or_a_parameter(
    served: Served, node: Node, alice: ApiUser
) -> None:
    async with connect(
        served.ws + "?stream=user",
        subprotocols=[alice.token],  # type: ignore[list-item]
        proxy=None,
        open_timeout=WAIT,
    ) as socket:
        assert socket.subprotocol == alice.token
        await node.publisher.post(alice.actor, Draft("via the protocol header"))
        assert (await receive(socket))["event"] == "update"
    async with streaming(served, None, f"stream=user&access_token={alice.token}") as socket:
        await node.publisher.post(alice.actor, Draft("via the query"))
        assert (await receive(socket))["event"] == "update"


async def test_scopes_decide_which_streams_a_token_may_open(
    served: Served, node: Node, make_user: MakeUser
) -> None:
    writer = await make_user("writer", scopes=["write"])
    async with streaming(served, writer, "stream=user") as socket:
        assert await receive(socket) == {"error": "Access token does not cover required scopes"}
        await subscribed(socket, stream="public")  # public streams need no scope
        await node.publisher.post(writer.actor, Draft("public still arrives"))
        message = await receive(socket)
        await nothing_more(socket)
    assert message["stream"] == ["public"]
    reader = await make_user("reader", scopes=["read:statuses"])
    async with streaming(served, reader, "stream=user") as socket:
        await follow(node, writer, reader)
        # read:statuses opens the user stream, but its notifications need read:notifications.
        await nothing_more(socket)


async def test_server_sent_events(served: Served, node: Node, alice: ApiUser) -> None:
    async with httpx.AsyncClient(base_url=served.http, trust_env=False, timeout=WAIT) as http:
        refused = await http.get("/api/v1/streaming/user")
        assert refused.status_code == 401
        async with http.stream("GET", "/api/v1/streaming/user", headers=alice.headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            async with asyncio.timeout(WAIT):
                assert await anext(lines) == ":)"
                post = await node.publisher.post(alice.actor, Draft("over server-sent events"))
                assert await anext(lines) == "event: update"
                data = await anext(lines)
    assert data.startswith("data: ")
    assert orjson.loads(data.removeprefix("data: "))["id"] == str(post.id)


async def test_a_hashtag_stream_needs_a_tag(served: Served, alice: ApiUser) -> None:
    async with streaming(served, alice, "stream=hashtag") as socket:
        assert await receive(socket) == {"error": "No tag for stream provided"}
    async with httpx.AsyncClient(base_url=served.http, trust_env=False, timeout=WAIT) as http:
        response = await http.get("/api/v1/streaming/hashtag", headers=alice.headers)
    assert response.status_code == 404


async def test_a_slow_client_is_cut_off_not_waited_for(alice: ApiUser) -> None:
    subscriber = Subscriber(alice.actor, ["read"], limit=2)
    frame = Frame(["user"], "update", "{}")
    subscriber.offer(frame)
    subscriber.offer(frame)
    assert not subscriber.closed
    subscriber.offer(frame)
    assert subscriber.closed and subscriber.overflowed
    with pytest.raises(SubscriberClosed):
        await subscriber.next()


async def test_the_hub_listens_on_a_connection_of_its_own(
    served: Served, node: Node, alice: ApiUser
) -> None:
    assert not served.hub.listening  # nobody has subscribed yet
    async with streaming(served, alice, "stream=user"):
        assert served.hub.listening
        async with node.pool.acquire() as conn:
            listeners = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND query LIKE 'LISTEN%fedi_stream%'"
            )
        assert listeners == 1


async def test_the_hub_listens_again_after_losing_its_connection(
    served: Served, node: Node, alice: ApiUser
) -> None:
    async with streaming(served, alice, "stream=user") as socket:
        async with node.pool.acquire() as conn:
            killed = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN%fedi_stream%'"
            )
        assert killed == 1
        await until(lambda: not served.hub.listening)
        await until(lambda: served.hub.listening)
        post = await node.publisher.post(alice.actor, Draft("after the outage"))
        assert payload(await receive(socket))["id"] == str(post.id)


async def test_closing_the_streams_lets_the_server_stop_with_an_event_stream_open(
    node: Node, alice: ApiUser
) -> None:
    app = create_app(node)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign, assignment]
    task = asyncio.create_task(server.serve())
    await until(lambda: server.started)
    try:
        url = f"http://127.0.0.1:{port}"
        async with (
            httpx.AsyncClient(base_url=url, trust_env=False, timeout=WAIT) as http,
            http.stream("GET", "/api/v1/streaming/public", headers=alice.headers) as response,
        ):
            lines = response.aiter_lines()
            async with asyncio.timeout(WAIT):
                assert await anext(lines) == ":)"
            # What a signal handler stopping the server must do first: end the open streams.
            app.state.stream_hub.close_streams()
            server.should_exit = True
            async with asyncio.timeout(WAIT):
                await task
    finally:
        server.should_exit = True
        async with asyncio.timeout(WAIT):
            await asyncio.gather(task, return_exceptions=True)


async def test_a_group_post_streams_to_the_groups_members_only(
    served: Served, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    await follow(node, carol, alice)  # follows the author, is not in the group
    circle = await make_group(node, alice.actor, "circle", "members", members=(bob.actor,))
    async with (
        streaming(served, bob, "stream=user") as member,
        streaming(served, carol, "stream=user") as follower,
    ):
        await subscribed(follower, stream="public")
        await subscribed(member, stream="public")
        post = await node.publisher.post(alice.actor, Draft("inside", group_id=circle.id))
        message = await receive(member)
        await nothing_more(member)
        await nothing_more(follower)
    assert message["stream"] == ["user"]
    status = payload(message)
    assert (status["id"], status["visibility"]) == (str(post.id), "private")
    assert status["group"]["id"] == str(circle.id)
