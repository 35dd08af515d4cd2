"""The user's vehicles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from service.api.present import PresenterDep
from service.api.responses import USER_ROUTE_ERRORS, problems
from service.api.schemas import VehicleOut, VehiclePatch
from service.errors import ConnectedVehicleNotFound, PayloadTooLarge
from service.http.dependencies import OwnerDep, UseCasesDep

router = APIRouter(prefix="/api/v1/users/{userId}/vehicles", tags=["vehicles"])

VehicleId = Annotated[str, Path(alias="vehicleId", min_length=1, max_length=64)]


@router.get(
    "",
    operation_id="listVehicles",
    summary="List the user's vehicles",
    response_model=list[VehicleOut],
    responses=problems(*USER_ROUTE_ERRORS),
)
async def list_vehicles(flows: UseCasesDep, owner: OwnerDep, present: PresenterDep) -> Response:
    """All the user's vehicles, removed ones included."""
    return present.vehicles(await flows.vehicles.list(owner))


@router.get(
    "/{vehicleId}",
    operation_id="getVehicle",
    summary="Read one vehicle",
    response_model=VehicleOut,
    responses=problems(*USER_ROUTE_ERRORS, ConnectedVehicleNotFound),
)
async def read_vehicle(
    flows: UseCasesDep, owner: OwnerDep, present: PresenterDep, vehicle_id: VehicleId
) -> Response:
    """One vehicle."""
    return present.vehicle(await flows.vehicles.get(owner, vehicle_id))


@router.patch(
    "/{vehicleId}",
    operation_id="updateVehicle",
    summary="Change a vehicle's label",
    response_model=VehicleOut,
    responses=problems(*USER_ROUTE_ERRORS, PayloadTooLarge, ConnectedVehicleNotFound),
)
async def update_vehicle(
    flows: UseCasesDep,
    owner: OwnerDep,
    present: PresenterDep,
    vehicle_id: VehicleId,
    body: VehiclePatch,
) -> Response:
    """Relabel the vehicle."""
    return present.vehicle(await flows.vehicles.relabel(owner, vehicle_id, body.label))


@router.delete(
    "/{vehicleId}",
    operation_id="disconnectVehicle",
    summary="Disconnect a vehicle",
    response_model=VehicleOut,
    responses=problems(*USER_ROUTE_ERRORS, ConnectedVehicleNotFound),
)
async def delete_vehicle(
    flows: UseCasesDep, owner: OwnerDep, present: PresenterDep, vehicle_id: VehicleId
) -> Response:
    """Erase its credentials; it stays listed with status removed."""
    return present.vehicle(await flows.vehicles.disconnect(owner, vehicle_id))
