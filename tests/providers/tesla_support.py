"""Fake Tesla fixtures and the steps a user and an app's web view take with Tesla."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from service.domain.models import Owner
from service.flows.binding import credentials_context
from service.providers.base import Credentials
from tests.fakes.server import base_url_of, listening_socket, serving
from tests.fakes.tesla import OWNER_CLIENT, FakeTesla
from tests.flow import ConnectApi
from tests.support import query_of

OWNER_REDIRECTS = {"tesla://auth/callback", "https://auth.tesla.com/void/callback"}


@dataclass
class TeslaFakes:
    """The global region, the China region, and a foreign server that must never get a code."""

    global_: FakeTesla
    china: FakeTesla
    foreign: FakeTesla

    def settings(self) -> dict[str, str]:
        """Settings pointing the service at the fakes."""
        return {
            "TESLA_AUTH_URL": self.global_.base_url,
            "TESLA_OWNER_API_URL": self.global_.base_url,
            "TESLA_AUTH_CN_URL": self.china.base_url,
            "TESLA_OWNER_API_CN_URL": self.china.base_url,
            "PROVIDER_TIMEOUT_SECONDS": "2",
        }

    def token_requests(self) -> int:
        """Token requests that reached any fake."""
        return sum(len(f.token_requests) for f in (self.global_, self.china, self.foreign))


_LISTENERS: dict[str, socket.socket] = {}


def new_fake(extra_redirects: set[str] | None = None) -> FakeTesla:
    """A fake with ownerapi registered for the owner redirect URIs and its own void page.

    Its port is taken now (a listening socket), so its URLs can be configured before it serves.
    """
    sock = listening_socket()
    base = base_url_of(sock)
    _LISTENERS[base] = sock
    redirects = OWNER_REDIRECTS | {f"{base}/void/callback"} | (extra_redirects or set())
    return FakeTesla(redirect_uris={OWNER_CLIENT: redirects}, base_url=base)


@contextmanager
def serve_fake(fake: FakeTesla) -> Iterator[FakeTesla]:
    """Serve fake on the port of its base URL (again, after a stop)."""
    sock = _LISTENERS.pop(fake.base_url, None)
    if sock is None:
        sock = listening_socket(urlsplit(fake.base_url).port or 0)
    with serving(fake.build(), sock):
        yield fake


@contextmanager
def tesla_fakes() -> Iterator[TeslaFakes]:
    """Three fakes served on loopback ports."""
    fakes = TeslaFakes(new_fake(), new_fake(), new_fake())
    with ExitStack() as stack:
        for fake in (fakes.global_, fakes.china, fakes.foreign):
            stack.enter_context(serve_fake(fake))
        yield fakes


@dataclass
class TeslaRedirect:
    """What the web view captured: Tesla's final redirect URL and the SSO cookie."""

    url: str
    cookie: str | None

    def jedlix_relay(self) -> dict[str, Any]:
        """The /info body in the Jedlix document's shape (cookie as the devtools row)."""
        body: dict[str, Any] = {"redirectUrl": self.url}
        if self.cookie is not None:
            row = "\t".join(
                [
                    "tesla-auth.sid",
                    self.cookie,
                    "auth.tesla.com",
                    "/",
                    "08/09/2022, 16:07:15",
                    "96 B",
                    "✓",
                    "✓",
                    "Lax",
                ]
            )
            body["cookies"] = {"tesla-auth.sid": row}
        return body


async def tesla_login(
    authorize_url: str,
    *,
    email: str = "owner@example.com",
    action: str = "login",
    at: str | None = None,
    overrides: dict[str, str] | None = None,
) -> TeslaRedirect:
    """Sign in at the (fake) Tesla page of authorize_url, or at another region's host `at`."""
    parts = urlsplit(authorize_url)
    base = at or f"{parts.scheme}://{parts.netloc}"
    query = {**query_of(authorize_url), **(overrides or {})}
    async with httpx.AsyncClient(base_url=base) as client:
        page = await client.get("/oauth2/v3/authorize", params=query)
        assert page.status_code == 200, page.text
        response = await client.post(
            "/oauth2/v3/authorize", data={**query, "email": email, "action": action}
        )
    assert response.status_code == 302, response.text
    return TeslaRedirect(response.headers["location"], response.cookies.get("tesla-auth.sid"))


async def age_credentials(
    api: ConnectApi, owner: Owner, vehicle_id: str, fraction: float
) -> Credentials:
    """Rewrite the stored credentials as if `fraction` of their lifetime had passed."""
    envelope = await api.ctx.store.vehicles.credentials(owner, vehicle_id)
    assert envelope is not None
    context = credentials_context(owner, vehicle_id)
    stored = Credentials.from_json(api.ctx.keyring.decrypt_json(envelope, context))
    lifetime = stored.expires_at - stored.issued_at
    now = time.time()
    aged = replace(
        stored, issued_at=now - fraction * lifetime, expires_at=now + (1 - fraction) * lifetime
    )
    sealed = api.ctx.keyring.encrypt_json(aged.to_json(), context)
    assert await api.ctx.store.vehicles.replace_credentials(owner, vehicle_id, envelope, sealed)
    return aged
