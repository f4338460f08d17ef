"""Every route of the client API, gathered for fedi/app.py."""

from starlette.routing import BaseRoute

from fedi.api import (
    accounts,
    instance,
    markers,
    media,
    notifications,
    oauth,
    search,
    statuses,
    streaming,
    timelines,
)

MODULES = (
    oauth,
    instance,
    accounts,
    statuses,
    timelines,
    notifications,
    search,
    media,
    streaming,
    markers,
)


def routes() -> list[BaseRoute]:
    return [route for module in MODULES for route in module.routes()]
