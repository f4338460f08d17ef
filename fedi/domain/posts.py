"""Writing, editing and deleting local posts: the rules, independent of how they travel."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import media as media_db
from fedi.db import posts as posts_db
from fedi.db import status_edits as status_edits_db
from fedi.db import status_views
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.db.status_views import Boost
from fedi.domain import group_mentions, groups, remote_groups
from fedi.domain.html import MentionLink, RenderedText, render_plain_text
from fedi.domain.post_languages import other_languages
from fedi.domain.visibility import FEDERATED, addressing_for
from fedi.errors import Forbidden, InvalidInput, NotFound
from fedi.urls import Urls

MAX_CHARACTERS = 5_000
MAX_SUMMARY = 500
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# Other languages a post may be written in besides its own.
MAX_TRANSLATIONS = 10
LOCAL_VISIBILITIES = ("public", "unlisted", "followers", "direct", "local")
MAX_DESCRIPTION = 1_500


@dataclass(frozen=True)
class MediaEdit:
    """A new description or focal point (x, y in -1..1) for one of the post's attachments."""

    id: int
    description: str | None = None
    focus: tuple[float, float] | None = None


@dataclass(frozen=True)
class Draft:
    text: str
    visibility: str = "public"
    summary: str = ""
    sensitive: bool = False
    language: str | None = None
    # The same post in other languages, language code -> plain text. None leaves an edited
    # post's other languages as they were (a Mastodon app cannot show or send them); a dict,
    # even an empty one, replaces them.
    translations: dict[str, str] | None = None
    in_reply_to_id: int | None = None
    # The attachments, in order: the whole list, for an edit as for a new post.
    media_ids: tuple[int, ...] = ()
    # The OAuth app that wrote the post, shown as the client API's `application`.
    app_id: int | None = None
    media_edits: tuple[MediaEdit, ...] = ()
    # A post into a local group: the group's actor id and a space of it (None: its default
    # space). The group decides the post's visibility; `visibility` is then ignored.
    group_id: int | None = None
    space_id: int | None = None


def check_draft(draft: Draft) -> None:
    if draft.visibility not in LOCAL_VISIBILITIES:
        raise InvalidInput(
            f"visibility must be one of {', '.join(LOCAL_VISIBILITIES)}, not {draft.visibility!r}"
        )
    if not draft.text.strip() and not draft.media_ids:
        raise InvalidInput("a post needs some text or an attachment")
    if len(draft.media_ids) > media_db.MAX_ATTACHMENTS:
        raise InvalidInput(f"a post may have at most {media_db.MAX_ATTACHMENTS} attachments")
    if len(set(draft.media_ids)) != len(draft.media_ids):
        raise InvalidInput("an attachment is listed twice")
    for change in draft.media_edits:
        if change.description is not None and len(change.description) > MAX_DESCRIPTION:
            raise InvalidInput(
                f"an attachment's description may have at most {MAX_DESCRIPTION} characters"
            )
        if change.focus is not None and not all(-1 <= v <= 1 for v in change.focus):
            raise InvalidInput("a focal point's coordinates must be between -1 and 1")
    if len(draft.text) > MAX_CHARACTERS:
        raise InvalidInput(f"a post may have at most {MAX_CHARACTERS} characters")
    if len(draft.summary) > MAX_SUMMARY:
        raise InvalidInput(f"a content warning may have at most {MAX_SUMMARY} characters")
    translations = draft.translations or {}
    languages = [draft.language] if draft.language else []
    for code in [*languages, *translations]:
        if not LANGUAGE.match(code):
            raise InvalidInput(f"{code!r} is not a language code such as 'en' or 'pt-BR'")
    _check_translations(draft.language, translations)


def _check_translations(language: str | None, translations: dict[str, str]) -> None:
    """The other languages of a post: each once, none its own, each as long as a post may be."""
    if translations and not language:
        raise InvalidInput("give the post's own language before adding translations")
    if len(translations) > MAX_TRANSLATIONS:
        raise InvalidInput(f"a post may have at most {MAX_TRANSLATIONS} other languages")
    seen = {language.lower()} if language else set()
    for code, text in translations.items():
        if code.lower() == (language or "").lower():
            raise InvalidInput(
                f"{code} is the post's own language: its text is the post's, not a translation"
            )
        if code.lower() in seen:
            raise InvalidInput(f"the {code} translation is given twice")
        seen.add(code.lower())
        if not text.strip() or len(text) > MAX_CHARACTERS:
            raise InvalidInput(f"the {code} translation must have 1 to {MAX_CHARACTERS} characters")


def render(
    draft: Draft,
    urls: Urls,
    domain: str,
    mentions: dict[tuple[str, str], Actor],
    kept: Mapping[str, str] | None = None,
) -> tuple[RenderedText, dict[str, str]]:
    """The post's HTML (with its mentions and tags) and its contentMap, its own language first.
    `kept`: other languages already rendered, used when the draft gives none (an edit)."""

    def find(username: str, host: str) -> MentionLink | None:
        actor = mentions.get((username.lower(), host))
        if actor is None:
            return None
        return MentionLink(f"{actor.username}@{actor.domain}", actor.uri, actor.url or actor.uri)

    def rendered(text: str) -> RenderedText:
        return render_plain_text(text, base_url=urls.base, local_domain=domain, find_mention=find)

    main = rendered(draft.text)
    content_map = {}
    if draft.language:
        content_map[draft.language] = main.html
        if draft.translations is not None:
            for code, text in draft.translations.items():
                content_map[code] = rendered(text).html
        elif kept:
            own = draft.language.lower()
            content_map.update((code, html) for code, html in kept.items() if code.lower() != own)
    return main, content_map


def _written(draft: Draft, text: RenderedText, content_map: dict[str, str]) -> dict[str, Any]:
    """The columns a draft fills, for a new post and for an edit alike."""
    summary = draft.summary.strip()
    return {
        "content": text.html,
        "summary": summary,
        # A content warning always hides the post, as in Mastodon.
        "sensitive": draft.sensitive or bool(summary),
        "language": draft.language,
        "content_map": content_map,
        "source": draft.text,
    }


async def may_see(conn: Any, post: Post, viewer: Actor | None) -> bool:
    """Whether an actor (None: anonymous) may see a post: the one rule every path asks."""
    if post.visibility in ("public", "unlisted"):
        return True
    if viewer is None:
        return False
    if post.visibility == "confidential" and not viewer.local:
        return False  # not even its remote author: a confidential group is this node's only
    if viewer.id == post.actor_id:
        return True
    if post.visibility == "local":
        return viewer.local
    if post.visibility in ("members", "confidential"):
        return await groups.may_see_group_post(conn, post, viewer)
    if viewer.id in await posts_db.mentioned_actor_ids(conn, post.id):
        return True
    return post.visibility == "followers" and await follows_db.is_following(
        conn, viewer.id, post.actor_id
    )


async def may_see_boost(conn: Any, boost: Boost, post: Post, viewer: Actor | None) -> bool:
    """Whether the viewer may see a boost of `post`: the post itself, and the boost's audience
    (a followers-only boost is for the booster's followers)."""
    if not await may_see(conn, post, viewer):
        return False
    if boost.visibility in ("public", "unlisted"):
        return True
    if viewer is None:
        return False
    return viewer.id == boost.actor_id or await follows_db.is_following(
        conn, viewer.id, boost.actor_id
    )


async def visible_status_ids(conn: Any, viewer: Actor | None, ids: list[int]) -> list[int]:
    """Those of `ids` (posts or boosts, which share one id space) the viewer may see, in order."""
    posts = {post.id: post for post in await posts_db.by_ids(conn, ids)}
    boosts = await status_views.boosts_by_ids(conn, [i for i in ids if i not in posts])
    boosted = [b.post_id for b in boosts.values() if b.post_id not in posts]
    posts.update({post.id: post for post in await posts_db.by_ids(conn, boosted)})
    visible = []
    for status_id in ids:
        boost = boosts.get(status_id)
        post = posts.get(boost.post_id if boost else status_id)
        if post is None:
            continue
        if boost is None and status_id in posts:
            allowed = await may_see(conn, post, viewer)
        else:
            allowed = boost is not None and await may_see_boost(conn, boost, post, viewer)
        if allowed:
            visible.append(status_id)
    return visible


async def visible_post(
    conn: Any, viewer: Actor, post_id: int, missing: str = "no such post"
) -> Post:
    """The post, if the viewer may see it; otherwise the same NotFound as for no post at all."""
    post = await posts_db.by_id(conn, post_id)
    if post is None or not await may_see(conn, post, viewer):
        raise NotFound(missing)
    return post


async def write_post(
    conn: Any,
    urls: Urls,
    domain: str,
    author: Actor,
    draft: Draft,
    mentions: dict[tuple[str, str], Actor],
) -> Post:
    """Store a new local post with its mentions and tags (the caller holds the transaction)."""
    check_draft(draft)
    if not author.local:
        raise Forbidden("only local accounts write posts here")
    parent = (
        await visible_post(
            conn, author, draft.in_reply_to_id, "the post you reply to does not exist"
        )
        if draft.in_reply_to_id
        else None
    )
    # A members or confidential group is linked only by a post into it; elsewhere its name
    # stays the text that was typed.
    target_group = draft.group_id or (parent.group_id if parent is not None else None)
    mentions = await group_mentions.speakable_mentions(conn, mentions, target_group)
    text, content_map = render(draft, urls, domain, mentions)
    linked = {m.uri for m in text.mentions}
    mentioned = [actor for actor in mentions.values() if actor.uri in linked]
    if parent is not None and parent.actor_id != author.id:
        # A reply reaches the author it answers, as in Mastodon, even if the text omits them.
        parent_author = await actors_db.by_id(conn, parent.actor_id)
        if parent_author is not None and parent_author.uri not in linked:
            mentioned.append(parent_author)
    post_id = await posts_db.next_id(conn)
    uri = f"{author.uri}/statuses/{post_id}"
    addressed = [actor.uri for actor in mentioned]
    remote = await _remote_group_place(conn, author, draft, parent)
    place = None if remote is not None else await _group_place(conn, author, draft, parent)
    visibility = place.visibility if place is not None else draft.visibility
    if remote is not None:
        visibility = remote.visibility
    if parent is not None and parent.visibility == "local" and visibility in FEDERATED:
        visibility = "local"  # a reply to a local-only post stays on this node, as in Mastodon
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    if place is not None:
        to, cc = groups.group_addressing(place.group, visibility, author, addressed)
    elif remote is not None:
        to, cc = remote.addressing(author, addressed)
    elif visibility in FEDERATED:
        assert author.followers_url is not None
        addressing = addressing_for(visibility, author.followers_url, addressed)
        to, cc = addressing.to, addressing.cc
    post = await posts_db.insert(
        conn,
        id=post_id,
        uri=uri,
        actor_id=author.id,
        local=True,
        visibility=visibility,
        **_written(draft, text, content_map),
        url=f"{urls.base}/@{author.username}/{post_id}",
        in_reply_to_uri=parent.uri if parent else None,
        in_reply_to_id=parent.id if parent else None,
        conversation=(parent.conversation if parent and parent.conversation else uri),
        published_at=datetime.now(UTC),
        to_uris=list(to),
        cc_uris=list(cc),
        app_id=draft.app_id,
        group_id=place.group.id if place is not None else (remote and remote.group.id),
        space_id=place.space.id if place is not None else None,
    )
    await posts_db.set_mentions(conn, post.id, [actor.id for actor in mentioned])
    await posts_db.set_tags(conn, post.id, list(text.tags))
    if draft.media_ids or draft.media_edits:
        await _attach_media(conn, author, post.id, draft)
    return post


async def _remote_group_place(
    conn: Any, author: Actor, draft: Draft, parent: Post | None
) -> remote_groups.RemotePlace | None:
    """Where a post goes when it goes into a group on another server (the rules are in
    fedi.domain.remote_groups); None for a local group or no group."""
    return await remote_groups.place_for_post(
        conn, author, draft.group_id, parent, draft.visibility
    )


async def _group_place(
    conn: Any, author: Actor, draft: Draft, parent: Post | None
) -> "groups.GroupPlace | None":
    """Where a post goes when it goes into a local group: the draft's group, else the group of
    the local group post it replies to."""
    group_id, space_id = draft.group_id, draft.space_id
    if group_id is None and parent is not None and parent.group_id is not None:
        if await groups.group_by_id(conn, parent.group_id) is None:
            return None  # a remote group's post: an ordinary reply, addressed as usual
        group_id, space_id = parent.group_id, parent.space_id
    if group_id is None:
        return None
    place = await groups.place_for_post(conn, author, group_id, space_id)
    visibility = place.visibility
    if draft.visibility == "local":
        # The author asked for this node only: the group may make it stricter, never looser.
        visibility = groups.group_post_visibility("local", visibility)
    if parent is not None and parent.visibility == "local":
        visibility = groups.group_post_visibility("local", visibility)
    elif parent is not None and parent.visibility in ("members", "confidential"):
        # A reply is never looser than what it answers.
        visibility = groups.group_post_visibility(visibility, parent.visibility)
    return groups.GroupPlace(place.group, place.space, visibility)


async def _attach_media(conn: Any, author: Actor, post_id: int, draft: Draft) -> None:
    """Make the draft's attachments the post's, in order; each must be the author's own upload
    or already the post's."""
    wanted = list(draft.media_ids)
    rows = {row.id: row for row in await media_db.owned(conn, author.id, wanted)}
    unknown = [str(i) for i in wanted if i not in rows]
    if unknown:
        raise InvalidInput(f"no such attachment of yours: {', '.join(unknown)}")
    taken = [str(i) for i in wanted if rows[i].post_id not in (None, post_id)]
    if taken:
        raise InvalidInput(f"attachment {', '.join(taken)} already belongs to another post")
    stray = [str(change.id) for change in draft.media_edits if change.id not in rows]
    if stray:
        raise InvalidInput(f"attachment {', '.join(stray)} is not one of this post's")
    await media_db.detach(conn, post_id, wanted)
    if wanted:
        await media_db.attach(conn, post_id, wanted)
    for change in draft.media_edits:
        await media_db.describe(conn, change.id, change.description, change.focus)


async def own_post(conn: Any, author: Actor, post_id: int) -> Post:
    post = await posts_db.by_id(conn, post_id)
    if post is None:
        raise NotFound("no such post")
    if post.actor_id != author.id:
        raise Forbidden("only its author may change a post")
    return post


async def edit_post(
    conn: Any,
    urls: Urls,
    domain: str,
    author: Actor,
    post_id: int,
    draft: Draft,
    mentions: dict[tuple[str, str], Actor],
) -> Post:
    """Replace a post's text and attachments, keeping the previous version; visibility cannot
    change. The draft is the whole new post: attachments it leaves out are taken off. Its other
    languages are replaced when the draft gives any (even none: an empty dict), else kept, but
    for one in the post's new own language."""
    post = await own_post(conn, author, post_id)
    if draft.visibility != post.visibility:
        raise InvalidInput("an edit cannot change who a post is for")
    # A group post's members or confidential visibility is no draft's to choose, but an edit
    # keeps it: check the rest of the draft as for any post.
    kept = post.group_id is not None and post.visibility not in LOCAL_VISIBILITIES
    check_draft(replace(draft, visibility="public") if kept else draft)
    mentions = await group_mentions.speakable_mentions(conn, mentions, post.group_id)
    text, content_map = render(draft, urls, domain, mentions, kept=other_languages(post))
    before = [row.id for row in await media_db.of_post(conn, post.id)]
    updated = await posts_db.replace_content(conn, post, **_written(draft, text, content_map))
    await status_edits_db.record_media(conn, post.id, before)
    await posts_db.set_tags(conn, post.id, list(text.tags))
    await _attach_media(conn, author, post.id, draft)
    return updated


async def delete_post(conn: Any, author: Actor, post_id: int) -> Post:
    post = await own_post(conn, author, post_id)
    # The attachments outlive the post as the author's uploads, so that "delete and redraft"
    # in Mastodon apps can attach them again, as Mastodon allows.
    await media_db.detach(conn, post.id, [])
    await posts_db.delete(conn, post, author.uri)
    return post
