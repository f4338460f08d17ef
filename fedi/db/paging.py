"""The id window a paged list query reads (fedi.api.pagination.Page has this shape)."""

from collections.abc import Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")


class IdWindow(Protocol):
    """Bounds on a row id: `where` gives the SQL condition, `order` the ORDER BY term, and
    `arrange` puts the rows read in that order newest first."""

    @property
    def limit(self) -> int: ...

    def where(self, column: str, first_placeholder: int) -> tuple[str, list[int]]: ...

    def order(self, column: str) -> str: ...

    def arrange(self, rows: Sequence[T]) -> list[T]: ...
