"""The user's vehicles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from service.api.deps import ContextDep, OwnerDep
from service.api.present import vehicle_out
from service.api.responses import USER_ROUTE_ERRORS, problems
from service.api.schemas import VehicleOut, VehiclePatch
from service.errors import (
    ConnectedVehicleNotFound,
    PayloadTooLarge,
)
from service.flows.vehicles import disconnect_vehicle, get_vehicle, relabel_vehicle

router = APIRouter(prefix="/api/v1/users/{userId}/vehicles", tags=["vehicles"])

VehicleId = Annotated[str, Path(alias="vehicleId", min_length=1, max_length=64)]


@router.get(
    "",
    operation_id="listVehicles",
    summary="List the user's vehicles",
    responses=problems(*USER_ROUTE_ERRORS),
)
async def list_vehicles(ctx: ContextDep, owner: OwnerDep) -> list[VehicleOut]:
    """All the user's vehicles, removed ones included."""
    return [vehicle_out(vehicle) for vehicle in await ctx.vehicles.list(owner)]


@router.get(
    "/{vehicleId}",
    operation_id="getVehicle",
    summary="Read one vehicle",
    responses=problems(*USER_ROUTE_ERRORS, ConnectedVehicleNotFound),
)
async def read_vehicle(ctx: ContextDep, owner: OwnerDep, vehicle_id: VehicleId) -> VehicleOut:
    """One vehicle."""
    return vehicle_out(await get_vehicle(ctx, owner, vehicle_id))


@router.patch(
    "/{vehicleId}",
    operation_id="updateVehicle",
    summary="Change a vehicle's label",
    responses=problems(*USER_ROUTE_ERRORS, PayloadTooLarge, ConnectedVehicleNotFound),
)
async def update_vehicle(
    ctx: ContextDep, owner: OwnerDep, vehicle_id: VehicleId, body: VehiclePatch
) -> VehicleOut:
    """Relabel the vehicle."""
    return vehicle_out(await relabel_vehicle(ctx, owner, vehicle_id, body.label))


@router.delete(
    "/{vehicleId}",
    operation_id="disconnectVehicle",
    summary="Disconnect a vehicle",
    responses=problems(*USER_ROUTE_ERRORS, ConnectedVehicleNotFound),
)
async def delete_vehicle(ctx: ContextDep, owner: OwnerDep, vehicle_id: VehicleId) -> VehicleOut:
    """Erase its credentials; it stays listed with status removed."""
    return vehicle_out(await disconnect_vehicle(ctx, owner, vehicle_id))
