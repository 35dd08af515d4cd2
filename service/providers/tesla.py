"""Tesla: owner mode (the app relays Tesla's redirect to /info) and Fleet API mode (callback)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from service.config import Settings
from service.domain.models import RedirectInfo, Session
from service.domain.providers import ProviderName
from service.domain.urls import PublicUrls
from service.errors import ConnectAccessDenied, ProviderError
from service.providers.base import (
    Credentials,
    Denied,
    LegResult,
    LegStart,
    Provider,
    ProviderVehicle,
)
from service.providers.http import ProviderHttp, json_body
from service.providers.pkce import new_pkce_pair
from service.providers.tesla_auth import (
    FLEET_SCOPE,
    OWNER_CLIENT_ID,
    OWNER_SCOPE,
    credentials_from,
    region_by_name,
    region_for_issuer,
    tesla_regions,
    token_request,
)

SSO_COOKIE = "tesla-auth.sid"
_DENIALS = {"login_cancelled", "access_denied"}
_MODELS = {"S": "Model S", "3": "Model 3", "X": "Model X", "Y": "Model Y", "C": "Cybertruck"}
_OFFICIAL_FLEET_HOSTS = {
    "fleet-api.prd.na.vn.cloud.tesla.com",
    "fleet-api.prd.eu.vn.cloud.tesla.com",
    "fleet-api.prd.cn.vn.cloud.tesla.cn",
}


def tesla_vehicle(entry: dict[str, Any], id_field: str) -> ProviderVehicle:
    """A Tesla API vehicle entry as a provider vehicle (model read from the VIN)."""
    vin = str(entry.get("vin") or "") or None
    return ProviderVehicle(
        provider_vehicle_id=str(entry[id_field]),
        vin=vin,
        name=entry.get("display_name") or None,
        brand="Tesla",
        model=_MODELS.get(vin[3]) if vin and len(vin) == 17 else None,
    )


def authorize_request(
    settings: Settings,
    session: Session,
    state: str,
    client_id: str,
    redirect_uri: str,
    scope: str,
    **extra: str,
) -> tuple[str, dict[str, str]]:
    """Tesla's authorize URL with a fresh PKCE S256 pair, and what stays on the server."""
    pkce = new_pkce_pair()
    query = {
        "client_id": client_id,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": scope,
        "state": state,
        **extra,
    }
    if session.language:
        query["locale"] = session.language.replace("_", "-")
    url = f"{settings.tesla_auth_url}/oauth2/v3/authorize?{urlencode(query)}"
    return url, {"code_verifier": pkce.verifier, "redirect_uri": redirect_uri}


def _denied(result: LegResult) -> Denied | None:
    if result.error is None:
        return None
    if result.error in _DENIALS:
        return Denied.of(ConnectAccessDenied)
    return Denied(ProviderError.code, f"Tesla: {result.error_description or result.error}")


def _response_list(response: httpx.Response, what: str) -> list[dict[str, Any]]:
    if response.status_code != 200:
        raise ProviderError(f"Tesla {what} answered {response.status_code}")
    entries = json_body(response).get("response")
    if not isinstance(entries, list):
        raise ProviderError(f"Tesla {what} answered without a list")
    return [entry for entry in entries if isinstance(entry, dict)]


class TeslaOwnerProvider(Provider):
    """Owner mode: client `ownerapi`, PKCE, Tesla redirects to a URL the app's web view captures."""

    name = ProviderName.TESLA
    display_name = "Tesla"
    capabilities = ("chargeState", "stateOfCharge", "startStopCharging", "geoLocation")

    def __init__(self, settings: Settings, http: ProviderHttp) -> None:
        self._settings = settings
        self._http = http
        self._regions = tesla_regions(settings)

    async def start(self, session: Session, state: str) -> LegStart:
        """Authorize URL with a fresh PKCE pair; the web view relays the redirect and cookie."""
        redirect_uri = self._settings.tesla_redirect_uri
        url, secret = authorize_request(
            self._settings, session, state, OWNER_CLIENT_ID, redirect_uri, OWNER_SCOPE
        )
        return LegStart(
            authorize_url=url,
            external_redirect_url=redirect_uri,
            redirect_info=RedirectInfo(
                include_redirect_url=True, include_body=False, include_cookies=[SSO_COOKIE]
            ),
            secret=secret,
        )

    async def exchange(
        self, session: Session, result: LegResult, secret: dict[str, str]
    ) -> Credentials | Denied:
        """Check the issuer, then post the code once with the verifier (and the SSO cookie)."""
        denied = _denied(result)
        if denied is not None:
            return denied
        region = region_for_issuer(self._regions, result.issuer)
        body = await token_request(
            self._http,
            region.token_url,
            json={
                "grant_type": "authorization_code",
                "client_id": OWNER_CLIENT_ID,
                "code": result.code or "",
                "code_verifier": secret.get("code_verifier", ""),
                "redirect_uri": secret.get("redirect_uri", self._settings.tesla_redirect_uri),
            },
            cookie=result.cookies.get(SSO_COOKIE),
        )
        extra = {"mode": "owner", "region": region.name}
        if SSO_COOKIE in result.cookies:
            extra["sso_cookie"] = result.cookies[SSO_COOKIE]
        return credentials_from(body, None, extra)

    async def list_vehicles(
        self, session: Session, credentials: Credentials
    ) -> list[ProviderVehicle]:
        """The account's products that are vehicles (`/api/1/products` with a vehicle_id)."""
        region = region_by_name(self._regions, credentials.extra.get("region", "global"))
        response = await self._http.request(
            "Tesla",
            "GET",
            f"{region.owner_api_url}/api/1/products",
            headers={"Authorization": f"Bearer {credentials.access_token}"},
        )
        products = _response_list(response, "products")
        return [tesla_vehicle(p, "id") for p in products if p.get("vehicle_id") is not None]

    async def refresh(self, credentials: Credentials) -> Credentials:
        """Refresh at the region's token endpoint; keep the old refresh token if none comes."""
        region = region_by_name(self._regions, credentials.extra.get("region", "global"))
        body = await token_request(
            self._http,
            region.token_url,
            json={
                "grant_type": "refresh_token",
                "client_id": OWNER_CLIENT_ID,
                "refresh_token": credentials.refresh_token or "",
                "scope": OWNER_SCOPE,
            },
        )
        return credentials_from(body, credentials, credentials.extra)


class TeslaFleetProvider(Provider):
    """Fleet API mode: the registered app's client id, redirect to `/callbacks/tesla`."""

    name = ProviderName.TESLA
    display_name = "Tesla"
    capabilities = ("chargeState", "stateOfCharge", "startStopCharging", "geoLocation")

    def __init__(self, settings: Settings, http: ProviderHttp, urls: PublicUrls) -> None:
        assert settings.tesla_client_id and settings.tesla_client_secret
        self._settings = settings
        self._client_id = settings.tesla_client_id
        self._client_secret = settings.tesla_client_secret
        self._http = http
        self._urls = urls
        self._regions = tesla_regions(settings)

    async def start(self, session: Session, state: str) -> LegStart:
        """Authorize URL for the registered app; Tesla redirects to our callback."""
        url, secret = authorize_request(
            self._settings,
            session,
            state,
            self._client_id,
            self._urls.callback(self.name),
            FLEET_SCOPE,
            prompt_missing_scopes="true",
        )
        return LegStart(authorize_url=url, secret=secret)

    async def exchange(
        self, session: Session, result: LegResult, secret: dict[str, str]
    ) -> Credentials | Denied:
        """Post the code once to the Fleet auth server with the client secret and audience."""
        denied = _denied(result)
        if denied is not None:
            return denied
        region_for_issuer(self._regions, result.issuer)
        body = await token_request(
            self._http,
            f"{self._settings.tesla_fleet_auth_url}/oauth2/v3/token",
            form={
                "grant_type": "authorization_code",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "code": result.code or "",
                "code_verifier": secret.get("code_verifier", ""),
                "audience": self._settings.tesla_fleet_api_url,
                "redirect_uri": secret.get("redirect_uri", self._urls.callback(self.name)),
            },
        )
        return credentials_from(body, None, {"mode": "fleet"})

    async def list_vehicles(
        self, session: Session, credentials: Credentials
    ) -> list[ProviderVehicle]:
        """Find the account's region, then list its vehicles there."""
        headers = {"Authorization": f"Bearer {credentials.access_token}"}
        region = await self._http.request(
            "Tesla",
            "GET",
            f"{self._settings.tesla_fleet_api_url}/api/1/users/region",
            headers=headers,
        )
        if region.status_code != 200:
            raise ProviderError(f"Tesla region lookup answered {region.status_code}")
        base = self._trusted_fleet_base(json_body(region).get("response"))
        response = await self._http.request(
            "Tesla",
            "GET",
            f"{base}/api/1/vehicles",
            headers=headers,
        )
        return [tesla_vehicle(v, "id") for v in _response_list(response, "vehicles")]

    async def refresh(self, credentials: Credentials) -> Credentials:
        """Fleet refresh tokens are single use: the caller stores the new one before use."""
        body = await token_request(
            self._http,
            f"{self._settings.tesla_fleet_auth_url}/oauth2/v3/token",
            form={
                "grant_type": "refresh_token",
                "client_id": self._client_id,
                "refresh_token": credentials.refresh_token or "",
            },
        )
        return credentials_from(body, credentials, credentials.extra)

    def _trusted_fleet_base(self, region: Any) -> str:
        """The regional base URL, if it is Tesla's (or the configured one); 502 otherwise."""
        url = region.get("fleet_api_base_url") if isinstance(region, dict) else None
        configured = urlsplit(self._settings.tesla_fleet_api_url)
        parts = urlsplit(str(url or ""))
        same_as_configured = (parts.scheme, parts.netloc) == (
            configured.scheme,
            configured.netloc,
        )
        official = parts.scheme == "https" and parts.hostname in _OFFICIAL_FLEET_HOSTS
        if not url or not (same_as_configured or official):
            raise ProviderError("Tesla answered with an unknown region URL")
        return str(url).rstrip("/")
