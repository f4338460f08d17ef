"""The recording harness: proxies that see every exchange between real nodes, and find_leaks."""

import gzip
import json
import uuid
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio

from fedi.domain.posts import Draft
from tests.conftest import DatabaseFactory
from tests.federation.cluster import Member, eventually
from tests.federation.nodes import free_port
from tests.federation.recording import (
    Exchange,
    Recorder,
    RecordingProxy,
    find_leaks,
    recorded_cluster,
)

on_loop = pytest.mark.asyncio(loop_scope="session")

ACTIVITY_JSON = "application/activity+json"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def recorded(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[list[Member], Recorder]]:
    folder: Path = tmp_path_factory.mktemp("recorded")
    async with recorded_cluster(databases, folder, ["ayr", "bute"]) as pair:
        yield pair


def activities(exchanges: list[Exchange], kind: str) -> list[dict[str, Any]]:
    """The activities of type `kind` POSTed in these exchanges (to an inbox, by a node)."""
    found = []
    for exchange in exchanges:
        if exchange.method != "POST" or not exchange.path.endswith("inbox"):
            continue
        document = json.loads(exchange.request_text())
        if document.get("type") == kind:
            found.append(document)
    return found


async def follow_accepted(member: Member, follower_id: int, followee_uri: str) -> bool:
    return bool(
        await member.value(
            "SELECT f.accepted FROM follows f JOIN actors a ON a.id = f.followee_id"
            " WHERE f.follower_id = $1 AND a.uri = $2",
            follower_id,
            followee_uri,
        )
    )


@on_loop
async def test_follow_and_post_between_nodes_are_recorded_and_searched(
    recorded: tuple[list[Member], Recorder],
) -> None:
    (ayr, bute), recorder = recorded
    alice = await ayr.user("alice_rec")
    bob = await bute.user("bob_rec")
    await ayr.node.publisher.follow(alice, await ayr.remote(bob))
    await eventually(lambda: follow_accepted(ayr, alice.id, bob.uri), what="the Accept on ayr")

    # Resolving bob went through bute's proxy, attributed to ayr by its User-Agent.
    fetches = [e for e in recorder.between("ayr", "bute") if e.method == "GET" and e.url == bob.uri]
    assert fetches and fetches[0].status == 200
    assert json.loads(fetches[0].response_text())["id"] == bob.uri

    follows = activities(recorder.between("ayr", "bute"), "Follow")
    assert [(f["actor"], f["object"]) for f in follows] == [(alice.uri, bob.uri)]
    accepts = activities(recorder.between("bute", "ayr"), "Accept")
    assert len(accepts) == 1

    marker = f"marker-{uuid.uuid4().hex}"
    accented = f"café-секрет-{uuid.uuid4().hex[:8]}"
    post = await bute.node.publisher.post(bob, Draft(f"Hearing {marker} {accented}"))

    async def create_arrived() -> list[dict[str, Any]]:
        return [
            c
            for c in activities(recorder.between("bute", "ayr"), "Create")
            if c["object"]["id"] == post.uri
        ]

    [create] = await eventually(create_arrived, what="the Create relayed to ayr")
    assert marker in create["object"]["content"]
    # And the node really got it, through the proxy.
    assert await eventually(
        lambda: ayr.value("SELECT content FROM posts WHERE uri = $1", post.uri),
        what="bob's post stored on ayr",
    )

    never = f"never-sent-{uuid.uuid4().hex}"
    leaks = find_leaks(recorder.exchanges, [marker, accented, never])
    assert any(
        f"{marker!r} in the request body" in leak and "bute -> ayr" in leak for leak in leaks
    )
    assert any(f"{accented!r} in the request body" in leak for leak in leaks)
    assert not [leak for leak in leaks if never in leak]
    assert recorder.leaks([never]) == []


@on_loop
async def test_direct_url_bypasses_the_record_and_base_url_does_not(
    recorded: tuple[list[Member], Recorder],
) -> None:
    (ayr, _), recorder = recorded
    before = len(recorder.exchanges)
    async with httpx.AsyncClient() as http:
        direct = await http.get(f"{ayr.process.direct_url}/.well-known/nodeinfo")
        assert direct.status_code == 200
        assert len(recorder.exchanges) == before
        public = await http.get(f"{ayr.process.base_url}/.well-known/nodeinfo")
    assert public.status_code == 200
    [exchange] = recorder.exchanges[before:]
    assert (exchange.node, exchange.sender, exchange.method) == ("ayr", None, "GET")
    assert exchange.url == f"{ayr.process.base_url}/.well-known/nodeinfo"
    assert exchange.request_header("host") == ayr.domain
    assert exchange.complete and exchange.status == 200
    assert bytes(exchange.response_body) == public.content


@on_loop
async def test_proxy_keeps_connections_alive_and_relays_a_large_body_the_node_refuses(
    recorded: tuple[list[Member], Recorder],
) -> None:
    (_, bute), recorder = recorded
    before = len(recorder.exchanges)
    big = b'{"type": "Note", "content": "' + b"x" * 3_000_000 + b'"}'
    async with httpx.AsyncClient() as http:
        first = await http.get(f"{bute.process.base_url}/.well-known/nodeinfo")
        first_connection = local_port(first)
        second = await http.get(f"{bute.process.base_url}/.well-known/nodeinfo")
        # One connection to the proxy served both: keep-alive works through it.
        assert local_port(second) == first_connection
        # Over the inbox's size limit: the node answers 413 without reading the body.
        rejected = await http.post(
            f"{bute.process.base_url}/inbox", content=big, headers={"Content-Type": ACTIVITY_JSON}
        )
        after = await http.get(f"{bute.process.base_url}/.well-known/nodeinfo")
    assert [r.status_code for r in (first, second, rejected, after)] == [200, 200, 413, 200]
    recorded_here = recorder.exchanges[before:]
    assert [(e.method, e.status) for e in recorded_here] == [
        ("GET", 200),
        ("GET", 200),
        ("POST", 413),
        ("GET", 200),
    ]
    assert recorded_here[2].request_header("content-length") == str(len(big))
    assert recorded_here[2].error is None and recorded_here[2].complete


@on_loop
async def test_a_request_to_a_node_that_is_down_is_recorded_and_left_unanswered() -> None:
    recorder = Recorder()
    port, nothing_there = free_port(), free_port()
    async with RecordingProxy("gone", port, nothing_there, recorder), httpx.AsyncClient() as http:
        with pytest.raises(httpx.TransportError):
            await http.post(f"http://localhost:{port}/inbox", content=b'{"secret": "s3"}')
    [exchange] = recorder.exchanges
    assert exchange.status is None and not exchange.complete
    assert exchange.error is not None and exchange.error.startswith("node unreachable")
    assert bytes(exchange.request_body) == b'{"secret": "s3"}'
    assert find_leaks(recorder.exchanges, ["s3"])


def local_port(response: httpx.Response) -> int:
    stream = response.extensions["network_stream"]
    port: int = stream.get_extra_info("client_addr")[1]
    return port


def exchange(
    *,
    url: str = "http://localhost:1/inbox",
    request_headers: list[tuple[str, str]] | None = None,
    request_body: bytes = b"",
    response_headers: list[tuple[str, str]] | None = None,
    response_body: bytes = b"",
) -> Exchange:
    return Exchange(
        node="b",
        sender="a",
        method="POST",
        url=url,
        request_headers=request_headers or [],
        request_body=bytearray(request_body),
        status=200,
        response_headers=response_headers or [],
        response_body=bytearray(response_body),
        complete=True,
    )


def test_find_leaks_sees_through_encodings() -> None:
    secret = "Café Группа «Тайна» & co"
    emoji = "🔒vault"
    document = json.dumps({"name": f"<p>{secret.replace('&', '&amp;')}</p>", "tag": emoji})
    assert "\\u0413" in document and "\\ud83d" in document  # ensure_ascii escapes
    exchanges = [
        exchange(
            request_headers=[("Content-Encoding", "gzip")],
            request_body=gzip.compress(document.encode()),
        ),
        exchange(url=f"http://localhost:1/search?q={quote(secret)}"),
        exchange(
            response_headers=[("Content-Encoding", "deflate"), ("X-Name", "Caf\u00e9")],
            # "групп" in lower case, JSON-escaped: found as "ГРУПП" only when case is ignored.
            response_body=zlib.compress(b"... caf\\u00c9 \\u0433\\u0440\\u0443\\u043f\\u043f ..."),
        ),
        exchange(request_headers=[("Link", secret.encode().decode("latin-1"))]),
    ]
    leaks = find_leaks(exchanges, [secret, emoji, "Café", "ГРУПП", "absent"])
    assert (
        "a -> b: POST http://localhost:1/inbox (200): 'Café Группа «Тайна» & co' in the "
        "request body" in leaks
    )
    assert any("'🔒vault' in the request body" in leak for leak in leaks)
    assert any(f"{secret!r} in the url" in leak for leak in leaks)
    assert any("'Café' in the response header X-Name" in leak for leak in leaks)
    assert any("'ГРУПП' in the response body" in leak for leak in leaks)
    assert any(f"{secret!r} in the request header Link" in leak for leak in leaks)
    assert not [leak for leak in leaks if "absent" in leak]
    # Case matters only when asked to.
    assert not find_leaks(exchanges[2:3], ["ГРУПП"], ignore_case=False)


def test_find_leaks_reports_a_body_it_cannot_decode() -> None:
    unreadable = exchange(response_headers=[("Content-Encoding", "br")], response_body=b"\x8b\x00")
    [leak] = find_leaks([unreadable], ["anything"])
    assert "response body, which cannot be searched" in leak and "'br'" in leak


def test_find_leaks_refuses_an_empty_secret() -> None:
    with pytest.raises(ValueError, match="empty secret"):
        find_leaks([], [""])
