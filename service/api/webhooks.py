"""Signed provider events: `POST /webhooks/{provider}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from service.api.responses import problems
from service.domain.providers import ProviderName
from service.errors import (
    NotFound,
    PayloadTooLarge,
    StoreUnavailable,
    ValidationFailed,
    WebhookSignatureInvalid,
)
from service.http.dependencies import UseCasesDep, limit_by_client_ip

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
    flows: UseCasesDep, provider: ProviderName, request: Request
) -> dict[str, Any]:
    """Check the signature on the raw body before anything else, then handle the events."""
    return await flows.webhooks.receive(provider, await request.body(), dict(request.headers))
