"""The built-in sandbox provider: a hosted fake login that issues codes, tokens and cars.

It behaves like an OAuth provider: its sign-in page (service.web.sandbox_login) redirects to
`/callbacks/sandbox` with a single-use code; the exchange redeems the code at the sandbox's
authorization server (service.store.sandbox_codes, reached through SandboxCodeRedeemer).
"""

from __future__ import annotations

import secrets
from typing import Protocol
from urllib.parse import urlencode

from service.domain.models import Session
from service.domain.providers import ProviderName
from service.domain.sandbox import SandboxGrant, sandbox_vin
from service.domain.urls import PublicUrls
from service.errors import ConnectAccessDenied, ConnectInvalidAuthCode, ProviderError
from service.providers.base import (
    Credentials,
    Denied,
    LegResult,
    LegStart,
    Provider,
    ProviderVehicle,
)

SANDBOX_CLIENT_ID = "vehicle-connect"
_CARS = (("Model S", "Sandy"), ("Model X", "Dusty"))


class SandboxCodeRedeemer(Protocol):
    """What the sandbox's exchange needs of its authorization server: redeem a code."""

    async def redeem(self, code: str) -> SandboxGrant | None:
        """Count one redemption of code; None for an unknown or expired code."""


def sandbox_vehicles(account: str, cars: int) -> list[ProviderVehicle]:
    """The simulated cars of a sandbox account."""
    return [
        ProviderVehicle(
            provider_vehicle_id=f"sbx-{sandbox_vin(account, index)}",
            vin=sandbox_vin(account, index),
            name=_CARS[index][1],
            brand="Sandbox",
            model=_CARS[index][0],
            version="2026",
        )
        for index in range(cars)
    ]


class SandboxProvider(Provider):
    """Connects simulated cars through the hosted sandbox login page."""

    name = ProviderName.SANDBOX
    display_name = "Sandbox"
    capabilities = ("chargeState", "stateOfCharge", "startStopCharging", "geoLocation")

    def __init__(self, urls: PublicUrls, codes: SandboxCodeRedeemer) -> None:
        self._urls = urls
        self._codes = codes

    async def start(self, session: Session, state: str) -> LegStart:
        """The sandbox login page URL, OAuth style."""
        query = {
            "response_type": "code",
            "client_id": SANDBOX_CLIENT_ID,
            "redirect_uri": self._urls.callback(self.name),
            "state": state,
        }
        return LegStart(authorize_url=f"{self._urls.sandbox_authorize}?{urlencode(query)}")

    async def exchange(
        self, session: Session, result: LegResult, secret: dict[str, str]
    ) -> Credentials | Denied:
        """Redeem the code once; the tokens name the sandbox account and its cars."""
        if result.error:
            if result.error == "access_denied":
                return Denied.of(ConnectAccessDenied)
            return Denied(ProviderError.code, f"Sandbox error: {result.error}")
        grant = await self._codes.redeem(result.code or "")
        if grant is None or grant.redemptions > 1:
            raise ConnectInvalidAuthCode("The sandbox code is unknown, expired or already used")
        if grant.redirect_uri != self._urls.callback(self.name):
            raise ConnectInvalidAuthCode("The sandbox code was issued for another redirect URI")
        return _sandbox_tokens(None, {"account": grant.account, "cars": str(grant.cars)})

    async def list_vehicles(
        self, session: Session, credentials: Credentials
    ) -> list[ProviderVehicle]:
        """The simulated cars of the account the tokens were issued for."""
        extra = credentials.extra
        return sandbox_vehicles(extra["account"], int(extra["cars"]))

    async def refresh(self, credentials: Credentials) -> Credentials:
        """A new access token; the sandbox keeps the refresh token."""
        return _sandbox_tokens(credentials.refresh_token, credentials.extra)


def _sandbox_tokens(refresh_token: str | None, extra: dict[str, str]) -> Credentials:
    payload = {
        "access_token": "sandbox-access-" + secrets.token_urlsafe(24),
        "refresh_token": refresh_token or "sandbox-refresh-" + secrets.token_urlsafe(24),
        "expires_in": 3600,
    }
    return Credentials.from_token_response(payload, extra=extra)
