"""Timestamps in the form Mastodon's entities use: ISO 8601, milliseconds, UTC, `Z`."""

from datetime import UTC, datetime


def api_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def api_day(moment: datetime) -> str:
    """Accounts show only their creation day, as Mastodon does."""
    return f"{moment.astimezone(UTC):%Y-%m-%d}T00:00:00.000Z"
