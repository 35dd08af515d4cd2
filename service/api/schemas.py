"""Request and response bodies of the REST API (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from service.domain.providers import ProviderName
from service.domain.states import SessionStatus

Vin = Annotated[str, StringConstraints(pattern=r"^[A-HJ-NPR-Z0-9]{17}$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
Scope = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9:_.\-]{1,64}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")]
ProfileId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9\-]{0,63}$")]


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class CreateSessionRequest(_Body):
    """Create a connect session. `{}` is valid: the user picks a brand on the start page.
    An unknown field is refused (422 naming it): a typo must not make a different session."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    provider: ProviderName | None = None
    vehicle_profile_id: ProfileId | None = None
    vin: Vin | None = None
    label: Label | None = None
    scopes: Annotated[list[Scope], Field(max_length=20)] = Field(default_factory=list)
    redirect_uri: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    language: Language | None = None


class ReconnectRequest(_Body):
    """Re-connect options (an unknown field is 422, as on create)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    redirect_uri: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    language: Language | None = None


class RelayRequest(_Body):
    """What the app's web view captured at redirectUrl."""

    redirect_url: Annotated[str, StringConstraints(max_length=8192)] | None = None
    cookies: (
        Annotated[
            dict[str, Annotated[str, StringConstraints(max_length=8192)]], Field(max_length=20)
        ]
        | None
    ) = None
    body: str | None = None


class AuthorizeOptions(_Body):
    """Provider-specific options of authorize."""

    code: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None


class AuthorizeRequest(_Body):
    """Chargetrip's authorizeConnectedVehicle input."""

    options: AuthorizeOptions = Field(default_factory=AuthorizeOptions)


class VehiclePatch(_Body):
    """Change a vehicle's label."""

    label: Label


class RedirectInfoOut(_Out):
    """What to relay to /info."""

    include_redirect_url: bool
    include_body: bool
    include_cookies: list[str]


class ErrorOut(_Out):
    """Why a session failed."""

    code: str
    message: str


class HistoryOut(BaseModel):
    """One transition."""

    model_config = ConfigDict(populate_by_name=True)

    from_: Annotated[SessionStatus, Field(alias="from")]
    to: SessionStatus
    trigger: str
    at: datetime


class ConnectSessionOut(_Out):
    """A connect session (a superset of Jedlix's)."""

    id: str
    status: SessionStatus
    is_finished: bool
    vehicle_id: str | None
    provider: ProviderName | None
    start_url: str | None
    redirect_url: str | None
    redirect_info: RedirectInfoOut | None
    authorization_url: str | None
    error: ErrorOut | None
    vehicle_profile_id: str | None
    vin: str | None
    label: str | None
    scopes: list[str]
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    history: list[HistoryOut]


class VehicleDetailsOut(_Out):
    """Brand, model and version."""

    brand: str | None
    model: str | None
    version: str | None


class VehicleOut(_Out):
    """A user's connected vehicle."""

    id: str
    created_at: datetime
    provider: ProviderName
    vin: str | None
    label: str | None
    vehicle_profile_id: str | None
    details: VehicleDetailsOut
    capabilities: list[str]
    is_connected: bool
    is_connectable: bool
    status: str


class VehicleProfileOut(_Out):
    """A catalogue entry."""

    id: str
    brand: str
    model: str
    version: str
    connect_providers: list[ProviderName]


class ProblemOut(BaseModel):
    """RFC 7807 problem document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[dict[str, str]] | None = None


class ReadinessOut(BaseModel):
    """Whether this replica can serve: its store answers."""

    status: Literal["ok", "unavailable"]
    store: Literal["ok", "unreachable"]
