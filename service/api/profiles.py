"""The vehicle profile catalogue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from service.api.paging import PageCursor, PageLimit, page_start, paged
from service.api.present import PresenterDep
from service.api.responses import problems
from service.api.schemas import VehicleProfileOut
from service.domain.catalogue import catalogue_cursor, profiles_for
from service.domain.paging import DEFAULT_PAGE_SIZE, page_of
from service.domain.providers import ProviderName
from service.errors import AuthTokenExpired, AuthTokenInvalid, AuthTokenMissing, ValidationFailed
from service.http.dependencies import CallerDep

router = APIRouter(prefix="/api/v1", tags=["vehicle profiles"])


@router.get(
    "/vehicle-profiles",
    operation_id="listVehicleProfiles",
    summary="List vehicle profiles and their connect providers",
    response_model=list[VehicleProfileOut],
    responses=paged(
        problems(AuthTokenMissing, AuthTokenInvalid, AuthTokenExpired, ValidationFailed)
    ),
)
async def list_vehicle_profiles(
    _caller: CallerDep,
    present: PresenterDep,
    request: Request,
    provider: Annotated[ProviderName | None, Query()] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Response:
    """A page of the catalogue (in its order), filtered by provider."""
    page = page_of(profiles_for(provider), catalogue_cursor, page_start(cursor), limit)
    return present.profiles(page, request)
