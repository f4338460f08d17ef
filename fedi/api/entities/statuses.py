"""Posts and boosts as Mastodon Status entities, a page at a time.

Boosts share the posts' id sequence, so one list of ids can hold both; a boost renders as a
status whose `reblog` is the boosted post. The caller decides what the viewer may see: this
module only renders.

Group posts: Mastodon has no visibility for a group's members, so a `members` post shows as
`private` and a `confidential` one as `private` with `local_only: true` (as Glitch and Hometown
mark posts that never leave their server). A post in a group also carries fedi's own `group`:
`{"id": <the group's account id>, "acct": <its handle>, "space_id": <its space, or null>}`;
clients that do not know it ignore it. A post outside any group has `group: null`.

fedi's own `content_map` is the post in each of its languages, `{language: HTML}`, its own
language (`language`, whose HTML is `content`) first; `{}` for a post without a language.
"""

from typing import Any

from fedi.api.entities.accounts import account_to_json, acct_of, with_group_counts
from fedi.api.entities.media import attachment_to_json
from fedi.api.entities.times import api_time
from fedi.db import account_moderation as moderation_db
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.db import status_views
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.db.status_views import Boost, PostCounts, ViewerFlags
from fedi.domain.post_languages import content_map_of
from fedi.urls import Urls

# Our visibilities in Mastodon's words; `local` is public to this node only (GoToSocial's
# `local_only`), `members` is a group's members only, `confidential` its local members only.
API_VISIBILITY = {
    "public": "public",
    "unlisted": "unlisted",
    "followers": "private",
    "direct": "direct",
    "local": "public",
    "members": "private",
    "confidential": "private",
}
# Never leave this node: shown as `local_only`.
LOCAL_ONLY = ("local", "confidential")


class _Page:
    """Everything fetched for one page of statuses."""

    def __init__(self, urls: Urls, viewer: Actor | None) -> None:
        self.urls = urls
        self.viewer = viewer
        self.posts: dict[int, Post] = {}
        self.boosts: dict[int, Boost] = {}
        self.accounts: dict[int, dict[str, Any]] = {}
        self.actors: dict[int, Actor] = {}
        self.parent_authors: dict[int, int] = {}
        self.mentions: dict[int, list[int]] = {}
        self.tags: dict[int, list[str]] = {}
        self.media: dict[int, list[status_views.MediaRow]] = {}
        self.counts: dict[int, PostCounts] = {}
        self.flags = ViewerFlags()
        self.apps: dict[int, tuple[str, str | None]] = {}
        # Groups whose posts may name them to anyone who sees the post: remote groups and public
        # local ones (see _group).
        self.open_groups: set[int] = set()
        # Authors a moderator marked sensitive: their media shows behind a warning to others.
        self.sensitized: set[int] = set()

    async def load(self, conn: Any, ids: list[int]) -> None:
        self.posts = {post.id: post for post in await posts_db.by_ids(conn, ids)}
        missing = [i for i in ids if i not in self.posts]
        self.boosts = await status_views.boosts_by_ids(conn, missing) if missing else {}
        boosted = list({b.post_id for b in self.boosts.values()} - self.posts.keys())
        if boosted:
            self.posts.update({p.id: p for p in await posts_db.by_ids(conn, boosted)})
        facts = await status_views.post_facts(
            conn, list(self.posts), self.viewer.id if self.viewer else None
        )
        for post_id, fact in facts.items():
            if fact.parent_author_id is not None:
                self.parent_authors[self.posts[post_id].in_reply_to_id or 0] = fact.parent_author_id
            self.mentions[post_id] = fact.mentions
            self.tags[post_id] = fact.tags
            self.media[post_id] = fact.media
            self.counts[post_id] = fact.counts
            if fact.app is not None:
                self.apps[post_id] = fact.app
        if self.viewer is not None:
            self.flags = ViewerFlags(
                frozenset(i for i, f in facts.items() if f.favourited),
                frozenset(i for i, f in facts.items() if f.reblogged),
                frozenset(i for i, f in facts.items() if f.bookmarked),
            )
        with_media = [p.actor_id for p in self.posts.values() if self.media.get(p.id)]
        if with_media:  # asked only when the page shows media at all
            self.sensitized = await moderation_db.sensitized_among(conn, with_media)
        authors = {p.actor_id for p in self.posts.values()}
        authors |= {b.actor_id for b in self.boosts.values()}
        group_ids = {p.group_id for p in self.posts.values() if p.group_id is not None}
        actor_ids = authors | group_ids
        for mentioned in self.mentions.values():
            actor_ids.update(mentioned)
        found = await status_views.actors_with_stats(conn, list(actor_ids))
        self.actors = {actor.id: actor for actor, _ in found}
        if group_ids:
            settings = await groups_db.settings_of_many(conn, list(group_ids))
            self.open_groups = {i for i in group_ids if i not in settings}
            self.open_groups |= {i for i, s in settings.items() if s.visibility == "public"}
        # Only a group that wrote or boosted something is shown as a whole account here.
        found = await with_group_counts(
            conn, [(actor, stats) for actor, stats in found if actor.id in authors], self.viewer
        )
        self.accounts = {
            actor.id: account_to_json(actor, stats, self.urls) for actor, stats in found
        }

    def post_status(self, post: Post) -> dict[str, Any] | None:
        account = self.accounts.get(post.actor_id)
        if account is None:
            return None
        counts = self.counts.get(post.id, PostCounts())
        mentioned = [self.actors[i] for i in self.mentions.get(post.id, []) if i in self.actors]
        app = self.apps.get(post.id)
        status: dict[str, Any] = {
            "id": str(post.id),
            "uri": post.uri,
            "url": post.url or post.uri,
            "created_at": api_time(post.published_at),
            "edited_at": api_time(post.edited_at),
            "account": account,
            "content": post.content,
            "visibility": API_VISIBILITY.get(post.visibility, "private"),
            "local_only": post.visibility in LOCAL_ONLY,
            "sensitive": post.sensitive or self._sensitized(post),
            "spoiler_text": post.summary,
            "media_attachments": [
                attachment_to_json(row, self.urls) for row in self.media.get(post.id, [])
            ],
            "application": {"name": app[0], "website": app[1]} if app else None,
            "mentions": [
                {
                    "id": str(actor.id),
                    "username": actor.username,
                    "url": actor.url or actor.uri,
                    "acct": acct_of(actor),
                }
                for actor in mentioned
            ],
            "tags": [
                {"name": tag, "url": f"{self.urls.base}/tags/{tag}"}
                for tag in self.tags.get(post.id, [])
            ],
            "emojis": [],
            "reblogs_count": counts.reblogs,
            "favourites_count": counts.favourites,
            "replies_count": counts.replies,
            "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
            "in_reply_to_account_id": (
                str(self.parent_authors[post.in_reply_to_id])
                if post.in_reply_to_id in self.parent_authors
                else None
            ),
            "reblog": None,
            "poll": None,
            "card": None,
            "language": post.language,
            "content_map": content_map_of(post),
            "group": self._group(post),
        }
        if self.viewer is not None:
            status.update(
                favourited=post.id in self.flags.favourited,
                reblogged=post.id in self.flags.reblogged,
                bookmarked=post.id in self.flags.bookmarked,
                muted=False,
                pinned=False,
                filtered=[],
            )
        return status

    def _group(self, post: Post) -> dict[str, Any] | None:
        """The post's group, named only where that tells the viewer nothing new: a remote or
        public group, or a members or confidential post, which only its group's members (and
        its author) see. A looser post in a stricter group (written before the group was made
        stricter, if ever) does not name it."""
        group = self.actors.get(post.group_id) if post.group_id is not None else None
        if group is None:
            return None
        if group.id not in self.open_groups and post.visibility not in ("members", "confidential"):
            return None
        return {
            "id": str(group.id),
            "acct": acct_of(group),
            "space_id": str(post.space_id) if post.space_id is not None else None,
        }

    def _sensitized(self, post: Post) -> bool:
        """Media of a sensitized author, shown to anyone but that author (as Mastodon)."""
        own = self.viewer is not None and self.viewer.id == post.actor_id
        return post.actor_id in self.sensitized and bool(self.media.get(post.id)) and not own

    def boost_status(self, boost: Boost) -> dict[str, Any] | None:
        post = self.posts.get(boost.post_id)
        account = self.accounts.get(boost.actor_id)
        inner = None if post is None else self.post_status(post)
        if inner is None or account is None:
            return None
        status = {
            **inner,
            "id": str(boost.id),
            "uri": boost.uri,
            "url": boost.uri,
            "created_at": api_time(boost.created_at),
            "edited_at": None,
            "account": account,
            "content": "",
            "visibility": API_VISIBILITY.get(boost.visibility, "public"),
            "local_only": False,
            "sensitive": False,
            "spoiler_text": "",
            "media_attachments": [],
            "application": None,
            "mentions": [],
            "tags": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "reblog": inner,
            "language": None,
            "content_map": {},
            "group": None,
        }
        if self.viewer is not None:
            status.update(favourited=False, bookmarked=False, reblogged=inner["reblogged"])
        return status


async def statuses_to_json(
    conn: Any, urls: Urls, viewer: Actor | None, ids: list[int]
) -> list[dict[str, Any]]:
    """Statuses for the given post or boost ids, in that order; unknown ids are skipped."""
    if not ids:
        return []
    page = _Page(urls, viewer)
    await page.load(conn, ids)
    out = []
    for status_id in ids:
        if status_id in page.posts:
            status = page.post_status(page.posts[status_id])
        elif status_id in page.boosts:
            status = page.boost_status(page.boosts[status_id])
        else:
            status = None
        if status is not None:
            out.append(status)
    return out


async def one_status(
    conn: Any, urls: Urls, viewer: Actor | None, status_id: int
) -> dict[str, Any] | None:
    found = await statuses_to_json(conn, urls, viewer, [status_id])
    return found[0] if found else None
