"""Every URL the service hands out, built from PUBLIC_BASE_URL."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote_plus, urlsplit

from service.domain.models import Session
from service.domain.providers import ProviderName


def _token_query(page_token: str) -> str:
    # What urlencode({"token": page_token}) gives, without its generic mapping machinery.
    return "token=" + quote_plus(page_token, safe="")


class LinkTokens(Protocol):
    """Mints the bearer parts of a session's links from its record (security/ implements it)."""

    def page_token(self, session: Session) -> str:
        """The session's page token."""
        ...

    def provider_url(self, session: Session) -> str | None:
        """The provider page the current leg starts at, with its state; None without a leg."""
        ...


class PublicUrls:
    """URL builder for hosted pages and callbacks."""

    def __init__(self, base_url: str, tokens: LinkTokens) -> None:
        self.base = base_url.rstrip("/")
        self._tokens = tokens
        parts = urlsplit(self.base)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        """Our origin, as browsers name it in `Origin`."""

    @property
    def secure(self) -> bool:
        """True when we are served over https (cookies are then Secure and `__Host-`)."""
        return self.base.startswith("https://")

    @property
    def start_page_prefix(self) -> str:
        """The hosted start page without its token."""
        return f"{self.base}/web/start?token="

    def start_page(self, session: Session) -> str:
        """Hosted start page: pick a provider."""
        return f"{self.base}/web/start?{self._query(session)}"

    def choice_page(self, session: Session) -> str:
        """Hosted vehicle choice page."""
        return f"{self.base}/web/choose?{self._query(session)}"

    def leg_page(self, session: Session) -> str:
        """Our page that binds the browser and sends it on to the provider's sign-in."""
        return f"{self.base}/web/go?{self._query(session)}"

    def provider_page(self, session: Session) -> str | None:
        """The provider's sign-in page of the current leg (with its state)."""
        return self._tokens.provider_url(session)

    @property
    def end_page_prefix(self) -> str:
        """The hosted end page without its query: the redirectUrl of hosted legs."""
        return f"{self.base}/web/end"

    def end_page(self, session: Session) -> str:
        """Hosted end page of one session."""
        return f"{self.end_page_prefix}?{self._query(session)}"

    def callback(self, provider: ProviderName) -> str:
        """OAuth redirect target of a provider."""
        return f"{self.base}/callbacks/{provider.value}"

    @property
    def sandbox_authorize(self) -> str:
        """The sandbox provider's own login page."""
        return f"{self.base}/sandbox/authorize"

    def _query(self, session: Session) -> str:
        return _token_query(self._tokens.page_token(session))
