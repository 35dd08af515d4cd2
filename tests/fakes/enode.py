"""A fake Enode: OAuth client credentials, link sessions with a link UI, users' vehicles.

It also sends signed webhooks, as Enode does, to a URL the test names.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response


def enode_signature(secret: str, body: bytes) -> str:
    """`sha1=<hex HMAC-SHA1>` of the raw body, written independently of the service."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def enode_car(serial: int, brand: str = "Volkswagen", model: str = "ID.3") -> dict[str, Any]:
    """An Enode vehicle object."""
    return {
        "id": f"enode-vehicle-{serial}",
        "vendor": brand.upper(),
        "isReachable": True,
        "information": {
            "vin": f"WVWZZZE1ZMP{serial:06d}",
            "brand": brand,
            "model": model,
            "year": 2023,
            "displayName": f"{brand} {model}",
        },
    }


@dataclass
class Link:
    """A link session created by POST /users/{userId}/link."""

    user_id: str
    redirect_uri: str
    body: dict[str, Any]


@dataclass
class FakeEnode:
    """State of the fake; `build()` is its HTTP application."""

    client_id: str
    client_secret: str
    base_url: str = ""
    token_requests: int = 0
    link_requests: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, Link] = field(default_factory=dict)
    vehicles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    failures: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def build(self) -> FastAPI:
        """The HTTP application of this fake."""
        app = FastAPI()
        app.add_api_route("/oauth2/token", self.token, methods=["POST"])
        app.add_api_route("/users/{user_id}/link", self.link, methods=["POST"])
        app.add_api_route("/users/{user_id}/vehicles", self.user_vehicles, methods=["GET"])
        app.add_api_route("/link/{token}", self.link_ui, methods=["GET"])
        app.add_api_route("/link/{token}", self.link_finish, methods=["POST"])
        return app

    async def token(self, request: Request) -> Response:
        """Client credentials with HTTP Basic."""
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        token = "enode-app-" + secrets.token_urlsafe(16)
        with self.lock:
            self.token_requests += 1
            self.tokens.add(token)
        return JSONResponse({"access_token": token, "expires_in": 3599, "token_type": "bearer"})

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token in self.tokens

    async def link(self, user_id: str, request: Request) -> Response:
        """Create a link session (single use)."""
        if self.failures:
            return JSONResponse({"error": "down"}, status_code=self.failures.pop(0))
        if not self._authorized(request):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        body = await request.json()
        if body.get("vendorType") != "vehicle" or "redirectUri" not in body:
            return JSONResponse({"error": "invalid link request"}, status_code=400)
        link_token = secrets.token_urlsafe(16)
        with self.lock:
            self.link_requests.append({"user_id": user_id, **body})
            self.links[link_token] = Link(user_id, str(body["redirectUri"]), body)
        return JSONResponse(
            {"linkUrl": f"{self.base_url}/link/{link_token}", "linkToken": link_token}
        )

    async def link_ui(self, token: str) -> Response:
        """The link UI: connect or cancel."""
        if token not in self.links:
            return HTMLResponse("<h1>Link expired</h1>", status_code=404)
        return HTMLResponse(
            "<!doctype html><title>Enode Link</title><h1>Link your vehicle</h1>"
            '<form method="post"><button name="action" value="connect">Connect</button>'
            '<button name="action" value="cancel">Cancel</button></form>'
        )

    async def link_finish(self, token: str, request: Request) -> Response:
        """Finish the link: the vehicle joins the user (webhooks are sent by the test)."""
        link = self.links.pop(token, None)
        if link is None:
            return HTMLResponse("<h1>Link expired</h1>", status_code=404)
        form = await request.form()
        separator = "&" if "?" in link.redirect_uri else "?"
        if form.get("action") == "cancel":
            query = urlencode({"error": "access_denied", "error_description": "User cancelled"})
            return RedirectResponse(f"{link.redirect_uri}{separator}{query}", status_code=302)
        return RedirectResponse(link.redirect_uri, status_code=302)

    async def user_vehicles(self, user_id: str, request: Request) -> Response:
        """The user's vehicles."""
        if self.failures:
            return JSONResponse({"error": "down"}, status_code=self.failures.pop(0))
        if not self._authorized(request):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        data = self.vehicles.get(user_id, [])
        return JSONResponse({"data": data, "pagination": {"after": None, "before": None}})


def enode_delivery(
    secret: str, events: list[dict[str, Any]], delivery: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """A delivery the way Enode sends it: the raw JSON array, signature and delivery id."""
    body = json.dumps(events).encode()
    headers = {
        "content-type": "application/json",
        "x-enode-signature": enode_signature(secret, body),
        "x-enode-delivery": delivery or secrets.token_hex(8),
    }
    return body, headers
