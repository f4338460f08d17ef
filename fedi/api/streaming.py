"""Mastodon client API: streaming, over a WebSocket or as server-sent events.

docs.joinmastodon.org/methods/streaming. One WebSocket at /api/v1/streaming multiplexes
streams: `?stream=` subscribes at connection time, and JSON messages
`{"type": "subscribe"|"unsubscribe", "stream": ..., "tag": ...}` change them later. Each event
is sent as `{"stream": [...], "event": ..., "payload": "<JSON as a string>"}`. The
server-sent-events paths (/api/v1/streaming/user and the rest) carry one stream each; they send
a `:thump` comment every 30 s, while the WebSocket relies on the server's pings (uvicorn's).
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from fedi.api.auth import bearer_token, hash_secret
from fedi.api.context import api_context
from fedi.api.stream_clients import (
    Channel,
    Frame,
    Notice,
    ScopeRefused,
    StreamRefused,
    Subscriber,
    SubscriberClosed,
    channel_for,
)
from fedi.api.stream_hub import StreamHub
from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.db import oauth as oauth_db
from fedi.db.actors import Actor
from fedi.errors import NotFound, Unauthorized

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30.0
# A client's control message is a few dozen bytes; anything much longer is not one.
MAX_MESSAGE = 4_096
SSE_STREAMS = {
    "/api/v1/streaming/user": "user",
    "/api/v1/streaming/user/notification": "user:notification",
    "/api/v1/streaming/public": "public",
    "/api/v1/streaming/public/local": "public:local",
    "/api/v1/streaming/public/remote": "public:remote",
    "/api/v1/streaming/hashtag": "hashtag",
    "/api/v1/streaming/hashtag/local": "hashtag:local",
}
_MEDIA_VARIANT = {"public", "public:local", "public:remote"}
_TRUE = {"1", "true", "t", "on", "yes"}


def hub_of(connection: HTTPConnection) -> StreamHub:
    hub = connection.app.state.stream_hub
    assert isinstance(hub, StreamHub)
    return hub


async def health(request: Request) -> Response:
    return PlainTextResponse("OK")


class _Caller:
    def __init__(self, actor: Actor, scopes: list[str], secret: str, via_protocol: bool) -> None:
        self.actor = actor
        self.scopes = scopes
        self.secret = secret
        self.via_protocol = via_protocol


async def _stream_caller(connection: HTTPConnection) -> _Caller:
    """The account behind the token, taken from the Authorization header, the `access_token`
    parameter or (browsers cannot set headers on a WebSocket) Sec-WebSocket-Protocol."""
    secret = bearer_token(connection)
    via_protocol = False
    if secret is None:
        offered = connection.headers.get("sec-websocket-protocol", "")
        secret = offered.split(",")[0].strip() or None
        via_protocol = secret is not None
    if secret is None:
        raise Unauthorized("Missing access token")
    async with api_context(connection).pool.acquire() as conn:
        token = await oauth_db.token_by_hash(conn, hash_secret(secret))
        actor = await actors_db.by_id(conn, token.actor_id) if token and token.actor_id else None
        if actor is not None and await moderation_db.login_refused(conn, actor.id):
            actor = None  # suspended or disabled: its tokens no longer work
    if token is None or actor is None:
        # An app-only token acts for no account, so it cannot stream (Mastodon 4.2).
        raise Unauthorized("Invalid access token")
    return _Caller(actor, list(token.scopes), secret, via_protocol)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _ws_text(item: Frame | Notice) -> str:
    if isinstance(item, Notice):
        return _dumps({"error": item.error})
    return _dumps({"stream": item.stream, "event": item.event, "payload": item.payload})


def _first(value: Any) -> str | None:
    """Mastodon reads the first of a repeated parameter."""
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


async def _refuse(websocket: WebSocket, status: int, message: str) -> None:
    """Answer the upgrade request with an HTTP error, as Mastodon does, where the server can."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        headers = {"X-Error-Message": message}
        response = JSONResponse({"error": message}, status_code=status, headers=headers)
        await websocket.send_denial_response(response)
    else:
        await websocket.close(code=1008, reason=message)


async def websocket_stream(websocket: WebSocket) -> None:
    try:
        caller = await _stream_caller(websocket)
    except Unauthorized as exc:
        await _refuse(websocket, 401, str(exc))
        return
    subscriber = Subscriber(caller.actor, caller.scopes)
    name = websocket.query_params.get("stream")
    if name:
        # Subscribed before the handshake completes: once connected, the client misses nothing.
        try:
            subscriber.subscribe(
                channel_for(name, websocket.query_params.get("tag"), caller.scopes)
            )
        except StreamRefused as exc:
            subscriber.offer(Notice(str(exc)))
    hub = hub_of(websocket)
    tasks: list[asyncio.Task[None]] = []
    try:
        await hub.join(subscriber)
        await websocket.accept(subprotocol=caller.secret if caller.via_protocol else None)
        reader = asyncio.create_task(_read(websocket, subscriber))
        writer = asyncio.create_task(_write(websocket, subscriber))
        tasks = [reader, writer]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            failure = task.exception()
            if failure is not None and not isinstance(failure, WebSocketDisconnect):
                log.info("streaming connection of account %s ended: %r", caller.actor.id, failure)
        if writer in done and subscriber.closed:
            reason = "the client did not keep up" if subscriber.overflowed else "going away"
            with contextlib.suppress(Exception):
                await websocket.close(code=1008 if subscriber.overflowed else 1001, reason=reason)
    finally:
        for task in tasks:
            task.cancel()
        hub.leave(subscriber)


async def _read(websocket: WebSocket, subscriber: Subscriber) -> None:
    """Control messages until the client leaves; replies go through the writer's queue."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            with contextlib.suppress(Exception):
                await websocket.close(code=1003, reason="only text messages are understood")
            return
        if len(text) > MAX_MESSAGE:
            continue
        try:
            control = orjson.loads(text)
        except orjson.JSONDecodeError:
            continue  # Mastodon ignores what it cannot read
        if isinstance(control, dict):
            _control(subscriber, control)


def _control(subscriber: Subscriber, control: dict[str, Any]) -> None:
    kind = control.get("type")
    name, tag = _first(control.get("stream")), _first(control.get("tag"))
    if kind == "subscribe":
        try:
            subscriber.subscribe(channel_for(name, tag, subscriber.scopes))
        except StreamRefused as exc:
            subscriber.offer(Notice(str(exc)))
    elif kind == "unsubscribe":
        try:
            subscriber.unsubscribe(channel_for(name, tag, None))
        except StreamRefused:
            subscriber.offer(Notice("Error unsubscribing from channel"))


async def _write(websocket: WebSocket, subscriber: Subscriber) -> None:
    with contextlib.suppress(SubscriberClosed, WebSocketDisconnect):
        while True:
            item = await subscriber.next()
            if item is not None:
                await websocket.send_text(_ws_text(item))


def _sse_channel(request: Request, scopes: list[str]) -> Channel:
    name = SSE_STREAMS[request.url.path.rstrip("/")]
    if name in _MEDIA_VARIANT and (request.query_params.get("only_media") or "") in _TRUE:
        name += ":media"
    try:
        return channel_for(name, request.query_params.get("tag"), scopes)
    except ScopeRefused:
        raise
    except StreamRefused as exc:
        raise NotFound(str(exc)) from exc


async def server_sent_events(request: Request) -> Response:
    caller = await _stream_caller(request)
    try:
        channel = _sse_channel(request, caller.scopes)
    except ScopeRefused as exc:
        raise Unauthorized(str(exc)) from exc
    subscriber = Subscriber(caller.actor, caller.scopes)
    subscriber.subscribe(channel)
    return StreamingResponse(
        _events(hub_of(request), subscriber),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(hub: StreamHub, subscriber: Subscriber) -> AsyncIterator[str]:
    # Joined here, not in the handler: a response that never starts never leaves the hub.
    try:
        await hub.join(subscriber)
        yield ":)\n"
        while True:
            item = await subscriber.next(HEARTBEAT_SECONDS)
            if item is None:
                yield ":thump\n"
            elif isinstance(item, Frame):
                yield f"event: {item.event}\ndata: {item.payload}\n\n"
    except SubscriberClosed:
        return
    finally:
        hub.leave(subscriber)


def routes() -> list[BaseRoute]:
    found: list[BaseRoute] = [
        Route("/api/v1/streaming/health", health, methods=["GET"]),
        WebSocketRoute("/api/v1/streaming", websocket_stream),
        WebSocketRoute("/api/v1/streaming/", websocket_stream),
    ]
    for path in SSE_STREAMS:
        found.append(Route(path, server_sent_events, methods=["GET"]))
    return found
