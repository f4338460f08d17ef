"""A post's versions as Mastodon StatusEdit entities, oldest first, the current one last."""

from typing import Any

from fedi.api.entities.accounts import one_account
from fedi.api.entities.media import attachment_to_json
from fedi.api.entities.times import api_time
from fedi.db import actors as actors_db
from fedi.db import media as media_db
from fedi.db import status_edits as status_edits_db
from fedi.db.posts import Post
from fedi.db.status_edits import EarlierVersion
from fedi.urls import Urls


async def edits_to_json(
    conn: Any, urls: Urls, post: Post, earlier: list[EarlierVersion]
) -> list[dict[str, Any]]:
    author = await actors_db.by_id(conn, post.actor_id)
    assert author is not None  # posts go with their author
    account = await one_account(conn, urls, author)
    recorded = [i for version in earlier for i in version.media_ids or []]
    rows = await status_edits_db.media_by_ids(conn, recorded) if recorded else {}

    def edit(
        content: str, summary: str, sensitive: bool, at: Any, media: list[Any]
    ) -> dict[str, Any]:
        return {
            "content": content,
            "spoiler_text": summary,
            "sensitive": sensitive,
            "created_at": api_time(at),
            "account": account,
            "poll": None,
            "media_attachments": [attachment_to_json(row, urls) for row in media],
            "emojis": [],
        }

    out = [
        edit(
            version.content,
            version.summary,
            version.sensitive,
            version.written_at,
            [rows[i] for i in version.media_ids or [] if i in rows],
        )
        for version in earlier
    ]
    current = await media_db.of_post(conn, post.id)
    out.append(
        edit(
            post.content,
            post.summary,
            post.sensitive,
            post.edited_at or post.published_at,
            current,
        )
    )
    return out
