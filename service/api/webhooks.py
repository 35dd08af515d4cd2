"""Signed provider events: `POST /webhooks/{provider}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from service.api.deps import ContextDep, limit_by_client_ip
from service.api.responses import problems
from service.config import ProviderName
from service.errors import (
    NotFound,
    PayloadTooLarge,
    ProblemError,
    StoreUnavailable,
    ValidationFailed,
    WebhookSignatureInvalid,
)
from service.flows.enode_events import handle_enode_webhook
from service.flows.smartcar_events import handle_smartcar_webhook
from service.metrics import WEBHOOKS

router = APIRouter(tags=["provider webhooks"], dependencies=[Depends(limit_by_client_ip)])


@router.post(
    "/webhooks/{provider}",
    operation_id="providerWebhook",
    summary="Signed events of a provider (Enode, Smartcar)",
    responses=problems(
        WebhookSignatureInvalid, ValidationFailed, NotFound, PayloadTooLarge, StoreUnavailable
    ),
)
async def provider_webhook(
    ctx: ContextDep, provider: ProviderName, request: Request
) -> dict[str, Any]:
    """Check the signature on the raw body before anything else, then handle the events."""
    raw = await request.body()
    try:
        if provider == ProviderName.ENODE:
            answer = await handle_enode_webhook(
                ctx,
                raw,
                request.headers.get("x-enode-signature"),
                request.headers.get("x-enode-delivery"),
            )
        elif provider == ProviderName.SMARTCAR:
            answer = await handle_smartcar_webhook(ctx, raw, request.headers.get("sc-signature"))
        else:
            raise NotFound(f"{provider.value} sends no webhooks")
    except ProblemError as exc:
        WEBHOOKS.labels(provider.value, exc.code.lower()).inc()
        raise
    outcome = "verify" if "challenge" in answer else str(answer.get("status", "processed"))
    WEBHOOKS.labels(provider.value, outcome).inc()
    return answer
