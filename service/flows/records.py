"""Session records as the flows read and write them: expiry applied, writes retried, counted.

Every change of a session is a compare-and-set on the version it was read at; a write that
finds the record moved reads it again and decides again (`retry_write`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from service.domain.models import Owner, Session, SessionError, Versioned, utcnow
from service.domain.states import SessionStatus, Trigger
from service.errors import (
    ConnectSessionExpired,
    ConnectSessionNotFound,
    ConnectVehicleNotPending,
    ProblemError,
    StoreUnavailable,
)
from service.flows.context import FlowContext

MAX_WRITE_ATTEMPTS = 8

_Written = TypeVar("_Written")
_Read = TypeVar("_Read")


class ReadFirst(Generic[_Read]):
    """A read already made, used by a write's first attempt; each later attempt reads again."""

    def __init__(self, first: _Read, again: Callable[[], Awaitable[_Read]]) -> None:
        self._first: _Read | None = first
        self._again = again

    async def __call__(self) -> _Read:
        """The first read once, then a fresh one each call."""
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return await self._again()


async def retry_write(attempt: Callable[[], Awaitable[_Written | None]], what: str) -> _Written:
    """Run attempt (read, decide, compare-and-set) until it writes; None means it lost a race.

    After MAX_WRITE_ATTEMPTS lost races: 503 STORE_UNAVAILABLE (retryable).
    """
    for _ in range(MAX_WRITE_ATTEMPTS):
        written = await attempt()
        if written is not None:
            return written
    raise StoreUnavailable(f"The {what} is changing too fast; retry")


def refusal(status: SessionStatus) -> ProblemError:
    """The problem for a trigger on a session in status, which no longer accepts it."""
    if status == SessionStatus.EXPIRED:
        return ConnectSessionExpired()
    return ConnectVehicleNotPending(f"The connect session is {status.value}.")


def count_transition(ctx: FlowContext, before: Session, after: Session) -> None:
    """Count the transition a write made, if it made one."""
    if after.history and (not before.history or after.history[-1] != before.history[-1]):
        entry = after.history[-1]
        provider = after.provider.value if after.provider else "none"
        ctx.metrics.transitions.labels(provider, entry.from_.value, entry.to.value).inc()


async def save(
    ctx: FlowContext, current: Versioned, new: Session, *, release: str | None = None
) -> Versioned | None:
    """Write new over current (None when the record moved), giving a lease back if named."""
    saved = await ctx.store.sessions.replace(current, new, release=release)
    if saved is not None:
        count_transition(ctx, current.session, new)
    return saved


def expired(session: Session) -> Session:
    """The session moved to expired (its time ran out)."""
    return session.transit(
        Trigger.EXPIRE,
        utcnow(),
        error=SessionError(code=ConnectSessionExpired.code, message="The session expired"),
    )


async def read_session(ctx: FlowContext, owner: Owner, session_id: str) -> Versioned:
    """The session with expiry applied (an open session past its time becomes expired)."""

    async def attempt() -> Versioned | None:
        current = await ctx.store.sessions.get(owner, session_id)
        if current is None or current.session.owner != owner:
            raise ConnectSessionNotFound()
        if not current.session.is_past_expiry(utcnow()):
            return current
        return await save(ctx, current, expired(current.session))

    return await retry_write(attempt, "session")


async def apply(
    ctx: FlowContext, owner: Owner, session_id: str, change: Callable[[Session], Session]
) -> Versioned:
    """Read, change and compare-and-set a session, retrying on a concurrent write; a change
    that returns the session it was given writes nothing."""

    async def attempt() -> Versioned | None:
        current = await read_session(ctx, owner, session_id)
        changed = change(current.session)
        if changed is current.session:
            return current
        return await save(ctx, current, changed)

    return await retry_write(attempt, "session")
