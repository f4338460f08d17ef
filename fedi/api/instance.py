"""Mastodon client API: instance."""

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
