"""Session and vehicle records as stored, and the pure operations on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from service.domain.providers import ProviderName
from service.domain.states import SessionStatus, Trigger, is_finished, next_status

HISTORY_LIMIT = 12


def utcnow() -> datetime:
    """The current time, UTC, to the millisecond."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Owner:
    """Whose data it is: a user of one API client (tenants never share data)."""

    client_id: str
    user_id: str

    @property
    def key(self) -> str:
        """The string the owner's Redis hash tag is derived from."""
        return f"{self.client_id}\x00{self.user_id}"


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class HistoryEntry(_Record):
    """One transition of a session."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    from_: Annotated[SessionStatus, Field(alias="from")]
    to: SessionStatus
    trigger: Trigger
    at: datetime


class SessionError(_Record):
    """Why a session failed, or what went wrong on its current step."""

    code: str
    message: str


class RedirectInfo(_Record):
    """What the app's web view must relay to /info when it reaches redirectUrl."""

    include_redirect_url: bool = True
    include_body: bool = False
    include_cookies: list[str] = Field(default_factory=list)


class Candidate(_Record):
    """A vehicle found on the provider account, offered on the choice page."""

    provider_vehicle_id: str
    vin: str | None = None
    name: str | None = None
    brand: str | None = None
    model: str | None = None
    version: str | None = None


class ConsumedState(_Record):
    """The OAuth state that was used, and a fingerprint of what came with it."""

    nonce: str
    fingerprint: str


class Session(_Record):
    """A connect session as kept in the store."""

    id: str
    user_id: str
    client_id: str
    status: SessionStatus = SessionStatus.PENDING
    provider: ProviderName | None = None
    vehicle_profile_id: str | None = None
    vin: str | None = None
    label: str | None = None
    scopes: list[str] = Field(default_factory=list)
    redirect_uri: str | None = None
    language: str | None = None
    reconnect_vehicle_id: str | None = None
    provider_locked: bool = False
    vehicle_id: str | None = None
    error: SessionError | None = None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    history: list[HistoryEntry] = Field(default_factory=list)
    seal_kid: str = ""
    """The key id the session's page token and states are minted with (stable links); empty
    in a record older than minted links, whose links can then no longer be made (400)."""
    page_token_hash: str = ""
    """Keyed hash of the page token (the token itself is minted again for each link)."""
    browser_hash: str | None = None
    """Keyed hash of the binding cookie of the browser that first opened the session's pages."""
    sealed_leg_url: str | None = None
    """The provider page the current leg starts at, encrypted, with a slot for its state."""
    state_hash: str | None = None
    """Keyed hash of the current leg's state."""
    external_redirect_url: str | None = None
    redirect_info: RedirectInfo | None = None
    state_nonce: str | None = None
    consumed: ConsumedState | None = None
    exchanged: str | None = None
    code_sent: str | None = None
    """Fingerprint of the arrival whose code is being posted (set before it is sent; cleared
    when the outcome is known). Found set by a later request: a crash cut that post off."""
    external_done: bool = False
    leg_secret: str | None = None
    candidates: list[Candidate] = Field(default_factory=list)
    announced: Candidate | None = None
    """A vehicle the provider announced before the bound browser came back (Enode): kept,
    and applied when the callback arrives."""
    pending_credentials: str | None = None

    @property
    def owner(self) -> Owner:
        """The user (of its client) the session belongs to."""
        return Owner(self.client_id, self.user_id)

    @property
    def is_finished(self) -> bool:
        """True in a terminal state."""
        return is_finished(self.status)

    def is_past_expiry(self, now: datetime) -> bool:
        """True when the session is still open but its time is up."""
        return not self.is_finished and now >= self.expires_at

    def transit(self, trigger: Trigger, now: datetime, **changes: object) -> Session:
        """The session after trigger (per the table), with history and changes applied."""
        destination = next_status(self.status, trigger)
        entry = HistoryEntry(from_=self.status, to=destination, trigger=trigger, at=now)
        history = [*self.history, entry][-HISTORY_LIMIT:]
        update: dict[str, object] = {"status": destination, "updated_at": now, "history": history}
        if is_finished(destination):
            update.update(
                sealed_leg_url=None,
                external_redirect_url=None,
                redirect_info=None,
                state_nonce=None,
                state_hash=None,
                exchanged=None,
                code_sent=None,
                external_done=False,
                leg_secret=None,
                candidates=[],
                announced=None,
                pending_credentials=None,
            )
        update.update(changes)
        return self.evolve(**update)

    def fail(self, now: datetime, code: str, message: str, **changes: object) -> Session:
        """The session failed with this error code."""
        error = SessionError(code=code, message=message)
        return self.transit(Trigger.FAIL, now, error=error, **changes)

    def evolve(self, **changes: object) -> Session:
        """A validated copy with changes applied (no transition)."""
        return Session.model_validate({**dict(self), **changes})

    def dump(self) -> str:
        """Compact JSON for the store."""
        return self.model_dump_json(exclude_none=True, exclude_defaults=True, by_alias=True)


@dataclass(frozen=True)
class Versioned:
    """A session with the version it was read at (every write makes the next version)."""

    session: Session
    version: int


class VehicleStatus(StrEnum):
    """Whether a vehicle is connected."""

    AUTHORIZED = "authorized"
    REMOVED = "removed"


class VehicleDetails(_Record):
    """Brand, model and version of a vehicle."""

    brand: str | None = None
    model: str | None = None
    version: str | None = None


class Vehicle(_Record):
    """A user's connected vehicle as kept in the store."""

    id: str
    user_id: str
    client_id: str
    provider: ProviderName
    provider_vehicle_id: str
    vin: str | None = None
    label: str | None = None
    vehicle_profile_id: str | None = None
    details: VehicleDetails = Field(default_factory=VehicleDetails)
    capabilities: list[str] = Field(default_factory=list)
    status: VehicleStatus = VehicleStatus.AUTHORIZED
    connection_lost: bool = False
    created_at: datetime
    updated_at: datetime

    @property
    def owner(self) -> Owner:
        """The user (of its client) the vehicle belongs to."""
        return Owner(self.client_id, self.user_id)

    @property
    def is_connected(self) -> bool:
        """True while credentials are held and valid."""
        return self.status == VehicleStatus.AUTHORIZED and not self.connection_lost

    def dump(self) -> str:
        """Compact JSON for the store."""
        return self.model_dump_json(exclude_none=True)
