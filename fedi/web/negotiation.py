"""Content negotiation between ActivityPub JSON and HTML."""

from starlette.requests import Request

_AP_TYPES = ("application/activity+json", "application/ld+json")


def wants_activity_json(request: Request) -> bool:
    """True when the client asked for ActivityPub JSON rather than a page.

    A bare `application/ld+json` counts too: Mastodon and others send it with the
    ActivityStreams profile, and some send it with no profile at all.
    """
    accept = request.headers.get("accept", "").lower()
    return any(kind in accept for kind in _AP_TYPES)
