"""Checks that a signed request really comes from the actor it claims, before any work is done."""

import logging
from typing import Any

from starlette.requests import Request

from activitypub.signatures import SignatureError, signature_key_id, verify_request
from fedi.db.actors import Actor
from fedi.errors import FediError
from webfinger.resolver import RemoteResolver, ResolveError

log = logging.getLogger(__name__)


class VerificationFailed(FediError):
    """The request is unsigned, badly signed, or signed by someone other than its actor."""

    status = 401


def request_target(request: Request) -> str:
    """The path and query exactly as sent: signatures cover the raw bytes, not a decoded form."""
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query: bytes = request.scope.get("query_string", b"")
    target = raw_path.decode("latin-1")
    return f"{target}?{query.decode('latin-1')}" if query else target


async def verify_signed_request(
    request: Request, body: bytes | None, resolver: RemoteResolver
) -> Actor:
    """The actor whose key signed this request; raises VerificationFailed otherwise.

    A signature that fails with the cached key is retried once with a refetched key, since
    the remote may have rotated it; the resolver throttles refetches to one per 5 minutes.
    """
    try:
        key_id = signature_key_id(request.headers)
    except SignatureError as exc:
        raise VerificationFailed(str(exc)) from exc
    try:
        signer = await resolver.actor_by_key_id(key_id)
    except ResolveError as exc:
        raise VerificationFailed(f"cannot find the key {key_id}: {exc}") from exc
    target = request_target(request)
    try:
        _verify(request, target, body, signer)
    except SignatureError as first_error:
        refreshed = await resolver.refetch_key(signer)
        if refreshed is None:
            raise VerificationFailed(str(first_error)) from first_error
        try:
            _verify(request, target, body, refreshed)
        except SignatureError as exc:
            raise VerificationFailed(str(exc)) from exc
        signer = refreshed
    return signer


async def verify_activity_request(
    request: Request, body: bytes, activity: dict[str, Any], resolver: RemoteResolver
) -> Actor:
    """Like verify_signed_request, and the key must belong to the activity's `actor`."""
    claimed = activity.get("actor")
    if isinstance(claimed, dict):
        claimed = claimed.get("id")
    if not isinstance(claimed, str):
        raise VerificationFailed("the activity names no actor")
    signer = await verify_signed_request(request, body, resolver)
    if signer.uri != claimed:
        raise VerificationFailed(f"signed by {signer.uri}, but the activity's actor is {claimed}")
    return signer


def _verify(request: Request, target: str, body: bytes | None, signer: Actor) -> None:
    verify_request(
        method=request.method,
        path=target,
        headers=request.headers,
        body=body,
        public_key_pem=signer.public_key_pem,
    )
