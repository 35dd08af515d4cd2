"""Where a session sends the app's web view next: startUrl, redirectUrl, the next page."""

from __future__ import annotations

from urllib.parse import urlencode

from service.domain.models import Session
from service.domain.states import SessionStatus
from service.domain.urls import PublicUrls


def start_url(session: Session, urls: PublicUrls) -> str | None:
    """The page the app must open next; None when finished."""
    if session.status == SessionStatus.PENDING:
        return urls.start_page(session)
    if session.status == SessionStatus.AWAITING_EXTERNAL:
        if session.external_redirect_url:
            # The app captures this leg's end and relays it: the provider's page itself.
            return urls.provider_page(session)
        # The leg ends at our callback: first our page, which binds the browser.
        return urls.leg_page(session)
    if session.status == SessionStatus.AWAITING_VEHICLE_CHOICE:
        return urls.choice_page(session)
    return None


def redirect_url(session: Session, urls: PublicUrls) -> str | None:
    """The URL prefix the web view waits for; None when finished."""
    if session.is_finished:
        return None
    if session.status == SessionStatus.AWAITING_EXTERNAL and session.external_redirect_url:
        return session.external_redirect_url
    return session.redirect_uri or urls.end_page_prefix


def hosted_redirect(session: Session, urls: PublicUrls) -> str:
    """The end of the hosted legs: the app's redirectUri (with the session) or the end page."""
    if session.redirect_uri:
        separator = "&" if "?" in session.redirect_uri else "?"
        query = urlencode({"sessionId": session.id, "status": session.status.value})
        return f"{session.redirect_uri}{separator}{query}"
    return urls.end_page(session)


def next_page(session: Session, urls: PublicUrls) -> str:
    """Where a callback or a hosted form sends the browser after it has run."""
    if session.status == SessionStatus.AWAITING_VEHICLE_CHOICE:
        return urls.choice_page(session)
    return hosted_redirect(session, urls)
