"""What the store-outage tests share: a connected user, one request of each kind, the check."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support import auth, query_of

BOUND_SECONDS = 2.0
"""Every request must be answered within this, even with the store gone."""


def connect_sandbox(base: str, user: str) -> dict[str, Any]:
    """A sandbox flow through the service's own pages, in one browser; the authorized
    session."""
    api = f"{base}/api/v1/users/{user}"
    session = httpx.post(f"{api}/vehicles/connect-sessions", headers=auth(user), json={}).json()
    with httpx.Client(headers={"Origin": base}) as browser:
        browser.get(session["startUrl"])  # the app's web view opens it (and is bound)
        token = query_of(session["startUrl"])["token"]
        picked = browser.post(f"{base}/web/start", data={"token": token, "provider": "sandbox"})
        login = query_of(picked.headers["location"])
        approved = browser.post(
            f"{base}/sandbox/authorize",
            data={
                "state": login["state"],
                "redirect_uri": login["redirect_uri"],
                "decision": "approve",
            },
        )
        callback = urlsplit(approved.headers["location"])
        browser.get(f"{base}{callback.path}?{callback.query}")
    return dict(httpx.get(f"{api}/connect-sessions/{session['id']}", headers=auth(user)).json())


def traffic(base: str, session: dict[str, Any]) -> list[httpx.Response]:
    """One of each kind of request, each bounded by the client timeout."""
    api = f"{base}/api/v1/users/alice"
    token = query_of(session["startUrl"] or "http://x/?token=t")["token"]
    with httpx.Client(timeout=BOUND_SECONDS) as client:
        return [
            client.get(f"{api}/connect-sessions/{session['id']}", headers=auth("alice")),
            client.get(f"{api}/connect-sessions", headers=auth("alice")),
            client.post(f"{api}/vehicles/connect-sessions", headers=auth("alice"), json={}),
            client.get(f"{api}/vehicles", headers=auth("alice")),
            client.get(f"{base}/web/start", params={"token": token}),
            client.get(f"{base}/callbacks/sandbox", params={"state": "x", "code": "y"}),
        ]


def assert_unavailable(responses: list[httpx.Response]) -> None:
    """Each answered 503 STORE_UNAVAILABLE with Retry-After, within the bound."""
    for response in responses:
        assert response.status_code == 503, (response.request.url, response.text)
        assert response.elapsed.total_seconds() < BOUND_SECONDS, response.request.url
        assert response.json()["code"] == "STORE_UNAVAILABLE"
        assert response.headers["retry-after"] == "1"
