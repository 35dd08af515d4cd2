"""Vehicle use cases: list, read, relabel, disconnect."""

from __future__ import annotations

from service.domain.models import Owner, Vehicle, VehicleStatus, utcnow
from service.domain.paging import DEFAULT_PAGE_SIZE, Cursor, Page, page_of
from service.errors import ConnectedVehicleNotFound
from service.flows.context import FlowContext
from service.flows.records import retry_write


def vehicle_cursor(vehicle: Vehicle) -> Cursor:
    """Where a vehicle stands in the user's list (by creation, then id)."""
    return Cursor(int(vehicle.created_at.timestamp() * 1000), vehicle.id)


async def get_vehicle(ctx: FlowContext, owner: Owner, vehicle_id: str) -> Vehicle:
    """The owner's vehicle; 404 otherwise."""
    vehicle = await ctx.store.vehicles.get(owner, vehicle_id)
    if vehicle is None or vehicle.owner != owner:
        raise ConnectedVehicleNotFound()
    return vehicle


class Vehicles:
    """The user's vehicles: list, read, relabel, disconnect."""

    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx

    async def list(
        self, owner: Owner, limit: int = DEFAULT_PAGE_SIZE, after: Cursor | None = None
    ) -> Page[Vehicle]:
        """A page of the user's vehicles, removed ones included, oldest first."""
        return page_of(await self._ctx.store.vehicles.list(owner), vehicle_cursor, after, limit)

    async def get(self, owner: Owner, vehicle_id: str) -> Vehicle:
        """One vehicle; 404 otherwise."""
        return await get_vehicle(self._ctx, owner, vehicle_id)

    async def relabel(self, owner: Owner, vehicle_id: str, label: str) -> Vehicle:
        """Change the vehicle's label."""

        async def attempt() -> Vehicle | None:
            current = await get_vehicle(self._ctx, owner, vehicle_id)
            updated = current.model_copy(update={"label": label, "updated_at": utcnow()})
            return updated if await self._ctx.store.vehicles.update(current, updated) else None

        return await retry_write(attempt, "vehicle")

    async def disconnect(self, owner: Owner, vehicle_id: str) -> Vehicle:
        """Erase the credentials and mark the vehicle removed (idempotent)."""

        async def attempt() -> Vehicle | None:
            current = await get_vehicle(self._ctx, owner, vehicle_id)
            if current.status == VehicleStatus.REMOVED:
                return current
            removed = current.model_copy(
                update={"status": VehicleStatus.REMOVED, "updated_at": utcnow()}
            )
            written = await self._ctx.store.vehicles.update(current, removed, disconnect=True)
            return removed if written else None

        return await retry_write(attempt, "vehicle")
