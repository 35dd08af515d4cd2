"""Page tokens and OAuth `state`: minted from a session's stored parts, never stored.

Both are deterministic seals (AES-SIV under the session's key id) of what the session record
keeps anyway (its owner and id; the leg's nonce and provider), so every link can be rebuilt
from the record, while Redis holds only their keyed hashes. The provider page a leg started
with is kept encrypted, with a slot where its state goes.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from service.domain.models import Owner, Session
from service.domain.providers import ProviderName
from service.errors import ConnectInvalidState, Forbidden
from service.security.crypto import DecryptionError, Keyring

_PAGE = "page"
_STATE = "state"
_LEG_URL = "leg-url"
EXPIRED_LINK = "This link is not valid or has expired."
STATE_SLOT = "{state}"
"""Where the state goes in a stored provider URL (a state never holds braces)."""


@dataclass(frozen=True)
class PageClaims:
    """Which session a hosted page is for, and the token's keyed hash."""

    owner: Owner
    session_id: str
    digest: str


@dataclass(frozen=True)
class StateClaims:
    """Which session and leg an OAuth state belongs to, and the state's keyed hash."""

    owner: Owner
    session_id: str
    nonce: str
    provider: ProviderName
    digest: str


def page_token(keyring: Keyring, kid: str, owner: Owner, session_id: str) -> str:
    """The token that opens the hosted pages of one session."""
    claims = {"c": owner.client_id, "u": owner.user_id, "s": session_id}
    return keyring.mint(_PAGE, claims, kid)


def open_page_token(keyring: Keyring, token: str | None) -> PageClaims:
    """The session a page token names; 403 FORBIDDEN when missing or tampered."""
    try:
        kid, claims = keyring.open_minted(_PAGE, token or "")
        owner = Owner(str(claims["c"]), str(claims["u"]))
        return PageClaims(owner, str(claims["s"]), keyring.digest(kid, token or ""))
    except (DecryptionError, KeyError, ValueError):
        raise Forbidden(EXPIRED_LINK) from None


def leg_state(
    keyring: Keyring, kid: str, owner: Owner, session_id: str, nonce: str, provider: ProviderName
) -> str:
    """The OAuth state of one leg of a session."""
    claims = {
        "c": owner.client_id,
        "u": owner.user_id,
        "s": session_id,
        "n": nonce,
        "p": provider.value,
    }
    return keyring.mint(_STATE, claims, kid)


def open_state(keyring: Keyring, state: str | None) -> StateClaims:
    """The claims of a state; 400 CONNECT_INVALID_STATE when missing or tampered."""
    try:
        kid, claims = keyring.open_minted(_STATE, state or "")
        return StateClaims(
            Owner(str(claims["c"]), str(claims["u"])),
            str(claims["s"]),
            str(claims["n"]),
            ProviderName(claims["p"]),
            keyring.digest(kid, state or ""),
        )
    except (DecryptionError, KeyError, ValueError):
        raise ConnectInvalidState("The state is missing, not valid or expired.") from None


def same_digest(stored: str | None, presented: str) -> bool:
    """True when a presented value's keyed hash is the stored one (constant time)."""
    return stored is not None and hmac.compare_digest(stored, presented)


def _url_context(session: Session) -> str:
    return f"{_LEG_URL}\x00{session.owner.key}\x00{session.id}"


class SessionLinks:
    """Rebuilds the bearer parts of a session's links from its record (domain's LinkTokens)."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    def page_token(self, session: Session) -> str:
        """The session's page token."""
        return page_token(self._keyring, session.seal_kid, session.owner, session.id)

    def state(self, session: Session) -> str | None:
        """The state of the session's current leg; None without one."""
        if session.state_nonce is None or session.provider is None:
            return None
        return leg_state(
            self._keyring,
            session.seal_kid,
            session.owner,
            session.id,
            session.state_nonce,
            session.provider,
        )

    def provider_url(self, session: Session) -> str | None:
        """The provider page the current leg starts at, its state in place; None without."""
        state = self.state(session)
        if session.sealed_leg_url is None or state is None:
            return None
        template = self._keyring.decrypt(session.sealed_leg_url, _url_context(session)).decode()
        return template.replace(STATE_SLOT, state)

    def seal_provider_url(self, session: Session, url: str, state: str) -> str:
        """Keep the provider URL a leg starts at: its state replaced by the slot, encrypted."""
        template = url.replace(state, STATE_SLOT)
        return self._keyring.encrypt(template.encode(), _url_context(session))

    def digest(self, session: Session, value: str) -> str:
        """The keyed hash of a bearer value of this session (under its key id)."""
        return self._keyring.digest(session.seal_kid, value)
