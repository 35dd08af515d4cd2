"""Enode: link sessions; the vehicle arrives by webhook or is found by authorize."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import httpx

from service.config import Settings
from service.domain.catalogue import find_profile
from service.domain.models import Owner, Session
from service.domain.providers import ProviderName
from service.domain.urls import PublicUrls
from service.errors import (
    ConnectAccessDenied,
    ConnectVehicleNotAuthorized,
    ProviderError,
)
from service.providers.base import (
    Credentials,
    Denied,
    LegResult,
    LegStart,
    Linked,
    Provider,
    ProviderVehicle,
)
from service.providers.http import ProviderHttp, json_body

DEFAULT_SCOPES = ("vehicle:read:data", "vehicle:read:location", "vehicle:control:charging")
_TOKEN_MARGIN_SECONDS = 60
_DENIALS = {"access_denied", "cancelled", "user_cancelled", "consent_denied"}
_NEVER_EXPIRES = 10 * 365 * 86400


def enode_user_id(owner: Owner) -> str:
    """The stable, opaque user id we give Enode for an owner."""
    return "vc-" + hashlib.sha256(owner.key.encode()).hexdigest()[:32]


def enode_vehicle(entry: dict[str, Any]) -> ProviderVehicle:
    """An Enode vehicle object as a provider vehicle."""
    info = entry.get("information") if isinstance(entry.get("information"), dict) else {}
    assert isinstance(info, dict)
    year = info.get("year")
    return ProviderVehicle(
        provider_vehicle_id=str(entry["id"]),
        vin=str(info["vin"]) if info.get("vin") else None,
        name=info.get("displayName") or None,
        brand=info.get("brand") or entry.get("vendor"),
        model=info.get("model"),
        version=str(year) if year else None,
    )


class EnodeAppToken:
    """The client-credentials token, cached until it expires, fetched once under contention."""

    def __init__(self, settings: Settings, http: ProviderHttp) -> None:
        assert settings.enode_client_id and settings.enode_client_secret
        self._url = f"{settings.enode_oauth_url}/oauth2/token"
        self._auth = (settings.enode_client_id, settings.enode_client_secret)
        self._http = http
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        """A valid API token."""
        if self._token and time.time() < self._expires_at - _TOKEN_MARGIN_SECONDS:
            return self._token
        async with self._lock:
            if self._token and time.time() < self._expires_at - _TOKEN_MARGIN_SECONDS:
                return self._token
            response = await self._http.request(
                "Enode",
                "POST",
                self._url,
                auth=self._auth,
                data={"grant_type": "client_credentials"},
            )
            body = json_body(response)
            if response.status_code != 200 or "access_token" not in body:
                raise ProviderError(f"Enode token endpoint answered {response.status_code}")
            self._token = str(body["access_token"])
            self._expires_at = time.time() + float(body.get("expires_in", 3600))
            return self._token


class EnodeProvider(Provider):
    """Enode link UI; `/callbacks/enode` ends the user's part, the vehicle comes after."""

    name = ProviderName.ENODE
    display_name = "Enode"
    capabilities = ("chargeState", "stateOfCharge", "startStopCharging", "geoLocation")
    completes_on_callback = False
    allows_vehicle_choice = False

    def __init__(
        self,
        settings: Settings,
        http: ProviderHttp,
        urls: PublicUrls,
    ) -> None:
        self._api = settings.enode_api_url
        self._http = http
        self._urls = urls
        self._token = EnodeAppToken(settings, http)

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self._token.get()}"}
        return await self._http.request(
            "Enode", method, f"{self._api}{path}", headers=headers, **kwargs
        )

    async def start(self, session: Session, state: str) -> LegStart:
        """Create a link session; its linkUrl is where the user goes (webhooks name user_id)."""
        user_id = enode_user_id(session.owner)
        body: dict[str, Any] = {
            "vendorType": "vehicle",
            "scopes": [s for s in session.scopes if s.startswith("vehicle:")]
            or list(DEFAULT_SCOPES),
            "language": (session.language or "en-US").replace("_", "-"),
            "redirectUri": f"{self._urls.callback(self.name)}?state={state}",
        }
        profile = find_profile(session.vehicle_profile_id) if session.vehicle_profile_id else None
        if profile is not None:
            body["vendor"] = profile.brand.upper()
        response = await self._call("POST", f"/users/{user_id}/link", json=body)
        link_url = json_body(response).get("linkUrl")
        if response.status_code not in (200, 201) or not isinstance(link_url, str):
            raise ProviderError(f"Enode link answered {response.status_code}")
        if not link_url.startswith(("https://", "http://")):
            raise ProviderError("Enode answered with a link that is not a URL")
        return LegStart(authorize_url=link_url, provider_user_id=user_id)

    async def exchange(
        self, session: Session, result: LegResult, secret: dict[str, str]
    ) -> Credentials | Denied:
        """The link UI came back with an error (its success needs no exchange)."""
        if result.error in _DENIALS:
            return Denied.of(ConnectAccessDenied)
        if result.error:
            return Denied(ProviderError.code, f"Enode: {result.error_description or result.error}")
        return self.user_credentials(session.owner)

    async def authorize(
        self, session: Session, code: str | None, secret: dict[str, str]
    ) -> Credentials | Denied:
        """No code: Enode is asked for the user's vehicles with our own API token."""
        return self.user_credentials(session.owner)

    def announced(self, owner: Owner, cars: list[ProviderVehicle]) -> Linked:
        """Vehicles a `user:vehicle:discovered` webhook named, linked to the Enode user."""
        return Linked(self.user_credentials(owner), cars)

    def user_credentials(self, owner: Owner) -> Credentials:
        """What we keep for an Enode vehicle: the Enode user it belongs to (no user token)."""
        now = time.time()
        return Credentials(
            access_token="",
            refresh_token=None,
            expires_at=now + _NEVER_EXPIRES,
            issued_at=now,
            extra={"enode_user_id": enode_user_id(owner)},
        )

    async def list_vehicles(
        self, session: Session, credentials: Credentials
    ) -> list[ProviderVehicle]:
        """The user's vehicles at Enode; none yet is 409 CONNECT_VEHICLE_NOT_AUTHORIZED."""
        user_id = credentials.extra.get("enode_user_id") or enode_user_id(session.owner)
        response = await self._call("GET", f"/users/{user_id}/vehicles")
        if response.status_code != 200:
            raise ProviderError(f"Enode vehicles answered {response.status_code}")
        data = json_body(response).get("data")
        entries = (
            [e for e in data if isinstance(e, dict) and "id" in e] if isinstance(data, list) else []
        )
        if not entries:
            raise ConnectVehicleNotAuthorized(
                "Enode has no vehicle for this user yet. Finish the link flow first."
            )
        return [enode_vehicle(entry) for entry in entries]

    async def refresh(self, credentials: Credentials) -> Credentials:
        """Nothing to refresh: Enode calls use our own API token."""
        return credentials
