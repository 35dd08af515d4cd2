"""Session use cases: create, re-connect, read (expiry applied), list, cancel."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from service.config import ClientConfig, ProviderName
from service.context import AppContext
from service.domain.catalogue import find_profile
from service.domain.models import Owner, Session, SessionError, utcnow
from service.domain.states import SessionStatus, Trigger
from service.errors import (
    ConnectedVehicleNotFound,
    ConnectProviderNotAllowed,
    ConnectProviderNotSupportedForVehicle,
    ConnectSessionExpired,
    ConnectSessionNotFound,
    ConnectVehicleLimitReached,
    ConnectVehicleNotPending,
    ProblemError,
    StoreUnavailable,
    ValidationFailed,
)
from service.flows.tokens import issue_page_token
from service.store.sessions import Versioned

MAX_WRITE_ATTEMPTS = 8


def refusal(session: Session) -> ProblemError:
    """The problem for a trigger on a session that no longer accepts it."""
    if session.status == SessionStatus.EXPIRED:
        return ConnectSessionExpired()
    return ConnectVehicleNotPending(f"The connect session is {session.status.value}.")


async def read_session(ctx: AppContext, owner: Owner, session_id: str) -> Versioned:
    """The session with expiry applied (an open session past its time becomes expired)."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        current = await ctx.sessions.get(owner, session_id)
        if current is None or current.session.owner != owner:
            raise ConnectSessionNotFound()
        now = utcnow()
        if not current.session.is_past_expiry(now):
            return current
        expired = current.session.transit(
            Trigger.EXPIRE,
            now,
            error=SessionError(code="CONNECT_SESSION_EXPIRED", message="The session expired"),
        )
        saved = await ctx.sessions.replace(current, expired)
        if saved is not None:
            return saved
    raise StoreUnavailable("The session is changing too fast; retry")


async def apply(
    ctx: AppContext, owner: Owner, session_id: str, change: Callable[[Session], Session]
) -> Versioned:
    """Read, change and compare-and-set a session, retrying on a concurrent write."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        current = await read_session(ctx, owner, session_id)
        saved = await ctx.sessions.replace(current, change(current.session))
        if saved is not None:
            return saved
    raise StoreUnavailable("The session is changing too fast; retry")


def allowed_providers(
    ctx: AppContext, client: ClientConfig, session: Session
) -> list[ProviderName]:
    """Providers the start page offers for this session."""
    if session.provider_locked and session.provider is not None:
        return [session.provider]
    profile = find_profile(session.vehicle_profile_id) if session.vehicle_profile_id else None
    return [
        name
        for name in ctx.providers.names()
        if name in client.providers and (profile is None or name in profile.connect_providers)
    ]


def check_provider(
    ctx: AppContext, client: ClientConfig, provider: ProviderName, profile_id: str | None
) -> None:
    """Refuse a provider this client may not use or that cannot connect the profile."""
    if provider not in client.providers or ctx.providers.get(provider) is None:
        raise ConnectProviderNotAllowed(
            f"The Connect provider {provider.value} is not configured for your client id"
        )
    profile = find_profile(profile_id) if profile_id else None
    if profile is not None and provider not in profile.connect_providers:
        raise ConnectProviderNotSupportedForVehicle(
            f"The provider you tried to use ({provider.value}) cannot be used for this vehicle"
        )


async def create_session(
    ctx: AppContext,
    owner: Owner,
    *,
    provider: ProviderName | None = None,
    vehicle_profile_id: str | None = None,
    vin: str | None = None,
    label: str | None = None,
    scopes: list[str] | None = None,
    redirect_uri: str | None = None,
    language: str | None = None,
    reconnect_vehicle_id: str | None = None,
) -> Versioned:
    """Store a new pending session after checking the client's rules."""
    client = ctx.client(owner.client_id)
    if vehicle_profile_id is not None and find_profile(vehicle_profile_id) is None:
        raise ValidationFailed(
            "Unknown vehicle profile",
            extra={"errors": [{"field": "vehicleProfileId", "message": "unknown profile id"}]},
        )
    if redirect_uri is not None:
        _check_redirect_uri(ctx, client, redirect_uri)
    if provider is not None:
        check_provider(ctx, client, provider, vehicle_profile_id)
    now = utcnow()
    session_id = str(uuid.uuid4())
    ttl = client.session_ttl_seconds
    session = Session(
        id=session_id,
        user_id=owner.user_id,
        client_id=owner.client_id,
        provider=provider,
        provider_locked=provider is not None,
        vehicle_profile_id=vehicle_profile_id,
        vin=vin,
        label=label,
        scopes=scopes or [],
        redirect_uri=redirect_uri,
        language=language,
        reconnect_vehicle_id=reconnect_vehicle_id,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(seconds=ttl),
        page_token=issue_page_token(
            ctx.keyring, owner, session_id, ttl + ctx.settings.session_retention_seconds
        ),
    )
    if session.vehicle_profile_id is not None and not allowed_providers(ctx, client, session):
        raise ConnectProviderNotSupportedForVehicle(
            "No provider configured for your client id can connect this vehicle"
        )
    # A re-connect replaces a vehicle the user has: the limit applies to new ones only.
    limit = 0 if reconnect_vehicle_id is not None else client.max_vehicles_per_user
    stored = await ctx.sessions.insert(session, limit)
    if isinstance(stored, int):
        raise ConnectVehicleLimitReached(
            f"This user already has {stored} connected vehicle(s); the limit is {limit}"
        )
    return stored


async def reconnect_vehicle(
    ctx: AppContext, owner: Owner, vehicle_id: str, redirect_uri: str | None, language: str | None
) -> Versioned:
    """A session that connects an existing vehicle again through its provider."""
    vehicle = await ctx.vehicles.get(owner, vehicle_id)
    if vehicle is None:
        raise ConnectedVehicleNotFound()
    return await create_session(
        ctx,
        owner,
        provider=vehicle.provider,
        vehicle_profile_id=vehicle.vehicle_profile_id,
        vin=vehicle.vin,
        label=vehicle.label,
        redirect_uri=redirect_uri,
        language=language,
        reconnect_vehicle_id=vehicle.id,
    )


def _check_redirect_uri(ctx: AppContext, client: ClientConfig, uri: str) -> None:
    if not client.allows_redirect_uri(uri) or ctx.urls.start_page("").startswith(uri):
        raise ValidationFailed(
            "redirectUri is not allowed for this client",
            extra={"errors": [{"field": "redirectUri", "message": "not in the allow-list"}]},
        )


async def list_sessions(
    ctx: AppContext, owner: Owner, status: SessionStatus | None
) -> list[Session]:
    """The owner's sessions, newest first, expiry applied, filtered by status."""
    ids = await ctx.sessions.list_ids(owner)
    found = await ctx.sessions.get_many(owner, ids)
    now = utcnow()
    sessions = [
        (await read_session(ctx, owner, item.session.id)).session
        if item.session.is_past_expiry(now)
        else item.session
        for item in found
    ]
    return [s for s in sessions if status is None or s.status == status]


async def cancel_session(ctx: AppContext, owner: Owner, session_id: str) -> Session:
    """Cancel an open session."""

    def cancel(session: Session) -> Session:
        if session.is_finished:
            raise refusal(session)
        return session.transit(Trigger.CANCEL, utcnow())

    return (await apply(ctx, owner, session_id, cancel)).session
