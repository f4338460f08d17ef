"""Tests for the guarded outbound client, against real HTTP servers on loopback."""

from __future__ import annotations

import asyncio
import datetime
import gzip
import json
import os
import ssl
import tempfile
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from activitypub.client import (
    AP_ACCEPT,
    ActivityPubClient,
    FetchError,
    FetchTimeout,
    ForbiddenAddress,
    IdMismatch,
    OutboundPolicy,
    OutboundRefused,
    RemoteStatusError,
    ResponseTooLarge,
    TooManyRedirects,
    UnexpectedContentType,
)

UA = "fedi-test/1.0 (+https://fedi.test/)"
AP = "application/activity+json"
# Every server in these tests lives on loopback, so most tests run under the development policy.
DEV = OutboundPolicy(allow_private_addresses=True, total_timeout=5.0)
# Public-only, except the loopback address the test server listens on.
ONLY_127_0_0_1 = OutboundPolicy(allowed_private_networks=("127.0.0.1/32",), total_timeout=5.0)


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


# A handler writes the whole response itself; it returns whether the connection may be reused.
Handler = Callable[[Received, asyncio.StreamWriter], Awaitable[bool]]


async def write_response(
    writer: asyncio.StreamWriter,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes = b"",
) -> None:
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    writer.write(head.encode("latin-1") + body)
    await writer.drain()


def reply(
    body: bytes | dict[str, Any] = b"",
    *,
    status: int = 200,
    content_type: str | None = AP,
    headers: tuple[tuple[str, str], ...] = (),
) -> Handler:
    data = json.dumps(body).encode() if isinstance(body, dict) else body

    async def handler(request: Received, writer: asyncio.StreamWriter) -> bool:
        fields = [("Content-Length", str(len(data))), *headers]
        if content_type is not None:
            fields.append(("Content-Type", content_type))
        await write_response(writer, status, fields, data)
        return True

    return handler


def chunked(body: bytes, *, content_type: str = AP, chunk: int = 16_384) -> Handler:
    """Sends `body` without a Content-Length, so only the streaming cap can stop it."""

    async def handler(request: Received, writer: asyncio.StreamWriter) -> bool:
        fields = [("Content-Type", content_type), ("Transfer-Encoding", "chunked")]
        await write_response(writer, 200, fields)
        for start in range(0, len(body), chunk):
            part = body[start : start + chunk]
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return reply(status=status, content_type=None, headers=(("Location", location),))


class RecordingServer:
    """A minimal HTTP/1.1 server on 127.0.0.1 that records every connection and request."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Received] = []
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def url(self, path: str, *, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def targets(self) -> list[str]:
        return [r.target for r in self.requests]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            keep_alive = True
            while keep_alive:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                received = Received(method, target, headers, body)
                self.requests.append(received)
                handler = self.routes.get(target, reply(b"not found", status=404))
                keep_alive = await handler(received, writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[RecordingServer]:
    recording = RecordingServer()
    await recording.start()
    yield recording
    await recording.stop()


def client(policy: OutboundPolicy = DEV, **kwargs: Any) -> ActivityPubClient:
    return ActivityPubClient(policy, user_agent=UA, **kwargs)


def document(server: RecordingServer, path: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": server.url(path), "type": "Note", **extra}
    server.routes[path] = reply(doc)
    return doc


# --- success paths and headers ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_object_returns_the_document_and_sends_ap_headers(
    server: RecordingServer,
) -> None:
    doc = document(server, "/note")
    async with client() as c:
        assert await c.get_object(server.url("/note")) == doc
    [request] = server.requests
    assert request.method == "GET"
    assert request.headers["accept"] == AP_ACCEPT
    assert request.headers["user-agent"] == UA


@pytest.mark.asyncio
async def test_one_shared_client_reuses_connections(server: RecordingServer) -> None:
    document(server, "/a")
    document(server, "/b")
    async with client() as c:
        await c.get_object(server.url("/a"))
        await c.get_object(server.url("/b"))
    assert server.targets() == ["/a", "/b"]
    assert server.connections == 1


@pytest.mark.asyncio
async def test_cookies_are_not_kept(server: RecordingServer) -> None:
    doc = {"id": server.url("/c"), "type": "Note"}
    server.routes["/c"] = reply(doc, headers=(("Set-Cookie", "track=1; Path=/"),))
    async with client() as c:
        await c.get_object(server.url("/c"))
        await c.get_object(server.url("/c"))
    assert all("cookie" not in r.headers for r in server.requests)


@pytest.mark.asyncio
async def test_proxy_environment_is_ignored(
    server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    doc = document(server, "/p")
    async with client() as c:
        assert await c.get_object(server.url("/p")) == doc
    assert server.targets() == ["/p"]


@pytest.mark.asyncio
async def test_injected_transport_is_used_and_still_guarded() -> None:
    url = "https://remote.example/note"
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"id": url}, headers={"Content-Type": AP})

    def refuse_all(url: str, body: bytes | None) -> None:
        raise OutboundRefused("refused", url=url)

    async with client(OutboundPolicy(), transport=httpx.MockTransport(answer)) as c:
        assert await c.get_object(url) == {"id": url}
    async with client(transport=httpx.MockTransport(answer), guard=refuse_all) as c:
        with pytest.raises(OutboundRefused):
            await c.get_object(url)
    assert seen == [url]


# --- content types, JSON and ids -------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "content_type",
    [
        AP,
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "Application/Activity+JSON; charset=utf-8",
    ],
)
async def test_activitypub_content_types_are_accepted(
    server: RecordingServer, content_type: str
) -> None:
    doc = {"id": server.url("/x"), "type": "Note"}
    server.routes["/x"] = reply(doc, content_type=content_type)
    async with client() as c:
        assert await c.get_object(server.url("/x")) == doc


@pytest.mark.asyncio
@pytest.mark.parametrize("content_type", ["application/json", "text/html", "", None])
async def test_other_content_types_are_refused_for_objects(
    server: RecordingServer, content_type: str | None
) -> None:
    server.routes["/x"] = reply({"id": server.url("/x")}, content_type=content_type)
    async with client() as c:
        with pytest.raises(UnexpectedContentType) as caught:
            await c.get_object(server.url("/x"))
    assert server.url("/x") in str(caught.value)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "content_type",
    [
        "application/jrd+json",
        "application/json; charset=utf-8",
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"',
    ],
)
async def test_get_jrd_accepts_json_without_an_id(
    server: RecordingServer, content_type: str
) -> None:
    jrd = {"subject": "acct:alice@fedi.test", "links": []}
    server.routes["/.well-known/webfinger"] = reply(jrd, content_type=content_type)
    async with client() as c:
        assert await c.get_jrd(server.url("/.well-known/webfinger")) == jrd
    assert "application/jrd+json" in server.requests[0].headers["accept"]


@pytest.mark.asyncio
@pytest.mark.parametrize("content_type", ["text/html", AP, "application/xrd+xml"])
async def test_get_jrd_refuses_other_content_types(
    server: RecordingServer, content_type: str
) -> None:
    server.routes["/j"] = reply({"subject": "x"}, content_type=content_type)
    async with client() as c:
        with pytest.raises(UnexpectedContentType):
            await c.get_jrd(server.url("/j"))


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body", [b"[1, 2]", b'"text"', b"{not json", b"\xff\xfe\x00", b"[" * 200_000]
)
async def test_body_must_be_a_json_object(server: RecordingServer, body: bytes) -> None:
    server.routes["/x"] = reply(body)
    async with client() as c:
        with pytest.raises(FetchError, match="JSON"):
            await c.get_object(server.url("/x"))


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "doc_id", ["https://elsewhere.example/x", None, "/x", "PLACEHOLDER/", "PLACEHOLDER#main"]
)
async def test_id_must_equal_the_url_asked_for(server: RecordingServer, doc_id: str | None) -> None:
    url = server.url("/x")
    doc: dict[str, Any] = {"type": "Note"}
    if doc_id is not None:
        doc["id"] = doc_id.replace("PLACEHOLDER", url)
    server.routes["/x"] = reply(doc)
    async with client() as c:
        with pytest.raises(IdMismatch) as caught:
            await c.get_object(url)
    assert url in str(caught.value)


@pytest.mark.asyncio
async def test_id_on_same_host_accepts_a_key_stub_and_refuses_other_hosts(
    server: RecordingServer,
) -> None:
    stub = {"id": server.url("/users/a"), "publicKey": {"id": server.url("/users/a/main-key")}}
    server.routes["/users/a/main-key"] = reply(stub)
    server.routes["/elsewhere"] = reply({"id": "https://elsewhere.example/users/a"})
    async with client() as c:
        with pytest.raises(IdMismatch):
            await c.get_object(server.url("/users/a/main-key"))
        got = await c.get_object(server.url("/users/a/main-key"), id_on_same_host=True)
        assert got == stub
        with pytest.raises(IdMismatch, match="not on the host"):
            await c.get_object(server.url("/elsewhere"), id_on_same_host=True)


# --- redirects ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_three_redirects_are_followed_and_id_is_the_original_url(
    server: RecordingServer,
) -> None:
    original = server.url("/r0")
    server.routes["/r0"] = redirect("/r1", 301)
    server.routes["/r1"] = redirect(server.url("/r2"), 307)
    server.routes["/r2"] = redirect("r3", 308)
    server.routes["/r3"] = reply({"id": original})
    async with client() as c:
        assert await c.get_object(original) == {"id": original}
    assert server.targets() == ["/r0", "/r1", "/r2", "/r3"]


@pytest.mark.asyncio
async def test_fourth_redirect_raises(server: RecordingServer) -> None:
    for n in range(5):
        server.routes[f"/r{n}"] = redirect(f"/r{n + 1}")
    server.routes["/r5"] = reply({"id": server.url("/r0")})
    async with client() as c:
        with pytest.raises(TooManyRedirects):
            await c.get_object(server.url("/r0"))
        with pytest.raises(TooManyRedirects):
            await c.get_jrd(server.url("/r0"))
    assert server.targets() == ["/r0", "/r1", "/r2", "/r3"] * 2


@pytest.mark.asyncio
async def test_max_redirects_comes_from_the_policy(server: RecordingServer) -> None:
    server.routes["/r0"] = redirect("/r1")
    server.routes["/r1"] = reply({"id": server.url("/r0")})
    async with client(OutboundPolicy(allow_private_addresses=True, max_redirects=0)) as c:
        with pytest.raises(TooManyRedirects):
            await c.get_object(server.url("/r0"))
    assert server.targets() == ["/r0"]


@pytest.mark.asyncio
async def test_id_equal_to_the_final_url_is_refused(server: RecordingServer) -> None:
    server.routes["/old"] = redirect("/new")
    server.routes["/new"] = reply({"id": server.url("/new")})
    async with client() as c:
        with pytest.raises(IdMismatch):
            await c.get_object(server.url("/old"))


@pytest.mark.asyncio
async def test_redirect_to_another_host_cannot_speak_for_the_id(
    server: RecordingServer,
) -> None:
    original = server.url("/x")
    server.routes["/x"] = redirect(server.url("/y", host="localhost"))
    server.routes["/y"] = reply({"id": original})
    async with client() as c:
        with pytest.raises(IdMismatch, match="another host"):
            await c.get_object(original)
    assert server.targets() == ["/x", "/y"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "http://[bad/"]
)
async def test_redirect_to_non_http_is_refused(server: RecordingServer, location: str) -> None:
    server.routes["/x"] = redirect(location)
    async with client() as c:
        with pytest.raises(FetchError):
            await c.get_object(server.url("/x"))
    assert server.targets() == ["/x"]


@pytest.mark.asyncio
async def test_redirect_without_location_is_a_status_error(server: RecordingServer) -> None:
    server.routes["/x"] = reply(status=302, content_type=None)
    async with client() as c:
        with pytest.raises(RemoteStatusError) as caught:
            await c.get_object(server.url("/x"))
    assert caught.value.status == 302


@pytest.mark.asyncio
async def test_auth_is_applied_to_every_hop(server: RecordingServer) -> None:
    class MarkAuth(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
            request.headers["Signature"] = f"for {request.url}"
            yield request

    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = reply({"id": server.url("/a")})
    async with client() as c:
        await c.get_object(server.url("/a"), auth=MarkAuth())
    assert [r.headers["signature"] for r in server.requests] == [
        f"for {server.url('/a')}",
        f"for {server.url('/b')}",
    ]


# --- guard ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_guard_sees_every_hop(server: RecordingServer) -> None:
    calls: list[tuple[str, bytes | None]] = []
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/c")
    server.routes["/c"] = reply({"id": server.url("/a")})
    server.routes["/inbox"] = reply(status=202, content_type=None)
    async with client(guard=lambda url, body: calls.append((url, body))) as c:
        await c.get_object(server.url("/a"))
        await c.post(server.url("/inbox"), b'{"type":"Follow"}', auth=None)
    assert calls == [
        (server.url("/a"), None),
        (server.url("/b"), None),
        (server.url("/c"), None),
        (server.url("/inbox"), b'{"type":"Follow"}'),
    ]


@pytest.mark.asyncio
async def test_refusing_guard_means_nothing_is_sent(server: RecordingServer) -> None:
    document(server, "/a")

    def refuse(url: str, body: bytes | None) -> None:
        raise OutboundRefused("recipient not allowed", url=url)

    async with client(guard=refuse) as c:
        with pytest.raises(OutboundRefused):
            await c.get_object(server.url("/a"))
        with pytest.raises(OutboundRefused):
            await c.get_jrd(server.url("/a"))
        with pytest.raises(OutboundRefused):
            await c.post(server.url("/a"), b"{}", auth=None)
    assert server.requests == []
    assert server.connections == 0


@pytest.mark.asyncio
async def test_guard_refusing_a_redirect_hop_stops_there(server: RecordingServer) -> None:
    server.routes["/a"] = redirect("/secret")
    document(server, "/secret")

    def refuse_secret(url: str, body: bytes | None) -> None:
        if url.endswith("/secret"):
            raise ForbiddenAddress("not for you", url=url)

    async with client(guard=refuse_secret) as c:
        with pytest.raises(ForbiddenAddress, match="not for you"):
            await c.get_object(server.url("/a"))
    assert server.targets() == ["/a"]


# --- addresses --------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_loopback_is_refused_by_default(server: RecordingServer, host: str) -> None:
    document(server, "/a")
    url = server.url("/a", host=host)
    async with client(OutboundPolicy()) as c:
        calls = (
            lambda: c.get_object(url),
            lambda: c.get_jrd(url),
            lambda: c.post(url, b"{}", auth=None),
        )
        for call in calls:
            with pytest.raises(ForbiddenAddress) as caught:
                await call()
            assert url in str(caught.value)
            assert "loopback" in str(caught.value)
    assert server.connections == 0


@pytest.mark.asyncio
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_loopback_is_allowed_for_development(server: RecordingServer, host: str) -> None:
    url = server.url("/a", host=host)
    server.routes["/a"] = reply({"id": url})
    async with client(OutboundPolicy(allow_private_addresses=True)) as c:
        assert await c.get_object(url) == {"id": url}
    assert server.targets() == ["/a"]


@pytest.mark.asyncio
@pytest.mark.parametrize("host", ["2130706433", "127.1", "0x7f000001", "017700000001"])
async def test_odd_spellings_of_loopback_are_caught_at_connect(
    server: RecordingServer, host: str
) -> None:
    async with client(OutboundPolicy()) as c:
        with pytest.raises(ForbiddenAddress, match=r"resolves to 127\.0\.0\.1"):
            await c.get_object(server.url("/a", host=host))
    assert server.connections == 0


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "host",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "[::1]",
        "[::]",
        "[fe80::1]",
        "[fc00::1]",
        "[ff02::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.0.0.1]",
        "[::ffff:169.254.169.254]",
        "[2002:7f00:1::1]",
        "[64:ff9b::a00:1]",
    ],
)
async def test_forbidden_ip_literals_are_refused_before_connecting(host: str) -> None:
    url = f"http://{host}:8080/x"
    async with client(OutboundPolicy()) as c:
        with pytest.raises(ForbiddenAddress) as caught:
            await c.get_object(url)
    assert url in str(caught.value)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "host", ["[::ffff:8.8.8.8]", "[2002:808:808::1]", "[64:ff9b::808:808]", "8.8.8.8"]
)
async def test_public_addresses_pass_the_address_rule(host: str) -> None:
    url = f"http://{host}/x"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": url}, headers={"Content-Type": AP})

    async with client(OutboundPolicy(), transport=httpx.MockTransport(answer)) as c:
        assert await c.get_object(url) == {"id": url}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:PORT/b",
        "http://[::1]:PORT/b",
        "http://10.0.0.1/b",
        "http://2130706434:PORT/b",
    ],
)
async def test_redirect_to_a_forbidden_address_is_refused(
    server: RecordingServer, target: str
) -> None:
    location = target.replace("PORT", str(server.port))
    server.routes["/a"] = redirect(location)
    document(server, "/ok")
    async with client(ONLY_127_0_0_1) as c:
        await c.get_object(server.url("/ok"))
        with pytest.raises(ForbiddenAddress) as caught:
            await c.get_object(server.url("/a"))
    assert location in str(caught.value)
    assert server.targets() == ["/ok", "/a"]


def test_policy_rejects_malformed_networks() -> None:
    with pytest.raises(ValueError):
        OutboundPolicy(allowed_private_networks=("not a network",))


# --- body size --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_gzip_bomb_is_stopped(server: RecordingServer) -> None:
    bomb = gzip.compress(b'{"id": "' + b" " * 20_000_000 + b'"}', 9)
    assert len(bomb) < 50_000
    server.routes["/bomb"] = reply(bomb, headers=(("Content-Encoding", "gzip"),))
    async with client() as c:
        with pytest.raises(ResponseTooLarge):
            await c.get_object(server.url("/bomb"))


@pytest.mark.asyncio
async def test_nested_gzip_bomb_is_stopped(server: RecordingServer) -> None:
    bomb = gzip.compress(gzip.compress(b" " * 50_000_000, 9), 9)
    server.routes["/bomb"] = reply(bomb, headers=(("Content-Encoding", "gzip, gzip"),))
    async with client() as c:
        with pytest.raises(ResponseTooLarge):
            await c.get_object(server.url("/bomb"))


@pytest.mark.asyncio
async def test_plain_oversized_body_is_stopped(server: RecordingServer) -> None:
    server.routes["/big"] = chunked(b"x" * 1_500_000)
    async with client() as c:
        with pytest.raises(ResponseTooLarge):
            await c.get_object(server.url("/big"))


@pytest.mark.asyncio
async def test_endless_body_is_stopped_as_soon_as_the_cap_is_passed(
    server: RecordingServer,
) -> None:
    sent = 0

    async def endless(request: Received, writer: asyncio.StreamWriter) -> bool:
        nonlocal sent
        await write_response(writer, 200, [("Content-Type", AP), ("Transfer-Encoding", "chunked")])
        part = b"x" * 65_536
        while True:
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            await writer.drain()
            sent += len(part)

    server.routes["/endless"] = endless
    async with asyncio.timeout(10), client() as c:
        with pytest.raises(ResponseTooLarge):
            await c.get_object(server.url("/endless"))
    # Socket buffers hold a few megabytes at most; the client did not drain the stream.
    assert sent < 20_000_000


@pytest.mark.asyncio
async def test_declared_oversized_length_is_refused_before_reading(
    server: RecordingServer,
) -> None:
    async def huge(request: Received, writer: asyncio.StreamWriter) -> bool:
        await write_response(writer, 200, [("Content-Type", AP), ("Content-Length", "5000000")])
        return False

    server.routes["/huge"] = huge
    async with client() as c:
        with pytest.raises(ResponseTooLarge, match="declared"):
            await c.get_object(server.url("/huge"))


@pytest.mark.asyncio
async def test_lying_small_content_length_does_not_let_more_in(server: RecordingServer) -> None:
    url = server.url("/liar")
    doc = json.dumps({"id": url, "pad": "x" * 2_000_000}).encode()

    async def liar(request: Received, writer: asyncio.StreamWriter) -> bool:
        await write_response(writer, 200, [("Content-Type", AP), ("Content-Length", "20")], doc)
        return False

    server.routes["/liar"] = liar
    async with client() as c:
        with pytest.raises(FetchError, match="not valid JSON"):
            await c.get_object(url)


@pytest.mark.asyncio
async def test_lying_content_length_on_a_compressed_body_is_not_trusted(
    server: RecordingServer,
) -> None:
    bomb = gzip.compress(b" " * 3_000_000)
    server.routes["/x"] = reply(
        bomb, headers=(("Content-Encoding", "gzip"), ("X-Uncompressed-Length", "100"))
    )
    async with client() as c:
        with pytest.raises(ResponseTooLarge):
            await c.get_object(server.url("/x"))


def padded(url: str, size: int) -> bytes:
    bare = json.dumps({"id": url, "pad": ""}).encode()
    body = json.dumps({"id": url, "pad": "x" * (size - len(bare))}).encode()
    assert len(body) == size
    return body


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", [None, "gzip", "deflate", "raw-deflate"])
async def test_cap_is_exact_on_the_decoded_size(
    server: RecordingServer, encoding: str | None
) -> None:
    policy = OutboundPolicy(allow_private_addresses=True, max_body_bytes=1000)

    def encode(data: bytes) -> bytes:
        if encoding == "gzip":
            return gzip.compress(data)
        if encoding == "deflate":
            return zlib.compress(data)
        if encoding == "raw-deflate":
            raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            return raw.compress(data) + raw.flush()
        return data

    headers = () if encoding is None else (("Content-Encoding", encoding.removeprefix("raw-")),)
    server.routes["/fits"] = reply(encode(padded(server.url("/fits"), 1000)), headers=headers)
    server.routes["/over"] = reply(encode(padded(server.url("/over"), 1001)), headers=headers)
    async with client(policy) as c:
        assert (await c.get_object(server.url("/fits")))["id"] == server.url("/fits")
        with pytest.raises(ResponseTooLarge):
            await c.get_object(server.url("/over"))


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", ["br", "zstd", "compress"])
async def test_unsupported_encodings_are_refused(server: RecordingServer, encoding: str) -> None:
    server.routes["/x"] = reply(b"\x00\x01", headers=(("Content-Encoding", encoding),))
    async with client() as c:
        with pytest.raises(FetchError, match="Content-Encoding"):
            await c.get_object(server.url("/x"))
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.asyncio
async def test_corrupt_gzip_is_a_fetch_error(server: RecordingServer) -> None:
    server.routes["/x"] = reply(b"\x1f\x8bnot gzip at all", headers=(("Content-Encoding", "gzip"),))
    async with client() as c:
        with pytest.raises(FetchError, match="corrupt"):
            await c.get_object(server.url("/x"))


# --- status codes and POST --------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [404, 410, 500])
async def test_get_non_2xx_raises_status_error(server: RecordingServer, status: int) -> None:
    server.routes["/x"] = reply({"id": server.url("/x")}, status=status)
    async with client() as c:
        with pytest.raises(RemoteStatusError) as caught:
            await c.get_object(server.url("/x"))
    assert caught.value.status == status
    assert caught.value.retry_after is None
    assert str(status) in str(caught.value)


@pytest.mark.asyncio
async def test_post_sends_body_and_returns_the_read_response(server: RecordingServer) -> None:
    answer = {"ok": True, "pad": "y" * 5000}
    server.routes["/inbox"] = reply(
        gzip.compress(json.dumps(answer).encode()),
        status=202,
        content_type="application/json",
        headers=(("Content-Encoding", "gzip"),),
    )
    async with client() as c:
        response = await c.post(server.url("/inbox"), b'{"type":"Like"}', auth=None)
    assert response.status_code == 202
    assert response.json() == answer
    assert "content-encoding" not in response.headers
    [request] = server.requests
    assert request.method == "POST"
    assert request.body == b'{"type":"Like"}'
    assert request.headers["content-type"] == AP
    assert request.headers["user-agent"] == UA


@pytest.mark.asyncio
async def test_post_uses_the_given_content_type_and_auth(server: RecordingServer) -> None:
    class MarkAuth(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
            request.headers["Signature"] = "signed"
            yield request

    server.routes["/inbox"] = reply(status=200, content_type=None)
    ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    async with client() as c:
        await c.post(server.url("/inbox"), b"{}", auth=MarkAuth(), content_type=ld)
    assert server.requests[0].headers["content-type"] == ld
    assert server.requests[0].headers["signature"] == "signed"


@pytest.mark.asyncio
async def test_post_non_2xx_carries_status_and_retry_after(server: RecordingServer) -> None:
    server.routes["/inbox"] = reply(b"slow down", status=429, headers=(("Retry-After", "120"),))
    async with client() as c:
        with pytest.raises(RemoteStatusError) as caught:
            await c.post(server.url("/inbox"), b"{}", auth=None)
    assert caught.value.status == 429
    assert caught.value.retry_after == "120"


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_post_does_not_follow_redirects(server: RecordingServer, status: int) -> None:
    server.routes["/inbox"] = redirect("/other", status)
    server.routes["/other"] = reply(status=202)
    async with client() as c:
        with pytest.raises(RemoteStatusError) as caught:
            await c.post(server.url("/inbox"), b"{}", auth=None)
    assert caught.value.status == status
    assert server.targets() == ["/inbox"]


@pytest.mark.asyncio
async def test_post_response_body_is_capped(server: RecordingServer) -> None:
    server.routes["/inbox"] = chunked(b"z" * 1_200_000)
    async with client() as c:
        with pytest.raises(ResponseTooLarge):
            await c.post(server.url("/inbox"), b"{}", auth=None)


# --- timeouts and failures ----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_total_timeout_covers_a_trickling_body(server: RecordingServer) -> None:
    async def trickle(request: Received, writer: asyncio.StreamWriter) -> bool:
        await write_response(writer, 200, [("Content-Type", AP), ("Content-Length", "1000")])
        for _ in range(1000):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.05)
        return False

    server.routes["/slow"] = trickle
    server.routes["/inbox"] = trickle
    policy = OutboundPolicy(allow_private_addresses=True, total_timeout=0.6)
    async with client(policy) as c:
        calls = (
            lambda: c.get_object(server.url("/slow")),
            lambda: c.post(server.url("/inbox"), b"", auth=None),
        )
        for call in calls:
            started = time.monotonic()
            with pytest.raises(FetchTimeout):
                await call()
            assert time.monotonic() - started < 2.0


@pytest.mark.asyncio
async def test_unreachable_port_is_a_fetch_error() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    async with client() as c:
        with pytest.raises(FetchError, match="request failed"):
            await c.get_object(f"http://127.0.0.1:{port}/x")


@pytest.mark.asyncio
@pytest.mark.parametrize("url", ["ftp://example.com/x", "/relative", "http:///x", "http://a b/"])
async def test_non_http_urls_are_refused(url: str) -> None:
    async with client() as c:
        with pytest.raises(FetchError):
            await c.get_object(url)


# --- TLS ----------------------------------------------------------------------------------------


def tls_material() -> tuple[ssl.SSLContext, bytes]:
    """A server context for the name `localhost` and the PEM of the CA that signed it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fedi test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    chain = leaf.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with tempfile.TemporaryDirectory() as folder:
        cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        with open(cert_path, "wb") as f:
            f.write(chain)
        with open(key_path, "wb") as f:
            f.write(key_pem)
        server_context.load_cert_chain(cert_path, key_path)
    return server_context, ca.public_bytes(serialization.Encoding.PEM)


@pytest.mark.asyncio
async def test_tls_verifies_the_original_host_name_while_connecting_to_the_ip() -> None:
    server_context, ca_pem = tls_material()
    sni: list[str | None] = []
    server_context.sni_callback = lambda sock, name, ctx: sni.append(name)
    tls_server = RecordingServer()
    await tls_server.start(server_context)
    try:
        url = tls_server.url("/x", host="localhost", scheme="https")
        tls_server.routes["/x"] = reply({"id": url})
        trusting = ssl.create_default_context(cadata=ca_pem.decode())
        async with client(ssl_context=trusting) as c:
            assert await c.get_object(url) == {"id": url}
        assert sni == ["localhost"]
        # The certificate names `localhost`, not the IP literal actually connected to.
        async with client(ssl_context=trusting) as c:
            with pytest.raises(FetchError, match="request failed"):
                await c.get_object(tls_server.url("/x", scheme="https"))
        # Without the test CA, verification is on and the self-made chain is refused.
        async with client() as c:
            with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
                await c.get_object(url)
        assert tls_server.targets() == ["/x"]
    finally:
        await tls_server.stop()
