"""The inbox endpoints: read at most 1 MB, check shape and signature, store once, answer 202.

Nothing is processed here: the inbox worker does that from the stored row.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub.hosts import InvalidHost, host_of
from activitypub.signatures import SignatureError, signature_key_id
from fedi.config import Settings
from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.domain.group_fetch import is_confidential_group
from inbox.overload import RETRY_AFTER_SECONDS, BacklogGate
from inbox.store import store_activity
from inbox.verify import VerificationFailed, verify_activity_request
from webfinger.resolver import RemoteResolver

MAX_BODY_BYTES = 1_000_000
MAX_DEPTH = 32
# Ids go into a unique b-tree index, whose entries must stay well under 2.7 kB.
MAX_ID_LENGTH = 2_048
MAX_TYPE_LENGTH = 100
ACTIVITY_MEDIA_TYPES = frozenset(
    {"application/activity+json", "application/ld+json", "application/json"}
)

# The moderation seam: given a normalised host, True when it may deliver to this node.
# Called with the hosts of the actor and of the signing key before any network call.
DomainGate = Callable[[str], Awaitable[bool]]


class _Rejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def routes(
    pool: Any,
    settings: Settings,
    resolver: RemoteResolver,
    *,
    domain_gate: DomainGate | None = None,
) -> list[Route]:
    backlog = BacklogGate(pool, settings.inbox_max_backlog)

    async def receive(request: Request) -> Response:
        if await backlog.overloaded():
            return _error(
                503,
                "this node has too many activities waiting; try again later",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        try:
            body = await _read_body(request)
            activity = _parse(body)
            actor_host = _check_origin(activity)
            if domain_gate is not None:
                await _check_domains(request, actor_host, domain_gate)
            signer = await verify_activity_request(request, body, activity, resolver)
        except _Rejected as exc:
            return _error(exc.status, exc.message)
        except VerificationFailed as exc:
            return _error(401, str(exc), {"WWW-Authenticate": 'Signature realm="fedi"'})
        async with pool.acquire() as conn:
            if await moderation_db.is_suspended(conn, signer.id):
                return _error(403, "your account is suspended on this node")
        await store_activity(pool, activity, signer)
        return Response(status_code=202)

    def personal(actor_type: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            async with pool.acquire() as conn:
                owner = await actors_db.local_by_username(
                    conn, request.path_params["username"], actor_type
                )
                # Answered before the body is read: a 202 would tell that the group exists.
                hidden = owner is not None and await is_confidential_group(conn, owner)
            if owner is None or hidden:
                return _error(404, "no such inbox")
            return await receive(request)

        return endpoint

    return [
        Route("/inbox", receive, methods=["POST"]),
        Route("/users/{username}/inbox", personal("Person"), methods=["POST"]),
        Route("/groups/{username}/inbox", personal("Group"), methods=["POST"]),
        # The instance actor's inbox: peers send it the odd Follow or Delete.
        Route("/actor/inbox", receive, methods=["POST"]),
    ]


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _read_body(request: Request) -> bytes:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in ACTIVITY_MEDIA_TYPES:
        raise _Rejected(415, "the body must be application/activity+json")
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared) if declared.isascii() and declared.isdigit() else -1
        except ValueError:
            length = -1
        if length < 0:
            raise _Rejected(400, "invalid Content-Length")
        if length > MAX_BODY_BYTES:
            raise _Rejected(413, f"the body is over {MAX_BODY_BYTES} bytes")
    # Counted as it arrives: a missing or lying Content-Length must not make us buffer more.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Rejected(413, f"the body is over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes) -> dict[str, Any]:
    try:
        activity = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _Rejected(400, f"invalid JSON: {exc}") from exc
    if not isinstance(activity, dict):
        raise _Rejected(400, "the activity must be a JSON object")
    problem = _shape_problem(body, activity)
    if problem is not None:
        raise _Rejected(400, problem)
    for key, limit in (("id", MAX_ID_LENGTH), ("type", MAX_TYPE_LENGTH)):
        value = activity.get(key)
        if not isinstance(value, str) or not value:
            raise _Rejected(400, f"the activity needs a string {key}")
        if len(value) > limit:
            raise _Rejected(400, f"the activity's {key} is over {limit} characters")
    if _actor_id(activity) is None:
        raise _Rejected(400, "the activity needs an actor")
    return activity


def _actor_id(activity: dict[str, Any]) -> str | None:
    actor = activity.get("actor")
    if isinstance(actor, dict):
        actor = actor.get("id")
    return actor if isinstance(actor, str) and actor else None


def _shape_problem(body: bytes, document: Any) -> str | None:
    """Too deep a nesting, or a NUL character (which PostgreSQL's jsonb cannot store)."""
    may_hold_nul = b"\\u0000" in body
    # A document with few brackets cannot nest deeply: most activities skip the walk.
    if not may_hold_nul and body.count(b"{") + body.count(b"[") <= MAX_DEPTH:
        return None
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > MAX_DEPTH:
                return f"the activity nests deeper than {MAX_DEPTH} levels"
            for key, value in node.items():
                if may_hold_nul and "\x00" in key:
                    return "the activity contains a NUL character"
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            if depth > MAX_DEPTH:
                return f"the activity nests deeper than {MAX_DEPTH} levels"
            stack.extend((value, depth + 1) for value in node)
        elif may_hold_nul and isinstance(node, str) and "\x00" in node:
            return "the activity contains a NUL character"
    return None


def _check_origin(activity: dict[str, Any]) -> str:
    """The actor's host; the activity's id must live on it.

    Checked before the signature, which proves that the signer is the actor: together they
    mean nobody can store an activity under another server's id.
    """
    actor = _actor_id(activity)
    assert actor is not None
    try:
        actor_host = host_of(actor)
        id_host = host_of(activity["id"])
    except InvalidHost as exc:
        raise _Rejected(400, f"invalid id or actor: {exc}") from exc
    if id_host != actor_host:
        raise _Rejected(400, f"the activity's id is on {id_host}, its actor on {actor_host}")
    return actor_host


async def _check_domains(request: Request, actor_host: str, gate: DomainGate) -> None:
    hosts = {actor_host}
    try:
        hosts.add(host_of(signature_key_id(request.headers)))
    except (SignatureError, InvalidHost):
        pass  # the verifier refuses an unsigned or oddly signed request with a 401
    for host in sorted(hosts):
        if not await gate(host):
            raise _Rejected(403, "this node does not accept activities from your server")
