"""Hosted pages of a session: start (pick a provider), vehicle choice, end."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.domain.providers import ProviderName
from service.domain.states import SessionStatus
from service.flows.pages import PageOutcome
from service.http.browser_cookie import BrowserCookieDep, BrowserDep
from service.http.dependencies import (
    HtmlPagesDep,
    UseCasesDep,
    limit_by_client_ip,
    same_origin_form,
)
from service.http.rendering import HtmlPages

router = APIRouter(
    prefix="/web",
    tags=["hosted pages"],
    include_in_schema=False,
    dependencies=[Depends(limit_by_client_ip)],
)

PRIVATE_REDIRECT = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
"""The redirect to a provider carries its state: kept out of caches and referrers."""
Token = Annotated[str | None, Query(max_length=1024)]
FormToken = Annotated[str, Form(max_length=1024)]


@router.get("/start")
async def start_page(
    flows: UseCasesDep,
    html: HtmlPagesDep,
    cookie: BrowserCookieDep,
    browser: BrowserDep,
    token: Token = None,
) -> HTMLResponse:
    """Pick a provider allowed for this client and vehicle (binds the browser)."""
    session, browser_value = await flows.pages.bind(token, browser)
    if session.status not in (SessionStatus.PENDING, SessionStatus.AWAITING_EXTERNAL):
        return _status_page(html, await flows.pages.outcome(session))
    page = html.render(
        "start.html",
        client_id=session.client_id,
        token=token,
        action="/web/start",
        providers=flows.pages.offers(session),
    )
    cookie.attach(page, session, browser_value)
    return page


@router.post("/start", dependencies=[Depends(same_origin_form)])
async def start_submit(
    flows: UseCasesDep,
    browser: BrowserDep,
    token: FormToken,
    provider: Annotated[ProviderName, Form()],
) -> RedirectResponse:
    """Start the leg at the chosen provider and go to its sign-in page."""
    return RedirectResponse(await flows.pages.start(token, provider, browser), status_code=303)


@router.get("/go", response_model=None)
async def leg_start(
    flows: UseCasesDep,
    html: HtmlPagesDep,
    cookie: BrowserCookieDep,
    browser: BrowserDep,
    token: Token = None,
) -> Response:
    """The startUrl of a leg that ends at our callback: bind the browser, on to the provider."""
    session, browser_value = await flows.pages.bind(token, browser)
    target = None
    if session.status == SessionStatus.AWAITING_EXTERNAL and not session.external_done:
        target = flows.pages.provider_page(session)
    answer: Response
    if target is None:
        answer = _status_page(html, await flows.pages.outcome(session))
    else:
        answer = RedirectResponse(target, status_code=302, headers=PRIVATE_REDIRECT)
    cookie.attach(answer, session, browser_value)
    return answer


@router.get("/choose")
async def choice_page(
    flows: UseCasesDep,
    html: HtmlPagesDep,
    cookie: BrowserCookieDep,
    browser: BrowserDep,
    token: Token = None,
) -> HTMLResponse:
    """The cars of the provider account, by VIN and name (a relayed leg's browser is bound
    here: its startUrl was the provider's)."""
    session, browser_value = await flows.pages.bind(token, browser)
    if session.status != SessionStatus.AWAITING_VEHICLE_CHOICE:
        return _status_page(html, await flows.pages.outcome(session))
    page = html.render(
        "choose.html",
        client_id=session.client_id,
        token=token,
        action="/web/choose",
        candidates=session.candidates,
    )
    cookie.attach(page, session, browser_value)
    return page


@router.post("/choose", dependencies=[Depends(same_origin_form)])
async def choice_submit(
    flows: UseCasesDep,
    cookie: BrowserCookieDep,
    browser: BrowserDep,
    token: FormToken,
    vin: Annotated[str, Form(min_length=1, max_length=32)],
) -> RedirectResponse:
    """Bind the chosen car and go on to the end of the hosted legs."""
    return cookie.follow(await flows.pages.choose(token, vin, browser), 303)


@router.get("/end")
async def end_page(flows: UseCasesDep, html: HtmlPagesDep, token: Token = None) -> HTMLResponse:
    """Where the hosted legs end: what happened and what comes next."""
    return _status_page(html, await flows.pages.outcome(await flows.pages.session(token)))


_OUTCOMES = {
    SessionStatus.AUTHORIZED: ("Car connected", "ok", "Your car is connected."),
    SessionStatus.FAILED: ("Connection failed", "bad", "Your car could not be connected."),
    SessionStatus.EXPIRED: ("Link expired", "bad", "This connection attempt has expired."),
    SessionStatus.CANCELLED: ("Cancelled", "bad", "This connection attempt was cancelled."),
}


def _status_page(html: HtmlPages, outcome: PageOutcome) -> HTMLResponse:
    session = outcome.session
    heading, tone, message = _OUTCOMES.get(
        session.status, ("Almost there", "", "Connecting your car is still in progress.")
    )
    if session.status == SessionStatus.AWAITING_EXTERNAL and session.external_done:
        name = outcome.provider_display_name or "the provider"
        message = f"Waiting for {name} to confirm your car. This usually takes a moment."
    if session.error is not None and session.status == SessionStatus.FAILED:
        message = f"{message} {session.error.message}."
    next_step = (
        "You can close this window and return to the app."
        if session.is_finished
        else "Continue to finish connecting your car."
    )
    return html.render(
        "end.html",
        heading=heading,
        tone=tone,
        message=message,
        next_step=next_step,
        vehicle=outcome.vehicle,
        resume_url=outcome.resume_url,
    )
