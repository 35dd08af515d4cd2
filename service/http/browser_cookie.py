"""The browser-binding cookies: one per session, set where its hosted legs start and read back
at every later step (the flows decide what they must match)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse

from service.domain.models import Session, utcnow
from service.flows.browsers import BrowserIds
from service.flows.completion import NextPage

SECURE_PREFIX = "__Host-vc-"
"""On https: `__Host-` (Secure, Path=/, no Domain), so no other host can set or read it."""
PLAIN_PREFIX = "vc-"
"""On plain http (development, tests): browsers refuse `__Host-` cookies without Secure."""
MAX_SESSION_ID = 64
SLACK_SECONDS = 300
"""How long a cookie outlives its session's expiry (a late callback still finds it)."""


class BrowserCookie:
    """Reads and sets the cookies that name the browser each session is bound to."""

    def __init__(self, secure: bool) -> None:
        self.secure = secure
        self.prefix = SECURE_PREFIX if secure else PLAIN_PREFIX

    def read(self, request: Request) -> dict[str, str]:
        """The binding cookies the browser sent, by session id."""
        return {
            name.removeprefix(self.prefix): value
            for name, value in request.cookies.items()
            if name.startswith(self.prefix) and len(name) - len(self.prefix) <= MAX_SESSION_ID
        }

    def attach(self, response: Response, session: Session, value: str) -> None:
        """Set session's cookie on response: HttpOnly, SameSite=Lax, until shortly after the
        session expires."""
        response.set_cookie(
            self.prefix + session.id,
            value,
            max_age=_seconds_until(session.expires_at) + SLACK_SECONDS,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def follow(self, page: NextPage, status_code: int) -> RedirectResponse:
        """The redirect to a hosted step's next page; a finished session's cookie goes."""
        response = RedirectResponse(page.url, status_code=status_code)
        if page.session.is_finished:
            self.forget(response, page.session)
        return response

    def forget(self, response: Response, session: Session) -> None:
        """Remove a finished session's cookie (a browser keeps only those of open sessions)."""
        response.delete_cookie(
            self.prefix + session.id,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )


def _seconds_until(moment: datetime) -> int:
    return max(int((moment - utcnow()).total_seconds()), 0)


def browser_cookie(request: Request) -> BrowserCookie:
    """The app's binding cookies (built once in main.create_app)."""
    found: BrowserCookie = request.app.state.browser_cookie
    return found


BrowserCookieDep = Annotated[BrowserCookie, Depends(browser_cookie)]


def browser_ids(request: Request, cookie: BrowserCookieDep) -> dict[str, str]:
    """The binding cookies this request carries, by session id."""
    return cookie.read(request)


BrowserDep = Annotated[BrowserIds, Depends(browser_ids)]
