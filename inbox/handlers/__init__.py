"""What every inbox handler is given and may raise, and the registry the worker dispatches on."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fedi.config import Settings
from fedi.db.actors import Actor
from fedi.errors import FediError
from fedi.urls import Urls
from webfinger.resolver import RemoteResolver


class Refused(FediError):
    """The activity is invalid or forbidden: never retried; the reason is stored on the item."""

    status = 400


@dataclass(frozen=True)
class HandlerContext:
    # An asyncpg connection inside the transaction the worker opened for this item: the
    # handler's writes commit together with the item being marked done, or not at all.
    conn: Any
    resolver: RemoteResolver
    settings: Settings
    urls: Urls
    # The verified actor who sent the activity; its uri equals the activity's `actor`.
    signer: Actor


# Receives the normalised activity.
Handler = Callable[[HandlerContext, dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, Handler] = {}


def handler(activity_type: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the handler of one activity type."""

    def register(function: Handler) -> Handler:
        if activity_type in HANDLERS and HANDLERS[activity_type] is not function:
            raise RuntimeError(f"two handlers registered for {activity_type}")
        HANDLERS[activity_type] = function
        return function

    return register
