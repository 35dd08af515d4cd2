"""Flow secrets kept with a session, encrypted and bound to it."""

from __future__ import annotations

from typing import Any

from service.domain.models import Session
from service.flows.context import FlowContext
from service.providers.base import Credentials

_LEG_SECRET = "leg-secret"  # noqa: S105 (an encryption context label)
_PENDING_CREDENTIALS = "pending-credentials"


def _context(session: Session, purpose: str) -> str:
    return f"{purpose}\x00{session.owner.key}\x00{session.id}"


def seal_leg_secret(ctx: FlowContext, session: Session, secret: dict[str, str]) -> str | None:
    """Encrypt what a provider leg must keep server-side (a PKCE verifier, say)."""
    return ctx.keyring.encrypt_json(secret, _context(session, _LEG_SECRET)) if secret else None


def open_leg_secret(ctx: FlowContext, session: Session) -> dict[str, str]:
    """The leg secret of the session ({} when it has none)."""
    if session.leg_secret is None:
        return {}
    value: Any = ctx.keyring.decrypt_json(session.leg_secret, _context(session, _LEG_SECRET))
    return {str(key): str(item) for key, item in dict(value).items()}


def seal_pending_credentials(ctx: FlowContext, session: Session, credentials: Credentials) -> str:
    """Encrypt credentials that wait for the user's vehicle choice."""
    return ctx.keyring.encrypt_json(credentials.to_json(), _context(session, _PENDING_CREDENTIALS))


def open_pending_credentials(ctx: FlowContext, session: Session, envelope: str) -> Credentials:
    """The credentials that waited for the vehicle choice."""
    return Credentials.from_json(
        ctx.keyring.decrypt_json(envelope, _context(session, _PENDING_CREDENTIALS))
    )
