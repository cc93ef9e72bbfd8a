"""A page of a list on the administration pages: every list is paginated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


def clamp(number: int, total: int, size: int) -> int:
    """The page asked for, within the pages there are (a hostile or stale number shows the nearest)."""
    return max(1, min(number, max(1, -(-total // size))))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int  # its number, from 1 (the name templates/actions/_pagination.html reads)
    total: int
    size: int
    extra: dict = field(default_factory=dict)  # what the page's rows need besides themselves

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))
