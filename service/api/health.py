"""Liveness, readiness and the metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from service.api.responses import alternative, problems, text_body
from service.api.schemas import ReadinessOut
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
    response_model=ReadinessOut,
    responses=problems() | alternative(503, "The store cannot be reached", ReadinessOut),
)
async def readyz(flows: UseCasesDep, response: Response) -> ReadinessOut:
    """200 when the store answers a PING, else 503."""
    if not await flows.operations.ready():
        response.status_code = 503
        return ReadinessOut(status="unavailable", store="unreachable")
    return ReadinessOut(status="ok", store="ok")


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses=problems() | text_body(METRICS_MEDIA_TYPE),
)
async def metrics(flows: UseCasesDep) -> Response:
    """Requests, transitions, provider calls, webhook deliveries and store errors."""
    return Response(flows.operations.metrics(), media_type=METRICS_MEDIA_TYPE)
