"""The vehicle profile catalogue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import CallerDep
from service.api.present import profile_out
from service.api.responses import problems
from service.api.schemas import VehicleProfileOut
from service.config import ProviderName
from service.domain.catalogue import profiles_for
from service.errors import AuthTokenExpired, AuthTokenInvalid, AuthTokenMissing, ValidationFailed

router = APIRouter(prefix="/api/v1", tags=["vehicle profiles"])


@router.get(
    "/vehicle-profiles",
    operation_id="listVehicleProfiles",
    summary="List vehicle profiles and their connect providers",
    responses=problems(AuthTokenMissing, AuthTokenInvalid, AuthTokenExpired, ValidationFailed),
)
async def list_vehicle_profiles(
    _caller: CallerDep,
    provider: Annotated[ProviderName | None, Query()] = None,
) -> list[VehicleProfileOut]:
    """The catalogue, filtered by provider."""
    return [profile_out(profile) for profile in profiles_for(provider)]
