"""Every route of the node's pages (members', group admins', node admins'), for fedi/app.py.

They come before the ActivityPub routes that share their paths (`/groups/{name}`): a page
route answers browsers and hands anything else on (fedi/web/negotiation.py).
"""

from starlette.routing import BaseRoute

from fedi.web import auth_pages, composer, home, manifest, status_pages

MODULES = (auth_pages, composer, home, manifest, status_pages)


def routes() -> list[BaseRoute]:
    return [route for module in MODULES for route in module.routes()]
