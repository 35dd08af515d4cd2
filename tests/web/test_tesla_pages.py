"""A real Chromium walks a Tesla owner-mode connection the way the Jedlix SDK's web view does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from tests.fakes.tesla import FakeTesla
from tests.providers.tesla_support import new_fake, serve_fake
from tests.support import RedisServer, ServiceProcess, auth, running_service

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tesla() -> Iterator[FakeTesla]:
    with serve_fake(new_fake()) as fake:
        yield fake


@pytest.fixture(scope="module")
def service(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory, tesla: FakeTesla
) -> Iterator[ServiceProcess]:
    settings = {
        "TESLA_AUTH_URL": tesla.base_url,
        "TESLA_OWNER_API_URL": tesla.base_url,
        "TESLA_REDIRECT_URI": f"{tesla.base_url}/void/callback",
    }
    with running_service(redis_server.url, tmp_path_factory.mktemp("tesla"), **settings) as run:
        yield run


def test_tesla_two_cars_relay_and_choice_in_a_browser(
    service: ServiceProcess, tesla: FakeTesla, page: Page, shots: Path
) -> None:
    api = f"{service.base_url}/api/v1/users/web-tesla"
    headers = auth("web-tesla")
    session = httpx.post(f"{api}/vehicles/connect-sessions", headers=headers, json={}).json()
    page.goto(session["startUrl"])
    page.get_by_role("button", name="Tesla").click()
    # the web view reaches the hosted redirectUrl: like the SDK, read the session
    page.wait_for_url(session["redirectUrl"] + "?**")
    leg = httpx.get(f"{api}/connect-sessions/{session['id']}", headers=headers).json()
    assert leg["status"] == "awaiting_external" and leg["isFinished"] is False
    assert leg["redirectUrl"] == f"{tesla.base_url}/void/callback"
    assert leg["redirectInfo"]["includeCookies"] == ["tesla-auth.sid"]
    page.goto(leg["startUrl"])
    page.get_by_label("Email").fill("two@example.com")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(leg["redirectUrl"] + "?**")
    captured_url = page.url
    cookies = {
        c["name"]: c["value"]
        for c in page.context.cookies(tesla.base_url)
        if c["name"] in leg["redirectInfo"]["includeCookies"]
    }
    assert cookies.get("tesla-auth.sid", "").startswith("s%3A")
    relayed = httpx.post(
        f"{api}/connect-sessions/{session['id']}/info",
        headers=headers,
        json={"redirectUrl": captured_url, "cookies": cookies},
    ).json()
    assert relayed["status"] == "awaiting_vehicle_choice" and relayed["isFinished"] is False
    page.goto(relayed["startUrl"])
    assert "Blue Bird" in page.content() and "Grey Ghost" in page.content()
    page.screenshot(path=str(shots / "7-tesla-choose-vehicle.png"), full_page=True)
    page.get_by_role("button", name="5YJYE1EA000000002").click()
    page.wait_for_url(relayed["redirectUrl"] + "?**")
    final = httpx.get(f"{api}/connect-sessions/{session['id']}", headers=headers).json()
    assert final["status"] == "authorized" and final["vin"] == "5YJYE1EA000000002"
    assert tesla.token_request_count() == 1
    assert tesla.token_requests[0]["cookie"] == f"tesla-auth.sid={cookies['tesla-auth.sid']}"
