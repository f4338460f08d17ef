"""The root of every error this library raises."""


class ActivityPubError(Exception):
    """Base class for protocol errors: bad signatures, refused fetches, malformed documents."""
