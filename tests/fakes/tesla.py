"""A fake Tesla (auth server, owner API, Fleet API) that checks what Tesla checks.

PKCE S256, exact redirect URI per client, single-use codes, client secret and audience in
Fleet mode, Bearer tokens on the APIs, single-use Fleet refresh tokens. Every token request
is recorded, and failures or delays can be switched on to simulate an outage.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

OWNER_CLIENT = "ownerapi"


def s256(verifier: str) -> str:
    """RFC 7636 S256, written independently of the service's code."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def tesla_vin(model_letter: str, serial: int) -> str:
    """A 17-character Tesla-like VIN."""
    return f"5YJ{model_letter}E1EA{serial:09d}"


def car(serial: int, name: str, model_letter: str = "3") -> dict[str, Any]:
    """A product entry for a vehicle."""
    return {
        "id": 1000 + serial,
        "id_s": str(1000 + serial),
        "vehicle_id": 5000 + serial,
        "vin": tesla_vin(model_letter, serial),
        "display_name": name,
        "state": "online",
    }


ENERGY_SITE = {"energy_site_id": 77, "resource_type": "battery", "site_name": "Home"}

ACCOUNTS: dict[str, list[dict[str, Any]]] = {
    "owner@example.com": [car(1, "Red Rocket"), ENERGY_SITE],
    "two@example.com": [car(2, "Blue Bird", "Y"), car(3, "Grey Ghost", "S"), ENERGY_SITE],
    "none@example.com": [ENERGY_SITE],
}


@dataclass
class Grant:
    """An issued authorization code."""

    client_id: str
    redirect_uri: str
    challenge: str | None
    account: str
    used: bool = False


@dataclass
class FakeTesla:
    """The fake's state; `app` is the ASGI application that serves it."""

    redirect_uris: dict[str, set[str]] = field(default_factory=dict)
    fleet_secrets: dict[str, str] = field(default_factory=dict)
    fleet_audience: str | None = None
    base_url: str = ""
    omit_refresh_token: bool = False
    token_failures: list[int] = field(default_factory=list)
    api_failures: list[int] = field(default_factory=list)
    token_delay: float = 0.0
    answer_delay: float = 0.0
    """Seconds a code exchange waits after taking the code, before it answers."""
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, str] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    used_refresh_tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issuer(self) -> str:
        """What this fake puts in `issuer`."""
        return f"{self.base_url}/oauth2/v3"

    def token_request_count(self, grant_type: str = "authorization_code") -> int:
        """How many token requests of a grant type arrived."""
        return sum(1 for r in self.token_requests if r["body"].get("grant_type") == grant_type)

    def build(self) -> FastAPI:
        """The HTTP application of this fake."""
        app = FastAPI()
        app.add_api_route("/oauth2/v3/authorize", self.authorize_page, methods=["GET"])
        app.add_api_route("/oauth2/v3/authorize", self.login, methods=["POST"])
        app.add_api_route("/oauth2/v3/token", self.token, methods=["POST"])
        app.add_api_route("/void/callback", self.void_callback, methods=["GET"])
        app.add_api_route("/api/1/products", self.products, methods=["GET"])
        app.add_api_route("/api/1/vehicles", self.vehicles, methods=["GET"])
        app.add_api_route("/api/1/users/region", self.region, methods=["GET"])
        return app

    def _authorize_error(self, query: dict[str, str]) -> str | None:
        client = query.get("client_id", "")
        if client not in self.redirect_uris:
            return "unknown client_id"
        if query.get("redirect_uri") not in self.redirect_uris[client]:
            return "The 'redirect_uri' supplied is not registered for this 'client_id'"
        if query.get("response_type") != "code":
            return "response_type must be code"
        if client == OWNER_CLIENT and query.get("code_challenge_method") != "S256":
            return "PKCE S256 is required"
        return None

    async def authorize_page(self, request: Request) -> Response:
        """The sign-in page (email, Sign in, Cancel)."""
        query = dict(request.query_params)
        problem = self._authorize_error(query)
        if problem:
            return HTMLResponse(f"<h1>Error</h1><p>{html.escape(problem)}</p>", status_code=400)
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        return HTMLResponse(
            "<!doctype html><title>Tesla sign in</title><h1>Sign in to Tesla</h1>"
            f'<form method="post">{hidden}'
            '<label>Email <input name="email" value="owner@example.com"></label>'
            '<button name="action" value="login">Sign in</button>'
            '<button name="action" value="cancel">Cancel</button></form>'
        )

    async def login(self, request: Request) -> Response:
        """Issue a code (and the SSO cookie), or the login_cancelled error."""
        form = {k: str(v) for k, v in (await request.form()).items()}
        problem = self._authorize_error(form)
        if problem:
            return JSONResponse({"error": problem}, status_code=400)
        redirect_uri, state = form["redirect_uri"], form.get("state", "")
        if form.get("action") == "cancel":
            query = {
                "error": "login_cancelled",
                "error_description": "User cancelled login",
                "state": state,
            }
            return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=302)
        code = secrets.token_hex(20)
        with self.lock:
            self.grants[code] = Grant(
                form["client_id"], redirect_uri, form.get("code_challenge"), form["email"]
            )
        query = {"locale": "en-US", "code": code, "state": state, "issuer": self.issuer}
        response = RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=302)
        response.set_cookie("tesla-auth.sid", "s%3A" + secrets.token_urlsafe(24), httponly=True)
        return response

    async def void_callback(self) -> Response:
        """Where https redirects land: Tesla shows a 404 page."""
        return HTMLResponse("<h1>Page not found</h1>", status_code=404)

    async def token(self, request: Request) -> Response:
        """The token endpoint (JSON or form), checking what Tesla checks."""
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
        else:
            body = {k: str(v) for k, v in (await request.form()).items()}
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
            if await request.is_disconnected():
                return Response(status_code=499)  # the caller gave up before we processed it
        self.token_requests.append({"body": body, "cookie": request.headers.get("cookie")})
        if self.token_failures:
            return JSONResponse({"error": "server_error"}, status_code=self.token_failures.pop(0))
        if body.get("grant_type") == "refresh_token":
            return self._refresh(body)
        if body.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type")
        answer = self._exchange(body)
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)  # the code is spent; the answer is late
        return answer

    def _exchange(self, body: dict[str, Any]) -> Response:
        with self.lock:
            grant = self.grants.get(str(body.get("code")))
            if grant is None or grant.used:
                return _error(400, "invalid_grant", "The authorization code is invalid or used")
            grant.used = True
        if body.get("client_id") != grant.client_id:
            return _error(400, "invalid_client")
        if body.get("redirect_uri") != grant.redirect_uri:
            return _error(400, "invalid_grant", "redirect_uri mismatch")
        if grant.client_id in self.fleet_secrets:
            if body.get("client_secret") != self.fleet_secrets[grant.client_id]:
                return _error(401, "invalid_client")
            if body.get("audience") != self.fleet_audience:
                return _error(400, "invalid_request", "audience")
        if grant.challenge is not None or grant.client_id == OWNER_CLIENT:
            verifier = str(body.get("code_verifier") or "")
            if grant.challenge is None or s256(verifier) != grant.challenge:
                return _error(400, "invalid_request", "Invalid code_verifier")
        return JSONResponse(self._issue(grant.account, grant.client_id, include_refresh=True))

    def _refresh(self, body: dict[str, Any]) -> Response:
        token = str(body.get("refresh_token"))
        with self.lock:
            found = self.refresh_tokens.get(token)
            if found is None or token in self.used_refresh_tokens:
                return _error(401, "login_required")
            account, client = found
            if client != OWNER_CLIENT:
                self.used_refresh_tokens.add(token)
        return JSONResponse(
            self._issue(account, client, include_refresh=not self.omit_refresh_token)
        )

    def _issue(self, account: str, client: str, include_refresh: bool) -> dict[str, Any]:
        access = "tesla-at-" + secrets.token_urlsafe(24)
        issued: dict[str, Any] = {
            "access_token": access,
            "id_token": "tesla-id-" + secrets.token_urlsafe(12),
            "expires_in": 28800,
            "token_type": "Bearer",
        }
        with self.lock:
            self.access_tokens[access] = account
            if include_refresh:
                refresh = "tesla-rt-" + secrets.token_urlsafe(24)
                self.refresh_tokens[refresh] = (account, client)
                issued["refresh_token"] = refresh
        return issued

    def _account(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return self.access_tokens.get(token) if scheme == "Bearer" else None

    def _api_failure(self) -> Response | None:
        if self.api_failures:
            return JSONResponse({"error": "down"}, status_code=self.api_failures.pop(0))
        return None

    async def products(self, request: Request) -> Response:
        """Owner API products (vehicles and energy sites)."""
        failure = self._api_failure()
        if failure:
            return failure
        account = self._account(request)
        if account is None:
            return JSONResponse({"error": "invalid bearer token"}, status_code=401)
        items = ACCOUNTS.get(account, [])
        return JSONResponse({"response": items, "count": len(items)})

    async def vehicles(self, request: Request) -> Response:
        """Fleet API vehicles."""
        failure = self._api_failure()
        if failure:
            return failure
        account = self._account(request)
        if account is None:
            return JSONResponse({"error": "invalid bearer token"}, status_code=401)
        items = [item for item in ACCOUNTS.get(account, []) if "vehicle_id" in item]
        return JSONResponse({"response": items, "count": len(items)})

    async def region(self, request: Request) -> Response:
        """Fleet API: the account's region and its base URL (this fake)."""
        if self._account(request) is None:
            return JSONResponse({"error": "invalid bearer token"}, status_code=401)
        return JSONResponse({"response": {"region": "eu", "fleet_api_base_url": self.base_url}})


def _error(status: int, error: str, description: str | None = None) -> Response:
    payload = {"error": error, **({"error_description": description} if description else {})}
    return JSONResponse(payload, status_code=status)
