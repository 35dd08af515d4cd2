"""The sandbox provider's authorization codes: issued by its sign-in page, redeemed once."""

from __future__ import annotations

import hashlib
import secrets

from service.domain.sandbox import SandboxGrant
from service.store import keys, scripts
from service.store.connection import RedisClient
from service.store.lua import LuaScript

CODE_TTL_SECONDS = 600
MAX_CODE_LENGTH = 256


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class SandboxCodes:
    """Single-use codes of the sandbox's authorization server, kept as digests."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis
        self._redeem = LuaScript(redis, scripts.REDEEM_SANDBOX_CODE)

    async def issue(self, account: str, cars: int, redirect_uri: str) -> str:
        """A fresh code valid for ten minutes."""
        code = "sbx_" + secrets.token_urlsafe(24)
        key = keys.sandbox_code_key(_digest(code))
        mapping = {"cars": cars, "redirect_uri": redirect_uri, "account": account, "redeemed": 0}
        await self._redis.hset(key, mapping=mapping)
        await self._redis.expire(key, CODE_TTL_SECONDS)
        return code

    async def redeem(self, code: str) -> SandboxGrant | None:
        """Count one redemption of code; None for an unknown or expired code."""
        if len(code) > MAX_CODE_LENGTH:
            return None
        found = await self._redeem(keys=[keys.sandbox_code_key(_digest(code))], args=[])
        if not found:
            return None
        return SandboxGrant(int(found[0]), int(found[1]), str(found[2]), str(found[3]))

    async def redemptions(self, code: str) -> int:
        """How often code was presented for exchange (what a provider would log)."""
        count = await self._redis.hget(keys.sandbox_code_key(_digest(code)), "redeemed")
        return int(count or 0)
