"""Completing an external leg exactly once: provider callbacks, app relays, authorize, webhooks.

One request at a time completes a leg: it takes the session's lease in the same step as its
read, asks the provider (posting a code at most once), and commits the outcome (vehicle bound,
credentials stored, transition made) in one step that also gives the lease back. Requests that
find the lease held wait for that outcome; a replay of a settled result answers from the store.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from dataclasses import dataclass, field, replace

from service.domain.models import (
    Candidate,
    ConsumedState,
    Owner,
    Session,
    SessionError,
    Versioned,
    utcnow,
)
from service.domain.navigation import next_page, start_url
from service.domain.providers import ProviderName
from service.domain.states import SessionStatus, Trigger
from service.errors import (
    ConnectInvalidAuthCode,
    ConnectInvalidState,
    ConnectMultipleVehiclesNotAllowed,
    ConnectSessionNotFound,
    ConnectVehicleNotAuthorized,
    ProblemError,
    ProviderError,
    ProviderUnavailable,
)
from service.flows.binding import bind_vehicle, vehicle_id_for
from service.flows.browsers import BrowserIds, check_browser
from service.flows.context import FlowContext
from service.flows.leg_secrets import (
    open_leg_secret,
    open_pending_credentials,
    seal_pending_credentials,
)
from service.flows.legs import configured_provider, note_error, start_leg
from service.flows.records import (
    ReadFirst,
    apply,
    expired,
    read_session,
    refusal,
    retry_write,
    save,
)
from service.flows.relay import captured_result, check_captured_prefix
from service.providers.base import (
    Credentials,
    Denied,
    LegResult,
    Linked,
    Outcome,
    Provider,
    ProviderVehicle,
)
from service.security.sealed import open_state, same_digest
from service.store.connection import STORE_FAILURES
from service.store.sessions import CompletionRead, Lease

_POLL_SECONDS = 0.05
LEASE_MS = 1500
"""A completion lease lives this long unless its holder renews it: a crash frees it soon."""
RENEW_SECONDS = 0.5
"""How often a live holder renews its lease (three chances before it would lapse)."""
INTERRUPTED = (
    "The connection with the provider was interrupted before it was confirmed; sign in again."
)


@dataclass(frozen=True)
class Redirect:
    """The provider's redirect: at our callback, or captured by the app and relayed."""

    result: LegResult


@dataclass(frozen=True)
class AuthorizeCall:
    """Chargetrip's authorize: ask the provider, with a code when the app has one."""

    code: str | None


@dataclass(frozen=True)
class Announcement:
    """Vehicles the provider announced by itself (an Enode webhook)."""

    linked: Linked


Arrival = Redirect | AuthorizeCall | Announcement
"""What came to complete a leg."""


@dataclass(frozen=True)
class NextPage:
    """Where a hosted step sends the browser, and the session as the step left it."""

    url: str
    session: Session


@dataclass(frozen=True)
class Presented:
    """What came with a redirect and must match the session it names."""

    state_digest: str
    """The keyed hash of the state it carried (the session keeps only that)."""
    captured_url: str | None = None
    """A relay's: where the app's web view captured the redirect."""
    at_callback: bool = False
    """At our callback: only the browser the leg is bound to may complete it."""
    browsers: BrowserIds = field(default_factory=dict)
    """The binding cookies the browser sent (callbacks)."""


def check_callback_browser(ctx: FlowContext, session: Session, presented: Presented) -> None:
    """Refuse a callback from a browser an open session is not bound to (nothing changes); a
    finished session answers a replay as it did (its cookie is gone by then)."""
    if presented.at_callback and not session.is_finished:
        check_browser(ctx, session, presented.browsers)


def check_presented(ctx: FlowContext, session: Session, presented: Presented) -> None:
    """Refuse a redirect whose state is not the leg's or that was captured elsewhere."""
    if not same_digest(session.state_hash, presented.state_digest):
        raise ConnectInvalidState("The state is no longer valid for this session.")
    if presented.captured_url is not None:
        check_captured_prefix(session, presented.captured_url, ctx.urls)


def _announcement_source(car: ProviderVehicle) -> str:
    return f"announced-vehicle:{car.provider_vehicle_id}"


def check_leg(session: Session, nonce: str) -> None:
    """Refuse unless the session still waits for the leg this nonce belongs to."""
    if session.status != SessionStatus.AWAITING_EXTERNAL:
        if session.is_finished:
            raise refusal(session.status)
        raise ConnectInvalidState("This state was already used.")
    if not session.state_nonce or not hmac.compare_digest(session.state_nonce, nonce):
        raise ConnectInvalidState("The state is no longer valid for this session.")


def _replay_of(session: Session, nonce: str, fingerprint: str) -> bool:
    """True when this exact result was already settled; refuse another use of the state."""
    used = session.consumed
    if used is None or not hmac.compare_digest(used.nonce, nonce):
        return False
    if hmac.compare_digest(used.fingerprint, fingerprint):
        return True
    raise ConnectInvalidState("This state was already used.")


class Completion:
    """The ways a leg completes: callback, relay, authorize, and a provider's announcement."""

    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx

    async def callback(
        self, provider_name: ProviderName, query: dict[str, str | None], browsers: BrowserIds
    ) -> NextPage:
        """Complete the leg a provider redirect belongs to; where the browser goes next.

        `query` is the redirect's: state, code, error, error_description, issuer; `browsers`
        the binding cookies the browser sent (the leg must be bound to it).
        """
        result = LegResult(
            code=query.get("code") or None,
            error=query.get("error") or None,
            error_description=query.get("error_description"),
            issuer=query.get("issuer"),
        )
        session = await self._with_state(
            query.get("state"), result, provider_name=provider_name, browsers=browsers
        )
        if session.status == SessionStatus.AWAITING_EXTERNAL and not session.external_done:
            # The exchange was cut off by a crash and a fresh leg is offered: sign in again.
            fresh = start_url(session, self._ctx.urls)
            if fresh is not None:
                return NextPage(fresh, session)
        return NextPage(next_page(session, self._ctx.urls), session)

    async def relay(
        self,
        owner: Owner,
        session_id: str,
        redirect_url: str | None,
        cookies: dict[str, str] | None,
        body: str | None,
    ) -> Session:
        """Advance the session with what the app's web view captured; unchanged if nothing."""
        captured = captured_result(redirect_url, cookies, body)
        if captured is None:
            return (await read_session(self._ctx, owner, session_id)).session
        state, result = captured
        return await self._with_state(
            state, result, expected=(owner, session_id), captured_url=redirect_url
        )

    async def authorize(self, owner: Owner, session_id: str, code: str | None) -> Session:
        """Chargetrip's authorize: ask the session's provider and bind the vehicle."""
        ctx = self._ctx
        session = (await read_session(ctx, owner, session_id)).session
        if session.is_finished:
            raise refusal(session.status)
        if session.status != SessionStatus.AWAITING_EXTERNAL or session.provider is None:
            raise ConnectVehicleNotAuthorized(
                "The vehicle does not seem to be authorized yet. Complete the authorization flow."
            )
        nonce = session.state_nonce or ""
        provider = configured_provider(ctx, session.provider)
        if not provider.completes_on_callback and not session.external_done:
            raise ConnectVehicleNotAuthorized(
                "The user has not come back from the provider yet. Complete the authorization "
                "flow in the browser that started it."
            )
        fingerprint = ctx.keyring.fingerprint(f"{nonce}\x00authorize:{code or ''}")
        done = await complete_leg(
            ctx, owner, session_id, nonce, fingerprint, provider, AuthorizeCall(code)
        )
        if done.error is not None and done.error.code == ConnectMultipleVehiclesNotAllowed.code:
            raise ConnectMultipleVehiclesNotAllowed(done.error.message)
        return done

    async def announce_or_keep(self, session: Session, car: ProviderVehicle) -> Session:
        """A vehicle the provider announced (a webhook): kept on the session (the first one
        announced wins), it completes the session once the bound browser is back."""

        def keep(current: Session) -> Session:
            if current.is_finished or current.announced is not None:
                return current
            return current.evolve(announced=Candidate(**vars(car)), updated_at=utcnow())

        kept = (await apply(self._ctx, session.owner, session.id, keep)).session
        if not kept.external_done:
            return kept  # applied when the callback comes back (_note_leg_done)
        assert kept.provider is not None
        return await self._apply_kept(kept, configured_provider(self._ctx, kept.provider))

    async def _apply_kept(self, session: Session, provider: Provider) -> Session:
        """Complete with the vehicle announced before the bound browser came back, if any."""
        kept = session.announced
        if kept is None or session.status != SessionStatus.AWAITING_EXTERNAL:
            return session
        car = ProviderVehicle(**kept.model_dump())
        linked = provider.announced(session.owner, [car])
        return await self.announce(session, _announcement_source(car), linked)

    async def announce(self, session: Session, source: str, linked: Linked) -> Session:
        """Complete a waiting session with vehicles its provider announced (a webhook)."""
        ctx = self._ctx
        assert session.provider is not None
        provider = configured_provider(ctx, session.provider)
        nonce = session.state_nonce or ""
        fingerprint = ctx.keyring.fingerprint(f"{nonce}\x00{source}")
        return await complete_leg(
            ctx, session.owner, session.id, nonce, fingerprint, provider, Announcement(linked)
        )

    async def _with_state(
        self,
        state: str | None,
        result: LegResult,
        *,
        provider_name: ProviderName | None = None,
        browsers: BrowserIds | None = None,
        expected: tuple[Owner, str] | None = None,
        captured_url: str | None = None,
    ) -> Session:
        """Complete the leg a state names, after checking it is the one expected.

        At a callback (provider_name) the browser must be the leg's; a relayed leg
        (captured_url) must have been captured where the session said.
        """
        ctx = self._ctx
        claims = open_state(ctx.keyring, state)
        if provider_name is not None and claims.provider != provider_name:
            raise ConnectInvalidState("The state was issued for another provider.")
        if expected is not None and (claims.owner, claims.session_id) != expected:
            raise ConnectInvalidState("The state belongs to another session.")
        presented = Presented(
            state_digest=claims.digest,
            captured_url=captured_url,
            at_callback=provider_name is not None,
            browsers=browsers or {},
        )
        provider = configured_provider(ctx, claims.provider)
        if not provider.completes_on_callback and result.error is None:
            done = await _note_leg_done(
                ctx, claims.owner, claims.session_id, claims.nonce, presented
            )
            return await self._apply_kept(done, provider)
        fingerprint = ctx.keyring.fingerprint(f"{claims.nonce}\x00{result.fingerprint_source()}")
        return await complete_leg(
            ctx,
            claims.owner,
            claims.session_id,
            claims.nonce,
            fingerprint,
            provider,
            Redirect(result),
            presented=presented,
        )


async def complete_leg(
    ctx: FlowContext,
    owner: Owner,
    session_id: str,
    nonce: str,
    fingerprint: str,
    provider: Provider,
    arrival: Arrival,
    *,
    presented: Presented | None = None,
) -> Session:
    """Exactly once: the lease holder asks the provider and commits; the others wait for it.

    A redirect presents its state (and browser, or captured URL), checked against the session.
    """
    holder = secrets.token_hex(8)
    read = await _read_with_lease(ctx, owner, session_id, nonce, fingerprint, holder, presented)
    if isinstance(read, Session):
        return read  # a replay: answered as the first one was
    assert read.current is not None
    session = read.current.session
    released = False
    renewal = asyncio.create_task(_keep_lease(ctx, owner, session_id, holder))
    try:
        try:
            if isinstance(arrival, Announcement):
                outcome: Outcome = arrival.linked
            else:
                # Credentials kept by an earlier attempt whose vehicle listing failed.
                kept = session.pending_credentials if session.exchanged == fingerprint else None
                credentials: Credentials | Denied
                if kept:
                    credentials = open_pending_credentials(ctx, session, kept)
                else:
                    if _posts_code(arrival):
                        if session.code_sent is not None:
                            # A holder before us died with a code in flight: it may have
                            # reached the provider, so it is never posted again.
                            return await _offer_fresh_leg(ctx, session)
                        read = await _mark_sent(ctx, read, nonce, fingerprint)
                        assert read.current is not None
                        session = read.current.session
                    secret = open_leg_secret(ctx, session)
                    if isinstance(arrival, Redirect):
                        credentials = await provider.exchange(session, arrival.result, secret)
                    else:
                        credentials = await provider.authorize(session, arrival.code, secret)
                if isinstance(credentials, Denied):
                    outcome = credentials
                else:
                    try:
                        cars = await provider.list_vehicles(session, credentials)
                    except (ProviderUnavailable, ProviderError, ConnectVehicleNotAuthorized):
                        if not kept:  # never post the code again: keep what it gave
                            await _keep_credentials(
                                ctx, owner, session_id, nonce, fingerprint, credentials
                            )
                        raise
                    outcome = Linked(credentials, cars)
        except (ProviderUnavailable, ProviderError, ConnectInvalidAuthCode) as exc:
            await note_error(ctx, owner, session_id, exc, nonce)
            raise
        except ProblemError:
            if session.code_sent == fingerprint:
                await _clear_sent(ctx, owner, session_id, fingerprint)
            raise
        settled = await _settle(ctx, read, nonce, fingerprint, outcome, holder)
        released = True
        return settled
    finally:
        renewal.cancel()
        if not released:
            await ctx.store.sessions.release(owner, session_id, holder)


def _posts_code(arrival: Arrival) -> bool:
    """True when completing this arrival sends an authorization code to the provider."""
    if isinstance(arrival, Redirect):
        return arrival.result.code is not None and arrival.result.error is None
    return isinstance(arrival, AuthorizeCall) and arrival.code is not None


async def _keep_lease(ctx: FlowContext, owner: Owner, session_id: str, holder: str) -> None:
    """Renew the holder's lease until cancelled (a store hiccup skips one renewal)."""
    repository = ctx.store.sessions
    while True:
        await asyncio.sleep(RENEW_SECONDS)
        try:
            if not await repository.renew(owner, session_id, holder, LEASE_MS):
                return
        except STORE_FAILURES:
            continue


async def _mark_sent(
    ctx: FlowContext, read: CompletionRead, nonce: str, fingerprint: str
) -> CompletionRead:
    """Record, before the code leaves, that this arrival's code is being posted."""
    repository = ctx.store.sessions
    assert read.current is not None
    owner, session_id = read.current.session.owner, read.current.session.id
    reads = ReadFirst(read, lambda: repository.read_for_completion(owner, session_id, None, 0))

    async def attempt() -> CompletionRead | None:
        found = await reads()
        if found.current is None:
            raise ConnectSessionNotFound()
        check_leg(found.current.session, nonce)
        marked = found.current.session.evolve(code_sent=fingerprint)
        saved = await save(ctx, found.current, marked)
        return None if saved is None else replace(found, current=saved)

    return await retry_write(attempt, "session")


async def _clear_sent(ctx: FlowContext, owner: Owner, session_id: str, fingerprint: str) -> None:
    """The provider refused before taking the code (say, a foreign issuer): nothing is in
    flight any more."""

    def clear(session: Session) -> Session:
        return session.evolve(code_sent=None) if session.code_sent == fingerprint else session

    await apply(ctx, owner, session_id, clear)


async def _offer_fresh_leg(ctx: FlowContext, session: Session) -> Session:
    """The leg again from the provider's sign-in, saying why (an interrupted exchange)."""
    assert session.provider is not None
    error = SessionError(code=ConnectInvalidAuthCode.code, message=INTERRUPTED)
    return await start_leg(ctx, session.owner, session.id, session.provider, error)


async def _read_with_lease(
    ctx: FlowContext,
    owner: Owner,
    session_id: str,
    nonce: str,
    fingerprint: str,
    holder: str,
    presented: Presented | None,
) -> CompletionRead | Session:
    """The session read with its lease taken, or (a replay) the settled session.

    While another request holds the lease, wait for its outcome, never longer than the
    provider timeout (a dead holder's lease lapses within LEASE_MS).
    """
    repository = ctx.store.sessions
    deadline = time.monotonic() + ctx.settings.provider_timeout_seconds
    while True:
        read = await repository.read_for_completion(owner, session_id, holder, LEASE_MS)
        taken = read.lease is Lease.TAKEN
        try:
            if read.current is None or read.current.session.owner != owner:
                raise ConnectSessionNotFound()
            session = read.current.session
            if presented is not None:
                check_callback_browser(ctx, session, presented)
            if _replay_of(session, nonce, fingerprint):
                return session
            if session.is_past_expiry(utcnow()):
                if await save(ctx, read.current, expired(session), release=holder) is None:
                    continue  # moved meanwhile: read again
                taken = False
                raise refusal(SessionStatus.EXPIRED)
            check_leg(session, nonce)
            if presented is not None:
                check_presented(ctx, session, presented)
        except BaseException:
            if taken:
                await repository.release(owner, session_id, holder)
            raise
        if taken:
            return read
        if time.monotonic() > deadline:
            raise ProviderUnavailable("Another request is completing this session; retry.")
        await asyncio.sleep(_POLL_SECONDS)


async def _note_leg_done(
    ctx: FlowContext, owner: Owner, session_id: str, nonce: str, presented: Presented
) -> Session:
    """The user finished the provider's pages; the vehicle is confirmed later (or now, when
    the provider announced it before the browser came back)."""

    def done(session: Session) -> Session:
        check_callback_browser(ctx, session, presented)
        if session.consumed is not None and hmac.compare_digest(session.consumed.nonce, nonce):
            return session  # settled: the bound browser came back again
        check_leg(session, nonce)
        check_presented(ctx, session, presented)
        if session.external_done:
            return session
        return session.evolve(external_done=True, error=None, updated_at=utcnow())

    return (await apply(ctx, owner, session_id, done)).session


async def _keep_credentials(
    ctx: FlowContext,
    owner: Owner,
    session_id: str,
    nonce: str,
    fingerprint: str,
    credentials: Credentials,
) -> None:
    """Keep credentials a code gave (sealed with the session) so the code is never re-posted."""

    def keep(session: Session) -> Session:
        if session.state_nonce != nonce or session.is_finished:
            return session
        sealed = seal_pending_credentials(ctx, session, credentials)
        return session.evolve(exchanged=fingerprint, pending_credentials=sealed)

    await apply(ctx, owner, session_id, keep)


async def _settle(
    ctx: FlowContext,
    read: CompletionRead,
    nonce: str,
    fingerprint: str,
    outcome: Outcome,
    holder: str,
) -> Session:
    """Commit the provider's outcome as one transition, giving the lease back in that step.

    The first attempt works from the read the lease was taken with; a write that finds the
    session (or the user's vehicle) moved reads again.
    """
    consumed = ConsumedState(nonce=nonce, fingerprint=fingerprint)
    repository = ctx.store.sessions
    assert read.current is not None
    owner, session_id = read.current.session.owner, read.current.session.id
    reads = ReadFirst(read, lambda: repository.read_for_completion(owner, session_id, None, 0))

    async def attempt() -> Session | None:
        latest = await reads()
        if latest.current is None:
            raise ConnectSessionNotFound()
        session = latest.current.session
        if session.is_past_expiry(utcnow()):
            if await save(ctx, latest.current, expired(session), release=holder) is None:
                return None
            raise refusal(SessionStatus.EXPIRED)
        check_leg(session, nonce)
        saved = await _commit(ctx, latest, outcome, consumed, holder)
        return None if saved is None else saved.session

    return await retry_write(attempt, "session")


async def _commit(
    ctx: FlowContext, read: CompletionRead, outcome: Outcome, consumed: ConsumedState, holder: str
) -> Versioned | None:
    """The one write an outcome makes: fail, offer the choice, or bind the car; None if stale."""
    assert read.current is not None
    current = read.current
    session = current.session
    now = utcnow()
    if isinstance(outcome, Denied):
        failed = session.fail(now, outcome.code, outcome.message, consumed=consumed)
        return await save(ctx, current, failed, release=holder)
    cars = outcome.vehicles
    if not cars:
        failed = session.fail(
            now,
            ConnectVehicleNotAuthorized.code,
            "No vehicle was found on this provider account",
            consumed=consumed,
        )
        return await save(ctx, current, failed, release=holder)
    chosen = _preselected(cars, session.vin)
    assert session.provider is not None
    provider = ctx.providers.get(session.provider)
    if chosen is None and provider is not None and not provider.allows_vehicle_choice:
        failed = session.fail(
            now,
            ConnectMultipleVehiclesNotAllowed.code,
            "There is more than one vehicle on the vendor account; this is not supported",
            consumed=consumed,
        )
        return await save(ctx, current, failed, release=holder)
    if chosen is not None:
        existing = read.vehicle(vehicle_id_for(session.owner, chosen, session.provider))
        return await bind_vehicle(
            ctx,
            current,
            Trigger.AUTHORIZE,
            chosen,
            outcome.credentials,
            consumed,
            existing=existing,
            release=holder,
        )
    choosing = session.transit(
        Trigger.REQUIRE_CHOICE,
        now,
        consumed=consumed,
        exchanged=None,
        error=None,
        sealed_leg_url=None,
        external_redirect_url=None,
        redirect_info=None,
        state_nonce=None,
        state_hash=None,
        leg_secret=None,
        candidates=[Candidate(**vars(car)) for car in cars],
        pending_credentials=seal_pending_credentials(ctx, session, outcome.credentials),
    )
    return await save(ctx, current, choosing, release=holder)


def _preselected(cars: list[ProviderVehicle], vin: str | None) -> ProviderVehicle | None:
    if len(cars) == 1:
        return cars[0]
    return next((car for car in cars if vin is not None and car.vin == vin), None)
