"""Tesla's authorization server: regions, the issuer allow-list, token requests and errors."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from service.config import Settings
from service.errors import ConnectInvalidAuthCode, ConnectInvalidIssuer, ProviderError
from service.providers.base import Credentials
from service.providers.http import ProviderHttp, json_body

OWNER_CLIENT_ID = "ownerapi"
OWNER_SCOPE = "openid email offline_access"
FLEET_SCOPE = (
    "openid offline_access user_data vehicle_device_data vehicle_location vehicle_charging_cmds"
)
_ISSUER_PATH = "/oauth2/v3"
_CODE_ERRORS = {"invalid_grant", "invalid_request", "invalid_auth_code", "login_required"}


@dataclass(frozen=True)
class TeslaRegion:
    """One Tesla region: its issuer (auth host) and its owner API."""

    name: str
    issuer: str
    owner_api_url: str

    @property
    def token_url(self) -> str:
        """The token endpoint of this region."""
        return f"{self.issuer}/token"


def china_auth_url(settings: Settings) -> str | None:
    """TESLA_AUTH_CN_URL, else the .cn twin of a tesla.com TESLA_AUTH_URL, else none."""
    if settings.tesla_auth_cn_url:
        return settings.tesla_auth_cn_url.rstrip("/")
    parts = urlsplit(settings.tesla_auth_url)
    if parts.hostname and parts.hostname.endswith("tesla.com"):
        return settings.tesla_auth_url.replace("tesla.com", "tesla.cn", 1)
    return None


def tesla_regions(settings: Settings) -> list[TeslaRegion]:
    """The regions whose issuers are allowed, derived from the configured base URLs."""
    regions = [
        TeslaRegion("global", settings.tesla_auth_url + _ISSUER_PATH, settings.tesla_owner_api_url)
    ]
    china = china_auth_url(settings)
    if china is not None:
        regions.append(TeslaRegion("cn", china + _ISSUER_PATH, settings.tesla_owner_api_cn_url))
    return regions


def region_for_issuer(regions: list[TeslaRegion], issuer: str | None) -> TeslaRegion:
    """The allow-listed region of the issuer (the first region when none came); 400 otherwise."""
    if issuer is None:
        return regions[0]
    wanted = issuer.rstrip("/")
    for region in regions:
        if region.issuer == wanted:
            return region
    raise ConnectInvalidIssuer("The issuer is not a Tesla authorization server we trust.")


def region_by_name(regions: list[TeslaRegion], name: str) -> TeslaRegion:
    """The region stored with credentials (the first one if it is no longer configured)."""
    return next((region for region in regions if region.name == name), regions[0])


async def token_request(
    http: ProviderHttp,
    url: str,
    *,
    json: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    cookie: str | None = None,
) -> dict[str, Any]:
    """POST a token request; map Tesla's refusals to SPEC codes."""
    headers = {"Accept": "application/json"}
    if cookie:
        headers["Cookie"] = f"tesla-auth.sid={cookie}"
    response = await http.request("Tesla", "POST", url, json=json, data=form, headers=headers)
    body = json_body(response)
    if response.status_code in (400, 401) and str(body.get("error")) in _CODE_ERRORS:
        raise ConnectInvalidAuthCode(
            f"Tesla refused the code: {body.get('error_description') or body.get('error')}"
        )
    if response.status_code != 200 or "access_token" not in body:
        raise ProviderError(f"Tesla token endpoint answered {response.status_code}")
    return body


def credentials_from(
    body: dict[str, Any], previous: Credentials | None, extra: dict[str, str]
) -> Credentials:
    """Credentials from a token response; Tesla may omit a new refresh token (keep the old)."""
    return Credentials.from_token_response(
        body,
        previous_refresh_token=previous.refresh_token if previous else None,
        extra=extra,
        now=time.time(),
    )
