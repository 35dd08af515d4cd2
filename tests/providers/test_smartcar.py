"""Smartcar Connect: callback, code exchange once, vehicles, errors, webhooks, refresh."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.domain.models import Owner
from service.flows.refresh import current_credentials
from tests.fakes.smartcar import (
    FakeSmartcar,
    running_smartcar,
    sc_signature,
    smartcar_delivery,
    smartcar_settings,
)
from tests.flow import ConnectApi
from tests.providers.tesla_support import age_credentials
from tests.support import path_and_query, problem_code, query_of

TOKEN = "management-token-for-tests"
CALLBACK = "http://testserver/callbacks/smartcar"


@pytest.fixture
def smartcar() -> Iterator[FakeSmartcar]:
    with running_smartcar(CALLBACK) as fake:
        yield fake


@pytest.fixture
def settings_env(smartcar: FakeSmartcar) -> dict[str, str]:
    return {**smartcar_settings(smartcar, TOKEN), "PROVIDER_TIMEOUT_SECONDS": "2"}


async def _connect(
    api: ConnectApi,
    session: dict[str, Any],
    email: str = "driver@example.com",
    action: str = "allow",
) -> str:
    """Open startUrl, walk the fake Connect page; returns our callback URL it redirects to."""
    connect_url = await api.provider_url(session)
    query = query_of(connect_url)
    async with httpx.AsyncClient() as browser:
        page = await browser.get(connect_url)
        assert page.status_code == 200, page.text
        done = await browser.post(
            connect_url.split("?")[0], data={**query, "email": email, "action": action}
        )
    assert done.status_code == 302
    return str(done.headers["location"])


async def test_connect_url_and_one_car(api: ConnectApi, smartcar: FakeSmartcar) -> None:
    session = await api.created(
        "ann",
        {
            "provider": "smartcar",
            "vehicleProfileId": "ford-mustang-mach-e",
            "vin": "3FMTK3SU5MMA00001",
        },
    )
    assert session["startUrl"].startswith("http://testserver/web/go?token=")
    connect_url = await api.provider_url(session)
    query = query_of(connect_url)
    assert connect_url.startswith(f"{smartcar.base_url}/oauth/authorize?")
    assert query["response_type"] == "code" and query["client_id"] == "sc-client"
    assert query["redirect_uri"] == CALLBACK and query["mode"] == "test"
    assert query["scope"] == "read_vehicle_info read_vin read_battery read_charge"
    assert query["make"] == "FORD"
    assert query["single_select"] == "true" and query["single_select_vin"] == "3FMTK3SU5MMA00001"
    callback = await _connect(api, session)
    response = await api.callback(callback)
    assert response.status_code == 302
    final = await api.get("ann", session["id"])
    assert final["status"] == "authorized" and final["vin"] == "3FMTK3SU5MMA00001"
    sent = smartcar.token_requests[0]
    assert sent == {
        "grant_type": "authorization_code",
        "code": query_of(callback)["code"],
        "redirect_uri": CALLBACK,
    }


async def test_required_scopes_reach_the_connect_url_as_given(
    api: ConnectApi, smartcar: FakeSmartcar
) -> None:
    """Smartcar's `required:` permissions are sent as the session gave them, in order."""
    scopes = ["required:read_vin", "read_battery", "required:control_charge", "enode:other"]
    session = await api.created("req", {"provider": "smartcar", "scopes": scopes})
    query = query_of(await api.provider_url(session))
    assert query["scope"] == "required:read_vin read_battery required:control_charge"


async def test_several_cars_go_to_the_choice_page(api: ConnectApi, smartcar: FakeSmartcar) -> None:
    session = await api.created("bob", {"provider": "smartcar"})
    callback = await _connect(api, session, email="family@example.com")
    response = await api.callback(callback)
    choice = response.headers["location"]
    assert choice.startswith("http://testserver/web/choose?token=")
    page = await api.client.get(path_and_query(choice))
    assert "KIA" in page.text and "WBY73AW05PFP00003" in page.text
    await api.client.post(
        "/web/choose", data={"token": query_of(choice)["token"], "vin": "WBY73AW05PFP00003"}
    )
    final = await api.get("bob", session["id"])
    assert final["status"] == "authorized" and final["vin"] == "WBY73AW05PFP00003"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ("deny", "CONNECT_ACCESS_DENIED"),
        ("vehicle_incompatible", "CONNECT_PROVIDER_NOT_SUPPORTED_FOR_VEHICLE"),
        ("no_vehicles", "PROVIDER_ERROR"),
    ],
)
async def test_errors_fail_the_session(
    api: ConnectApi, smartcar: FakeSmartcar, error: str, code: str
) -> None:
    session = await api.created("cy", {"provider": "smartcar"})
    callback = await _connect(api, session, action=error)
    assert (await api.callback(callback)).status_code == 302
    failed = await api.get("cy", session["id"])
    assert failed["status"] == "failed" and failed["error"]["code"] == code
    if code == "PROVIDER_ERROR":
        assert "Smartcar says no_vehicles" in failed["error"]["message"]
    assert smartcar.token_request_count() == 0


async def test_concurrent_and_replayed_callbacks_exchange_once(
    api: ConnectApi, smartcar: FakeSmartcar
) -> None:
    session = await api.created("dee", {"provider": "smartcar"})
    callback = await _connect(api, session)
    answers = await asyncio.gather(*(api.callback(callback) for _ in range(20)))
    assert {a.status_code for a in answers} == {302}
    assert len({a.headers["location"] for a in answers}) == 1
    assert smartcar.token_request_count() == 1
    replay = await api.callback(callback)
    assert replay.headers["location"] == answers[0].headers["location"]
    assert smartcar.token_request_count() == 1


async def test_token_outage_then_the_same_callback_works(
    api: ConnectApi, smartcar: FakeSmartcar
) -> None:
    session = await api.created("eli", {"provider": "smartcar"})
    callback = await _connect(api, session)
    smartcar.failures.append(500)
    down = await api.callback(callback)
    assert down.status_code == 503 and problem_code(down) == "PROVIDER_UNAVAILABLE"
    assert (await api.get("eli", session["id"]))["status"] == "awaiting_external"
    up = await api.callback(callback)
    assert up.status_code == 302
    assert (await api.get("eli", session["id"]))["status"] == "authorized"


async def test_refresh_stores_the_new_refresh_token_first(
    api: ConnectApi, smartcar: FakeSmartcar
) -> None:
    session = await api.created("fay", {"provider": "smartcar"})
    await api.callback(await _connect(api, session))
    owner, vehicle_id = Owner("default", "fay"), (await api.get("fay", session["id"]))["vehicleId"]
    aged = await age_credentials(api, owner, vehicle_id, 0.8)
    fresh = await asyncio.gather(
        *(current_credentials(api.ctx, owner, vehicle_id) for _ in range(5))
    )
    assert smartcar.token_request_count("refresh_token") == 1
    assert fresh[0].refresh_token != aged.refresh_token
    assert aged.refresh_token in smartcar.dead_refresh
    await age_credentials(api, owner, vehicle_id, 0.8)
    again = await current_credentials(api.ctx, owner, vehicle_id)
    assert again.refresh_token not in (fresh[0].refresh_token, aged.refresh_token)
    assert smartcar.token_request_count("refresh_token") == 2


@pytest.mark.parametrize(
    "payload",
    [
        {"eventType": "VERIFY", "eventId": "e-1", "data": {"challenge": "3f1c9d"}},
        {"eventName": "verify", "version": "1.0", "payload": {"challenge": "3f1c9d"}},
    ],
    ids=["v2", "v1"],
)
async def test_verify_challenge(
    api: ConnectApi, smartcar: FakeSmartcar, payload: dict[str, Any]
) -> None:
    body, headers = smartcar_delivery(TOKEN, payload)
    response = await api.client.post("/webhooks/smartcar", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"challenge": sc_signature(TOKEN, b"3f1c9d")}


async def test_bad_signature_and_duplicate_events(api: ConnectApi, smartcar: FakeSmartcar) -> None:
    event = {"eventType": "VEHICLE_STATE", "eventId": "evt-42", "data": {"vehicle": {"id": "x"}}}
    body, headers = smartcar_delivery(TOKEN, event)
    wrong = await api.client.post(
        "/webhooks/smartcar", content=body, headers={**headers, "SC-Signature": "00" * 32}
    )
    assert wrong.status_code == 401 and problem_code(wrong) == "WEBHOOK_SIGNATURE_INVALID"
    missing = await api.client.post("/webhooks/smartcar", content=body)
    assert missing.status_code == 401
    first = await api.client.post("/webhooks/smartcar", content=body, headers=headers)
    assert first.json() == {"status": "ok", "eventType": "VEHICLE_STATE"}
    second = await api.client.post("/webhooks/smartcar", content=body, headers=headers)
    assert second.json() == {"status": "duplicate"}
