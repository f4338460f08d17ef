"""Request limits on the client API: per address without a token, per token with one."""

import asyncio
import time
from datetime import datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from fedi.api.ratelimit import RateLimit
from tests.fedi.api.conftest import ApiUser

pytestmark = pytest.mark.asyncio(loop_scope="session")

PROBE = "/api/v1/apps/verify_credentials"


def reset_time(response: httpx.Response) -> datetime:
    text = response.headers["x-ratelimit-reset"]
    assert text.endswith("Z")
    return datetime.fromisoformat(text)


async def first_request_well_inside_a_window(client: httpx.AsyncClient) -> None:
    """Counting runs in fixed five-minute windows: make one request, far from a window's end."""
    first = await client.get(PROBE)
    left = reset_time(first).timestamp() - time.time()
    if left < 20:
        await asyncio.sleep(left + 0.5)
        await client.get(PROBE)


async def test_the_301st_anonymous_request_is_refused(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    await first_request_well_inside_a_window(client)
    remaining = []
    for _ in range(299):  # the probe above was the first of 300
        response = await client.get(PROBE)
        assert response.status_code == 401
        assert response.headers["x-ratelimit-limit"] == "300"
        remaining.append(int(response.headers["x-ratelimit-remaining"]))
    assert remaining[0] == 298 and remaining[-1] == 0
    refused = await client.get(PROBE)
    assert refused.status_code == 429
    assert refused.json() == {"error": "Too many requests"}
    assert refused.headers["x-ratelimit-limit"] == "300"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert 0 < reset_time(refused).timestamp() - time.time() <= 300
    # The OAuth endpoints share the address's budget.
    assert (await client.post("/oauth/token", data={})).status_code == 429
    # A token has a budget of its own, even from the same address.
    signed_in = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert signed_in.status_code == 200
    assert signed_in.headers["x-ratelimit-limit"] == "1500"
    assert signed_in.headers["x-ratelimit-remaining"] == "1499"


async def test_every_api_and_oauth_answer_carries_the_headers(
    client: httpx.AsyncClient,
) -> None:
    for response in [
        await client.get(PROBE),
        await client.post("/oauth/token", data={"grant_type": "password"}),
        await client.get("/oauth/authorize"),
        await client.post("/api/v1/apps", json={"client_name": "x", "redirect_uris": "bad uri"}),
    ]:
        assert response.headers["x-ratelimit-limit"] == "300"
        assert int(response.headers["x-ratelimit-remaining"]) < 300
        reset_time(response)
    elsewhere = await client.get("/.well-known/oauth-authorization-server")
    assert "x-ratelimit-limit" not in elsewhere.headers


async def pong(request: Request) -> Response:
    return PlainTextResponse("pong")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000_000.0

    def __call__(self) -> float:
        return self.now


def small_app(clock: Clock, **limits: Any) -> tuple[RateLimit, httpx.AsyncClient]:
    inner = Starlette(routes=[Route("/api/v1/ping", pong)])
    limiter = RateLimit(inner, clock=clock, **limits)
    transport = httpx.ASGITransport(app=limiter)
    return limiter, httpx.AsyncClient(transport=transport, base_url="https://fedi.test")


async def test_a_token_is_limited_by_its_own_count_and_windows_expire() -> None:
    clock = Clock()
    limiter, client = small_app(clock, anonymous_limit=5, token_limit=2, period=300)
    async with client:
        token = {"Authorization": "Bearer some-token"}
        assert (await client.get("/api/v1/ping", headers=token)).status_code == 200
        assert (await client.get("/api/v1/ping", params={"access_token": "some-token"})).is_success
        refused = await client.get("/api/v1/ping", headers=token)
        assert refused.status_code == 429
        assert refused.headers["x-ratelimit-limit"] == "2"
        assert int(refused.headers["retry-after"]) > 0
        other = await client.get("/api/v1/ping", headers={"Authorization": "Bearer another"})
        assert other.status_code == 200
        clock.now += 300
        again = await client.get("/api/v1/ping", headers=token)
        assert again.status_code == 200
        assert again.headers["x-ratelimit-remaining"] == "1"
        # The last window's counts are gone, not kept beside the new one.
        assert len(limiter.counts) == 1


async def test_memory_stays_bounded_whatever_the_number_of_tokens() -> None:
    limiter, client = small_app(Clock(), max_keys=3)
    async with client:
        for number in range(10):
            headers = {"Authorization": f"Bearer token-{number}"}
            assert (await client.get("/api/v1/ping", headers=headers)).status_code == 200
    assert len(limiter.counts) == 3


async def test_websockets_pass_through_untouched() -> None:
    seen: list[dict[str, Any]] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    limiter = RateLimit(inner, anonymous_limit=0, token_limit=0)
    scope = {"type": "websocket", "path": "/api/v1/streaming", "headers": [], "client": ("1", 1)}

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        raise AssertionError("the limiter must not answer a WebSocket")

    await limiter(scope, receive, send)
    assert seen == [scope]
    assert limiter.counts == {}
