"""Fixed-window request counters in Redis, shared by every replica."""

from __future__ import annotations

import time

from service.store import keys, scripts
from service.store.connection import RedisClient
from service.store.lua import LuaScript

WINDOW_SECONDS = 60


class RateLimiter:
    """Counts requests per subject per minute."""

    def __init__(self, redis: RedisClient) -> None:
        self._count = LuaScript(redis, scripts.COUNT_IN_WINDOW)

    async def hit(self, scope: str, subject: str, limit: int) -> int | None:
        """Count one request; the seconds to wait when over the limit, else None (0: no limit)."""
        if limit <= 0:
            return None
        window = int(time.time()) // WINDOW_SECONDS
        key = keys.rate_key(scope, subject, window)
        count, ttl = await self._count(keys=[key], args=[WINDOW_SECONDS])
        if int(count) > limit:
            return max(int(ttl), 1)
        return None
