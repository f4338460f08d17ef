"""Every route of the client API, gathered for fedi/app.py."""

from starlette.routing import BaseRoute

from fedi.api import (
    account_lists,
    account_statuses,
    accounts,
    admin_accounts,
    admin_audit,
    admin_domains,
    admin_reports,
    bookmarks,
    client_defaults,
    domain_blocks,
    favourites,
    follow_requests,
    instance,
    markers,
    media,
    notifications,
    oauth,
    public_domain_blocks,
    reblogs,
    relationships,
    reports,
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
    reports,
    admin_reports,
    admin_audit,
    admin_domains,
    public_domain_blocks,
    admin_accounts,
    domain_blocks,
)


def routes() -> list[BaseRoute]:
    return [route for module in MODULES for route in module.routes()]
