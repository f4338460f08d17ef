"""Every route of the client API, gathered for fedi/app.py."""

from starlette.routing import BaseRoute

from fedi.api import (
    account_lists,
    account_statuses,
    accounts,
    bookmarks,
    client_defaults,
    favourites,
    follow_requests,
    instance,
    markers,
    media,
    notifications,
    oauth,
    reblogs,
    relationships,
    search,
    statuses,
    streaming,
    timelines,
)

MODULES = (
    oauth,
    instance,
    accounts,
    relationships,
    account_statuses,
    account_lists,
    follow_requests,
    statuses,
    timelines,
    notifications,
    search,
    media,
    streaming,
    markers,
    favourites,
    reblogs,
    bookmarks,
    client_defaults,
)


def routes() -> list[BaseRoute]:
    return [route for module in MODULES for route in module.routes()]
