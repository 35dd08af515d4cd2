"""A fake Smartcar: Connect page, token endpoint (Basic auth, form), API v2.0, webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from tests.fakes.server import base_url_of, listening_socket, serving


def sc_signature(token: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of body keyed with the management token (written independently)."""
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


ACCOUNTS: dict[str, list[dict[str, Any]]] = {
    "driver@example.com": [
        {
            "id": "sc-veh-1",
            "make": "FORD",
            "model": "Mustang Mach-E",
            "year": 2022,
            "vin": "3FMTK3SU5MMA00001",
        },
    ],
    "family@example.com": [
        {"id": "sc-veh-2", "make": "KIA", "model": "EV6", "year": 2023, "vin": "KNDC34LA1P5000002"},
        {"id": "sc-veh-3", "make": "BMW", "model": "i4", "year": 2024, "vin": "WBY73AW05PFP00003"},
    ],
}


@dataclass
class FakeSmartcar:
    """State of the fake; `build()` is its HTTP application."""

    client_id: str
    client_secret: str
    redirect_uri: str
    base_url: str = ""
    codes: dict[str, tuple[str, bool]] = field(default_factory=dict)
    access: dict[str, str] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)
    dead_refresh: set[str] = field(default_factory=set)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    authorize_queries: list[dict[str, str]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def build(self) -> FastAPI:
        """The HTTP application of this fake."""
        app = FastAPI()
        app.add_api_route("/oauth/authorize", self.connect_page, methods=["GET"])
        app.add_api_route("/oauth/authorize", self.connect_finish, methods=["POST"])
        app.add_api_route("/oauth/token", self.token, methods=["POST"])
        app.add_api_route("/v2.0/vehicles", self.vehicles, methods=["GET"])
        app.add_api_route("/v2.0/vehicles/{vehicle_id}", self.vehicle, methods=["GET"])
        app.add_api_route("/v2.0/vehicles/{vehicle_id}/vin", self.vin, methods=["GET"])
        return app

    def token_request_count(self, grant_type: str = "authorization_code") -> int:
        """Token requests of one grant type."""
        return sum(1 for r in self.token_requests if r.get("grant_type") == grant_type)

    async def connect_page(self, request: Request) -> Response:
        """Smartcar Connect: sign in and approve, or deny."""
        query = dict(request.query_params)
        if (
            query.get("client_id") != self.client_id
            or query.get("redirect_uri") != self.redirect_uri
        ):
            return HTMLResponse("<h1>Invalid client or redirect_uri</h1>", status_code=400)
        self.authorize_queries.append(query)
        hidden = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in query.items())
        return HTMLResponse(
            f'<!doctype html><title>Smartcar Connect</title><form method="post">{hidden}'
            '<input name="email" value="driver@example.com">'
            '<button name="action" value="allow">Allow</button>'
            '<button name="action" value="deny">Deny</button></form>'
        )

    async def connect_finish(self, request: Request) -> Response:
        """Redirect with a code, or with an error."""
        form = {k: str(v) for k, v in (await request.form()).items()}
        state = form.get("state", "")
        action = form.get("action", "allow")
        if action != "allow":
            error = action if action != "deny" else "access_denied"
            query = {"error": error, "error_description": f"Smartcar says {error}", "state": state}
        else:
            code = secrets.token_hex(16)
            with self.lock:
                self.codes[code] = (form.get("email", "driver@example.com"), False)
            query = {"code": code, "state": state}
        return RedirectResponse(f"{self.redirect_uri}?{urlencode(query)}", status_code=302)

    async def token(self, request: Request) -> Response:
        """Basic auth, form body; codes single use; old refresh tokens die on use."""
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        if self.failures:
            return JSONResponse({"error": "server_error"}, status_code=self.failures.pop(0))
        with self.lock:
            if form.get("grant_type") == "authorization_code":
                account, used = self.codes.get(form.get("code", ""), ("", True))
                if used or form.get("redirect_uri") != self.redirect_uri:
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                self.codes[form["code"]] = (account, True)
            elif form.get("grant_type") == "refresh_token":
                token = form.get("refresh_token", "")
                if token not in self.refresh or token in self.dead_refresh:
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                self.dead_refresh.add(token)
                account = self.refresh[token]
            else:
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            access = "sc-at-" + secrets.token_urlsafe(16)
            refresh = "sc-rt-" + secrets.token_urlsafe(16)
            self.access[access] = account
            self.refresh[refresh] = account
        return JSONResponse(
            {
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": 7200,
                "token_type": "Bearer",
            }
        )

    def _cars(self, request: Request) -> list[dict[str, Any]] | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        account = self.access.get(token) if scheme == "Bearer" else None
        return None if account is None else ACCOUNTS.get(account, [])

    async def vehicles(self, request: Request) -> Response:
        """The vehicle ids the token reaches."""
        if self.failures:
            return JSONResponse({"error": "down"}, status_code=self.failures.pop(0))
        cars = self._cars(request)
        if cars is None:
            return JSONResponse({"error": "AUTHENTICATION"}, status_code=401)
        return JSONResponse(
            {"vehicles": [c["id"] for c in cars], "paging": {"count": len(cars), "offset": 0}}
        )

    async def vehicle(self, vehicle_id: str, request: Request) -> Response:
        """Make, model, year."""
        car = next((c for c in self._cars(request) or [] if c["id"] == vehicle_id), None)
        if car is None:
            return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
        return JSONResponse({k: car[k] for k in ("id", "make", "model", "year")})

    async def vin(self, vehicle_id: str, request: Request) -> Response:
        """The VIN."""
        car = next((c for c in self._cars(request) or [] if c["id"] == vehicle_id), None)
        if car is None:
            return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
        return JSONResponse({"vin": car["vin"]})


def smartcar_delivery(token: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """A webhook the way Smartcar sends it: raw JSON and SC-Signature."""
    body = json.dumps(payload).encode()
    return body, {"content-type": "application/json", "SC-Signature": sc_signature(token, body)}


@contextmanager
def running_smartcar(callback: str) -> Iterator[FakeSmartcar]:
    """A fake Smartcar serving on a loopback port, its client registered for callback."""
    sock = listening_socket()
    fake = FakeSmartcar("sc-client", "sc-secret", callback, base_url=base_url_of(sock))
    with serving(fake.build(), sock):
        yield fake


def smartcar_settings(fake: FakeSmartcar, management_token: str) -> dict[str, str]:
    """The service settings that point it at this fake (test mode)."""
    return {
        "SMARTCAR_CONNECT_URL": fake.base_url,
        "SMARTCAR_AUTH_URL": fake.base_url,
        "SMARTCAR_API_URL": fake.base_url,
        "SMARTCAR_CLIENT_ID": fake.client_id,
        "SMARTCAR_CLIENT_SECRET": fake.client_secret,
        "SMARTCAR_MANAGEMENT_TOKEN": management_token,
        "SMARTCAR_MODE": "test",
    }
