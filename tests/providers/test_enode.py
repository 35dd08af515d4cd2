"""Enode: link session, callback, signed webhooks (once per delivery), authorize, outages."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from service.config import load_settings
from service.domain.models import Owner
from service.domain.providers import ProviderName
from service.flows.webhook_delivery import hex_hmac
from service.observability.metrics import Metrics
from service.providers.enode import EnodeAppToken, enode_user_id
from service.providers.http import ProviderHttp
from tests.fakes.enode import FakeEnode, enode_car, enode_delivery, enode_signature
from tests.fakes.server import base_url_of, listening_socket, serving
from tests.flow import ConnectApi
from tests.support import auth, deployment_env, path_and_query, problem_code, query_of

SECRET = "example-secret"


@pytest.fixture
def enode() -> Iterator[FakeEnode]:
    sock = listening_socket()
    fake = FakeEnode("enode-client", "enode-secret", base_url=base_url_of(sock))
    with serving(fake.build(), sock):
        yield fake


@pytest.fixture
def settings_env(enode: FakeEnode, tmp_path: Path) -> dict[str, str]:
    clients = tmp_path / "clients.yaml"
    clients.write_text("clients:\n  default: {}\n  sandbox-only:\n    providers: [sandbox]\n")
    return {
        "CLIENTS_FILE": str(clients),
        "ENODE_API_URL": enode.base_url,
        "ENODE_OAUTH_URL": enode.base_url,
        "ENODE_CLIENT_ID": enode.client_id,
        "ENODE_CLIENT_SECRET": enode.client_secret,
        "ENODE_WEBHOOK_SECRET": SECRET,
        "PROVIDER_TIMEOUT_SECONDS": "2",
    }


def test_signature_test_vector() -> None:
    body = b'{"payload":"example"}'
    expected = "sha1=e417e6fc2e7f8a78c93a35a7b344d36ce179fc8d"
    assert enode_signature("example-secret", body) == expected
    assert "sha1=" + hex_hmac("example-secret", body, "sha1") == expected


async def _webhook(
    api: ConnectApi, events: list[dict[str, Any]], delivery: str | None = None
) -> httpx.Response:
    body, headers = enode_delivery(SECRET, events, delivery)
    return await api.client.post("/webhooks/enode", content=body, headers=headers)


def _discovered(user: str, car: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": "user:vehicle:discovered",
        "createdAt": "2026-11-22T10:00:00Z",
        "version": "2024-10-01",
        "user": {"id": enode_user_id(Owner("default", user))},
        "vehicle": car,
    }


async def _link(api: ConnectApi, session: dict[str, Any], action: str = "connect") -> str:
    """Open startUrl, walk the fake link UI; returns our callback URL it redirects to."""
    link_url = await api.provider_url(session)
    async with httpx.AsyncClient() as browser:
        page = await browser.get(link_url)
        assert page.status_code == 200
        done = await browser.post(link_url, data={"action": action})
    assert done.status_code == 302
    return str(done.headers["location"])


async def _back_from_link(api: ConnectApi, session: dict[str, Any]) -> None:
    """The user links at Enode and comes back to our callback in the bound browser."""
    response = await api.callback(await _link(api, session))
    assert response.status_code == 302, response.text


async def test_link_callback_then_webhook(api: ConnectApi, enode: FakeEnode) -> None:
    session = await api.created(
        "ann", {"provider": "enode", "vehicleProfileId": "volkswagen-id3-pro"}
    )
    assert session["status"] == "awaiting_external"
    assert session["startUrl"].startswith("http://testserver/web/go?token=")
    sent = enode.link_requests[0]
    assert sent["user_id"] == enode_user_id(Owner("default", "ann"))
    assert sent["vendorType"] == "vehicle" and sent["vendor"] == "VOLKSWAGEN"
    assert sent["scopes"] == [
        "vehicle:read:data",
        "vehicle:read:location",
        "vehicle:control:charging",
    ]
    assert sent["redirectUri"].startswith("http://testserver/callbacks/enode?state=")
    callback = await _link(api, session)
    response = await api.callback(callback)
    assert response.status_code == 302
    end = response.headers["location"]
    assert end.startswith("http://testserver/web/end?token=")
    waiting = await api.get("ann", session["id"])
    assert waiting["status"] == "awaiting_external"
    page = await api.client.get(path_and_query(end))
    assert "Waiting for Enode to confirm your car" in page.text
    car = enode_car(1)
    answer = await _webhook(api, [_discovered("ann", car)])
    assert answer.status_code == 200 and answer.json()["handled"] == 1
    final = await api.get("ann", session["id"])
    assert final["status"] == "authorized" and final["vin"] == car["information"]["vin"]
    vehicle = (
        await api.client.get(api.url("ann", f"vehicles/{final['vehicleId']}"), headers=auth("ann"))
    ).json()
    assert vehicle["details"] == {"brand": "Volkswagen", "model": "ID.3", "version": "2023"}
    assert vehicle["provider"] == "enode" and vehicle["isConnected"] is True


async def test_webhook_before_the_callback(api: ConnectApi, enode: FakeEnode) -> None:
    session = await api.created("bob", {"provider": "enode"})
    callback = await _link(api, session)
    early = await _webhook(api, [_discovered("bob", enode_car(2))])
    assert early.status_code == 200 and early.json()["handled"] == 1
    kept = await api.get("bob", session["id"])
    assert kept["status"] == "awaiting_external" and kept["vehicleId"] is None
    late = await api.callback(callback)
    assert late.status_code == 302
    assert (await api.get("bob", session["id"]))["status"] == "authorized"
    page = await api.client.get(path_and_query(late.headers["location"]))
    assert "Car connected" in page.text


async def test_a_callback_from_another_browser_applies_nothing(
    api: ConnectApi, enode: FakeEnode
) -> None:
    """The kept webhook waits for the bound browser: the same callback from another browser
    is a 403 page and leaves the session waiting; the first car announced wins."""
    session = await api.created("bea", {"provider": "enode"})
    callback = await _link(api, session)
    await _webhook(api, [_discovered("bea", enode_car(21))])
    await _webhook(api, [_discovered("bea", enode_car(22))])
    async with api.other_browser() as other:
        refused = await other.get(path_and_query(callback))
    assert refused.status_code == 403 and "another browser" in refused.text
    waiting = await api.get("bea", session["id"])
    assert waiting["status"] == "awaiting_external" and waiting["vehicleId"] is None
    assert (await api.callback(callback)).status_code == 302
    done = await api.get("bea", session["id"])
    assert done["status"] == "authorized"
    assert done["vin"] == enode_car(21)["information"]["vin"]


async def test_duplicate_deliveries_bind_one_vehicle(api: ConnectApi, enode: FakeEnode) -> None:
    session = await api.created("cat", {"provider": "enode"})
    await _back_from_link(api, session)
    events = [_discovered("cat", enode_car(3))]
    answers = await asyncio.gather(*(_webhook(api, events, "delivery-1") for _ in range(10)))
    assert all(a.status_code == 200 for a in answers)
    assert sum(a.json().get("handled", 0) for a in answers) == 1
    again = await _webhook(api, events, "delivery-1")
    assert again.json() == {"status": "duplicate"}
    assert (await api.get("cat", session["id"]))["status"] == "authorized"
    vehicles = (await api.client.get(api.url("cat", "vehicles"), headers=auth("cat"))).json()
    assert len(vehicles) == 1


@pytest.mark.parametrize("tamper", ["missing", "wrong-secret", "altered-body", "no-prefix"])
async def test_bad_signatures_change_nothing(
    api: ConnectApi, enode: FakeEnode, tamper: str
) -> None:
    session = await api.created("dan", {"provider": "enode"})
    body, headers = enode_delivery(SECRET, [_discovered("dan", enode_car(4))])
    if tamper == "missing":
        del headers["x-enode-signature"]
    elif tamper == "wrong-secret":
        headers["x-enode-signature"] = enode_signature("other-secret", body)
    elif tamper == "altered-body":
        body = body.replace(b"enode-vehicle-4", b"enode-vehicle-5")
    else:
        headers["x-enode-signature"] = headers["x-enode-signature"].removeprefix("sha1=")
    response = await api.client.post("/webhooks/enode", content=body, headers=headers)
    assert response.status_code == 401 and problem_code(response) == "WEBHOOK_SIGNATURE_INVALID"
    assert (await api.get("dan", session["id"]))["status"] == "awaiting_external"
    retry = await api.client.post(
        "/webhooks/enode",
        content=body,
        headers={**headers, "x-enode-signature": enode_signature(SECRET, body)},
    )
    assert retry.status_code == 200


async def test_authorize_asks_enode_for_the_vehicles(api: ConnectApi, enode: FakeEnode) -> None:
    session = await api.created("eve", {"provider": "enode"})
    url = api.url("eve", f"connect-sessions/{session['id']}/authorize")
    enode.vehicles[enode_user_id(Owner("default", "eve"))] = [enode_car(6)]
    not_back = await api.client.post(url, headers=auth("eve"), json={"options": {}})
    assert not_back.status_code == 409  # the bound browser has not come back from Enode yet
    assert problem_code(not_back) == "CONNECT_VEHICLE_NOT_AUTHORIZED"
    enode.vehicles.clear()
    await _back_from_link(api, session)
    none_yet = await api.client.post(url, headers=auth("eve"), json={"options": {}})
    assert none_yet.status_code == 409
    assert problem_code(none_yet) == "CONNECT_VEHICLE_NOT_AUTHORIZED"
    assert (await api.get("eve", session["id"]))["status"] == "awaiting_external"
    enode.vehicles[enode_user_id(Owner("default", "eve"))] = [enode_car(6)]
    one = await api.client.post(url, headers=auth("eve"), json={"options": {}})
    assert one.status_code == 200 and one.json()["status"] == "authorized"


async def test_several_vehicles_on_one_account_fail_the_session(
    api: ConnectApi, enode: FakeEnode
) -> None:
    session = await api.created("fay", {"provider": "enode"})
    await _back_from_link(api, session)
    enode.vehicles[enode_user_id(Owner("default", "fay"))] = [enode_car(7), enode_car(8)]
    response = await api.client.post(
        api.url("fay", f"connect-sessions/{session['id']}/authorize"), headers=auth("fay")
    )
    assert response.status_code == 409
    assert problem_code(response) == "CONNECT_MULTIPLE_VEHICLES_NOT_ALLOWED"
    failed = await api.get("fay", session["id"])
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "CONNECT_MULTIPLE_VEHICLES_NOT_ALLOWED"


async def test_cancel_in_the_link_ui_is_access_denied(api: ConnectApi, enode: FakeEnode) -> None:
    session = await api.created("gus", {"provider": "enode"})
    callback = await _link(api, session, action="cancel")
    assert "error=access_denied" in callback
    await api.callback(callback)
    failed = await api.get("gus", session["id"])
    assert failed["status"] == "failed" and failed["error"]["code"] == "CONNECT_ACCESS_DENIED"


async def test_deleted_and_invalidated_then_discovered_again(
    api: ConnectApi, enode: FakeEnode
) -> None:
    session = await api.created("hal", {"provider": "enode"})
    await _back_from_link(api, session)
    car = enode_car(9)
    await _webhook(api, [_discovered("hal", car)])
    vehicle_id = (await api.get("hal", session["id"]))["vehicleId"]
    url = api.url("hal", f"vehicles/{vehicle_id}")
    user = {"id": enode_user_id(Owner("default", "hal"))}
    await _webhook(api, [{"event": "user:vehicle:deleted", "user": user, "vehicle": car}])
    lost = (await api.client.get(url, headers=auth("hal"))).json()
    assert lost["isConnected"] is False and lost["isConnectable"] is True
    await _webhook(api, [_discovered("hal", car)])
    back = (await api.client.get(url, headers=auth("hal"))).json()
    assert back["isConnected"] is True
    await _webhook(api, [{"event": "user:credentials:invalidated", "user": user}])
    invalid = (await api.client.get(url, headers=auth("hal"))).json()
    assert invalid["isConnected"] is False and invalid["isConnectable"] is True


async def test_test_and_heartbeat_events_are_acknowledged(
    api: ConnectApi, enode: FakeEnode
) -> None:
    response = await _webhook(
        api,
        [{"event": "enode:webhook:test"}, {"event": "system:heartbeat", "pendingEvents": 0}],
    )
    assert response.status_code == 200 and response.json()["events"] == 2
    bad = await api.client.post(
        "/webhooks/enode",
        content=b"not json",
        headers={"x-enode-signature": enode_signature(SECRET, b"not json")},
    )
    assert bad.status_code == 422


async def test_link_outage_then_up(api: ConnectApi, enode: FakeEnode) -> None:
    enode.failures.append(503)
    session = await api.created("ivy", {"provider": "enode"})
    assert session["status"] == "pending"
    assert session["error"]["code"] == "PROVIDER_UNAVAILABLE"
    await api.client.get(path_and_query(session["startUrl"]))  # the app opens the start page
    token = query_of(session["startUrl"])["token"]
    again = await api.client.post("/web/start", data={"token": token, "provider": "enode"})
    assert again.status_code == 303
    assert urlsplit(again.headers["location"]).path.startswith("/link/")
    started = await api.get("ivy", session["id"])
    assert started["status"] == "awaiting_external" and started["error"] is None


async def test_vehicle_listing_outage_then_up(api: ConnectApi, enode: FakeEnode) -> None:
    session = await api.created("jon", {"provider": "enode"})
    enode.vehicles[enode_user_id(Owner("default", "jon"))] = [enode_car(10)]
    await api.callback(await _link(api, session))  # the user is back from Enode's link UI
    enode.failures.append(502)
    url = api.url("jon", f"connect-sessions/{session['id']}/authorize")
    down = await api.client.post(url, headers=auth("jon"))
    assert down.status_code == 503 and problem_code(down) == "PROVIDER_UNAVAILABLE"
    up = await api.client.post(url, headers=auth("jon"))
    assert up.status_code == 200 and up.json()["status"] == "authorized"


async def test_app_token_is_cached_and_fetched_once(
    enode: FakeEnode, settings_env: dict[str, str]
) -> None:
    settings = load_settings(deployment_env(None, **settings_env))
    async with httpx.AsyncClient() as http:
        token = EnodeAppToken(settings, ProviderHttp(http, Metrics()))
        tokens = await asyncio.gather(*(token.get() for _ in range(10)))
        assert len(set(tokens)) == 1 and enode.token_requests == 1
        assert await token.get() == tokens[0] and enode.token_requests == 1


async def test_enode_is_offered_on_the_start_page(api: ConnectApi, enode: FakeEnode) -> None:
    assert ProviderName.ENODE in api.ctx.providers.names()
    session = await api.created("kim", {})
    page = await api.client.get(path_and_query(session["startUrl"]))
    assert "Enode" in page.text


async def test_a_client_without_enode_is_refused_by_name(api: ConnectApi, enode: FakeEnode) -> None:
    response = await api.create("lea", {"provider": "enode"}, client_id="sandbox-only")
    assert response.status_code == 403
    assert problem_code(response) == "CONNECT_PROVIDER_NOT_ALLOWED"
    assert response.json()["detail"] == (
        "The Connect provider enode is not configured for your client id"
    )
    assert enode.link_requests == []
