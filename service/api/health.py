"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from service.api.deps import ContextDep

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="readyz", summary="Readiness: the store answers")
async def readyz(ctx: ContextDep) -> JSONResponse:
    """200 when the store answers a PING, else 503."""
    try:
        await ctx.redis.ping()
    except (RedisError, OSError):
        return JSONResponse({"status": "unavailable", "store": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "store": "ok"})
