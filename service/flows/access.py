"""Who is calling, and how often: user tokens checked, requests counted per user and per IP."""

from __future__ import annotations

from service.domain.models import Owner
from service.errors import (
    AuthTokenExpired,
    AuthTokenInvalid,
    AuthTokenMissing,
    Forbidden,
    RateLimited,
)
from service.flows.context import FlowContext
from service.security.auth import TokenVerifier


class Access:
    """Authenticate callers and apply the rate limits (shared by every replica, in Redis)."""

    def __init__(self, ctx: FlowContext, verifier: TokenVerifier) -> None:
        self._ctx = ctx
        self._verifier = verifier

    async def user(self, authorization: str | None, user_id: str, address: str) -> Owner:
        """The caller, who must be the user named in the path; 401 / 403 / 429 otherwise.

        A request without a valid token counts against its client IP (address).
        """
        owner = await self._verified(authorization, address)
        if owner.user_id != user_id:
            raise Forbidden("You may only access your own sessions and vehicles.")
        await self._limit("user", owner.key, self._ctx.settings.rate_limit_user_per_minute)
        return owner

    async def caller(self, authorization: str | None, address: str) -> Owner:
        """Any authenticated caller (routes without a user in the path)."""
        owner = await self._verified(authorization, address)
        await self._limit("user", owner.key, self._ctx.settings.rate_limit_user_per_minute)
        return owner

    async def client_ip(self, address: str) -> None:
        """Count a request without a user token (pages, callbacks, webhooks) by client IP."""
        await self._limit("ip", address, self._ctx.settings.rate_limit_ip_per_minute)

    async def _verified(self, authorization: str | None, address: str) -> Owner:
        """The token's owner; a missing, invalid or expired token is counted by client IP."""
        try:
            return await self._verifier.verify(authorization)
        except (AuthTokenMissing, AuthTokenInvalid, AuthTokenExpired):
            await self.client_ip(address)
            raise

    async def _limit(self, scope: str, subject: str, limit: int) -> None:
        wait = await self._ctx.store.rate_limits.hit(scope, subject, limit)
        if wait is not None:
            raise RateLimited(
                f"Too many requests; retry in {wait} s", headers={"Retry-After": str(wait)}
            )
