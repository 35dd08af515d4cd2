"""Signed provider events (`POST /webhooks/{provider}`): dispatched by provider, counted."""

from __future__ import annotations

from typing import Any

from service.domain.providers import ProviderName
from service.errors import NotFound, ProblemError
from service.flows.completion import Completion
from service.flows.context import FlowContext
from service.flows.enode_events import handle_enode_webhook
from service.flows.smartcar_events import handle_smartcar_webhook


class ProviderWebhooks:
    """Receive one provider delivery: signature on the raw body first, then its events."""

    def __init__(self, ctx: FlowContext, completion: Completion) -> None:
        self._ctx = ctx
        self._completion = completion

    async def receive(
        self, provider: ProviderName, raw: bytes, headers: dict[str, str]
    ) -> dict[str, Any]:
        """Handle a delivery; `headers` are the request's, by lower-case name."""
        ctx = self._ctx
        try:
            if provider == ProviderName.ENODE:
                answer = await handle_enode_webhook(
                    ctx,
                    self._completion,
                    raw,
                    headers.get("x-enode-signature"),
                    headers.get("x-enode-delivery"),
                )
            elif provider == ProviderName.SMARTCAR:
                answer = await handle_smartcar_webhook(ctx, raw, headers.get("sc-signature"))
            else:
                raise NotFound(f"{provider.value} sends no webhooks")
        except ProblemError as exc:
            ctx.metrics.webhooks.labels(provider.value, exc.code.lower()).inc()
            raise
        outcome = "verify" if "challenge" in answer else str(answer.get("status", "processed"))
        ctx.metrics.webhooks.labels(provider.value, outcome).inc()
        return answer
