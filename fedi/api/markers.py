"""Mastodon client API: markers."""

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
