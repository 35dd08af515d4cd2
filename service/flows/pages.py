"""Use cases of the hosted pages: a page token opens one session's start, choice and end."""

from __future__ import annotations

from dataclasses import dataclass

from service.domain.models import Session, Vehicle
from service.domain.navigation import hosted_redirect, next_page, start_url
from service.domain.providers import ProviderName
from service.domain.states import SessionStatus
from service.errors import ConnectSessionExpired
from service.flows.context import FlowContext
from service.flows.legs import Legs, allowed_providers
from service.flows.records import read_session
from service.security.sealed import open_page_token


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
    """Read and act on the session a page token names."""

    def __init__(self, ctx: FlowContext, legs: Legs) -> None:
        self._ctx = ctx
        self._legs = legs

    async def session(self, token: str | None) -> Session:
        """The session of a page token (403 when the token is not valid)."""
        claims = open_page_token(self._ctx.keyring, token)
        return (await read_session(self._ctx, claims.owner, claims.session_id)).session

    async def open_session(self, token: str | None) -> Session:
        """The session of a page that acts on it: 410 once it expired."""
        session = await self.session(token)
        if session.status == SessionStatus.EXPIRED:
            raise ConnectSessionExpired("This connection attempt has expired.")
        return session

    def offers(self, session: Session) -> list[ProviderOffer]:
        """The providers the start page offers for this session."""
        ctx = self._ctx
        found = [
            ctx.providers.get(name)
            for name in allowed_providers(ctx, ctx.client(session.client_id), session)
        ]
        return [ProviderOffer(p.name, p.display_name) for p in found if p is not None]

    async def start(self, token: str, provider: ProviderName) -> str:
        """Start the leg at the chosen provider; the page the browser goes to next.

        A leg whose end the app's web view must capture (Tesla owner mode) first passes
        through the hosted redirect, so the app reads the session and learns the new
        redirectUrl and redirectInfo before it loads the provider's page (as the Jedlix SDK
        expects).
        """
        claims = open_page_token(self._ctx.keyring, token)
        session = await self._legs.start(claims.owner, claims.session_id, provider)
        assert session.authorize_url is not None
        if session.external_redirect_url:
            return hosted_redirect(session, self._ctx.urls)
        return session.authorize_url

    async def choose(self, token: str, vin: str) -> str:
        """Bind the chosen car; the page the browser goes to next."""
        claims = open_page_token(self._ctx.keyring, token)
        session = await self._legs.choose(claims.owner, claims.session_id, vin)
        return next_page(session, self._ctx.urls)

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
