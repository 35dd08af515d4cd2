"""Every URL the service hands out, built from PUBLIC_BASE_URL."""

from __future__ import annotations

from urllib.parse import quote_plus, urlsplit

from service.domain.providers import ProviderName


def _token_query(page_token: str) -> str:
    # What urlencode({"token": page_token}) gives, without its generic mapping machinery.
    return "token=" + quote_plus(page_token, safe="")


class PublicUrls:
    """URL builder for hosted pages and callbacks."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        parts = urlsplit(self.base)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        """Our origin, as browsers name it in `Origin`."""

    def start_page(self, page_token: str) -> str:
        """Hosted start page: pick a provider."""
        return f"{self.base}/web/start?{_token_query(page_token)}"

    def choice_page(self, page_token: str) -> str:
        """Hosted vehicle choice page."""
        return f"{self.base}/web/choose?{_token_query(page_token)}"

    @property
    def end_page_prefix(self) -> str:
        """The hosted end page without its query: the redirectUrl of hosted legs."""
        return f"{self.base}/web/end"

    def end_page(self, page_token: str) -> str:
        """Hosted end page of one session."""
        return f"{self.end_page_prefix}?{_token_query(page_token)}"

    def callback(self, provider: ProviderName) -> str:
        """OAuth redirect target of a provider."""
        return f"{self.base}/callbacks/{provider.value}"

    @property
    def sandbox_authorize(self) -> str:
        """The sandbox provider's own login page."""
        return f"{self.base}/sandbox/authorize"
