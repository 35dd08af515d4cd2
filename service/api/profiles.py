"""The vehicle profile catalogue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.api.present import PresenterDep
from service.api.responses import problems
from service.api.schemas import VehicleProfileOut
from service.domain.catalogue import profiles_for
from service.domain.providers import ProviderName
from service.errors import AuthTokenExpired, AuthTokenInvalid, AuthTokenMissing, ValidationFailed
from service.http.dependencies import CallerDep

router = APIRouter(prefix="/api/v1", tags=["vehicle profiles"])


@router.get(
    "/vehicle-profiles",
    operation_id="listVehicleProfiles",
    summary="List vehicle profiles and their connect providers",
    response_model=list[VehicleProfileOut],
    responses=problems(AuthTokenMissing, AuthTokenInvalid, AuthTokenExpired, ValidationFailed),
)
async def list_vehicle_profiles(
    _caller: CallerDep,
    present: PresenterDep,
    provider: Annotated[ProviderName | None, Query()] = None,
) -> Response:
    """The catalogue, filtered by provider."""
    return present.profiles(profiles_for(provider))
