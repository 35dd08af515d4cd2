"""The shipped vehicle profile catalogue."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from service.domain.paging import Cursor
from service.domain.providers import ProviderName

T, E, S, X = ProviderName.TESLA, ProviderName.ENODE, ProviderName.SMARTCAR, ProviderName.SANDBOX


class VehicleProfile(BaseModel):
    """A catalogue entry: a car model and the providers that can connect it."""

    model_config = ConfigDict(frozen=True)

    id: str
    brand: str
    model: str
    version: str
    connect_providers: tuple[ProviderName, ...]
    capabilities: tuple[str, ...] = (
        "chargeState",
        "stateOfCharge",
        "startStopCharging",
        "geoLocation",
    )


CATALOGUE: tuple[VehicleProfile, ...] = (
    VehicleProfile(
        id="sandbox-demo-ev",
        brand="Sandbox",
        model="Demo EV",
        version="2026",
        connect_providers=(X,),
    ),
    VehicleProfile(
        id="tesla-model-3-long-range",
        brand="Tesla",
        model="Model 3",
        version="Long Range",
        connect_providers=(T, E, S),
    ),
    VehicleProfile(
        id="tesla-model-y-long-range",
        brand="Tesla",
        model="Model Y",
        version="Long Range",
        connect_providers=(T, E, S),
    ),
    VehicleProfile(
        id="volkswagen-id3-pro",
        brand="Volkswagen",
        model="ID.3",
        version="Pro",
        connect_providers=(E, S),
    ),
    VehicleProfile(
        id="kia-ev6-77kwh",
        brand="Kia",
        model="EV6",
        version="77.4 kWh",
        connect_providers=(E, S),
    ),
    VehicleProfile(
        id="bmw-i4-edrive40",
        brand="BMW",
        model="i4",
        version="eDrive40",
        connect_providers=(E, S),
    ),
    VehicleProfile(
        id="renault-zoe-r135",
        brand="Renault",
        model="Zoe",
        version="R135",
        connect_providers=(E,),
    ),
    VehicleProfile(
        id="ford-mustang-mach-e",
        brand="Ford",
        model="Mustang Mach-E",
        version="Extended Range",
        connect_providers=(S,),
    ),
)

_BY_ID = {profile.id: profile for profile in CATALOGUE}


def find_profile(profile_id: str) -> VehicleProfile | None:
    """The profile with this id, or None."""
    return _BY_ID.get(profile_id)


def profiles_for(provider: ProviderName | None) -> list[VehicleProfile]:
    """Profiles connectable through provider, or all of them."""
    return [p for p in CATALOGUE if provider is None or provider in p.connect_providers]


_POSITION = {profile.id: index for index, profile in enumerate(CATALOGUE)}


def catalogue_cursor(profile: VehicleProfile) -> Cursor:
    """Where a profile stands in the catalogue's own order."""
    return Cursor(_POSITION[profile.id], profile.id)
