"""What a search v2 query finds: accounts, posts and hashtags, and remote ones on request.

Mastodon's reading of a query (app/services/search_service.rb): an http(s) URL names one post or
account; otherwise accounts are matched by handle or name prefix (not for `#tag` or for text with
both `@` and a space) and hashtags by prefix (not when the text has an `@`). Only a signed-in
search with `resolve` reaches out to other servers: WebFinger for an unknown `name@host`, a
fetch for an unknown URL. A post fetched that way is stored as an incoming Create stores it,
after the same origin checks, and only if it is public. Statuses are not searched by their
words: that needs a full-text index this node does not keep.
"""

import re
from dataclasses import dataclass, field

from activitypub.hosts import InvalidHost, host_of
from activitypub.vocab import ACTOR_TYPES, POST_TYPES, InvalidDocument, first, parse_note
from fedi.api.context import ApiContext
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db import search as search_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.posts import may_see
from fedi.domain.remote_posts import keep_remote_note
from fedi.domain.visibility import infer_visibility
from webfinger.resolver import ResolveError, parse_acct

KINDS = ("accounts", "statuses", "hashtags")
_URL = re.compile(r"^https?://", re.IGNORECASE)
_TAG = re.compile(r"^\w{1,100}$")


@dataclass(frozen=True)
class Query:
    text: str
    # One of KINDS, or None for all three.
    kind: str | None
    resolve: bool
    following: bool
    limit: int
    offset: int


@dataclass
class Found:
    accounts: list[Actor] = field(default_factory=list)
    post_ids: list[int] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)


def _wants(query: Query, kind: str) -> bool:
    return query.kind is None or query.kind == kind


async def search(context: ApiContext, viewer: Actor | None, query: Query) -> Found:
    text = query.text.strip()
    if not text or query.limit <= 0 or (query.kind is not None and query.kind not in KINDS):
        return Found()
    if _URL.match(text):
        return Found() if query.offset > 0 else await _by_url(context, viewer, query, text)
    found = Found()
    if _wants(query, "accounts") and not (text.startswith("#") or ("@" in text and " " in text)):
        found.accounts = await _accounts(context, viewer, query, text)
    if _wants(query, "hashtags") and "@" not in text:
        found.hashtags = await _hashtags(context, viewer, query, text)
    return found


async def _by_url(context: ApiContext, viewer: Actor | None, query: Query, url: str) -> Found:
    viewer_id = viewer.id if viewer else None
    async with context.pool.acquire() as conn:
        post = await search_db.post_by_url(conn, url)
        if post is not None and not await may_see(conn, post, viewer):
            post = None
        actor = None if post else await search_db.account_by_url(conn, viewer_id, url)
    if post is None and actor is None and query.resolve and viewer is not None:
        post, actor = await _fetch(context, viewer_id, url)
    found = Found()
    if post is not None and _wants(query, "statuses"):
        found.post_ids = [post.id]
    if actor is not None and _wants(query, "accounts"):
        found.accounts = [actor]
    return found


async def _fetch(
    context: ApiContext, viewer_id: int | None, url: str
) -> tuple[Post | None, Actor | None]:
    """The post or account at a URL of another server, fetched and stored."""
    if _host(url) in (None, context.settings.domain):
        return None, None
    try:
        document = await context.resolver.fetch_object(url)
    except ResolveError:
        return None, None
    kind = first(document.get("type"))
    if kind in ACTOR_TYPES:
        try:
            await context.resolver.actor_by_uri(url, refresh=True)
        except ResolveError:
            return None, None
        async with context.pool.acquire() as conn:
            return None, await search_db.account_by_url(conn, viewer_id, url)
    if kind in POST_TYPES:
        return await _keep_fetched_post(context, document), None
    return None, None


async def _keep_fetched_post(context: ApiContext, document: dict[str, object]) -> Post | None:
    try:
        note = parse_note(document)
    except InvalidDocument:
        return None
    # Only a post's own server speaks for it, and only for its own accounts.
    if _host(note.attributed_to) != _host(note.id):
        return None
    if infer_visibility(note.to, note.cc, None) not in ("public", "unlisted"):
        return None
    try:
        author = await context.resolver.actor_by_uri(note.attributed_to)
    except ResolveError:
        return None
    if _host(author.uri) != _host(note.id):
        return None
    async with context.pool.acquire() as conn, conn.transaction():
        if await posts_db.is_tombstoned(conn, note.id):
            return None
        kept = await keep_remote_note(conn, note, author)
        return kept or await posts_db.by_uri(conn, note.id)


def _host(url: str) -> str | None:
    try:
        return host_of(url)
    except InvalidHost:
        return None


async def _accounts(
    context: ApiContext, viewer: Actor | None, query: Query, text: str
) -> list[Actor]:
    name, _, domain_text = text.lstrip("@").partition("@")
    if not name and not domain_text:
        return []
    domain: str | None = None
    if domain_text:
        try:
            domain = parse_acct(f"x@{domain_text}")[1]
        except ResolveError:
            return []
    if domain == context.settings.host:
        domain = context.settings.domain
    viewer_id = viewer.id if viewer else None
    following = query.following and viewer is not None
    exact = None
    async with context.pool.acquire() as conn:
        if query.offset == 0 and name:
            exact = await search_db.account_by_handle(
                conn, viewer_id, name, domain or context.settings.domain
            )
        prefix = await search_db.accounts_by_prefix(
            conn,
            viewer_id,
            name,
            domain,
            following_only=following,
            limit=query.limit,
            offset=query.offset,
        )
    if exact is None and query.offset == 0 and name and domain and viewer is not None:
        exact = await _resolve_handle(context, viewer_id, name, domain, query)
    if exact is not None and following:
        assert viewer is not None
        async with context.pool.acquire() as conn:
            if not await follows_db.is_following(conn, viewer.id, exact.id):
                exact = None
    if exact is None:
        return prefix
    return [exact, *(actor for actor in prefix if actor.id != exact.id)][: query.limit]


async def _resolve_handle(
    context: ApiContext, viewer_id: int | None, name: str, domain: str, query: Query
) -> Actor | None:
    if not query.resolve or domain == context.settings.domain:
        return None
    try:
        actor = await context.resolver.actor_by_acct(f"{name}@{domain}")
    except ResolveError:
        return None
    # The same rules as for any account decide whether it is shown.
    async with context.pool.acquire() as conn:
        return await search_db.account_by_url(conn, viewer_id, actor.uri)


async def _hashtags(
    context: ApiContext, viewer: Actor | None, query: Query, text: str
) -> list[str]:
    tag = text.lstrip("#").strip()
    if not _TAG.match(tag):
        return []
    async with context.pool.acquire() as conn:
        return await search_db.tags_by_prefix(
            conn,
            tag,
            viewer is not None and viewer.local,
            limit=query.limit,
            offset=query.offset,
        )
