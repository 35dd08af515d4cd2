"""Liveness, readiness and the metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from service.api.responses import problems
from service.http.dependencies import UseCasesDep
from service.observability.metrics import METRICS_MEDIA_TYPE

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
async def readyz(flows: UseCasesDep) -> JSONResponse:
    """200 when the store answers a PING, else 503."""
    if not await flows.operations.ready():
        return JSONResponse({"status": "unavailable", "store": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "store": "ok"})


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses=problems() | {200: {"content": {METRICS_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
)
async def metrics(flows: UseCasesDep) -> Response:
    """Requests, transitions, provider calls, webhook deliveries and store errors."""
    return Response(flows.operations.metrics(), media_type=METRICS_MEDIA_TYPE)
