"""External legs: start (or restart) at a provider, and choose among several cars."""

from __future__ import annotations

import secrets

from service.config import ProviderName
from service.context import AppContext
from service.domain.models import Owner, Session, SessionError, utcnow
from service.domain.states import SessionStatus, Trigger
from service.errors import (
    ConnectProviderNotAllowed,
    ProblemError,
    ProviderError,
    ProviderUnavailable,
    StoreUnavailable,
    ValidationFailed,
)
from service.flows.binding import bind_vehicle
from service.flows.leg_secrets import open_pending_credentials, seal_leg_secret
from service.flows.sessions import (
    MAX_WRITE_ATTEMPTS,
    apply,
    check_provider,
    read_session,
    refusal,
)
from service.flows.tokens import issue_state
from service.providers.base import Provider, ProviderVehicle


def configured_provider(ctx: AppContext, name: ProviderName) -> Provider:
    """The provider if this deployment has it configured; 403 otherwise."""
    provider = ctx.providers.get(name)
    if provider is None:
        raise ConnectProviderNotAllowed(
            f"The Connect provider {name.value} is not configured for your client id"
        )
    return provider


async def start_leg(
    ctx: AppContext, owner: Owner, session_id: str, provider_name: ProviderName
) -> Session:
    """Start (or restart) the external leg at a provider: new state, the old one void."""
    client = ctx.client(owner.client_id)
    provider = configured_provider(ctx, provider_name)
    for _ in range(MAX_WRITE_ATTEMPTS):
        current = await read_session(ctx, owner, session_id)
        session = current.session
        if session.status not in (SessionStatus.PENDING, SessionStatus.AWAITING_EXTERNAL):
            raise refusal(session)
        if session.provider_locked and session.provider != provider_name:
            raise ConnectProviderNotAllowed(
                f"This session connects with {session.provider}, not {provider_name.value}"
            )
        check_provider(ctx, client, provider_name, session.vehicle_profile_id)
        nonce = secrets.token_urlsafe(16)
        ttl = max((session.expires_at - utcnow()).total_seconds(), 1.0)
        state = issue_state(ctx.keyring, session, nonce, provider_name, ttl)
        try:
            leg = await provider.start(session, state)
        except (ProviderUnavailable, ProviderError) as exc:
            await note_error(ctx, owner, session_id, exc)
            raise
        leg_secret = seal_leg_secret(ctx, session, leg.secret)
        started = session.transit(
            Trigger.START_EXTERNAL,
            utcnow(),
            provider=provider_name,
            authorize_url=leg.authorize_url,
            external_redirect_url=leg.external_redirect_url,
            redirect_info=leg.redirect_info,
            state_nonce=nonce,
            leg_secret=leg_secret,
            error=None,
            exchanged=None,
            external_done=False,
            pending_credentials=None,
        )
        saved = await ctx.sessions.replace(current, started)
        if saved is not None:
            return saved.session
    raise StoreUnavailable("The session is changing too fast; retry")


async def note_error(
    ctx: AppContext,
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
        return session.evolve(
            error=SessionError(code=exc.code, message=exc.detail), updated_at=utcnow()
        )

    await apply(ctx, owner, session_id, note)


async def choose_vehicle(ctx: AppContext, owner: Owner, session_id: str, vin: str) -> Session:
    """Bind the car the user picked on the choice page."""
    for _ in range(MAX_WRITE_ATTEMPTS):
        current = await read_session(ctx, owner, session_id)
        session = current.session
        if session.status == SessionStatus.AUTHORIZED and session.vin == vin:
            return session
        if session.status != SessionStatus.AWAITING_VEHICLE_CHOICE:
            raise refusal(session)
        candidate = next((c for c in session.candidates if c.vin == vin), None)
        if candidate is None or session.pending_credentials is None:
            raise ValidationFailed(
                "No vehicle with this VIN on the account",
                extra={"errors": [{"field": "vin", "message": "not one of the offered vehicles"}]},
            )
        credentials = open_pending_credentials(ctx, session, session.pending_credentials)
        car = ProviderVehicle(**candidate.model_dump())
        saved = await bind_vehicle(
            ctx, current, Trigger.CHOOSE_VEHICLE, car, credentials, session.consumed
        )
        if saved is not None:
            return saved.session
    raise StoreUnavailable("The session is changing too fast; retry")
