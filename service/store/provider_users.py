"""Which owner a provider's user id stands for (Enode's webhooks name only their user)."""

from __future__ import annotations

import json

from service.domain.models import Owner
from service.store import keys
from service.store.connection import RedisClient


class ProviderUserDirectory:
    """Provider user ids mapped to owners."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def remember(self, provider: str, provider_user_id: str, owner: Owner) -> None:
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
