"""A client for the API and hosted pages that walks flows the way an app and a browser do."""

from __future__ import annotations

from typing import Any

import httpx

from service.domain.models import Owner, Session
from service.flows.context import FlowContext
from tests.support import BASE_URL, auth, path_and_query, query_of


class ConnectApi:
    """Drives one app instance over HTTP."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        ctx: FlowContext,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.client = client
        self.ctx = ctx
        self.transport = transport

    def other_browser(self) -> httpx.AsyncClient:
        """A second browser on the same app: its own, empty cookie jar; it asks for pages."""
        assert self.transport is not None, "built without its transport"
        headers = {"Origin": BASE_URL, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        return httpx.AsyncClient(
            transport=self.transport, base_url=self.client.base_url, headers=headers
        )

    def url(self, user: str, path: str) -> str:
        """An /api/v1/users/{user}/... path."""
        return f"/api/v1/users/{user}/{path}"

    async def create(
        self, user: str, body: Any = None, client_id: str = "default"
    ) -> httpx.Response:
        """POST vehicles/connect-sessions."""
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        return await self.client.post(
            self.url(user, "vehicles/connect-sessions"), headers=auth(user, client_id), **kwargs
        )

    async def created(self, user: str, body: Any = None) -> dict[str, Any]:
        """Create and check 201."""
        response = await self.create(user, body if body is not None else {})
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def get(self, user: str, session_id: str) -> dict[str, Any]:
        """GET the session (200 expected)."""
        response = await self.client.get(
            self.url(user, f"connect-sessions/{session_id}"), headers=auth(user)
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def page_token(self, session: Session) -> str:
        """The page token of a stored session (what its hosted links carry)."""
        return self.ctx.links.page_token(session)

    async def open_start(self, session: Session) -> httpx.Response:
        """Open a stored session's start page in this client's browser (binding it)."""
        response = await self.client.get("/web/start", params={"token": self.page_token(session)})
        assert response.status_code == 200, response.text
        return response

    async def provider_url(self, session: dict[str, Any]) -> str:
        """Open startUrl as the app's web view does; the provider page it leads to.

        A leg that ends at our callback starts on our page, which binds this client's
        browser and redirects; a relayed leg (Tesla owner mode) starts at the provider.
        """
        start = str(session["startUrl"])
        if not start.startswith(f"{self.ctx.urls.base}/web/go?"):
            return start
        response = await self.client.get(path_and_query(start))
        assert response.status_code == 302, response.text
        return str(response.headers["location"])

    async def pick_provider(self, session: dict[str, Any], provider: str = "sandbox") -> str:
        """On the start page, pick a provider; returns the provider sign-in URL."""
        page = await self.client.get(path_and_query(session["startUrl"]))
        assert page.status_code == 200, page.text
        token = query_of(session["startUrl"])["token"]
        response = await self.client.post("/web/start", data={"token": token, "provider": provider})
        assert response.status_code == 303, response.text
        return str(response.headers["location"])

    async def sandbox_decide(
        self,
        authorize_url: str,
        decision: str = "approve",
        two_cars: bool = False,
        account: str = "demo",
    ) -> str:
        """At the sandbox login page, approve or deny; returns the callback URL it redirects to."""
        page = await self.client.get(path_and_query(authorize_url))
        assert page.status_code == 200, page.text
        query = query_of(authorize_url)
        form = {
            "state": query["state"],
            "redirect_uri": query["redirect_uri"],
            "decision": decision,
            "account": account,
        }
        if two_cars:
            form["two_cars"] = "1"
        response = await self.client.post("/sandbox/authorize", data=form)
        assert response.status_code == 303, response.text
        return str(response.headers["location"])

    async def callback(self, callback_url: str) -> httpx.Response:
        """The browser arriving at our callback."""
        return await self.client.get(path_and_query(callback_url))

    async def relay(self, user: str, session_id: str, body: Any) -> httpx.Response:
        """POST /info."""
        return await self.client.post(
            self.url(user, f"connect-sessions/{session_id}/info"), headers=auth(user), json=body
        )

    async def callback_url_for(
        self,
        user: str,
        body: Any = None,
        *,
        two_cars: bool = False,
        account: str = "demo",
        decision: str = "approve",
    ) -> tuple[dict[str, Any], str]:
        """A new session taken up to the sandbox's redirect: (session, callback URL)."""
        session = await self.created(user, body if body is not None else {})
        authorize_url = await self.pick_provider(session)
        callback = await self.sandbox_decide(
            authorize_url, decision=decision, two_cars=two_cars, account=account
        )
        return session, callback

    async def connect(self, user: str, account: str = "demo") -> dict[str, Any]:
        """The whole single-car sandbox flow; returns the final session."""
        session, callback = await self.callback_url_for(user, account=account)
        response = await self.callback(callback)
        assert response.status_code == 302, response.text
        return await self.get(user, session["id"])

    async def stored(self, user: str, session_id: str, client_id: str = "default") -> Session:
        """The session as stored."""
        found = await self.ctx.store.sessions.get(Owner(client_id, user), session_id)
        assert found is not None
        return found.session

    async def overwrite(self, session: Session) -> None:
        """Replace a stored session (test set-up: to move its expiry into the past)."""
        current = await self.ctx.store.sessions.get(session.owner, session.id)
        assert current is not None
        assert await self.ctx.store.sessions.replace(current, session) is not None
