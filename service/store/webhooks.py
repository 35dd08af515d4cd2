"""Webhook bookkeeping: deliveries processed once, provider user ids mapped to owners."""

from __future__ import annotations

import json

from service.domain.models import Owner
from service.store import keys
from service.store.connection import RedisClient

_PROCESSING_SECONDS = 60
_DONE_SECONDS = 3 * 86400


class WebhookRepository:
    """Deduplication of deliveries and provider-user lookups."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def begin_delivery(self, provider: str, delivery_id: str) -> bool:
        """True for the first sight of a delivery (now marked as being processed)."""
        key = keys.webhook_delivery_key(provider, delivery_id)
        return bool(await self._redis.set(key, "processing", nx=True, ex=_PROCESSING_SECONDS))

    async def finish_delivery(self, provider: str, delivery_id: str) -> None:
        """Remember a processed delivery for days (providers retry for about a day)."""
        await self._redis.set(
            keys.webhook_delivery_key(provider, delivery_id), "done", ex=_DONE_SECONDS
        )

    async def forget_delivery(self, provider: str, delivery_id: str) -> None:
        """Let a delivery whose processing failed be processed again when retried."""
        await self._redis.delete(keys.webhook_delivery_key(provider, delivery_id))

    async def remember_user(self, provider: str, provider_user_id: str, owner: Owner) -> None:
        """Map the provider's user id to the owner."""
        value = json.dumps({"c": owner.client_id, "u": owner.user_id})
        await self._redis.set(keys.provider_user_key(provider, provider_user_id), value)

    async def owner_of(self, provider: str, provider_user_id: str) -> Owner | None:
        """The owner a provider user id stands for, if known."""
        raw = await self._redis.get(keys.provider_user_key(provider, provider_user_id))
        if not raw:
            return None
        data = json.loads(raw)
        return Owner(str(data["c"]), str(data["u"]))
