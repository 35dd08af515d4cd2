"""Browser binding: a session's hosted legs belong to the browser that first opened them."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from service.domain.models import Session, Versioned
from service.errors import Forbidden
from service.flows.context import FlowContext
from service.flows.records import ReadFirst, read_session, retry_write, save
from service.security.sealed import same_digest

_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{32,64}")
FOREIGN = (
    "This sign-in was started in another browser or app. Go back to the app that started "
    "it and connect your car from there."
)


def usable_browser_id(cookie: str | None) -> str | None:
    """The binding cookie's value when it has our shape, else None."""
    return cookie if cookie is not None and _BROWSER_ID.fullmatch(cookie) else None


BrowserIds = Mapping[str, str]
"""The binding cookies a request carried, by session id."""


def check_browser(ctx: FlowContext, session: Session, browsers: BrowserIds) -> None:
    """Refuse (403, nothing changes) a step of a hosted leg from any browser but the one that
    first opened the session's pages."""
    browser = usable_browser_id(browsers.get(session.id))
    bound = browser is not None and same_digest(
        session.browser_hash, ctx.links.digest(session, browser)
    )
    if not bound:
        raise Forbidden(FOREIGN)


async def bind_browser(
    ctx: FlowContext, current: Versioned, browsers: BrowserIds
) -> tuple[Session, str]:
    """The session (read as current), bound to this browser if it is the first to open it;
    its cookie's value. A browser without the cookie gets a new one; another is refused.
    """
    owner, session_id = current.session.owner, current.session.id
    value = usable_browser_id(browsers.get(session_id)) or secrets.token_urlsafe(32)
    presented = {session_id: value}
    reads = ReadFirst(current, lambda: read_session(ctx, owner, session_id))

    async def attempt() -> Session | None:
        latest = await reads()
        session = latest.session
        if session.is_finished:
            return session
        if session.browser_hash is not None:
            check_browser(ctx, session, presented)
            return session
        bound = session.evolve(browser_hash=ctx.links.digest(session, value))
        saved = await save(ctx, latest, bound)
        return None if saved is None else saved.session

    return await retry_write(attempt, "session"), value
