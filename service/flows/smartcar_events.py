"""Smartcar webhooks: signature, the VERIFY challenge (both payload versions), events once."""

from __future__ import annotations

import json
import logging
from typing import Any

from service.domain.providers import ProviderName
from service.errors import NotFound, ValidationFailed
from service.flows.context import FlowContext
from service.flows.webhook_delivery import check_signature, hex_hmac, once_per_delivery

log = logging.getLogger("vehicle_connect.webhooks")


def verify_challenge(payload: dict[str, Any]) -> str | None:
    """The challenge of a VERIFY event (v2 `eventType`/`data`, v1 `eventName`/`payload`)."""
    if str(payload.get("eventType", "")).upper() == "VERIFY":
        data = payload.get("data")
    elif str(payload.get("eventName", "")).lower() == "verify":
        data = payload.get("payload")
    else:
        return None
    challenge = data.get("challenge") if isinstance(data, dict) else None
    if not isinstance(challenge, str) or not challenge:
        raise ValidationFailed("The VERIFY event carries no challenge")
    return challenge


async def handle_smartcar_webhook(
    ctx: FlowContext, raw: bytes, signature: str | None
) -> dict[str, Any]:
    """Verify SC-Signature on the raw body; answer VERIFY; process each eventId once."""
    token = ctx.settings.smartcar_management_token
    if ctx.providers.get(ProviderName.SMARTCAR) is None:
        raise NotFound("Smartcar is not configured")
    if not token:
        check_signature("", None)
    else:
        check_signature(hex_hmac(token, raw, "sha256"), signature)
    try:
        payload = json.loads(raw)
    except ValueError:
        raise ValidationFailed("The webhook body is not JSON") from None
    if not isinstance(payload, dict):
        raise ValidationFailed("The webhook body is not an event")
    assert token is not None
    challenge = verify_challenge(payload)
    if challenge is not None:
        return {"challenge": hex_hmac(token, challenge.encode(), "sha256")}
    event_id = payload.get("eventId")
    kind = str(payload.get("eventType") or payload.get("eventName") or "unknown")

    async def process() -> dict[str, Any]:
        log.info("smartcar event %s received", kind)
        return {"status": "ok", "eventType": kind}

    return await once_per_delivery(ctx, "smartcar", str(event_id) if event_id else None, process)
