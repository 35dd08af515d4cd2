"""OpenAPI error responses: the problem schema and the codes each operation can return."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from service.api.schemas import ProblemOut
from service.errors import (
    JSON_MEDIA_TYPE,
    PROBLEM_MEDIA_TYPE,
    AuthTokenExpired,
    AuthTokenInvalid,
    AuthTokenMissing,
    Forbidden,
    ProblemError,
    RateLimited,
    StoreUnavailable,
    ValidationFailed,
)

USER_ROUTE_ERRORS: tuple[type[ProblemError], ...] = (
    AuthTokenMissing,
    AuthTokenInvalid,
    AuthTokenExpired,
    Forbidden,
    ValidationFailed,
    StoreUnavailable,
)
"""What every route under /api/v1/users/{userId} can answer."""


def problems(*errors: type[ProblemError]) -> dict[int | str, dict[str, Any]]:
    """The `responses` entry for these errors, grouped by status (as problem+json, or as
    application/json for a client that accepts only that).

    Every operation may also answer 400 VALIDATION_FAILED (the server refuses requests it
    cannot parse, an oversize request line say, before any route runs) and 429 RATE_LIMITED.
    """
    by_status: dict[int, list[str]] = {
        400: [f"{ValidationFailed.code} (malformed HTTP request)"],
        RateLimited.status: [RateLimited.code],
    }
    for error in errors:
        by_status.setdefault(error.status, []).append(error.code)
    return {
        status: {
            "model": ProblemOut,
            "content": {
                media_type: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}
                for media_type in (PROBLEM_MEDIA_TYPE, JSON_MEDIA_TYPE)
            },
            "description": "Problem: " + ", ".join(codes),
        }
        for status, codes in sorted(by_status.items())
    }


def alternative(status: int, description: str, model: type[BaseModel]) -> dict[int | str, Any]:
    """The `responses` entry of a non-problem answer with this status and body model."""
    return {status: {"model": model, "description": description}}


def text_body(media_type: str) -> dict[int | str, Any]:
    """The `responses` entry of a 200 whose body is text of this media type."""
    return {200: {"content": {media_type: {"schema": {"type": "string"}}}}}
