"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from redis.exceptions import RedisError

from service.api.deps import ContextDep
from service.api.responses import problems
from service.metrics import METRICS_MEDIA_TYPE, exposition

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz", summary="Liveness", responses=problems())
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Readiness: the store answers",
    responses=problems() | {503: {"description": "The store cannot be reached"}},
)
async def readyz(ctx: ContextDep) -> JSONResponse:
    """200 when the store answers a PING, else 503."""
    try:
        await ctx.redis.ping()
    except (RedisError, OSError):
        return JSONResponse({"status": "unavailable", "store": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "store": "ok"})


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses=problems() | {200: {"content": {METRICS_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
)
async def metrics() -> Response:
    """Requests, transitions, provider calls, webhook deliveries and store errors."""
    return Response(exposition(), media_type=METRICS_MEDIA_TYPE)
