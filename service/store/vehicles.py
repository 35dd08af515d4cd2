"""Vehicle repository: the user's vehicles, their credentials and value-checked updates."""

from __future__ import annotations

from service.domain.models import Owner, Vehicle
from service.store import keys, scripts
from service.store.connection import RedisClient
from service.store.lua import LuaScript


class VehicleRepository:
    """Reads and updates one user's vehicles."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis
        self._update = LuaScript(redis, scripts.UPDATE_VEHICLE)
        self._swap = LuaScript(redis, scripts.SWAP_HASH_FIELD)

    async def get(self, owner: Owner, vehicle_id: str) -> Vehicle | None:
        """The vehicle, or None."""
        raw = await self._redis.hget(keys.vehicles_key(owner), vehicle_id)
        return Vehicle.model_validate_json(raw) if raw else None

    async def list(self, owner: Owner) -> list[Vehicle]:
        """All the user's vehicles, removed ones included, oldest first."""
        raws: dict[str, str] = await self._redis.hgetall(keys.vehicles_key(owner))
        vehicles = [Vehicle.model_validate_json(raw) for raw in raws.values()]
        return sorted(vehicles, key=lambda vehicle: (vehicle.created_at, vehicle.id))

    async def update(self, current: Vehicle, new: Vehicle, *, disconnect: bool = False) -> bool:
        """Write new if the stored record still equals current; erase credentials on disconnect."""
        owner = current.owner
        written = await self._update(
            keys=[
                keys.vehicles_key(owner),
                keys.active_vehicles_key(owner),
                keys.credentials_key(owner),
            ],
            args=[current.id, current.dump(), new.dump(), "1" if disconnect else "0"],
        )
        return int(written) == 1

    async def credentials(self, owner: Owner, vehicle_id: str) -> str | None:
        """The encrypted credentials envelope of a vehicle, or None."""
        envelope: str | None = await self._redis.hget(keys.credentials_key(owner), vehicle_id)
        return envelope

    async def replace_credentials(
        self, owner: Owner, vehicle_id: str, current: str, new: str
    ) -> bool:
        """Store new credentials if the stored envelope is still current."""
        swapped = await self._swap(
            keys=[keys.credentials_key(owner)], args=[vehicle_id, current, new]
        )
        return int(swapped) == 1

    async def lock_refresh(self, owner: Owner, vehicle_id: str, holder: str, ttl_ms: int) -> bool:
        """Take the vehicle's refresh lease if free."""
        key = keys.refresh_lock_key(owner, vehicle_id)
        return bool(await self._redis.set(key, holder, nx=True, px=ttl_ms))

    async def unlock_refresh(self, owner: Owner, vehicle_id: str, holder: str) -> None:
        """Give the refresh lease back if holder still holds it."""
        key = keys.refresh_lock_key(owner, vehicle_id)
        if await self._redis.get(key) == holder:
            await self._redis.delete(key)
