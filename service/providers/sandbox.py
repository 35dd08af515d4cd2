"""The built-in sandbox provider: a hosted fake login that issues codes, tokens and cars.

It behaves like an OAuth provider: its login page (service.web.sandbox_login) redirects to
`/callbacks/sandbox` with a single-use code; the exchange redeems the code in the store.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from service.config import ProviderName
from service.domain.models import Session
from service.errors import ACCESS_DENIED, ACCESS_DENIED_MESSAGE, ConnectInvalidAuthCode
from service.providers.base import (
    Credentials,
    Denied,
    LegResult,
    LegStart,
    Provider,
    ProviderVehicle,
)
from service.store import keys, scripts
from service.store.connection import RedisClient
from service.store.lua import LuaScript
from service.urls import PublicUrls

SANDBOX_CLIENT_ID = "vehicle-connect"
CODE_TTL_SECONDS = 600
_VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_CARS = (("Model S", "Sandy"), ("Model X", "Dusty"))


@dataclass(frozen=True)
class SandboxGrant:
    """What a redeemed sandbox code stands for."""

    redemptions: int
    cars: int
    redirect_uri: str
    account: str


def sandbox_vin(account: str, index: int) -> str:
    """The VIN of car `index` of a sandbox account: 17 characters, stable per account."""
    digest = hashlib.sha256(f"{account}:{index}".encode()).digest()
    return "SBX" + "".join(_VIN_ALPHABET[byte % len(_VIN_ALPHABET)] for byte in digest[:14])


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


class SandboxAuthority:
    """The sandbox's authorization server: issues and redeems single-use codes."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis
        self._redeem = LuaScript(redis, scripts.REDEEM_SANDBOX_CODE)

    async def issue_code(self, account: str, cars: int, redirect_uri: str) -> str:
        """A fresh code valid for ten minutes."""
        code = "sbx_" + secrets.token_urlsafe(24)
        key = keys.sandbox_code_key(_digest(code))
        mapping = {"cars": cars, "redirect_uri": redirect_uri, "account": account, "redeemed": 0}
        await self._redis.hset(key, mapping=mapping)
        await self._redis.expire(key, CODE_TTL_SECONDS)
        return code

    async def redeem(self, code: str) -> SandboxGrant | None:
        """Count one redemption of code; None for an unknown or expired code."""
        if len(code) > 256:
            return None
        found = await self._redeem(keys=[keys.sandbox_code_key(_digest(code))], args=[])
        if not found:
            return None
        return SandboxGrant(int(found[0]), int(found[1]), str(found[2]), str(found[3]))

    async def redemptions(self, code: str) -> int:
        """How often code was presented for exchange (what a provider would log)."""
        count = await self._redis.hget(keys.sandbox_code_key(_digest(code)), "redeemed")
        return int(count or 0)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class SandboxProvider(Provider):
    """Connects simulated cars through the hosted sandbox login page."""

    name = ProviderName.SANDBOX
    display_name = "Sandbox"
    capabilities = ("chargeState", "stateOfCharge", "startStopCharging", "geoLocation")

    def __init__(self, urls: PublicUrls, authority: SandboxAuthority) -> None:
        self._urls = urls
        self._authority = authority

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
                return Denied(ACCESS_DENIED, ACCESS_DENIED_MESSAGE)
            return Denied("PROVIDER_ERROR", f"Sandbox error: {result.error}")
        grant = await self._authority.redeem(result.code or "")
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
