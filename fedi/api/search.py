"""Mastodon client API: search."""

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
