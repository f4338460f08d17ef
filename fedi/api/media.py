"""Mastodon client API: media."""

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
