"""Hosted pages of a session: start (pick a provider), vehicle choice, end."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from service.api.deps import ContextDep, limit_by_client_ip
from service.config import ProviderName
from service.context import AppContext
from service.domain.models import Session
from service.domain.states import SessionStatus
from service.errors import ConnectSessionExpired
from service.flows.external import choose_vehicle, start_leg
from service.flows.sessions import allowed_providers, read_session
from service.flows.tokens import open_page_token
from service.navigation import hosted_redirect, next_page, start_url
from service.web.render import render

router = APIRouter(
    prefix="/web",
    tags=["hosted pages"],
    include_in_schema=False,
    dependencies=[Depends(limit_by_client_ip)],
)

Token = Annotated[str | None, Query(max_length=1024)]
FormToken = Annotated[str, Form(max_length=1024)]


async def _session_for(ctx: AppContext, token: str | None) -> Session:
    claims = open_page_token(ctx.keyring, token)
    return (await read_session(ctx, claims.owner, claims.session_id)).session


async def _open_session_for(ctx: AppContext, token: str | None) -> Session:
    """The session of a page that acts on it: 410 once it expired."""
    session = await _session_for(ctx, token)
    if session.status == SessionStatus.EXPIRED:
        raise ConnectSessionExpired("This connection attempt has expired.")
    return session


@router.get("/start")
async def start_page(ctx: ContextDep, token: Token = None) -> HTMLResponse:
    """Pick a provider allowed for this client and vehicle."""
    session = await _open_session_for(ctx, token)
    if session.status not in (SessionStatus.PENDING, SessionStatus.AWAITING_EXTERNAL):
        return await _status_page(ctx, session)
    client = ctx.client(session.client_id)
    providers = [ctx.providers.get(name) for name in allowed_providers(ctx, client, session)]
    return render(
        "start.html",
        token=token,
        action="/web/start",
        providers=[p for p in providers if p is not None],
    )


@router.post("/start")
async def start_submit(
    ctx: ContextDep,
    token: FormToken,
    provider: Annotated[ProviderName, Form()],
) -> RedirectResponse:
    """Start the leg at the chosen provider and go to its sign-in page.

    A leg whose end the app's web view must capture (Tesla owner mode) first passes through
    the hosted redirect, so the app reads the session and learns the new redirectUrl and
    redirectInfo before it loads the provider's page (as the Jedlix SDK expects).
    """
    claims = open_page_token(ctx.keyring, token)
    session = await start_leg(ctx, claims.owner, claims.session_id, provider)
    assert session.authorize_url is not None
    if session.external_redirect_url:
        return RedirectResponse(hosted_redirect(session, ctx.urls), status_code=303)
    return RedirectResponse(session.authorize_url, status_code=303)


@router.get("/choose")
async def choice_page(ctx: ContextDep, token: Token = None) -> HTMLResponse:
    """The cars of the provider account, by VIN and name."""
    session = await _open_session_for(ctx, token)
    if session.status != SessionStatus.AWAITING_VEHICLE_CHOICE:
        return await _status_page(ctx, session)
    return render("choose.html", token=token, action="/web/choose", candidates=session.candidates)


@router.post("/choose")
async def choice_submit(
    ctx: ContextDep,
    token: FormToken,
    vin: Annotated[str, Form(min_length=1, max_length=32)],
) -> RedirectResponse:
    """Bind the chosen car and go on to the end of the hosted legs."""
    claims = open_page_token(ctx.keyring, token)
    session = await choose_vehicle(ctx, claims.owner, claims.session_id, vin)
    return RedirectResponse(next_page(session, ctx.urls), status_code=303)


@router.get("/end")
async def end_page(ctx: ContextDep, token: Token = None) -> HTMLResponse:
    """Where the hosted legs end: what happened and what comes next."""
    return await _status_page(ctx, await _session_for(ctx, token))


_OUTCOMES = {
    SessionStatus.AUTHORIZED: ("Car connected", "ok", "Your car is connected."),
    SessionStatus.FAILED: ("Connection failed", "bad", "Your car could not be connected."),
    SessionStatus.EXPIRED: ("Link expired", "bad", "This connection attempt has expired."),
    SessionStatus.CANCELLED: ("Cancelled", "bad", "This connection attempt was cancelled."),
}


async def _status_page(ctx: AppContext, session: Session) -> HTMLResponse:
    heading, tone, message = _OUTCOMES.get(
        session.status, ("Almost there", "", "Connecting your car is still in progress.")
    )
    if session.status == SessionStatus.AWAITING_EXTERNAL and session.external_done:
        provider = ctx.providers.get(session.provider) if session.provider else None
        name = provider.display_name if provider else "the provider"
        message = f"Waiting for {name} to confirm your car. This usually takes a moment."
    if session.error is not None and session.status == SessionStatus.FAILED:
        message = f"{message} {session.error.message}."
    next_step = (
        "You can close this window and return to the app."
        if session.is_finished
        else "Continue to finish connecting your car."
    )
    return render(
        "end.html",
        heading=heading,
        tone=tone,
        message=message,
        next_step=next_step,
        vehicle=await ctx.vehicles.get(session.owner, session.vehicle_id)
        if session.vehicle_id
        else None,
        resume_url=None
        if session.is_finished or session.external_done
        else start_url(session, ctx.urls),
    )
