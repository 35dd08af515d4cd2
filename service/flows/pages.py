"""Use cases of the hosted pages: a page token opens one session's start, choice and end."""

from __future__ import annotations

from dataclasses import dataclass

from service.domain.models import Session, Vehicle, Versioned
from service.domain.navigation import hosted_redirect, next_page, start_url
from service.domain.providers import ProviderName
from service.domain.states import SessionStatus
from service.errors import ConnectSessionExpired, ConnectSessionNotFound, Forbidden
from service.flows.browsers import BrowserIds, bind_browser, check_browser
from service.flows.completion import NextPage
from service.flows.context import FlowContext
from service.flows.legs import Legs, allowed_providers
from service.flows.records import read_session
from service.security.sealed import EXPIRED_LINK, open_page_token, same_digest


@dataclass(frozen=True)
class ProviderOffer:
    """A provider the start page offers: its name and what people call it."""

    name: ProviderName
    display_name: str


@dataclass(frozen=True)
class PageOutcome:
    """What the end page tells: the session, who confirms it, the car, where to go on."""

    session: Session
    provider_display_name: str | None
    vehicle: Vehicle | None
    resume_url: str | None


class HostedPages:
    """Read and act on the session a page token names, from the browser bound to it."""

    def __init__(self, ctx: FlowContext, legs: Legs) -> None:
        self._ctx = ctx
        self._legs = legs

    async def _read(self, token: str | None) -> Versioned:
        """The session a page token opens: 403 when the token is not (or no longer) valid."""
        claims = open_page_token(self._ctx.keyring, token)
        try:
            current = await read_session(self._ctx, claims.owner, claims.session_id)
        except ConnectSessionNotFound:
            raise Forbidden(EXPIRED_LINK) from None
        if not same_digest(current.session.page_token_hash, claims.digest):
            raise Forbidden(EXPIRED_LINK)
        return current

    async def session(self, token: str | None) -> Session:
        """The session of a page token (403 when the token is not valid)."""
        return (await self._read(token)).session

    async def open_session(self, token: str | None, browsers: BrowserIds) -> Session:
        """The session of a page that acts on it, from its browser: 410 once it expired."""
        session = await self.session(token)
        _refuse_expired(session)
        if not session.is_finished:
            check_browser(self._ctx, session, browsers)
        return session

    async def bind(self, token: str | None, browsers: BrowserIds) -> tuple[Session, str]:
        """The session of a page that starts a leg (startUrl), bound to the first browser to
        open it; the binding cookie's value. 410 once it expired."""
        current = await self._read(token)
        _refuse_expired(current.session)
        return await bind_browser(self._ctx, current, browsers)

    def provider_page(self, session: Session) -> str | None:
        """The provider's sign-in page of the session's current leg."""
        return self._ctx.urls.provider_page(session)

    def offers(self, session: Session) -> list[ProviderOffer]:
        """The providers the start page offers for this session."""
        ctx = self._ctx
        found = [
            ctx.providers.get(name)
            for name in allowed_providers(ctx, ctx.client(session.client_id), session)
        ]
        return [ProviderOffer(p.name, p.display_name) for p in found if p is not None]

    async def start(self, token: str, provider: ProviderName, browsers: BrowserIds) -> str:
        """Start the leg at the chosen provider; the page the browser goes to next.

        A leg whose end the app's web view must capture (Tesla owner mode) first passes
        through the hosted redirect, so the app reads the session and learns the new
        redirectUrl and redirectInfo before it loads the provider's page (as the Jedlix SDK
        expects).
        """
        pending = await self.open_session(token, browsers)
        session = await self._legs.start(pending.owner, pending.id, provider)
        if session.external_redirect_url:
            return hosted_redirect(session, self._ctx.urls)
        found = self.provider_page(session)
        assert found is not None
        return found

    async def choose(self, token: str, vin: str, browsers: BrowserIds) -> NextPage:
        """Bind the chosen car; the page the browser goes to next."""
        choosing = await self.open_session(token, browsers)
        session = await self._legs.choose(choosing.owner, choosing.id, vin)
        return NextPage(next_page(session, self._ctx.urls), session)

    async def outcome(self, session: Session) -> PageOutcome:
        """What the end page shows of a session."""
        ctx = self._ctx
        provider = ctx.providers.get(session.provider) if session.provider else None
        vehicle = (
            await ctx.store.vehicles.get(session.owner, session.vehicle_id)
            if session.vehicle_id
            else None
        )
        waiting = session.is_finished or session.external_done
        return PageOutcome(
            session=session,
            provider_display_name=provider.display_name if provider else None,
            vehicle=vehicle,
            resume_url=None if waiting else start_url(session, ctx.urls),
        )


def _refuse_expired(session: Session) -> None:
    if session.status == SessionStatus.EXPIRED:
        raise ConnectSessionExpired("This connection attempt has expired.")
