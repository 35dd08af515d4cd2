"""Completing an external leg exactly once: callbacks, relays and authorize."""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable

from service.config import ProviderName
from service.context import AppContext
from service.domain.models import Candidate, ConsumedState, Owner, Session, utcnow
from service.domain.states import SessionStatus, Trigger
from service.errors import (
    ConnectInvalidAuthCode,
    ConnectInvalidState,
    ConnectMultipleVehiclesNotAllowed,
    ConnectVehicleNotAuthorized,
    ProviderError,
    ProviderUnavailable,
    StoreUnavailable,
)
from service.flows.binding import bind_vehicle
from service.flows.external import configured_provider, note_error
from service.flows.leg_secrets import (
    open_leg_secret,
    open_pending_credentials,
    seal_pending_credentials,
)
from service.flows.sessions import MAX_WRITE_ATTEMPTS, apply, read_session, refusal
from service.flows.tokens import open_state
from service.providers.base import (
    Credentials,
    Denied,
    LegResult,
    Linked,
    Outcome,
    Provider,
    ProviderVehicle,
)
from service.store.sessions import Claim, Versioned

_POLL_SECONDS = 0.05

ExchangeCall = Callable[[Session, dict[str, str]], Awaitable[Credentials | Denied]]
"""Obtains credentials from the provider (posting a code at most once), or a refusal."""

Resolver = Callable[[Versioned], Awaitable[tuple[Outcome, Versioned]]]
"""Finds out, under the session's lease, what the provider says (credentials and cars, or no),
with the session as last written."""


async def complete_with_state(
    ctx: AppContext,
    state: str | None,
    result: LegResult,
    *,
    provider_name: ProviderName | None = None,
    expected: tuple[Owner, str] | None = None,
    known: Versioned | None = None,
) -> Session:
    """Complete the leg a provider redirect (or an app relay of it) belongs to.

    `known` is the session as the caller just read it (the relay does), saving a read.
    """
    claims = open_state(ctx.keyring, state)
    if provider_name is not None and claims.provider != provider_name:
        raise ConnectInvalidState("The state was issued for another provider.")
    if expected is not None and (claims.owner, claims.session_id) != expected:
        raise ConnectInvalidState("The state belongs to another session.")
    provider = configured_provider(ctx, claims.provider)
    fingerprint = ctx.keyring.fingerprint(f"{claims.nonce}\x00{result.fingerprint_source()}")
    if not provider.completes_on_callback and result.error is None:
        return await _note_leg_done(ctx, claims.owner, claims.session_id, claims.nonce)

    async def exchange(session: Session, secret: dict[str, str]) -> Credentials | Denied:
        return await provider.exchange(session, result, secret)

    resolve = _exchange_then_list(ctx, claims.nonce, fingerprint, provider, exchange)
    known_here = known if known is not None and known.session.id == claims.session_id else None
    return await _complete_once(
        ctx, claims.owner, claims.session_id, claims.nonce, fingerprint, resolve, known_here
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
    provider = configured_provider(ctx, session.provider)
    fingerprint = ctx.keyring.fingerprint(f"{nonce}\x00authorize:{code or ''}")

    async def exchange(current: Session, secret: dict[str, str]) -> Credentials | Denied:
        return await provider.authorize(current, code, secret)

    resolve = _exchange_then_list(ctx, nonce, fingerprint, provider, exchange)
    done = await _complete_once(ctx, owner, session_id, nonce, fingerprint, resolve)
    if done.error is not None and done.error.code == ConnectMultipleVehiclesNotAllowed.code:
        raise ConnectMultipleVehiclesNotAllowed(done.error.message)
    return done


async def complete_with_vehicles(
    ctx: AppContext, session: Session, source: str, linked: Linked
) -> Session:
    """Complete a waiting session with vehicles a provider announced (a webhook, say)."""
    nonce = session.state_nonce or ""
    fingerprint = ctx.keyring.fingerprint(f"{nonce}\x00{source}")

    async def resolve(current: Versioned) -> tuple[Outcome, Versioned]:
        return linked, current

    return await _complete_once(ctx, session.owner, session.id, nonce, fingerprint, resolve)


async def _note_leg_done(ctx: AppContext, owner: Owner, session_id: str, nonce: str) -> Session:
    """The user finished the provider's pages; the vehicle is confirmed later."""

    def done(session: Session) -> Session:
        if session.consumed is not None and hmac.compare_digest(session.consumed.nonce, nonce):
            return session  # the provider confirmed the vehicle before the browser came back
        if session.status != SessionStatus.AWAITING_EXTERNAL or session.state_nonce != nonce:
            raise (
                refusal(session)
                if session.is_finished
                else ConnectInvalidState("The state is no longer valid for this session.")
            )
        return session.evolve(external_done=True, error=None, updated_at=utcnow())

    return (await apply(ctx, owner, session_id, done)).session


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
    resolve: Resolver,
    known: Versioned | None = None,
) -> Session:
    """Exactly once: one caller holds the lease and talks to the provider; others wait.

    The lease is taken only while the session is still at the version read, so the holder
    works from that read: a completion that landed in between shows as a moved session.
    """
    lease_ms = int((ctx.settings.provider_timeout_seconds * 3 + 5) * 1000)
    deadline = time.monotonic() + lease_ms / 1000
    holder = secrets.token_hex(8)
    current = known
    while True:
        if current is None or current.session.owner != owner:
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
        claimed = await ctx.sessions.claim(current, holder, lease_ms)
        if claimed is Claim.TAKEN:
            break
        if claimed is Claim.HELD:
            if time.monotonic() > deadline:
                raise ProviderUnavailable("Another request is completing this session; retry.")
            await asyncio.sleep(_POLL_SECONDS)
        current = None
    try:
        try:
            outcome, latest = await resolve(current)
        except (ProviderUnavailable, ProviderError, ConnectInvalidAuthCode) as exc:
            await note_error(ctx, owner, session_id, exc, nonce)
            raise
        return await _settle(ctx, latest, nonce, fingerprint, outcome)
    finally:
        await ctx.sessions.release(owner, session_id, holder)


def _exchange_then_list(
    ctx: AppContext, nonce: str, fingerprint: str, provider: Provider, exchange: ExchangeCall
) -> Resolver:
    """Exchange (once: the credentials are kept before anything else), then list vehicles."""

    async def resolve(current: Versioned) -> tuple[Outcome, Versioned]:
        return await _linked_or_denied(ctx, current, nonce, fingerprint, provider, exchange)

    return resolve


async def _linked_or_denied(
    ctx: AppContext,
    current: Versioned,
    nonce: str,
    fingerprint: str,
    provider: Provider,
    exchange: ExchangeCall,
) -> tuple[Outcome, Versioned]:
    session = current.session
    if session.exchanged == fingerprint and session.pending_credentials is not None:
        credentials = open_pending_credentials(ctx, session, session.pending_credentials)
    else:
        obtained = await exchange(session, open_leg_secret(ctx, session))
        if isinstance(obtained, Denied):
            return obtained, current
        credentials = obtained
        sealed = seal_pending_credentials(ctx, session, credentials)

        def keep(latest: Session) -> Session:
            if latest.state_nonce != nonce or latest.is_finished:
                return latest
            return latest.evolve(exchanged=fingerprint, pending_credentials=sealed)

        # Usually nothing wrote the session during the exchange: write on the version held.
        kept = await ctx.sessions.replace(current, keep(session))
        current = kept or await apply(ctx, session.owner, session.id, keep)
    return Linked(credentials, await provider.list_vehicles(session, credentials)), current


async def _settle(
    ctx: AppContext,
    latest: Versioned,
    nonce: str,
    fingerprint: str,
    outcome: Outcome,
) -> Session:
    """Turn the provider's outcome into one transition (from latest, read again if it moved)."""
    consumed = ConsumedState(nonce=nonce, fingerprint=fingerprint)
    owner, session_id = latest.session.owner, latest.session.id
    # A session whose time ran out during the exchange is read again (expiry applied).
    current = None if latest.session.is_past_expiry(utcnow()) else latest
    for _ in range(MAX_WRITE_ATTEMPTS):
        if current is None:
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
        current = None
    raise StoreUnavailable("The session is changing too fast; retry")


async def _transition_for(
    ctx: AppContext, current: Versioned, outcome: Outcome, consumed: ConsumedState
) -> Versioned | None:
    session = current.session
    now = utcnow()
    if isinstance(outcome, Denied):
        failed = session.fail(now, outcome.code, outcome.message, consumed=consumed)
        return await ctx.sessions.replace(current, failed)
    assert isinstance(outcome, Linked)
    cars = outcome.vehicles
    if not cars:
        failed = session.fail(
            now,
            "CONNECT_VEHICLE_NOT_AUTHORIZED",
            "No vehicle was found on this provider account",
            consumed=consumed,
        )
        return await ctx.sessions.replace(current, failed)
    chosen = _preselected(cars, session.vin)
    provider = ctx.providers.get(session.provider) if session.provider else None
    if chosen is None and provider is not None and not provider.allows_vehicle_choice:
        failed = session.fail(
            now,
            ConnectMultipleVehiclesNotAllowed.code,
            "There is more than one vehicle on the vendor account; this is not supported",
            consumed=consumed,
        )
        return await ctx.sessions.replace(current, failed)
    if chosen is not None:
        return await bind_vehicle(
            ctx, current, Trigger.AUTHORIZE, chosen, outcome.credentials, consumed
        )
    choosing = session.transit(
        Trigger.REQUIRE_CHOICE,
        now,
        consumed=consumed,
        exchanged=None,
        error=None,
        authorize_url=None,
        external_redirect_url=None,
        redirect_info=None,
        state_nonce=None,
        leg_secret=None,
        candidates=[Candidate(**vars(car)) for car in cars],
        pending_credentials=seal_pending_credentials(ctx, session, outcome.credentials),
    )
    return await ctx.sessions.replace(current, choosing)


def _preselected(cars: list[ProviderVehicle], vin: str | None) -> ProviderVehicle | None:
    if len(cars) == 1:
        return cars[0]
    return next((car for car in cars if vin is not None and car.vin == vin), None)
