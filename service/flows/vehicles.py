"""Vehicle use cases: read, relabel, disconnect."""

from __future__ import annotations

from service.context import AppContext
from service.domain.models import Owner, Vehicle, VehicleStatus, utcnow
from service.errors import ConnectedVehicleNotFound, StoreUnavailable
from service.flows.sessions import MAX_WRITE_ATTEMPTS


async def get_vehicle(ctx: AppContext, owner: Owner, vehicle_id: str) -> Vehicle:
    """The owner's vehicle; 404 otherwise."""
    vehicle = await ctx.vehicles.get(owner, vehicle_id)
    if vehicle is None or vehicle.owner != owner:
        raise ConnectedVehicleNotFound()
    return vehicle


async def relabel_vehicle(ctx: AppContext, owner: Owner, vehicle_id: str, label: str) -> Vehicle:
    """Change the vehicle's label."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        current = await get_vehicle(ctx, owner, vehicle_id)
        updated = current.model_copy(update={"label": label, "updated_at": utcnow()})
        if await ctx.vehicles.update(current, updated):
            return updated
    raise StoreUnavailable("The vehicle is changing too fast; retry")


async def disconnect_vehicle(ctx: AppContext, owner: Owner, vehicle_id: str) -> Vehicle:
    """Erase the credentials and mark the vehicle removed (idempotent)."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        current = await get_vehicle(ctx, owner, vehicle_id)
        if current.status == VehicleStatus.REMOVED:
            return current
        removed = current.model_copy(
            update={"status": VehicleStatus.REMOVED, "updated_at": utcnow()}
        )
        if await ctx.vehicles.update(current, removed, disconnect=True):
            return removed
    raise StoreUnavailable("The vehicle is changing too fast; retry")
