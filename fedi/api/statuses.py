"""Mastodon client API: statuses."""

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
