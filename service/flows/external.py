"""External legs: start at a provider, complete exactly once, choose among several cars."""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable

from service.config import ProviderName
from service.context import AppContext
from service.domain.models import (
    Candidate,
    ConsumedState,
    Owner,
    Session,
    SessionError,
    utcnow,
)
from service.domain.states import SessionStatus, Trigger
from service.errors import (
    ConnectInvalidAuthCode,
    ConnectInvalidState,
    ConnectProviderNotAllowed,
    ConnectVehicleNotAuthorized,
    ProblemError,
    ProviderError,
    ProviderUnavailable,
    StoreUnavailable,
    ValidationFailed,
)
from service.flows.binding import bind_vehicle
from service.flows.sessions import (
    MAX_WRITE_ATTEMPTS,
    apply,
    check_provider,
    read_session,
    refusal,
)
from service.flows.tokens import issue_state, open_state
from service.providers.base import (
    Credentials,
    Denied,
    LegResult,
    Linked,
    Outcome,
    Provider,
    ProviderVehicle,
)
from service.store.sessions import Versioned

_POLL_SECONDS = 0.05
_LEG_SECRET = "leg-secret"  # noqa: S105 (an encryption context label)
_PENDING_CREDENTIALS = "pending-credentials"

ProviderCall = Callable[[Session, dict[str, str]], Awaitable[Outcome]]


def _secret_context(session: Session, purpose: str) -> str:
    return f"{purpose}\x00{session.owner.key}\x00{session.id}"


def _provider(ctx: AppContext, name: ProviderName) -> Provider:
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
    provider = _provider(ctx, provider_name)
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
        leg = await provider.start(session, state)
        leg_secret = (
            ctx.keyring.encrypt_json(leg.secret, _secret_context(session, _LEG_SECRET))
            if leg.secret
            else None
        )
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
        )
        saved = await ctx.sessions.replace(current, started)
        if saved is not None:
            return saved.session
    raise StoreUnavailable("The session is changing too fast; retry")


async def complete_with_state(
    ctx: AppContext,
    state: str | None,
    result: LegResult,
    *,
    provider_name: ProviderName | None = None,
    expected: tuple[Owner, str] | None = None,
) -> Session:
    """Complete the leg a provider redirect (or an app relay of it) belongs to."""
    claims = open_state(ctx.keyring, state)
    if provider_name is not None and claims.provider != provider_name:
        raise ConnectInvalidState("The state was issued for another provider.")
    if expected is not None and (claims.owner, claims.session_id) != expected:
        raise ConnectInvalidState("The state belongs to another session.")
    provider = _provider(ctx, claims.provider)
    fingerprint = ctx.keyring.fingerprint(f"{claims.nonce}\x00{result.fingerprint_source()}")

    async def call(session: Session, secret: dict[str, str]) -> Outcome:
        return await provider.complete(session, result, secret)

    return await _complete_once(
        ctx, claims.owner, claims.session_id, claims.nonce, fingerprint, call
    )


async def authorize_session(
    ctx: AppContext, owner: Owner, session_id: str, code: str | None
) -> Session:
    """Chargetrip's authorize: ask the session's provider and bind the vehicle."""
    session = (await read_session(ctx, owner, session_id)).session
    if session.is_finished:
        raise refusal(session)
    if session.status != SessionStatus.AWAITING_EXTERNAL or session.provider is None:
        raise ConnectVehicleNotAuthorized(
            "The vehicle does not seem to be authorized yet. Complete the authorization flow."
        )
    nonce = session.state_nonce or ""
    provider = _provider(ctx, session.provider)
    fingerprint = ctx.keyring.fingerprint(f"{nonce}\x00authorize:{code or ''}")

    async def call(current: Session, secret: dict[str, str]) -> Outcome:
        return await provider.authorize(current, code, secret)

    return await _complete_once(ctx, owner, session_id, nonce, fingerprint, call)


def _replay_of(session: Session, nonce: str, fingerprint: str) -> bool:
    """True when this exact result was already settled; refuse another use of the state."""
    used = session.consumed
    if used is None or not hmac.compare_digest(used.nonce, nonce):
        return False
    if hmac.compare_digest(used.fingerprint, fingerprint):
        return True
    raise ConnectInvalidState("This state was already used.")


async def _complete_once(
    ctx: AppContext,
    owner: Owner,
    session_id: str,
    nonce: str,
    fingerprint: str,
    call: ProviderCall,
) -> Session:
    """Exactly once: one caller holds the lease and talks to the provider; others wait."""
    lease_ms = int((ctx.settings.provider_timeout_seconds * 3 + 5) * 1000)
    deadline = time.monotonic() + lease_ms / 1000
    holder = secrets.token_hex(8)
    while True:
        current = await read_session(ctx, owner, session_id)
        session = current.session
        if _replay_of(session, nonce, fingerprint):
            return session
        if session.status != SessionStatus.AWAITING_EXTERNAL:
            raise (
                refusal(session)
                if session.is_finished
                else ConnectInvalidState("This state was already used.")
            )
        if not session.state_nonce or not hmac.compare_digest(session.state_nonce, nonce):
            raise ConnectInvalidState("The state is no longer valid for this session.")
        if await ctx.sessions.claim(owner, session_id, holder, lease_ms):
            break
        if time.monotonic() > deadline:
            raise ProviderUnavailable("Another request is completing this session; retry.")
        await asyncio.sleep(_POLL_SECONDS)
    try:
        current = await read_session(ctx, owner, session_id)
        if _replay_of(current.session, nonce, fingerprint):
            return current.session
        secret = _leg_secret(ctx, current.session)
        try:
            outcome = await call(current.session, secret)
        except (ProviderUnavailable, ProviderError, ConnectInvalidAuthCode) as exc:
            await _note_error(ctx, owner, session_id, nonce, exc)
            raise
        return await _settle(ctx, owner, session_id, nonce, fingerprint, outcome)
    finally:
        await ctx.sessions.release(owner, session_id, holder)


def _leg_secret(ctx: AppContext, session: Session) -> dict[str, str]:
    if session.leg_secret is None:
        return {}
    value = ctx.keyring.decrypt_json(session.leg_secret, _secret_context(session, _LEG_SECRET))
    return {str(key): str(item) for key, item in dict(value).items()}


async def _note_error(
    ctx: AppContext, owner: Owner, session_id: str, nonce: str, exc: ProblemError
) -> None:
    """Record a retryable failure on the session; it stays where it was."""

    def note(session: Session) -> Session:
        if session.state_nonce != nonce or session.is_finished:
            return session
        return session.evolve(
            error=SessionError(code=exc.code, message=exc.detail), updated_at=utcnow()
        )

    await apply(ctx, owner, session_id, note)


async def _settle(
    ctx: AppContext,
    owner: Owner,
    session_id: str,
    nonce: str,
    fingerprint: str,
    outcome: Outcome,
) -> Session:
    """Turn the provider's outcome into one transition."""
    consumed = ConsumedState(nonce=nonce, fingerprint=fingerprint)
    for _ in range(MAX_WRITE_ATTEMPTS):
        current = await read_session(ctx, owner, session_id)
        session = current.session
        if session.status != SessionStatus.AWAITING_EXTERNAL or session.state_nonce != nonce:
            raise (
                refusal(session)
                if session.is_finished
                else ConnectInvalidState("The state is no longer valid for this session.")
            )
        saved = await _transition_for(ctx, current, outcome, consumed)
        if saved is not None:
            return saved.session
    raise StoreUnavailable("The session is changing too fast; retry")


async def _transition_for(
    ctx: AppContext, current: Versioned, outcome: Outcome, consumed: ConsumedState
) -> Versioned | None:
    session = current.session
    now = utcnow()
    if isinstance(outcome, Denied):
        failed = session.transit(
            Trigger.FAIL,
            now,
            consumed=consumed,
            error=SessionError(code=outcome.code, message=outcome.message),
        )
        return await ctx.sessions.replace(current, failed)
    assert isinstance(outcome, Linked)
    cars = outcome.vehicles
    if not cars:
        failed = session.transit(
            Trigger.FAIL,
            now,
            consumed=consumed,
            error=SessionError(
                code="CONNECT_VEHICLE_NOT_AUTHORIZED",
                message="No vehicle was found on this provider account",
            ),
        )
        return await ctx.sessions.replace(current, failed)
    chosen = _preselected(cars, session.vin)
    if chosen is not None:
        return await bind_vehicle(
            ctx, current, Trigger.AUTHORIZE, chosen, outcome.credentials, consumed
        )
    choosing = session.transit(
        Trigger.REQUIRE_CHOICE,
        now,
        consumed=consumed,
        error=None,
        authorize_url=None,
        external_redirect_url=None,
        redirect_info=None,
        state_nonce=None,
        leg_secret=None,
        candidates=[Candidate(**vars(car)) for car in cars],
        pending_credentials=ctx.keyring.encrypt_json(
            outcome.credentials.to_json(), _secret_context(session, _PENDING_CREDENTIALS)
        ),
    )
    return await ctx.sessions.replace(current, choosing)


def _preselected(cars: list[ProviderVehicle], vin: str | None) -> ProviderVehicle | None:
    if len(cars) == 1:
        return cars[0]
    return next((car for car in cars if vin is not None and car.vin == vin), None)


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
        credentials = Credentials.from_json(
            ctx.keyring.decrypt_json(
                session.pending_credentials, _secret_context(session, _PENDING_CREDENTIALS)
            )
        )
        car = ProviderVehicle(**candidate.model_dump())
        saved = await bind_vehicle(
            ctx, current, Trigger.CHOOSE_VEHICLE, car, credentials, session.consumed
        )
        if saved is not None:
            return saved.session
    raise StoreUnavailable("The session is changing too fast; retry")
