"""The Note of a stored local post, with everything it names read from the database: the one
way every path (delivery, fetch, collections) renders a post for other servers."""

from typing import Any

from fedi.db import actors as actors_db
from fedi.db import media as media_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.groups import note_place
from fedi.federation.notes import post_to_note


async def stored_note(conn: Any, post: Post, author: Actor, base_url: str) -> dict[str, Any]:
    """The post's Note: its mentions, tags, attachments, and its group and space if any."""
    mentioned = await actors_db.by_ids(conn, await posts_db.mentioned_actor_ids(conn, post.id))
    tags = await posts_db.tags_of(conn, post.id)
    media = await media_db.of_post(conn, post.id)
    group, space = await note_place(conn, post)
    return post_to_note(post, author, mentioned, tags, base_url, media, group=group, space=space)
