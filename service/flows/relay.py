"""The redirect relay (`/info`): what the app's web view captured, parsed and checked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from service.domain.models import Session
from service.domain.navigation import redirect_url as session_redirect_url
from service.domain.urls import PublicUrls
from service.errors import ConnectInvalidAuthCode, ConnectInvalidState, ValidationFailed
from service.providers.base import LegResult

_MAX_COOKIE_VALUE = 4096
# RFC 6265 section 4.1.1: cookie-octet is printable US-ASCII except space, DQUOTE, comma,
# semicolon and backslash; a cookie-value may be wrapped in one pair of DQUOTEs.
_COOKIE_OCTETS = frozenset(chr(c) for c in range(0x21, 0x7F)) - set('",;\\')
# RFC 9110 token characters: what a cookie-name may hold.
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


@dataclass(frozen=True)
class CapturedRedirect:
    """The query of the URL the web view stopped at."""

    params: dict[str, str]

    def get(self, name: str) -> str | None:
        """A query parameter, or None."""
        return self.params.get(name)


def parse_captured_url(url: str) -> CapturedRedirect:
    """Parse a captured redirect URL (custom scheme or https); 422 when it is not a URL."""
    try:
        parts = urlsplit(url.strip())
        pairs = parse_qsl(parts.query, keep_blank_values=True, max_num_fields=50)
    except ValueError:
        raise _invalid("redirectUrl", "not a URL") from None
    if not parts.scheme or not parts.scheme.isascii() or any(ord(c) < 32 for c in url):
        raise _invalid("redirectUrl", "not an absolute URL")
    params: dict[str, str] = {}
    for name, value in pairs:
        params.setdefault(name, value)
    return CapturedRedirect(params)


def is_cookie_value(value: str) -> bool:
    """True for an RFC 6265 cookie-value: cookie-octets, optionally in one pair of quotes."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return bool(value) and all(c in _COOKIE_OCTETS for c in value)


def cookie_value(name: str, raw: str) -> str:
    """A relayed cookie value: raw, or the devtools row `name<TAB>value<TAB>domain...`.

    The value must be an RFC 6265 cookie-value (so it is sent as it came, or not at all).
    """
    field = f"cookies.{name}"
    if not name or len(name) > 256 or not set(name) <= _TOKEN_CHARS:
        raise _invalid(field[:300], "not a cookie name")
    if "\t" in raw:
        columns = raw.split("\t")
        value = columns[1] if columns[0].strip() == name and len(columns) > 1 else columns[0]
    else:
        value = raw
    value = value.strip(" \t\r\n")
    if len(value) > _MAX_COOKIE_VALUE or not is_cookie_value(value):
        raise _invalid(field, "not a cookie value (RFC 6265 cookie-octets only)")
    return value


def relayed_body(raw: str | None) -> str | None:
    """The page body as relayed: a JSON-encoded string (Android) or the plain text."""
    if raw is None:
        return None
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        try:
            decoded = json.loads(raw)
        except ValueError:
            return raw
        return decoded if isinstance(decoded, str) else raw
    return raw


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"{field}: {message}", extra={"errors": [{"field": field, "message": message}]}
    )


def captured_result(
    redirect_url: str | None, cookies: dict[str, str] | None, body: str | None
) -> tuple[str, LegResult] | None:
    """The state and provider result a relay carries; None when it carries no URL.

    A URL with neither code, state nor error is refused (400 CONNECT_INVALID_AUTH_CODE); one
    with a code or an error but no state too (400 CONNECT_INVALID_STATE).
    """
    if not redirect_url:
        return None
    captured = parse_captured_url(redirect_url)
    state, code, error = captured.get("state"), captured.get("code"), captured.get("error")
    if state is None:
        if code is None and error is None:
            raise ConnectInvalidAuthCode("The redirect carries no code.")
        raise ConnectInvalidState("The captured redirect carries no state.")
    result = LegResult(
        code=code or None,
        error=error or None,
        error_description=captured.get("error_description"),
        issuer=captured.get("issuer"),
        cookies={name: cookie_value(name, value) for name, value in (cookies or {}).items()},
        body=relayed_body(body),
    )
    return state, result


def check_captured_prefix(session: Session, captured_url: str, urls: PublicUrls) -> None:
    """Refuse a relayed URL that is not one this session's web view was told to stop at.

    That is the session's redirectUrl, or our own callback of the session's provider (an app
    may relay the callback URL its web view reached instead of loading it).
    """
    expected = [session_redirect_url(session, urls)]
    if session.provider is not None:
        expected.append(urls.callback(session.provider))
    url = captured_url.strip()
    if not any(prefix and url.startswith(prefix) for prefix in expected):
        raise ConnectInvalidState("The captured URL does not start with the session's redirectUrl.")
