"""The application's error tree; each error is mapped to an HTTP status at the edge."""


class FediError(Exception):
    """Base of every error the application raises on purpose. `status` is its HTTP mapping."""

    status: int = 400


class ConfigError(FediError):
    """A setting that is missing or malformed; the message names the setting."""


class NotFound(FediError):
    status = 404


class Conflict(FediError):
    status = 409


class InvalidInput(FediError):
    status = 422


class Unauthorized(FediError):
    status = 401


class Forbidden(FediError):
    status = 403
