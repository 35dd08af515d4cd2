"""Every repository of one store, opened together on one client: what flows are given."""

from __future__ import annotations

from dataclasses import dataclass

from service.config import Settings
from service.store.connection import STORE_FAILURES, RedisClient, open_redis, prepare_redis
from service.store.deliveries import DeliveryLedger
from service.store.provider_users import ProviderUserDirectory
from service.store.rate_limits import RateLimiter
from service.store.sandbox_codes import SandboxCodes
from service.store.sessions import SessionRepository
from service.store.vehicles import VehicleRepository


@dataclass(frozen=True)
class Store:
    """The repositories of one Redis (or the embedded store)."""

    redis: RedisClient
    """The client itself: for the store's own lifecycle and for tests, not for flows."""
    sessions: SessionRepository
    vehicles: VehicleRepository
    deliveries: DeliveryLedger
    provider_users: ProviderUserDirectory
    rate_limits: RateLimiter
    sandbox_codes: SandboxCodes

    @classmethod
    def open(cls, settings: Settings) -> Store:
        """Every repository on a client of the configured store."""
        redis = open_redis(settings)
        return cls(
            redis=redis,
            sessions=SessionRepository(redis, settings.session_retention_seconds),
            vehicles=VehicleRepository(redis),
            deliveries=DeliveryLedger(redis),
            provider_users=ProviderUserDirectory(redis),
            rate_limits=RateLimiter(redis),
            sandbox_codes=SandboxCodes(redis),
        )

    async def start(self) -> None:
        """Get ready for traffic (a cluster learns its slots)."""
        await prepare_redis(self.redis)

    async def close(self) -> None:
        """Close the client and its connections."""
        await self.redis.aclose()

    async def reachable(self) -> bool:
        """True when the store answers a PING."""
        try:
            return bool(await self.redis.ping())
        except STORE_FAILURES:
            return False
