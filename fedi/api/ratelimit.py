"""Mastodon's request limits on the client API: per client address, or per token when one is sent.

Counts live in this process's memory: with several processes behind one address a client gets
each process's budget. That is enough to stop a runaway client or a password-guessing loop, and
costs no database round trip on every request.

Windows are fixed five-minute periods of the clock, as in Mastodon (rack-attack), so the reset
time is the same for every client, and when a period ends every count of the last one is
dropped at once.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fedi.api.auth import hash_secret

# The pages that check a password or make the node fetch from another server count too.
LIMITED_PREFIXES = ("/api/", "/oauth/", "/auth/", "/remote_follow")
ANONYMOUS_LIMIT = 300
TOKEN_LIMIT = 1500
PERIOD_SECONDS = 300
# Past this many clients in one period the oldest counts are forgotten, so memory stays
# bounded even when every request brings a new address or token.
MAX_KEYS = 100_000


def _bearer(scope: Scope) -> str | None:
    """The token as fedi.api.auth reads it: the Authorization header, else `access_token`."""
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    query: bytes = scope.get("query_string", b"")
    for field, text in parse_qsl(query.decode("latin-1")):
        if field == "access_token" and text:
            return text
    return None


class RateLimit:
    """ASGI middleware counting requests to the API and OAuth paths."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        anonymous_limit: int = ANONYMOUS_LIMIT,
        token_limit: int = TOKEN_LIMIT,
        period: int = PERIOD_SECONDS,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.anonymous_limit = anonymous_limit
        self.token_limit = token_limit
        self.period = period
        self.max_keys = max_keys
        self.clock = clock
        self.window = -1
        self.counts: dict[str, int] = {}

    def _count(self, key: str, window: int) -> int:
        if window != self.window:
            self.counts.clear()
            self.window = window
        if key not in self.counts and len(self.counts) >= self.max_keys:
            del self.counts[next(iter(self.counts))]
        count = self.counts.get(key, 0) + 1
        self.counts[key] = count
        return count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        # Keyed on the token's hash, valid or not: checking it would cost a query per request,
        # and an invalid token is answered 401 for the price of one indexed lookup.
        token = _bearer(scope)
        if token is not None:
            key, limit = "token:" + hash_secret(token), self.token_limit
        else:
            client = scope.get("client")
            key, limit = "ip:" + (client[0] if client else "unknown"), self.anonymous_limit
        window = int(self.clock() // self.period)
        count = self._count(key, window)
        reset = datetime.fromtimestamp((window + 1) * self.period, UTC)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - count)),
            "X-RateLimit-Reset": reset.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        }
        if count > limit:
            await self._refuse(send, headers, retry_after=(window + 1) * self.period)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in headers.items():
                    response_headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse(self, send: Send, headers: dict[str, str], retry_after: int) -> None:
        body = orjson.dumps({"error": "Too many requests"})
        seconds = max(1, int(retry_after - self.clock()))
        raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
        raw += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(seconds).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": raw})
        await send({"type": "http.response.body", "body": body})
