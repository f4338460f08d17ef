"""A post's versions in its languages: its own first, then the others."""

from fedi.db.posts import Post


def content_map_of(post: Post) -> dict[str, str]:
    """The post's contentMap with its own language first: Mastodon takes the first key as a
    post's language, and the database keeps no order of a jsonb object's keys."""
    own = post.language if post.language in post.content_map else None
    first = {own: post.content_map[own]} if own is not None else {}
    return {**first, **post.content_map}


def other_languages(post: Post) -> dict[str, str]:
    """The post's versions in languages other than its own: language code -> HTML."""
    return {code: html for code, html in post.content_map.items() if code != post.language}
