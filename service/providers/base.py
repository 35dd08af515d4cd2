"""The provider interface: start an external leg, complete it, authorize on request.

Providers do their I/O here and return plain results; flows decide the transition.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from service.domain.models import Owner, RedirectInfo, Session
from service.domain.providers import ProviderName
from service.errors import ConnectVehicleNotAuthorized, ProblemError


@dataclass(frozen=True)
class LegStart:
    """How the app's web view starts an external leg."""

    authorize_url: str
    external_redirect_url: str | None = None
    """The prefix the web view waits for; None: the session's hosted redirect."""
    redirect_info: RedirectInfo | None = None
    secret: dict[str, str] = field(default_factory=dict)
    """Kept encrypted with the session (a PKCE verifier, say); never leaves the server."""
    provider_user_id: str | None = None
    """The provider's id of this user, when its webhooks name only that (Enode)."""


@dataclass(frozen=True)
class LegResult:
    """What came back from the provider: a callback's query or an app's relay."""

    code: str | None = None
    error: str | None = None
    error_description: str | None = None
    issuer: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    def fingerprint_source(self) -> str:
        """The part that identifies this result: its code, or its error."""
        return f"code:{self.code}" if self.code else f"error:{self.error}"


@dataclass(frozen=True)
class Credentials:
    """Provider tokens, normalised with an absolute expiry."""

    access_token: str
    refresh_token: str | None
    expires_at: float
    issued_at: float = 0.0
    token_type: str = "Bearer"  # noqa: S105
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_token_response(
        cls,
        payload: dict[str, Any],
        *,
        previous_refresh_token: str | None = None,
        extra: dict[str, str] | None = None,
        now: float | None = None,
    ) -> Credentials:
        """Normalise an OAuth token response (keeping the old refresh token if none came)."""
        issued = time.time() if now is None else now
        refresh = payload.get("refresh_token") or previous_refresh_token
        return cls(
            access_token=str(payload["access_token"]),
            refresh_token=str(refresh) if refresh else None,
            expires_at=issued + float(payload.get("expires_in", 3600)),
            issued_at=issued,
            token_type=str(payload.get("token_type", "Bearer")),
            extra=dict(extra or {}),
        )

    def refresh_due(self, now: float | None = None) -> bool:
        """True from 75 % of the token's lifetime on."""
        current = time.time() if now is None else now
        return current >= self.issued_at + 0.75 * (self.expires_at - self.issued_at)

    def to_json(self) -> dict[str, Any]:
        """A dict for encryption at rest."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Credentials:
        """Back from to_json."""
        return cls(**data)


@dataclass(frozen=True)
class ProviderVehicle:
    """A vehicle found on the provider account."""

    provider_vehicle_id: str
    vin: str | None
    name: str | None = None
    brand: str | None = None
    model: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class Denied:
    """The provider or the user refused: the session fails with this code."""

    code: str
    message: str

    @classmethod
    def of(cls, error: type[ProblemError], message: str | None = None) -> Denied:
        """A refusal with the code of a catalogue error (its title unless message is given)."""
        return cls(error.code, message or error.title)


@dataclass(frozen=True)
class Linked:
    """Credentials obtained and the vehicles they reach."""

    credentials: Credentials
    vehicles: list[ProviderVehicle]


Outcome = Denied | Linked


class Provider(ABC):
    """One connectivity provider."""

    name: ClassVar[ProviderName]
    display_name: ClassVar[str]
    capabilities: ClassVar[tuple[str, ...]] = ("chargeState", "stateOfCharge")
    completes_on_callback: ClassVar[bool] = True
    """False when the callback only says the user is done and the vehicle comes later."""
    allows_vehicle_choice: ClassVar[bool] = True
    """False when several vehicles on one account fail the session (Enode)."""

    @abstractmethod
    async def start(self, session: Session, state: str) -> LegStart:
        """Begin the external leg: authorize URL and what the web view must relay."""

    @abstractmethod
    async def exchange(
        self, session: Session, result: LegResult, secret: dict[str, str]
    ) -> Credentials | Denied:
        """Turn the provider's answer into credentials (posting its code once), or a refusal."""

    @abstractmethod
    async def list_vehicles(
        self, session: Session, credentials: Credentials
    ) -> list[ProviderVehicle]:
        """The vehicles the credentials reach."""

    @abstractmethod
    async def refresh(self, credentials: Credentials) -> Credentials:
        """New credentials from the refresh token."""

    def announced(self, owner: Owner, cars: list[ProviderVehicle]) -> Linked:
        """What vehicles the provider announced by itself (a webhook) link the user with."""
        raise ConnectVehicleNotAuthorized(f"{self.display_name} does not announce vehicles")

    async def authorize(
        self, session: Session, code: str | None, secret: dict[str, str]
    ) -> Credentials | Denied:
        """Chargetrip's authorize: check with the provider; by default needs the code."""
        if not code:
            raise ConnectVehicleNotAuthorized(
                "The vehicle does not seem to be authorized yet. Complete the authorization flow."
            )
        return await self.exchange(session, LegResult(code=code), secret)
