"""Page tokens and OAuth `state`: sealed, session-bound, expiring values."""

from __future__ import annotations

from dataclasses import dataclass

from service.domain.models import Owner, Session
from service.domain.providers import ProviderName
from service.errors import ConnectInvalidState, Forbidden
from service.security.crypto import DecryptionError, Keyring

_PAGE = "page"
_STATE = "state"


@dataclass(frozen=True)
class PageClaims:
    """Which session a hosted page is for."""

    owner: Owner
    session_id: str


@dataclass(frozen=True)
class StateClaims:
    """Which session and leg an OAuth state belongs to."""

    owner: Owner
    session_id: str
    nonce: str
    provider: ProviderName


def issue_page_token(keyring: Keyring, owner: Owner, session_id: str, ttl_seconds: float) -> str:
    """A token that opens the hosted pages of one session."""
    claims = {"c": owner.client_id, "u": owner.user_id, "s": session_id}
    return keyring.seal_token(_PAGE, claims, ttl_seconds)


def open_page_token(keyring: Keyring, token: str | None) -> PageClaims:
    """The session a page token names; 403 FORBIDDEN when missing, tampered or expired."""
    try:
        claims = keyring.open_token(_PAGE, token or "")
        return PageClaims(Owner(str(claims["c"]), str(claims["u"])), str(claims["s"]))
    except (DecryptionError, KeyError, ValueError):
        raise Forbidden("This link is not valid or has expired.") from None


def issue_state(
    keyring: Keyring, session: Session, nonce: str, provider: ProviderName, ttl_seconds: float
) -> str:
    """An OAuth state bound to the session and this leg's nonce."""
    claims = {
        "c": session.client_id,
        "u": session.user_id,
        "s": session.id,
        "n": nonce,
        "p": provider.value,
    }
    return keyring.seal_token(_STATE, claims, ttl_seconds)


def open_state(keyring: Keyring, state: str | None) -> StateClaims:
    """The claims of a state; 400 CONNECT_INVALID_STATE when missing, tampered or expired."""
    try:
        claims = keyring.open_token(_STATE, state or "")
        return StateClaims(
            Owner(str(claims["c"]), str(claims["u"])),
            str(claims["s"]),
            str(claims["n"]),
            ProviderName(claims["p"]),
        )
    except (DecryptionError, KeyError, ValueError):
        raise ConnectInvalidState("The state is missing, not valid or expired.") from None
