"""Paginated lists: the `limit` and `cursor` query parameters and the `Link` to the next page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from service.domain.paging import CURSOR_MAX_LENGTH, MAX_PAGE_SIZE, Cursor
from service.errors import ValidationFailed

PageLimit = Annotated[
    int,
    Query(ge=1, le=MAX_PAGE_SIZE, description=f"Items per page (at most {MAX_PAGE_SIZE})."),
]
PageCursor = Annotated[
    str | None,
    Query(
        max_length=CURSOR_MAX_LENGTH,
        description="Where the page starts: the cursor of the previous page's `Link: rel=next`.",
    ),
]

LINK_HEADER: dict[str, Any] = {
    "Link": {
        "description": 'The next page, when there is one: `<url>; rel="next"`.',
        "schema": {"type": "string"},
    }
}


def paged(responses: dict[int | str, Any] | None = None) -> dict[int | str, Any]:
    """The `responses` entry of a list: its 200 documents the `Link` header."""
    merged = dict(responses or {})
    merged[200] = {**merged.get(200, {}), "headers": LINK_HEADER}
    return merged


def page_start(cursor: str | None) -> Cursor | None:
    """The cursor a list request names, or None; 422 for one we did not hand out."""
    if cursor is None:
        return None
    try:
        return Cursor.decode(cursor)
    except ValueError:
        raise ValidationFailed(
            "cursor is not one this API handed out",
            extra={"errors": [{"field": "cursor", "message": "unknown cursor"}]},
        ) from None
