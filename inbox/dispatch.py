"""Loads the per-verb handler modules and finds the handler for an activity type."""

import importlib

from inbox.handlers import HANDLERS, Handler

VERB_MODULES = (
    "follow",
    "accept",
    "reject",
    "undo",
    "create",
    "update",
    "delete",
    "announce",
    "like",
    "block",
    "flag",
    "join",
    "leave",
)


def load_handlers() -> dict[str, Handler]:
    """Import every verb module so its handlers register themselves; returns the registry.

    A verb module that does not exist yet is skipped; an import error inside one that does
    exist (a missing dependency of it, a syntax error) is raised, never hidden.
    """
    for name in VERB_MODULES:
        qualified = f"inbox.handlers.{name}"
        try:
            importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
    return HANDLERS


def handler_for(activity_type: str) -> Handler | None:
    return HANDLERS.get(activity_type)
