"""Webhook plumbing: signatures on the raw body, deliveries processed once."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from service.errors import WebhookSignatureInvalid
from service.flows.context import FlowContext


def hex_hmac(key: str, message: bytes, digest: str) -> str:
    """Lower-case hex HMAC of message."""
    return hmac.new(key.encode(), message, getattr(hashlib, digest)).hexdigest()


def check_signature(expected: str, given: str | None) -> None:
    """Constant-time comparison; 401 WEBHOOK_SIGNATURE_INVALID when it differs or is missing."""
    if not given or not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
        raise WebhookSignatureInvalid("The webhook signature does not match the body.")


async def once_per_delivery(
    ctx: FlowContext,
    provider: str,
    delivery_id: str | None,
    process: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Run process for the first arrival of a delivery; later arrivals are acknowledged only.

    A delivery whose processing fails is forgotten, so the provider's retry is processed.
    """
    if delivery_id is None:
        return await process()
    if not await ctx.store.deliveries.begin(provider, delivery_id):
        return {"status": "duplicate"}
    try:
        answer = await process()
    except BaseException:
        await ctx.store.deliveries.forget(provider, delivery_id)
        raise
    await ctx.store.deliveries.finish(provider, delivery_id)
    return answer
