"""Session use cases: create (and start), re-connect, read, list, cancel."""

from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta

from service.config import ClientConfig
from service.domain.catalogue import find_profile
from service.domain.models import Owner, Session, Versioned, utcnow
from service.domain.paging import DEFAULT_PAGE_SIZE, Cursor, Page
from service.domain.providers import ProviderName
from service.domain.states import SessionKind, SessionStatus, Trigger
from service.errors import (
    ConnectedVehicleNotFound,
    ConnectProviderNotSupportedForVehicle,
    ConnectVehicleLimitReached,
    ProblemError,
    ProviderError,
    ProviderUnavailable,
    ValidationFailed,
)
from service.flows.context import FlowContext
from service.flows.legs import Legs, allowed_providers, check_provider
from service.flows.records import apply, read_session, refusal
from service.security.sealed import page_token


@dataclass(frozen=True)
class SessionRequest:
    """What an app may ask for when it creates a session (all optional)."""

    provider: ProviderName | None = None
    vehicle_profile_id: str | None = None
    vin: str | None = None
    label: str | None = None
    scopes: list[str] = field(default_factory=list)
    redirect_uri: str | None = None
    language: str | None = None


class Sessions:
    """Create, re-connect, read, list and cancel connect sessions."""

    def __init__(self, ctx: FlowContext, legs: Legs) -> None:
        self._ctx = ctx
        self._legs = legs

    async def create(self, owner: Owner, request: SessionRequest) -> Session:
        """A new session; with a provider its external leg starts at once."""
        created = await self._insert(owner, request, reconnect_vehicle_id=None)
        if request.provider is None:
            return created.session
        return await self._started(owner, created.session.id, request.provider)

    async def reconnect(
        self, owner: Owner, vehicle_id: str, redirect_uri: str | None, language: str | None
    ) -> Session:
        """A session that connects an existing vehicle again, started at its provider."""
        vehicle = await self._ctx.store.vehicles.get(owner, vehicle_id)
        if vehicle is None:
            raise ConnectedVehicleNotFound()
        request = SessionRequest(
            provider=vehicle.provider,
            vehicle_profile_id=vehicle.vehicle_profile_id,
            vin=vehicle.vin,
            label=vehicle.label,
            redirect_uri=redirect_uri,
            language=language,
        )
        created = await self._insert(owner, request, reconnect_vehicle_id=vehicle.id)
        return await self._started(owner, created.session.id, vehicle.provider)

    async def read(self, owner: Owner, session_id: str) -> Versioned:
        """The session at its current version, with expiry applied."""
        return await read_session(self._ctx, owner, session_id)

    async def list(
        self,
        owner: Owner,
        status: SessionStatus | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        after: Cursor | None = None,
        kind: SessionKind | None = None,
    ) -> Page[Session]:
        """A page of the owner's sessions, newest first, expiry applied, filtered by status;
        of one kind, the unfinished ones only (the Jedlix SDK resumes from them). Every
        session here connects a vehicle: chargers and energy suppliers have none."""
        if kind is not None and kind != SessionKind.VEHICLE:
            return Page([])
        return await list_sessions(
            self._ctx, owner, status, limit, after, unfinished=kind is not None
        )

    async def cancel(self, owner: Owner, session_id: str) -> Session:
        """Cancel an open session."""

        def cancel(session: Session) -> Session:
            if session.status == SessionStatus.CANCELLED:
                return session  # cancelling again answers with it (idempotent)
            if session.is_finished:
                raise refusal(session.status)
            return session.transit(Trigger.CANCEL, utcnow())

        return (await apply(self._ctx, owner, session_id, cancel)).session

    async def _started(self, owner: Owner, session_id: str, provider: ProviderName) -> Session:
        """Start the provider leg; on a provider outage the session stays pending with `error`."""
        try:
            return await self._legs.start(owner, session_id, provider)
        except (ProviderUnavailable, ProviderError):
            return (await read_session(self._ctx, owner, session_id)).session

    async def _insert(
        self, owner: Owner, request: SessionRequest, reconnect_vehicle_id: str | None
    ) -> Versioned:
        """Store a new pending session after checking the client's rules."""
        ctx = self._ctx
        client = ctx.client(owner.client_id)
        profile_id = request.vehicle_profile_id
        if profile_id is not None and find_profile(profile_id) is None:
            raise ValidationFailed(
                "Unknown vehicle profile",
                extra={"errors": [{"field": "vehicleProfileId", "message": "unknown profile id"}]},
            )
        if request.redirect_uri is not None:
            self._check_redirect_uri(client, request.redirect_uri)
        if request.provider is not None:
            check_provider(ctx, client, request.provider, profile_id)
        now = utcnow()
        session_id = str(uuid.uuid4())
        ttl = client.session_ttl_seconds
        kid = ctx.keyring.active_kid
        session = Session(
            id=session_id,
            user_id=owner.user_id,
            client_id=owner.client_id,
            provider=request.provider,
            provider_locked=request.provider is not None,
            vehicle_profile_id=profile_id,
            vin=request.vin,
            label=request.label,
            scopes=list(request.scopes),
            redirect_uri=request.redirect_uri,
            language=request.language,
            reconnect_vehicle_id=reconnect_vehicle_id,
            created_at=now,
            updated_at=now,
            expires_at=now + timedelta(seconds=ttl),
            seal_kid=kid,
            page_token_hash=ctx.keyring.digest(
                kid, page_token(ctx.keyring, kid, owner, session_id)
            ),
        )
        if profile_id is not None and not allowed_providers(ctx, client, session):
            raise ConnectProviderNotSupportedForVehicle(
                "No provider configured for your client id can connect this vehicle"
            )
        # A re-connect replaces a vehicle the user has: the limit applies to new ones only.
        limit = 0 if reconnect_vehicle_id is not None else client.max_vehicles_per_user
        inserted = await ctx.store.sessions.insert(session, limit)
        if isinstance(inserted, int):
            raise ConnectVehicleLimitReached(
                f"This user already has {inserted} connected vehicle(s); the limit is {limit}"
            )
        if inserted.open_count > ctx.settings.max_open_sessions_per_user:
            await self._cancel_oldest_open(owner, keep=session_id)
        return inserted.stored

    async def _cancel_oldest_open(self, owner: Owner, keep: str) -> None:
        """Cancel the user's oldest open sessions until MAX_OPEN_SESSIONS_PER_USER hold."""
        cap = self._ctx.settings.max_open_sessions_per_user
        others = [
            current.session.id
            for current in await self._ctx.store.sessions.open_sessions(owner)
            if current.session.id != keep
        ]
        for session_id in others[: max(len(others) + 1 - cap, 0)]:
            with suppress(ProblemError):  # finished or gone meanwhile: nothing to cancel
                await self.cancel(owner, session_id)

    def _check_redirect_uri(self, client: ClientConfig, uri: str) -> None:
        if "#" in uri:
            # A fragment would swallow the sessionId and status the hosted legs append.
            raise ValidationFailed(
                "redirectUri must not carry a #fragment",
                extra={"errors": [{"field": "redirectUri", "message": "has a fragment"}]},
            )
        if not client.allows_redirect_uri(uri) or self._ctx.urls.start_page_prefix.startswith(uri):
            raise ValidationFailed(
                "redirectUri is not allowed for this client",
                extra={"errors": [{"field": "redirectUri", "message": "not in the allow-list"}]},
            )


LIST_SCANS = 4
"""Index reads one list request makes at most while a filter skips sessions (a page may then be
short; its `next` cursor continues the scan)."""


async def list_sessions(
    ctx: FlowContext,
    owner: Owner,
    status: SessionStatus | None,
    limit: int = DEFAULT_PAGE_SIZE,
    after: Cursor | None = None,
    *,
    unfinished: bool = False,
) -> Page[Session]:
    """A page of the owner's sessions, newest first, expiry applied, filtered by status (and
    to unfinished ones)."""
    repository = ctx.store.sessions
    now = utcnow()
    chosen: list[Session] = []
    cursor = after
    for _ in range(LIST_SCANS):
        wanted = limit - len(chosen)
        batch = await repository.page_ids(owner, cursor, wanted + 1)
        scanned = batch[:wanted]
        found = {
            item.session.id: item
            for item in await repository.get_many(owner, [c.id for c in scanned])
        }
        for position in scanned:
            cursor = position
            item = found.get(position.id)
            if item is None:
                continue
            session = item.session
            if session.is_past_expiry(now):
                session = (await read_session(ctx, owner, session.id)).session
            if (status is None or session.status == status) and not (
                unfinished and session.is_finished
            ):
                chosen.append(session)
        if len(batch) <= wanted:
            return Page(chosen)
        if len(chosen) == limit:
            break
    return Page(chosen, cursor)
