"""External legs: start (or restart) at a provider, and choose among several cars."""

from __future__ import annotations

import secrets

from service.config import ClientConfig
from service.domain.catalogue import find_profile
from service.domain.models import Owner, Session, SessionError, Versioned, utcnow
from service.domain.providers import ProviderName
from service.domain.states import SessionStatus, Trigger
from service.errors import (
    ConnectProviderNotAllowed,
    ConnectProviderNotSupportedForVehicle,
    ProblemError,
    ProviderError,
    ProviderUnavailable,
    ValidationFailed,
)
from service.flows.binding import bind_vehicle, vehicle_id_for
from service.flows.context import FlowContext
from service.flows.leg_secrets import open_pending_credentials, seal_leg_secret
from service.flows.records import apply, read_session, refusal, retry_write, save
from service.providers.base import Provider, ProviderVehicle
from service.security.sealed import leg_state


def configured_provider(ctx: FlowContext, name: ProviderName) -> Provider:
    """The provider if this deployment has it configured; 403 otherwise."""
    provider = ctx.providers.get(name)
    if provider is None:
        raise ConnectProviderNotAllowed(
            f"The Connect provider {name.value} is not configured for your client id"
        )
    return provider


def allowed_providers(
    ctx: FlowContext, client: ClientConfig, session: Session
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
    ctx: FlowContext, client: ClientConfig, provider: ProviderName, profile_id: str | None
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


async def note_error(
    ctx: FlowContext,
    owner: Owner,
    session_id: str,
    exc: ProblemError,
    nonce: str | None = None,
) -> None:
    """Record a retryable failure on an open session; it stays where it was.

    With a nonce, only while that leg is still the session's current one.
    """

    def note(session: Session) -> Session:
        if session.is_finished or (nonce is not None and session.state_nonce != nonce):
            return session
        # The provider answered (or provably was not reached): the step stays retryable.
        return session.evolve(
            error=SessionError(code=exc.code, message=exc.detail),
            code_sent=None,
            updated_at=utcnow(),
        )

    await apply(ctx, owner, session_id, note)


async def start_leg(
    ctx: FlowContext,
    owner: Owner,
    session_id: str,
    provider_name: ProviderName,
    error: SessionError | None = None,
) -> Session:
    """Start (or restart) the external leg at a provider: new state, the old one void.

    `error` says why a leg is offered again (the session shows it until the leg completes).
    """
    client = ctx.client(owner.client_id)
    provider = configured_provider(ctx, provider_name)

    async def attempt() -> Versioned | None:
        current = await read_session(ctx, owner, session_id)
        session = current.session
        if session.status not in (SessionStatus.PENDING, SessionStatus.AWAITING_EXTERNAL):
            raise refusal(session.status)
        if session.provider_locked and session.provider != provider_name:
            raise ConnectProviderNotAllowed(
                f"This session connects with {session.provider}, not {provider_name.value}"
            )
        check_provider(ctx, client, provider_name, session.vehicle_profile_id)
        nonce = secrets.token_urlsafe(16)
        kid = session.seal_kid
        state = leg_state(ctx.keyring, kid, owner, session.id, nonce, provider_name)
        try:
            leg = await provider.start(session, state)
        except (ProviderUnavailable, ProviderError) as exc:
            await note_error(ctx, owner, session_id, exc)
            raise
        if leg.provider_user_id is not None:
            await ctx.store.provider_users.remember(
                provider_name.value, leg.provider_user_id, owner
            )
        started = session.transit(
            Trigger.START_EXTERNAL,
            utcnow(),
            provider=provider_name,
            sealed_leg_url=ctx.links.seal_provider_url(session, leg.authorize_url, state),
            external_redirect_url=leg.external_redirect_url,
            redirect_info=leg.redirect_info,
            state_nonce=nonce,
            state_hash=ctx.keyring.digest(kid, state),
            leg_secret=seal_leg_secret(ctx, session, leg.secret),
            error=error,
            exchanged=None,
            code_sent=None,
            external_done=False,
            pending_credentials=None,
        )
        return await save(ctx, current, started)

    return (await retry_write(attempt, "session")).session


class Legs:
    """Start a session's leg at a provider; bind the car chosen among several."""

    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx

    async def start(self, owner: Owner, session_id: str, provider_name: ProviderName) -> Session:
        """Start (or restart) the external leg at a provider: new state, the old one void."""
        return await start_leg(self._ctx, owner, session_id, provider_name)

    async def choose(self, owner: Owner, session_id: str, vin: str) -> Session:
        """Bind the car the user picked on the choice page."""
        ctx = self._ctx

        async def attempt() -> Session | None:
            current = await read_session(ctx, owner, session_id)
            session = current.session
            if session.status == SessionStatus.AUTHORIZED and session.vin == vin:
                return session
            if session.status != SessionStatus.AWAITING_VEHICLE_CHOICE:
                raise refusal(session.status)
            candidate = next((c for c in session.candidates if c.vin == vin), None)
            if candidate is None or session.pending_credentials is None:
                raise ValidationFailed(
                    "No vehicle with this VIN on the account",
                    extra={
                        "errors": [{"field": "vin", "message": "not one of the offered vehicles"}]
                    },
                )
            credentials = open_pending_credentials(ctx, session, session.pending_credentials)
            car = ProviderVehicle(**candidate.model_dump())
            assert session.provider is not None
            vehicle_id = vehicle_id_for(owner, car, session.provider)
            existing = await ctx.store.vehicles.get(owner, vehicle_id)
            saved = await bind_vehicle(
                ctx,
                current,
                Trigger.CHOOSE_VEHICLE,
                car,
                credentials,
                session.consumed,
                existing=existing,
            )
            return None if saved is None else saved.session

        return await retry_write(attempt, "session")
