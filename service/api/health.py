"""Liveness, readiness and the metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from service.api.responses import alternative, problems, text_body
from service.api.schemas import ReadinessOut
from service.errors import AuthTokenInvalid, NotFound
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
    responses=problems(AuthTokenInvalid, NotFound) | text_body(METRICS_MEDIA_TYPE),
)
async def metrics(flows: UseCasesDep, request: Request) -> Response:
    """Requests, transitions, provider calls, webhook deliveries and store errors.

    Here only with `Authorization: Bearer <METRICS_TOKEN>`; else on the metrics port.
    """
    body = flows.operations.metrics(request.headers.get("authorization"))
    return Response(body, media_type=METRICS_MEDIA_TYPE)
