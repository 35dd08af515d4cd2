"""Provider webhook deliveries already seen: each is processed once."""

from __future__ import annotations

from service.store import keys
from service.store.connection import RedisClient

_PROCESSING_SECONDS = 60
_DONE_SECONDS = 3 * 86400


class DeliveryLedger:
    """Marks of provider deliveries being processed or done (deduplication)."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def begin(self, provider: str, delivery_id: str) -> bool:
        """True for the first sight of a delivery (now marked as being processed)."""
        key = keys.webhook_delivery_key(provider, delivery_id)
        return bool(await self._redis.set(key, "processing", nx=True, ex=_PROCESSING_SECONDS))

    async def finish(self, provider: str, delivery_id: str) -> None:
        """Remember a processed delivery for days (providers retry for about a day)."""
        await self._redis.set(
            keys.webhook_delivery_key(provider, delivery_id), "done", ex=_DONE_SECONDS
        )

    async def forget(self, provider: str, delivery_id: str) -> None:
        """Let a delivery whose processing failed be processed again when retried."""
        await self._redis.delete(keys.webhook_delivery_key(provider, delivery_id))
