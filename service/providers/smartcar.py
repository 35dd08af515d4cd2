"""Smartcar Connect: OAuth code flow to `/callbacks/smartcar`, vehicles with make, model, VIN."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from service.config import Settings
from service.domain.catalogue import find_profile
from service.domain.models import Session
from service.domain.providers import ProviderName
from service.domain.urls import PublicUrls
from service.errors import (
    ConnectAccessDenied,
    ConnectInvalidAuthCode,
    ConnectProviderNotSupportedForVehicle,
    ProviderError,
)
from service.providers.base import (
    Credentials,
    Denied,
    LegResult,
    LegStart,
    Provider,
    ProviderVehicle,
)
from service.providers.http import ProviderHttp, json_body

DEFAULT_SCOPES = ("read_vehicle_info", "read_vin", "read_battery", "read_charge")
_SCOPE_PATTERN_PREFIXES = ("read_", "control_", "required:read_", "required:control_")
"""Smartcar's permissions, optional or (`required:`) mandatory; sent as the session gave them."""


def smartcar_denial(error: str, description: str | None) -> Denied:
    """Smartcar's callback error as the session's error."""
    if error == "access_denied":
        return Denied.of(ConnectAccessDenied)
    if error == "vehicle_incompatible":
        return Denied.of(
            ConnectProviderNotSupportedForVehicle,
            description or "Smartcar cannot connect this vehicle",
        )
    return Denied(ProviderError.code, f"Smartcar {error}: {description or 'no description'}")


class SmartcarProvider(Provider):
    """Smartcar Connect in the configured mode (live, test or simulated)."""

    name = ProviderName.SMARTCAR
    display_name = "Smartcar"
    capabilities = ("chargeState", "stateOfCharge", "startStopCharging", "geoLocation")

    def __init__(self, settings: Settings, http: ProviderHttp, urls: PublicUrls) -> None:
        assert settings.smartcar_client_id and settings.smartcar_client_secret
        self._settings = settings
        self._auth = (settings.smartcar_client_id, settings.smartcar_client_secret)
        self._http = http
        self._redirect_uri = urls.callback(self.name)

    async def start(self, session: Session, state: str) -> LegStart:
        """The Connect URL; make and VIN narrow it when the session knows them."""
        scopes = [s for s in session.scopes if s.startswith(_SCOPE_PATTERN_PREFIXES)]
        query = {
            "response_type": "code",
            "client_id": self._auth[0],
            "redirect_uri": self._redirect_uri,
            "scope": " ".join(scopes or DEFAULT_SCOPES),
            "state": state,
            "mode": self._settings.smartcar_mode,
        }
        profile = find_profile(session.vehicle_profile_id) if session.vehicle_profile_id else None
        if profile is not None:
            query["make"] = profile.brand.upper()
        if session.vin:
            query["single_select"] = "true"
            query["single_select_vin"] = session.vin
        url = f"{self._settings.smartcar_connect_url}/oauth/authorize?{urlencode(query)}"
        return LegStart(authorize_url=url, secret={"redirect_uri": self._redirect_uri})

    async def exchange(
        self, session: Session, result: LegResult, secret: dict[str, str]
    ) -> Credentials | Denied:
        """Map Smartcar's error, or exchange the code once (Basic auth, form body)."""
        if result.error:
            return smartcar_denial(result.error, result.error_description)
        return await self._token(
            {
                "grant_type": "authorization_code",
                "code": result.code or "",
                "redirect_uri": secret.get("redirect_uri", self._redirect_uri),
            },
            None,
        )

    async def list_vehicles(
        self, session: Session, credentials: Credentials
    ) -> list[ProviderVehicle]:
        """Vehicle ids, then make, model, year and VIN of each."""
        headers = {"Authorization": f"Bearer {credentials.access_token}"}
        listing = await self._get("/v2.0/vehicles", headers)
        ids = [str(v) for v in listing.get("vehicles", []) if isinstance(v, str)]
        details = await asyncio.gather(*(self._vehicle(vid, headers) for vid in ids))
        return list(details)

    async def refresh(self, credentials: Credentials) -> Credentials:
        """A new token pair; the old refresh token dies soon after use, so store this first."""
        return await self._token(
            {"grant_type": "refresh_token", "refresh_token": credentials.refresh_token or ""},
            credentials,
        )

    async def _vehicle(self, vehicle_id: str, headers: dict[str, str]) -> ProviderVehicle:
        info, vin = await asyncio.gather(
            self._get(f"/v2.0/vehicles/{vehicle_id}", headers),
            self._get(f"/v2.0/vehicles/{vehicle_id}/vin", headers),
        )
        year = info.get("year")
        return ProviderVehicle(
            provider_vehicle_id=vehicle_id,
            vin=str(vin["vin"]) if vin.get("vin") else None,
            name=None,
            brand=info.get("make"),
            model=info.get("model"),
            version=str(year) if year else None,
        )

    async def _get(self, path: str, headers: dict[str, str]) -> dict[str, Any]:
        url = f"{self._settings.smartcar_api_url}{path}"
        response = await self._http.request("Smartcar", "GET", url, headers=headers)
        if response.status_code != 200:
            raise ProviderError(f"Smartcar {path} answered {response.status_code}")
        return json_body(response)

    async def _token(self, form: dict[str, str], previous: Credentials | None) -> Credentials:
        response = await self._http.request(
            "Smartcar",
            "POST",
            f"{self._settings.smartcar_auth_url}/oauth/token",
            auth=self._auth,
            data=form,
        )
        body = json_body(response)
        if response.status_code == 400 and body.get("error") == "invalid_grant":
            raise ConnectInvalidAuthCode(
                f"Smartcar refused the code: {body.get('error_description') or 'invalid_grant'}"
            )
        if response.status_code != 200 or "access_token" not in body:
            raise ProviderError(f"Smartcar token endpoint answered {response.status_code}")
        return Credentials.from_token_response(
            body,
            previous_refresh_token=previous.refresh_token if previous else None,
            extra=previous.extra if previous else {},
        )
