"""Mastodon client API: oauth."""

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
