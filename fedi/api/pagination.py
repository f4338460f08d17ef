"""Mastodon's id-based pagination: max_id, since_id, min_id, limit, and the Link header."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

from fedi.api.params import Params

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """The bounds one list request asked for.

    Results are always returned newest first. With `min_id` the rows just above it are wanted
    (read oldest first, then reversed), as Mastodon does to let a client catch up gap-free.
    """

    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int

    @classmethod
    def from_params(cls, params: Params, *, default: int = 20, maximum: int = 40) -> "Page":
        return cls(
            max_id=_id(params, "max_id"),
            since_id=_id(params, "since_id"),
            min_id=_id(params, "min_id"),
            limit=params.integer("limit", default, minimum=1, maximum=maximum, clamp=True)
            or default,
        )

    @property
    def lower(self) -> int | None:
        """The exclusive lower bound: the larger of since_id and min_id."""
        bounds = [b for b in (self.since_id, self.min_id) if b is not None]
        return max(bounds) if bounds else None

    @property
    def ascending(self) -> bool:
        return self.min_id is not None

    def where(self, column: str, first_placeholder: int) -> tuple[str, list[int]]:
        """An SQL condition on `column` (with $n numbered from `first_placeholder`) and its args."""
        clauses, args = [], []
        n = first_placeholder
        if self.max_id is not None:
            clauses.append(f"{column} < ${n}")
            args.append(self.max_id)
            n += 1
        if self.lower is not None:
            clauses.append(f"{column} > ${n}")
            args.append(self.lower)
        return (" AND ".join(clauses) or "true"), args

    def order(self, column: str) -> str:
        return f"{column} {'ASC' if self.ascending else 'DESC'}"

    def arrange(self, rows: Sequence[T]) -> list[T]:
        """Rows read in `order()` put newest first."""
        return list(reversed(rows)) if self.ascending else list(rows)


def _id(params: Params, name: str) -> int | None:
    value = params.text(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return None  # Mastodon ignores an id it cannot read; so do we, rather than 500


def link_header(request: Request, newest_id: int | None, oldest_id: int | None) -> dict[str, str]:
    """`Link: <...max_id=oldest>; rel="next", <...min_id=newest>; rel="prev"`, as Mastodon."""
    if newest_id is None or oldest_id is None:
        return {}
    kept = [
        (key, value)
        for key, value in request.query_params.multi_items()
        if key not in ("max_id", "since_id", "min_id")
    ]
    base = str(request.url.replace(query=""))
    next_url = f"{base}?{urlencode([*kept, ('max_id', str(oldest_id))])}"
    prev_url = f"{base}?{urlencode([*kept, ('min_id', str(newest_id))])}"
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}


def paged_headers(request: Request, ids: Sequence[int]) -> dict[str, str]:
    """The Link header for a page of results already in newest-first order."""
    if not ids:
        return {}
    return link_header(request, ids[0], ids[-1])
