"""OpenAPI error responses: the problem schema and the codes each operation can return."""

from __future__ import annotations

from typing import Any

from service.api.schemas import ProblemOut
from service.errors import PROBLEM_MEDIA_TYPE, ProblemError


def problems(*errors: type[ProblemError]) -> dict[int | str, dict[str, Any]]:
    """The `responses` entry for these errors, grouped by status."""
    by_status: dict[int, list[str]] = {}
    for error in errors:
        by_status.setdefault(error.status, []).append(error.code)
    return {
        status: {
            "model": ProblemOut,
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}
            },
            "description": "Problem: " + ", ".join(codes),
        }
        for status, codes in sorted(by_status.items())
    }
