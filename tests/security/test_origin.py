"""Probe finding 7: hosted forms accept a POST only from our own origin; the pages' CSP lets
forms lead only to our origin and the providers' sign-in hosts."""

from __future__ import annotations

import pytest

from tests.flow import ConnectApi
from tests.support import BASE_URL, auth, query_of

HTML = {"Accept": "text/html"}


@pytest.fixture
def settings_env() -> dict[str, str]:
    """The default provider hosts (their CSP is what production gets)."""
    return {}


FOREIGN = [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": BASE_URL, "Sec-Fetch-Site": "cross-site"},
    {"Origin": BASE_URL, "Sec-Fetch-Site": "same-site"},
    {"Origin": ""},  # as good as none: neither header says it is ours
]


async def _refused(
    api: ConnectApi, path: str, form: dict[str, str], headers: dict[str, str]
) -> None:
    response = await api.client.post(path, data=form, headers={**HTML, **headers})
    assert response.status_code == 403, (path, headers, response.text)
    assert response.headers["content-type"].startswith("text/html")
    assert "FORBIDDEN_ORIGIN" in response.text


@pytest.mark.parametrize("headers", FOREIGN)
async def test_a_foreign_start_form_changes_nothing(
    api: ConnectApi, headers: dict[str, str]
) -> None:
    session = await api.created("origin-start", {})
    token = query_of(session["startUrl"])["token"]
    await _refused(api, "/web/start", {"token": token, "provider": "sandbox"}, headers)
    assert (await api.get("origin-start", session["id"]))["status"] == "pending"


async def test_no_origin_at_all_is_refused(api: ConnectApi) -> None:
    session = await api.created("origin-none", {})
    token = query_of(session["startUrl"])["token"]
    origin = api.client.headers.pop("origin")
    try:
        await _refused(api, "/web/start", {"token": token, "provider": "sandbox"}, {})
    finally:
        api.client.headers["origin"] = origin
    assert (await api.get("origin-none", session["id"]))["status"] == "pending"


@pytest.mark.parametrize("headers", FOREIGN[:3])
async def test_a_foreign_sandbox_approval_issues_no_code(
    api: ConnectApi, headers: dict[str, str]
) -> None:
    session = await api.created("origin-sandbox", {"provider": "sandbox"})
    login = query_of(await api.provider_url(session))
    form = {"state": login["state"], "redirect_uri": login["redirect_uri"], "decision": "approve"}
    await _refused(api, "/sandbox/authorize", form, headers)
    ours = await api.client.post("/sandbox/authorize", data=form)
    assert ours.status_code == 303 and "code=" in ours.headers["location"]


async def test_a_foreign_choice_binds_no_car(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("origin-choice", two_cars=True)
    redirected = await api.callback(callback)
    token = query_of(redirected.headers["location"])["token"]
    choosing = await api.get("origin-choice", session["id"])
    assert choosing["status"] == "awaiting_vehicle_choice"
    page = await api.client.get(f"/web/choose?token={token}")
    vin = page.text.split('name="vin" value="')[1].split('"')[0]
    for headers in FOREIGN:
        await _refused(api, "/web/choose", {"token": token, "vin": vin}, headers)
    assert (await api.get("origin-choice", session["id"]))["status"] == "awaiting_vehicle_choice"
    vehicles = await api.client.get(
        api.url("origin-choice", "vehicles"), headers=auth("origin-choice")
    )
    assert vehicles.json() == []
    same = await api.client.post(
        "/web/choose", data={"token": token, "vin": vin}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert same.status_code == 303
    assert (await api.get("origin-choice", session["id"]))["status"] == "authorized"


async def test_the_csp_lets_forms_lead_only_to_us_and_the_providers(api: ConnectApi) -> None:
    session = await api.created("origin-csp", {})
    page = await api.client.get(session["startUrl"].removeprefix(BASE_URL))
    policy = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    sources = policy["form-action"].split()
    assert "*" not in sources and sources[0] == "'self'"
    assert set(sources[1:]) == {
        "https://auth.tesla.com",
        "https://fleet-auth.prd.vn.cloud.tesla.com",
        "https://link.enode.com",
        "https://connect.smartcar.com",
        BASE_URL,
    }
