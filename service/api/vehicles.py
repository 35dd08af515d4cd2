"""The user's vehicles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from service.api.calls import UserCallDep
from service.api.paging import PageCursor, PageLimit, page_start, paged
from service.api.responses import USER_ROUTE_ERRORS, problems
from service.api.schemas import VehicleOut, VehiclePatch
from service.domain.paging import DEFAULT_PAGE_SIZE
from service.errors import ConnectedVehicleNotFound, MethodNotAllowed, PayloadTooLarge

router = APIRouter(prefix="/api/v1/users/{userId}/vehicles", tags=["vehicles"])

VehicleId = Annotated[str, Path(alias="vehicleId", min_length=1, max_length=64)]


@router.get(
    "",
    operation_id="listVehicles",
    summary="List the user's vehicles",
    response_model=list[VehicleOut],
    responses=paged(problems(*USER_ROUTE_ERRORS)),
)
async def list_vehicles(
    call: UserCallDep,
    request: Request,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Response:
    """A page of the user's vehicles, removed ones included, oldest first."""
    page = await call.flows.vehicles.list(call.owner, limit, page_start(cursor))
    return call.present.vehicles(page, request)


@router.api_route(
    "/connect-sessions", methods=["GET", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def connect_sessions_other_methods(request: Request) -> None:
    """Only POST creates a session here: any other method is 405 (not a vehicle lookup)."""
    raise MethodNotAllowed(
        f"{request.method} is not allowed on {request.url.path}", headers={"Allow": "POST"}
    )


@router.get(
    "/{vehicleId}",
    operation_id="getVehicle",
    summary="Read one vehicle",
    response_model=VehicleOut,
    responses=problems(*USER_ROUTE_ERRORS, ConnectedVehicleNotFound),
)
async def read_vehicle(call: UserCallDep, vehicle_id: VehicleId) -> Response:
    """One vehicle."""
    return call.present.vehicle(await call.flows.vehicles.get(call.owner, vehicle_id))


@router.patch(
    "/{vehicleId}",
    operation_id="updateVehicle",
    summary="Change a vehicle's label",
    response_model=VehicleOut,
    responses=problems(*USER_ROUTE_ERRORS, PayloadTooLarge, ConnectedVehicleNotFound),
)
async def update_vehicle(
    call: UserCallDep,
    vehicle_id: VehicleId,
    body: VehiclePatch,
) -> Response:
    """Relabel the vehicle."""
    return call.present.vehicle(
        await call.flows.vehicles.relabel(call.owner, vehicle_id, body.label)
    )


@router.delete(
    "/{vehicleId}",
    operation_id="disconnectVehicle",
    summary="Disconnect a vehicle",
    response_model=VehicleOut,
    responses=problems(*USER_ROUTE_ERRORS, ConnectedVehicleNotFound),
)
async def delete_vehicle(call: UserCallDep, vehicle_id: VehicleId) -> Response:
    """Erase its credentials; it stays listed with status removed."""
    return call.present.vehicle(await call.flows.vehicles.disconnect(call.owner, vehicle_id))
