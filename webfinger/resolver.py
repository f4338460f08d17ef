"""Finds remote actors by URL, by key id and by acct: handle, caching them in the database."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from activitypub.client import ActivityPubClient, FetchError
from activitypub.hosts import InvalidHost, host_of, normalize_host
from activitypub.vocab import InvalidDocument, RemoteActor, first, id_of, parse_actor
from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.domain import policy, remote_groups
from fedi.errors import FediError

log = logging.getLogger(__name__)

ACTOR_CACHE_TTL = timedelta(days=1)
KEY_REFETCH_INTERVAL_SECONDS = 300
KEY_TYPES = frozenset({"Key", "CryptographicKey"})


class ResolveError(FediError):
    """A remote actor that could not be found, fetched or trusted."""

    status = 404


class RemoteResolver:
    def __init__(
        self,
        pool: Any,
        client: ActivityPubClient,
        *,
        local_domain: str,
        signer: Callable[[], httpx.Auth | None],
        http_on_loopback: bool = False,
    ) -> None:
        self._pool = pool
        self._client = client
        self._local_domain = local_domain
        # The instance actor signs our fetches, for peers in authorized-fetch mode.
        self._signer = signer
        # Local test federations run plain HTTP on loopback; everything else is HTTPS.
        self._http_on_loopback = http_on_loopback

    def _is_local(self, url: str) -> bool:
        try:
            return host_of(url) == self._local_domain
        except InvalidHost:
            return False

    async def _require_federating(self, host: str) -> None:
        """Refuse, before any request, to resolve anything on a domain the policy refuses.

        The outbound guard would refuse the request too; asking the database here also holds
        in the instant before this process's copy of the policy has caught up with a change.
        """
        async with self._pool.acquire() as conn:
            allowed = await policy.may_federate(conn, host)
        if not allowed:
            raise ResolveError(f"this node does not federate with {host}")

    async def actor_by_uri(self, uri: str, *, refresh: bool = False) -> Actor:
        async with self._pool.acquire() as conn:
            cached = await actors_db.by_uri(conn, uri)
        if cached is not None and (cached.local or not (refresh or _stale(cached))):
            return cached
        if self._is_local(uri):
            raise ResolveError(f"no local actor at {uri}")
        await self._require_federating(_host(uri))
        try:
            return await self._fetch_and_store(uri)
        except ResolveError:
            if cached is not None and not refresh:
                log.warning("using stale copy of %s: refresh failed", uri)
                return cached
            raise

    async def actor_by_key_id(self, key_id: str) -> Actor:
        async with self._pool.acquire() as conn:
            cached = await actors_db.by_key_id(conn, key_id)
        if cached is not None:
            return cached
        if self._is_local(key_id):
            raise ResolveError(f"no local key {key_id}")
        await self._require_federating(_host(key_id))
        owner = await self._owner_of_key(key_id)
        actor = await self.actor_by_uri(owner, refresh=True)
        if actor.key_id != key_id:
            raise ResolveError(f"{owner} does not publish the key {key_id}")
        return actor

    async def refetch_key(self, actor: Actor) -> Actor | None:
        """Refetch a remote actor whose signature failed: at most once per 5 minutes per actor.

        Returns the refreshed actor when its key changed, else None.
        """
        if actor.local:
            return None
        async with self._pool.acquire() as conn:
            allowed = await actors_db.claim_key_refetch(
                conn, actor.id, KEY_REFETCH_INTERVAL_SECONDS
            )
        if not allowed:
            return None
        try:
            fresh = await self._fetch_and_store(actor.uri)
        except ResolveError as exc:
            log.info("key refetch of %s failed: %s", actor.uri, exc)
            return None
        return fresh if fresh.public_key_pem != actor.public_key_pem else None

    async def actor_by_acct(self, acct: str) -> Actor:
        username, domain = parse_acct(acct)
        async with self._pool.acquire() as conn:
            cached = await actors_db.by_handle(conn, username, domain)
        if cached is not None and (cached.local or not _stale(cached)):
            return cached
        if domain == self._local_domain:
            raise ResolveError(f"no local account {username}")
        await self._require_federating(domain)
        actor_url = await self.webfinger(username, domain)
        actor = await self.actor_by_uri(actor_url, refresh=True)
        if host_of(actor.uri) != domain and actor.domain != domain:
            # WebFinger may delegate to another host; that host must confirm the handle.
            confirmed = await self.webfinger(username, host_of(actor.uri))
            if confirmed != actor.uri:
                raise ResolveError(f"{domain} named {actor.uri}, which does not confirm it")
        return actor

    async def webfinger(self, username: str, domain: str) -> str:
        scheme = "http" if self._http_on_loopback and _loopback(domain) else "https"
        resource = quote(f"acct:{username}@{domain}", safe=":@")
        url = f"{scheme}://{domain}/.well-known/webfinger?resource={resource}"
        try:
            jrd = await self._client.get_jrd(url)
        except FetchError as exc:
            raise ResolveError(f"WebFinger for {username}@{domain} failed: {exc}") from exc
        links = jrd.get("links")
        for link in links if isinstance(links, list) else []:
            if (
                isinstance(link, dict)
                and link.get("rel") == "self"
                and _is_activity_type(link.get("type"))
                and isinstance(link.get("href"), str)
            ):
                href: str = link["href"]
                return href
        raise ResolveError(f"WebFinger for {username}@{domain} names no ActivityPub actor")

    async def fetch_object(self, uri: str) -> dict[str, Any]:
        """A remote object fetched by its id, signed by the instance actor."""
        if self._is_local(uri):
            raise ResolveError(f"{uri} is local; read it from the database")
        await self._require_federating(_host(uri))
        try:
            return await self._client.get_object(uri, auth=self._signer())
        except FetchError as exc:
            raise ResolveError(f"could not fetch {uri}: {exc}") from exc

    async def _owner_of_key(self, key_id: str) -> str:
        """The actor a key id names: its URL without the fragment, or the owner the key names.

        The answer is only a claim; the caller trusts it once the owner's own document,
        fetched by its id, publishes this key id.
        """
        if "#" in key_id:
            return key_id.split("#", 1)[0]
        try:
            # GoToSocial serves a stub actor at `/main-key`, with the actor's id, not the key's.
            doc = await self._client.get_object(key_id, auth=self._signer(), id_on_same_host=True)
        except FetchError as exc:
            raise ResolveError(f"could not fetch key {key_id}: {exc}") from exc
        if first(doc.get("type")) in KEY_TYPES:
            owner = id_of(doc.get("owner"))
        else:
            key = first(doc.get("publicKey"))
            owner = id_of(key.get("owner")) or id_of(doc) if isinstance(key, dict) else None
            if not isinstance(key, dict) or key.get("id") != key_id:
                owner = None
        if owner is None or host_of(owner) != host_of(key_id):
            raise ResolveError(f"key {key_id} has no owner on its own host")
        return owner

    async def _fetch_and_store(self, uri: str) -> Actor:
        try:
            doc = await self._client.get_object(uri, auth=self._signer())
            remote = parse_actor(doc)
        except (FetchError, InvalidDocument) as exc:
            raise ResolveError(f"could not fetch actor {uri}: {exc}") from exc
        if remote.id != uri:
            raise ResolveError(f"{uri} answered with another actor, {remote.id}")
        columns = actor_columns(remote)
        async with self._pool.acquire() as conn:
            # A document naming another actor's key id must not take that key over.
            holder = await actors_db.by_key_id(conn, remote.key_id)
            if holder is not None and holder.uri != remote.id:
                raise ResolveError(f"{uri} claims the key {remote.key_id} of {holder.uri}")
            if await policy.rejects_media(conn, columns["domain"]):
                columns.update(without_media())
            actor = await actors_db.upsert_remote(conn, **columns)
            # A remote group's document also says how it takes members and whom its posts are
            # for; kept with each fetch, so posting into it follows its current answer.
            await remote_groups.record_document(conn, actor, doc)
            return actor


def parse_acct(acct: str) -> tuple[str, str]:
    """`acct:name@host`, `@name@host` or `name@host` as (name, normalised host)."""
    text = acct.strip().removeprefix("acct:").lstrip("@")
    username, sep, domain = text.rpartition("@")
    if not sep or not username or not domain:
        raise ResolveError(f"{acct!r} is not a handle like name@example.org")
    try:
        return username, normalize_host(domain)
    except InvalidHost as exc:
        raise ResolveError(f"{acct!r} has an invalid host: {exc}") from exc


def actor_columns(remote: RemoteActor) -> dict[str, Any]:
    return {
        "uri": remote.id,
        "actor_type": remote.type,
        "username": remote.preferred_username,
        "domain": host_of(remote.id),
        "display_name": remote.name,
        "summary": remote.summary,
        "icon_url": remote.icon_url,
        "url": remote.url,
        "inbox_url": remote.inbox,
        "outbox_url": remote.outbox,
        "followers_url": remote.followers,
        "following_url": remote.following,
        "shared_inbox_url": remote.shared_inbox,
        "manually_approves_followers": remote.manually_approves_followers,
        "discoverable": remote.discoverable,
        "key_id": remote.key_id,
        "public_key_pem": remote.public_key_pem,
    }


def without_media() -> dict[str, Any]:
    """The columns that keep an actor's avatar and header away, for a domain whose media this
    node rejects."""
    return {"icon_url": None, "header_url": None}


def _host(url: str) -> str:
    try:
        return host_of(url)
    except InvalidHost as exc:
        raise ResolveError(f"{url!r} is not an http(s) URL: {exc}") from exc


def _stale(actor: Actor) -> bool:
    return actor.fetched_at is None or datetime.now(UTC) - actor.fetched_at > ACTOR_CACHE_TTL


def _loopback(domain: str) -> bool:
    host = domain.rsplit(":", 1)[0] if not domain.startswith("[") else domain
    return host in ("localhost", "[::1]") or host.startswith("127.")


def _is_activity_type(media_type: Any) -> bool:
    return isinstance(media_type, str) and (
        media_type.startswith("application/activity+json")
        or media_type.startswith("application/ld+json")
    )
