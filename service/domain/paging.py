"""Pages of a list: the opaque cursor that names where a page ended, and in-memory paging."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
CURSOR_MAX_LENGTH = 256

T = TypeVar("T")


@dataclass(frozen=True, order=True)
class Cursor:
    """The last item of a page: its sort position (milliseconds) and its id (ties)."""

    position: int
    id: str

    def encode(self) -> str:
        """The opaque text handed to clients."""
        raw = f"{self.position}:{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor an `encode` gave; ValueError for anything else."""
        if not text or len(text) > CURSOR_MAX_LENGTH:
            raise ValueError("cursor length")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError("cursor encoding") from exc
        position, sep, item_id = raw.partition(":")
        if not sep or not item_id or not position.isdigit():
            raise ValueError("cursor shape")
        return cls(int(position), item_id)


@dataclass(frozen=True)
class Page(Generic[T]):
    """Items of one page, and the cursor of the next page (None on the last)."""

    items: list[T]
    next: Cursor | None = None


def page_of(
    items: Sequence[T], cursor_of: Callable[[T], Cursor], after: Cursor | None, limit: int
) -> Page[T]:
    """The page of `items`, in ascending cursor order, that follows `after`."""
    ordered = sorted(items, key=cursor_of)
    remaining = [item for item in ordered if after is None or cursor_of(item) > after]
    chosen = remaining[:limit]
    more = len(remaining) > limit
    return Page(chosen, cursor_of(chosen[-1]) if more and chosen else None)
