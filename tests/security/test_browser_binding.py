"""Finding 8: a hosted leg belongs to the browser that opened its startUrl.

Mallory's forwarded start link, opened and approved in the victim's browser, must not put the
victim's car in Mallory's account: the victim's browser has no binding cookie, so its pages
and its callback are refused with a readable page and the session stays as it was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from service.main import create_app
from tests.fakes.smartcar import FakeSmartcar, running_smartcar, smartcar_settings
from tests.flow import ConnectApi
from tests.support import BASE_URL, auth, make_settings, path_and_query, query_of

CALLBACK = f"{BASE_URL}/callbacks/smartcar"


@pytest.fixture
def smartcar() -> Iterator[FakeSmartcar]:
    with running_smartcar(CALLBACK) as fake:
        yield fake


@pytest.fixture
def settings_env(smartcar: FakeSmartcar) -> dict[str, str]:
    return smartcar_settings(smartcar, "management-token")


async def _approve_at_smartcar(connect_url: str, email: str = "driver@example.com") -> str:
    """The user approves on the (fake) Smartcar page; our callback URL it redirects to."""
    async with httpx.AsyncClient() as browser:
        done = await browser.post(
            connect_url.split("?")[0],
            data={**query_of(connect_url), "email": email, "action": "allow"},
        )
    assert done.status_code == 302, done.text
    return str(done.headers["location"])


def _refused_page(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "another browser" in response.text


async def _unchanged(api: ConnectApi, user: str, session_id: str, status: str) -> dict[str, Any]:
    session = await api.get(user, session_id)
    assert session["status"] == status and session["vehicleId"] is None
    vehicles = await api.client.get(api.url(user, "vehicles"), headers=auth(user))
    assert vehicles.json() == []
    return session


async def test_a_forwarded_smartcar_link_binds_no_car(
    api: ConnectApi, smartcar: FakeSmartcar
) -> None:
    """Opened in the victim's browser, Mallory's startUrl and the callback it leads to are
    refused; Mallory's own browser can still finish."""
    session = await api.created("mallory", {"provider": "smartcar"})
    connect_url = await api.provider_url(session)  # Mallory's web view opened it: bound there
    async with api.other_browser() as victim:
        _refused_page(await victim.get(path_and_query(session["startUrl"])))
        callback = await _approve_at_smartcar(connect_url)  # a forwarded provider link, too
        _refused_page(await victim.get(path_and_query(callback)))
    assert smartcar.token_requests == []  # the victim's code was never exchanged
    await _unchanged(api, "mallory", session["id"], "awaiting_external")
    own = await api.callback(await _approve_at_smartcar(connect_url))
    assert own.status_code == 302
    assert (await api.get("mallory", session["id"]))["status"] == "authorized"


async def test_the_start_and_choice_pages_refuse_another_browser(api: ConnectApi) -> None:
    """The start page binds the first browser; the choice page, its form and the start form
    refuse any other."""
    session, callback = await api.callback_url_for("dora", two_cars=True)
    async with api.other_browser() as other:
        _refused_page(await other.get(path_and_query(session["startUrl"])))
        token = query_of(session["startUrl"])["token"]
        pick = await other.post("/web/start", data={"token": token, "provider": "sandbox"})
        _refused_page(pick)
        _refused_page(await other.get(path_and_query(callback)))
        await _unchanged(api, "dora", session["id"], "awaiting_external")
        choice = (await api.callback(callback)).headers["location"]
        assert choice.startswith(f"{BASE_URL}/web/choose?token=")
        _refused_page(await other.get(path_and_query(choice)))
        vin = (await api.stored("dora", session["id"])).candidates[0].vin
        chosen = await other.post(
            "/web/choose", data={"token": query_of(choice)["token"], "vin": vin}
        )
        _refused_page(chosen)
    await _unchanged(api, "dora", session["id"], "awaiting_vehicle_choice")
    assert (await api.client.get(path_and_query(choice))).status_code == 200


async def test_a_cookie_of_another_session_does_not_bind(api: ConnectApi) -> None:
    """One browser's cookie for its own session opens nothing of someone else's."""
    mine = await api.created("erin", {})
    await api.client.get(path_and_query(mine["startUrl"]))
    theirs, callback = await api.callback_url_for("fred")
    cookies = {name: value for name, value in api.client.cookies.items()}
    assert f"vc-{mine['id']}" in cookies  # plain http: no __Host- prefix, not Secure
    async with api.other_browser() as other:
        for name, value in cookies.items():
            if name.endswith(mine["id"]):
                other.cookies.set(name.replace(mine["id"], theirs["id"]), value)
        _refused_page(await other.get(path_and_query(callback)))
    await _unchanged(api, "fred", theirs["id"], "awaiting_external")


async def test_a_finished_leg_forgets_its_cookie(api: ConnectApi) -> None:
    """The callback that finishes a session removes its cookie: a browser keeps only those
    of open sessions."""
    session, callback = await api.callback_url_for("hana")
    assert f"vc-{session['id']}" in api.client.cookies
    finished = await api.callback(callback)
    assert finished.status_code == 302
    assert f"vc-{session['id']}" not in api.client.cookies
    assert (await api.get("hana", session["id"]))["status"] == "authorized"


@pytest.fixture
async def https_api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app served as https://connect.example (embedded store)."""
    base = "https://connect.example"
    settings = make_settings(
        None, PUBLIC_BASE_URL=base, DEV_SECRETS_FILE=str(tmp_path / "dev-secrets.json")
    )
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=base, headers={"Origin": base}
        ) as client:
            yield client


async def test_the_cookie_is_host_prefixed_and_secure_on_https(
    https_api: httpx.AsyncClient,
) -> None:
    """On https the cookie is `__Host-` (Secure, Path=/, no Domain), HttpOnly and Lax."""
    created = await https_api.post(
        "/api/v1/users/gina/vehicles/connect-sessions", headers=auth("gina"), json={}
    )
    start = created.json()["startUrl"]
    assert start.startswith("https://connect.example/web/start?token=")
    page = await https_api.get(path_and_query(start))
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    name, _, attributes = cookie.partition(";")
    assert name.startswith(f"__Host-vc-{created.json()['id']}=")
    flags = {part.strip().split("=")[0].lower() for part in attributes.split(";")}
    assert {"secure", "httponly", "path", "samesite", "max-age"} <= flags
    assert "domain" not in flags
    assert "samesite=lax" in cookie.lower() and "path=/;" in cookie.lower()
