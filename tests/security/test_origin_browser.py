"""Probe findings 7 and 8 in a real Chromium: a page on another origin that auto-submits our
hosted start form gets the 403 page; a start link forwarded to another browser is refused
there; each time the session stays where it was."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import Browser, Page

from tests.fakes.server import serving
from tests.support import RedisServer, ServiceProcess, auth, query_of, running_service
from tests.web.conftest import browser, page, service  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.browser


def _attacker(action: str, fields: dict[str, str]) -> FastAPI:
    """Another origin's page that posts a form to `action` as soon as it loads."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    body = (
        f'<form id="f" method="post" action="{html.escape(action)}">{inputs}</form>'
        "<script>document.getElementById('f').submit()</script>"
    )
    app = FastAPI()
    app.add_api_route("/", lambda: HTMLResponse(body), methods=["GET"])
    return app


def test_an_auto_submitted_foreign_form_is_refused(
    service: ServiceProcess,  # noqa: F811
    page: Page,  # noqa: F811
    tmp_path: Path,
) -> None:
    created = httpx.post(
        f"{service.base_url}/api/v1/users/victim/vehicles/connect-sessions",
        headers=auth("victim"),
        json={},
    ).json()
    token = query_of(created["startUrl"])["token"]
    form = {"token": token, "provider": "sandbox"}
    with serving(_attacker(f"{service.base_url}/web/start", form)) as evil:
        assert evil != service.base_url
        with page.expect_response(f"{service.base_url}/web/start") as answered:
            page.goto(evil)
        assert answered.value.status == 403
    page.wait_for_load_state()
    assert "FORBIDDEN_ORIGIN" in page.content()
    page.screenshot(path=str(tmp_path / "forbidden-origin.png"))
    read = httpx.get(
        f"{service.base_url}/api/v1/users/victim/connect-sessions/{created['id']}",
        headers=auth("victim"),
    ).json()
    assert read["status"] == "pending"


def test_our_own_start_page_still_posts(
    service: ServiceProcess,  # noqa: F811
    page: Page,  # noqa: F811
) -> None:
    created = httpx.post(
        f"{service.base_url}/api/v1/users/own-origin/vehicles/connect-sessions",
        headers=auth("own-origin"),
        json={},
    ).json()
    page.goto(created["startUrl"])
    page.get_by_role("button", name="Sandbox").click()
    page.wait_for_url("**/sandbox/authorize?**")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(created["redirectUrl"] + "?**")
    assert "Car connected" in page.content()


@pytest.fixture(scope="module")
def app_site() -> Iterator[str]:
    """The app's own web page a finished hosted leg returns to (another origin)."""
    app = FastAPI()
    app.add_api_route("/done", lambda: HTMLResponse("<h1>Back in the app</h1>"), methods=["GET"])
    with serving(app) as base:
        yield base


@pytest.fixture(scope="module")
def client_service(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory, app_site: str
) -> Iterator[ServiceProcess]:
    folder = tmp_path_factory.mktemp("origin-client")
    clients = folder / "clients.yaml"
    clients.write_text(
        "clients:\n  default:\n    providers: [sandbox]\n"
        f"    redirectUris: ['{app_site}/done', 'myapp://connected']\n"
    )
    with running_service(redis_server.url, folder, CLIENTS_FILE=str(clients)) as running:
        yield running


def test_the_csp_lets_a_finished_leg_return_to_the_app(
    client_service: ServiceProcess,
    app_site: str,
    page: Page,  # noqa: F811
) -> None:
    """The sandbox's Approve form ends (through our callback) at the app's redirectUri, which
    the page's form-action must allow for Chromium to follow it."""
    created = httpx.post(
        f"{client_service.base_url}/api/v1/users/app-return/vehicles/connect-sessions",
        headers=auth("app-return"),
        json={"redirectUri": f"{app_site}/done"},
    ).json()
    opened = page.goto(created["startUrl"])
    assert opened is not None
    policy = opened.headers["content-security-policy"]
    assert app_site in policy and "myapp:" in policy
    page.get_by_role("button", name="Sandbox").click()
    page.wait_for_url("**/sandbox/authorize?**")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{app_site}/done?**")
    assert "Back in the app" in page.content()
    assert "status=authorized" in page.url


def test_a_forwarded_start_link_is_refused_in_another_browser(
    service: ServiceProcess,  # noqa: F811
    browser: Browser,  # noqa: F811
    page: Page,  # noqa: F811
) -> None:
    """Finding 8 in Chromium: the startUrl (our page that binds, then the provider's sign-in)
    and the callback work in the browser that opened it; a second browser that opens the
    forwarded startUrl, or approves at the forwarded sign-in page, gets the refusal page."""
    api = f"{service.base_url}/api/v1/users/forwarder/connect-sessions"
    created = httpx.post(
        f"{service.base_url}/api/v1/users/forwarder/vehicles/connect-sessions",
        headers=auth("forwarder"),
        json={"provider": "sandbox"},
    ).json()
    assert created["startUrl"].startswith(f"{service.base_url}/web/go?token=")
    page.goto(created["startUrl"])
    page.wait_for_url("**/sandbox/authorize?**")
    sign_in = page.url
    other = browser.new_context()
    try:
        victim = other.new_page()
        refused = victim.goto(created["startUrl"])
        assert refused is not None and refused.status == 403
        assert "another browser" in victim.content()
        victim.goto(sign_in)
        with victim.expect_response("**/callbacks/sandbox?**") as callback:
            victim.get_by_role("button", name="Approve").click()
        assert callback.value.status == 403
        assert "another browser" in victim.content()
    finally:
        other.close()
    waiting = httpx.get(f"{api}/{created['id']}", headers=auth("forwarder")).json()
    assert waiting["status"] == "awaiting_external" and waiting["vehicleId"] is None
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(created["redirectUrl"] + "?**")
    assert "Car connected" in page.content()
    done = httpx.get(f"{api}/{created['id']}", headers=auth("forwarder")).json()
    assert done["status"] == "authorized"
