"""Recording proxies in front of real nodes: every request between nodes, and every answer.

Each node of a `recorded_cluster` listens on a private port; a `RecordingProxy` serves its
public port (the one in its domain) and relays each HTTP/1.1 exchange unchanged, keeping a
copy. Whatever one node sends another (deliveries, fetches, WebFinger) and whatever the other
answers therefore passes through a proxy and lands in the `Recorder`, and `find_leaks` searches
all of it for strings that must never travel.
"""

import asyncio
import html
import json
import re
import unicodedata
import zlib
from collections.abc import AsyncIterator, Coroutine, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit

import h11

from fedi.app import running_node
from fedi.config import load_settings
from fedi.db.database import create_pool
from tests.conftest import DatabaseFactory
from tests.federation.cluster import Member
from tests.federation.nodes import NodeProcess, free_port

READ_SIZE = 65536
# Signature headers are long, but far from this.
MAX_HEAD_BYTES = 256 * 1024
# How long a request body may keep arriving after the node has answered without reading it.
EARLY_ANSWER_GRACE = 1.0


@dataclass
class Exchange:
    """One request that reached a node through its proxy, and the node's answer.

    Headers are as on the wire (names in their original case, values decoded as Latin-1 so
    the bytes survive); bodies are the message bodies without chunked framing but still with
    their Content-Encoding (see `decoded_request_body`). Appended to the recorder as soon as the
    request head arrives and filled in as the bytes flow, so `complete` says whether the answer
    was relayed in full.
    """

    node: str
    """Name of the node the request was addressed to."""
    sender: str | None
    """Name of the node whose User-Agent the request carries; None for anyone else."""
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytearray = field(default_factory=bytearray)
    status: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytearray = field(default_factory=bytearray)
    complete: bool = False
    error: str | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def request_header(self, name: str) -> str | None:
        return _header(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return _header(self.response_headers, name)

    def decoded_request_body(self) -> bytes:
        """The request body with its Content-Encoding undone; ValueError if it cannot be."""
        return decode_body(self.request_headers, bytes(self.request_body))

    def decoded_response_body(self) -> bytes:
        """The response body with its Content-Encoding undone; ValueError if it cannot be."""
        return decode_body(self.response_headers, bytes(self.response_body))

    def request_text(self) -> str:
        return self.decoded_request_body().decode("utf-8", "replace")

    def response_text(self) -> str:
        return self.decoded_response_body().decode("utf-8", "replace")

    def describe(self) -> str:
        sender = self.sender or "someone else"
        status = "no answer" if self.status is None else str(self.status)
        return f"{sender} -> {self.node}: {self.method} {self.url} ({status})"


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in headers if key.lower() == name.lower()]
    return ", ".join(values) if values else None


class Recorder:
    """Every exchange the proxies of one cluster relayed, in the order the requests arrived."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._names: dict[str, str] = {}

    def add_node(self, name: str, base_url: str) -> None:
        """Let requests whose User-Agent names `base_url` be attributed to `name`."""
        self._names[base_url.rstrip("/")] = name

    def sender_of(self, user_agent: str | None) -> str | None:
        # Nodes announce themselves as "fedi/VERSION (+BASE_URL/)" (fedi.app.user_agent).
        match = re.search(r"\(\+(\S+?)/?\)", user_agent or "")
        return None if match is None else self._names.get(match.group(1))

    def to(self, node: str) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if exchange.node == node]

    def between(self, sender: str, node: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.sender == sender and e.node == node]

    def leaks(self, secrets: Iterable[str], *, ignore_case: bool = True) -> list[str]:
        return find_leaks(self.exchanges, secrets, ignore_case=ignore_case)

    def clear(self) -> None:
        self.exchanges.clear()


async def _next_event(conn: h11.Connection, reader: asyncio.StreamReader) -> Any:
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(READ_SIZE))
            continue
        return event


def _latin1(message: h11.Request | h11.Response) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in message.headers.raw_items()
    ]


class RecordingProxy:
    """Serves `port` and relays every HTTP/1.1 exchange to `upstream_port`, recording it.

    Requests and answers pass unchanged: same method, target, headers (Host included, as
    signatures cover it) and bodies, streamed both ways, so keep-alive, chunked bodies and early
    answers (a 413 before the body is read) behave as without the proxy. Each request gets a
    fresh upstream connection: the node closing an idle one then cannot fail a request that a
    sender sends on its kept-alive connection to us. When the node is down, the request is
    recorded and the connection closed without an answer, as a closed port would be.
    """

    def __init__(
        self,
        node: str,
        port: int,
        upstream_port: int,
        recorder: Recorder,
        *,
        host: str = "127.0.0.1",
    ) -> None:
        self.node = node
        self.port = port
        self.upstream_port = upstream_port
        self.recorder = recorder
        self.host = host
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self.host, self.port, reuse_address=True, limit=READ_SIZE
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> "RecordingProxy":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        client = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
        try:
            while True:
                request = await _next_event(client, reader)
                if not isinstance(request, h11.Request):
                    return  # closed between requests, or not HTTP
                exchange = self._record(request)
                try:
                    await self._relay(request, client, reader, writer, exchange)
                except (OSError, h11.ProtocolError) as error:
                    exchange.error = exchange.error or f"{type(error).__name__}: {error}"
                    return
                if client.our_state is not h11.DONE or client.their_state is not h11.DONE:
                    return  # the answer or the request asked to close
                client.start_next_cycle()
        except (OSError, h11.ProtocolError):
            return
        except asyncio.CancelledError:
            # Only `close` cancels us; ending quietly keeps asyncio from logging the task.
            return
        finally:
            self._connections.discard(task)
            # Not waiting for the close: an await here could swallow `close`'s cancellation.
            writer.close()

    def _record(self, request: h11.Request) -> Exchange:
        headers = _latin1(request)
        exchange = Exchange(
            node=self.node,
            sender=self.recorder.sender_of(_header(headers, "user-agent")),
            method=request.method.decode("ascii"),
            url=f"http://localhost:{self.port}{request.target.decode('latin-1')}",
            request_headers=headers,
        )
        self.recorder.exchanges.append(exchange)
        return exchange

    async def _relay(
        self,
        request: h11.Request,
        client: h11.Connection,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
        exchange: Exchange,
    ) -> None:
        try:
            node_reader, node_writer = await asyncio.open_connection(
                self.host, self.upstream_port, limit=READ_SIZE
            )
        except OSError as error:
            exchange.error = f"node unreachable: {error}"
            # Still record what the sender tried to send, then close like a closed port.
            while isinstance(event := await _next_event(client, client_reader), h11.Data):
                exchange.request_body += event.data
            raise
        node = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
        try:
            node_writer.write(
                node.send(
                    h11.Request(
                        method=request.method,
                        target=request.target,
                        headers=request.headers.raw_items(),
                    )
                )
                or b""
            )

            async def send_body() -> None:
                while True:
                    event = await _next_event(client, client_reader)
                    if isinstance(event, h11.Data):
                        exchange.request_body += event.data
                    elif not isinstance(event, h11.EndOfMessage):
                        raise ConnectionResetError("the sender left in the middle of its request")
                    node_writer.write(node.send(event) or b"")
                    await node_writer.drain()
                    if isinstance(event, h11.EndOfMessage):
                        return

            async def send_answer() -> None:
                while True:
                    event = await _next_event(node, node_reader)
                    if isinstance(event, h11.Response):
                        exchange.status = event.status_code
                        exchange.response_headers = _latin1(event)
                    elif isinstance(event, h11.Data):
                        exchange.response_body += event.data
                    elif not isinstance(event, h11.InformationalResponse | h11.EndOfMessage):
                        raise ConnectionResetError("the node closed the connection unanswered")
                    client_writer.write(client.send(event) or b"")
                    await client_writer.drain()
                    if isinstance(event, h11.EndOfMessage):
                        exchange.complete = True
                        return

            await _both(send_body(), send_answer())
        finally:
            node_writer.close()


async def _both(
    send_body: Coroutine[Any, Any, None], send_answer: Coroutine[Any, Any, None]
) -> None:
    """Relay the request body and the answer at once: a node may answer before reading all."""
    body = asyncio.ensure_future(send_body)
    answer = asyncio.ensure_future(send_answer)
    try:
        await asyncio.wait({body, answer}, return_when=asyncio.FIRST_COMPLETED)
        if body.done():
            body.result()  # the sender left mid-request: nothing more to relay
            await answer
            return
        answer.result()
        # Answered early: let the rest of the body arrive (the connection can then be kept),
        # but not forever, since the node may well have stopped reading it.
        await asyncio.wait({body}, timeout=EARLY_ANSWER_GRACE)
        if body.done():
            body.result()
        else:
            raise ConnectionResetError("answered before the request body was read")
    finally:
        for task in (body, answer):
            if not task.done():
                task.cancel()
        await asyncio.gather(body, answer, return_exceptions=True)


def decode_body(headers: list[tuple[str, str]], body: bytes) -> bytes:
    """Undo the Content-Encoding of a body (gzip, deflate); ValueError for any other.

    A body cut short (a streamed answer still running) decodes as far as it goes.
    """
    value = _header(headers, "content-encoding") or ""
    codings = [coding.strip().lower() for coding in value.split(",") if coding.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding in ("gzip", "x-gzip"):
            body = _inflate(body, 16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            try:
                body = _inflate(body, zlib.MAX_WBITS)
            except zlib.error:
                body = _inflate(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send
        else:
            raise ValueError(f"cannot decode Content-Encoding {coding!r}")
    return body


def _inflate(data: bytes, wbits: int) -> bytes:
    parts = []
    while data:  # gzip allows several members one after the other
        inflater = zlib.decompressobj(wbits)
        parts.append(inflater.decompress(data))
        data = inflater.unused_data if inflater.eof else b""
    return b"".join(parts)


_JSON_ESCAPE = re.compile(r'((?:\\u[0-9a-fA-F]{4})+)|\\(["\\/bfnrt])')
_JSON_SIMPLE = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def _json_unescape(text: str) -> str:
    """Undo JSON string escapes wherever they are, without needing the text to be JSON."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            units = b"".join(int(hexa, 16).to_bytes(2, "big") for hexa in match[1].split("\\u")[1:])
            return units.decode("utf-16-be", "replace")  # joins surrogate pairs
        return _JSON_SIMPLE[match[2]]

    return _JSON_ESCAPE.sub(replace, text) if "\\" in text else text


def _url_unescape(text: str) -> str:
    return unquote(text) if "%" in text else text


def _form_unescape(text: str) -> str:
    return unquote_plus(text) if "%" in text or "+" in text else text


def _html_unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


_UNESCAPES = (_json_unescape, _html_unescape, _url_unescape, _form_unescape)
# HTML in a JSON string with a URL-encoded link in it is as deep as documents nest here.
_UNESCAPE_DEPTH = 3


def _readings(text: str) -> set[str]:
    """The text as it is and after undoing escapes, in any order, up to `_UNESCAPE_DEPTH`."""
    seen = {text}
    frontier = [text]
    for _ in range(_UNESCAPE_DEPTH):
        found = []
        for reading in frontier:
            for unescape in _UNESCAPES:
                result = unescape(reading)
                if result not in seen:
                    seen.add(result)
                    found.append(result)
        frontier = found
    return seen


def _escaped_forms(secret: str) -> set[str]:
    """How a secret is written by the usual encoders: a second net under `_readings`."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
    }


def _places(exchange: Exchange) -> Iterable[tuple[str, list[str] | None]]:
    """(where, its texts) for every part of an exchange; None for a body that cannot be read."""
    yield "url", [exchange.url]
    for side, headers, raw in (
        ("request", exchange.request_headers, exchange.request_body),
        ("response", exchange.response_headers, exchange.response_body),
    ):
        for name, value in headers:
            # The bytes sent read as UTF-8, as most senders mean them, and as Latin-1.
            yield (
                f"{side} header {name}",
                [value.encode("latin-1").decode("utf-8", "replace"), value],
            )
        if raw:
            try:
                body = decode_body(headers, bytes(raw))
            except (ValueError, zlib.error) as error:
                yield f"{side} body, which cannot be searched: {error}", None
                body = bytes(raw)  # still search what can be read of it as sent
            yield f"{side} body", [body.decode("utf-8", "replace")]


def find_leaks(
    exchanges: Iterable[Exchange], secrets: Iterable[str], *, ignore_case: bool = True
) -> list[str]:
    """Every place in the exchanges where one of the secrets appears, described for a human.

    Searches the URL, each header and both bodies (decompressed per Content-Encoding), as
    written and after undoing JSON string escapes (\\uXXXX included), HTML character references
    and URL encoding, nested in any order, with Unicode in NFC and, by default, case folded. A
    body that cannot be decoded is reported too: what cannot be searched cannot be cleared.
    """
    wanted = [secret for secret in secrets]
    if any(not secret for secret in wanted):
        raise ValueError("an empty secret would be found everywhere")
    needles = [
        (secret, {_normal(form, ignore_case) for form in _escaped_forms(secret)})
        for secret in wanted
    ]
    leaks = []
    for exchange in exchanges:
        for where, texts in _places(exchange):
            if texts is None:  # what cannot be searched cannot be cleared either
                leaks.append(f"{exchange.describe()}: the {where}")
                continue
            readings = {
                _normal(reading, ignore_case) for text in texts for reading in _readings(text)
            }
            for secret, forms in needles:
                if any(form in reading for form in forms for reading in readings):
                    leaks.append(f"{exchange.describe()}: {secret!r} in the {where}")
    return leaks


def _normal(text: str, ignore_case: bool) -> str:
    text = unicodedata.normalize("NFC", text)
    return text.casefold() if ignore_case else text


@asynccontextmanager
async def recorded_cluster(
    databases: DatabaseFactory, folder: Path, names: list[str]
) -> AsyncIterator[tuple[list[Member], Recorder]]:
    """Like `cluster()`, with a `RecordingProxy` on each node's public port.

    Everything the nodes send one another, and what the in-process handles send (they speak
    as their node), is recorded. The test's own calls should use `process.direct_url` to stay
    out of the record. The proxies run in this event loop, so a blocking call in the test
    stalls all traffic between nodes: start and stop nodes with `asyncio.to_thread`.
    """
    recorder = Recorder()
    async with AsyncExitStack() as stack:
        members = []
        for name in names:
            dsn = await databases.create(name)
            process = NodeProcess(name, folder / name, database_url=dsn)
            listen_port = free_port()
            while listen_port == process.port:
                listen_port = free_port()
            process.listen_port = listen_port
            settings = load_settings(process.env())
            pool = await create_pool(dsn, max_size=4)
            stack.push_async_callback(pool.close)
            node = await stack.enter_async_context(running_node(settings, pool))
            members.append(Member(process, node))
            recorder.add_node(name, process.base_url)
            await stack.enter_async_context(
                RecordingProxy(name, process.port, listen_port, recorder)
            )
        for member in members:
            await asyncio.to_thread(member.start)
            stack.push_async_callback(asyncio.to_thread, member.stop)
        yield members, recorder
