"""A real HTTP server on loopback standing in for a remote fediverse server, recording requests."""

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from activitypub.keys import generate_key_pair
from tests.federation.nodes import free_port


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class RemoteServer:
    """Serves whatever documents a test puts in `documents` (path -> JSON) and records every hit."""

    port: int = field(default_factory=free_port)
    documents: dict[str, Any] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    content_type: str = "application/activity+json"

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.domain}"

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def add_actor(self, username: str, public_key_pem: str, **extra: Any) -> dict[str, Any]:
        uri = f"{self.base_url}/users/{username}"
        doc = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": uri,
            "type": "Person",
            "preferredUsername": username,
            "name": username.title(),
            "inbox": f"{uri}/inbox",
            "outbox": f"{uri}/outbox",
            "followers": f"{uri}/followers",
            "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
            "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public_key_pem},
            **extra,
        }
        self.documents[f"/users/{username}"] = doc
        self.documents[f"/.well-known/webfinger?resource=acct:{username}@{self.domain}"] = {
            "subject": f"acct:{username}@{self.domain}",
            "links": [{"rel": "self", "type": "application/activity+json", "href": uri}],
        }
        return doc

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        self.requests.append(
            Recorded(request.method, request.url.path, dict(request.headers), body)
        )
        doc = self.documents.get(target, self.documents.get(request.url.path))
        if doc is None:
            return Response(
                b'{"error":"not found"}', status_code=404, media_type="application/json"
            )
        media = "application/jrd+json" if "webfinger" in request.url.path else self.content_type
        return Response(orjson.dumps(doc), media_type=media)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])


@dataclass
class RemoteKeys:
    private_pem: str
    public_pem: str


def new_keys() -> RemoteKeys:
    private_pem, public_pem = generate_key_pair()
    return RemoteKeys(private_pem, public_pem)


@contextmanager
def running(server: RemoteServer) -> Iterator[RemoteServer]:
    """Run the server in a thread of its own, so tests may call it from any event loop."""
    config = uvicorn.Config(
        server.app(), host="127.0.0.1", port=server.port, log_level="warning", lifespan="off"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(uv.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("remote test server did not start")
        time.sleep(0.01)
    try:
        yield server
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
