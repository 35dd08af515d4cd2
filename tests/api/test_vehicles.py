"""Vehicles, re-connect, the one-car limit, authorize, and the vehicle profile catalogue."""

from __future__ import annotations

from service.domain.models import Owner
from tests.flow import ConnectApi
from tests.support import auth, problem_code, query_of


async def test_patch_and_disconnect_a_vehicle(api: ConnectApi) -> None:
    final = await api.connect("alice")
    url = api.url("alice", f"vehicles/{final['vehicleId']}")
    patched = await api.client.patch(url, headers=auth("alice"), json={"label": "  Work car "})
    assert patched.status_code == 200 and patched.json()["label"] == "Work car"
    assert (await api.client.get(url, headers=auth("alice"))).json()["label"] == "Work car"
    removed = await api.client.delete(url, headers=auth("alice"))
    assert removed.status_code == 200
    body = removed.json()
    assert body["status"] == "removed"
    assert body["isConnected"] is False and body["isConnectable"] is True
    stored = api.ctx.store.vehicles
    assert await stored.credentials(Owner("default", "alice"), final["vehicleId"]) is None
    again = await api.client.delete(url, headers=auth("alice"))
    assert again.status_code == 200 and again.json()["status"] == "removed"
    listed = (await api.client.get(api.url("alice", "vehicles"), headers=auth("alice"))).json()
    assert [v["status"] for v in listed] == ["removed"]


async def test_one_car_per_user_then_disconnect_frees_the_slot(api: ConnectApi) -> None:
    await api.connect("bob", account="first")
    refused = await api.create("bob", {})
    assert refused.status_code == 409
    assert problem_code(refused) == "CONNECT_VEHICLE_LIMIT_REACHED"
    vehicles = (await api.client.get(api.url("bob", "vehicles"), headers=auth("bob"))).json()
    await api.client.delete(api.url("bob", f"vehicles/{vehicles[0]['id']}"), headers=auth("bob"))
    second = await api.connect("bob", account="second")
    assert second["status"] == "authorized"
    listed = (await api.client.get(api.url("bob", "vehicles"), headers=auth("bob"))).json()
    assert sorted(v["status"] for v in listed) == ["authorized", "removed"]


async def test_reconnect_updates_the_same_vehicle(api: ConnectApi) -> None:
    first = await api.connect("carol")
    vehicle_id = first["vehicleId"]
    response = await api.client.post(
        api.url("carol", f"vehicles/{vehicle_id}/connect-sessions"), headers=auth("carol")
    )
    assert response.status_code == 201, response.text
    session = response.json()
    assert session["status"] == "awaiting_external" and session["provider"] == "sandbox"
    assert session["vin"] == first["vin"]
    callback = await api.sandbox_decide(await api.provider_url(session))
    await api.callback(callback)
    final = await api.get("carol", session["id"])
    assert final["status"] == "authorized" and final["vehicleId"] == vehicle_id
    listed = (await api.client.get(api.url("carol", "vehicles"), headers=auth("carol"))).json()
    assert len(listed) == 1
    missing = await api.client.post(
        api.url("carol", "vehicles/nope/connect-sessions"), headers=auth("carol")
    )
    assert missing.status_code == 404 and problem_code(missing) == "CONNECTED_VEHICLE_NOT_FOUND"


async def test_authorize_with_the_providers_code(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("dan")
    url = api.url("dan", f"connect-sessions/{session['id']}/authorize")
    without = await api.client.post(url, headers=auth("dan"), json={"options": {}})
    assert without.status_code == 409
    assert problem_code(without) == "CONNECT_VEHICLE_NOT_AUTHORIZED"
    bad = await api.client.post(url, headers=auth("dan"), json={"options": {"code": "sbx_nope"}})
    assert bad.status_code == 400 and problem_code(bad) == "CONNECT_INVALID_AUTH_CODE"
    still = await api.get("dan", session["id"])
    assert still["status"] == "awaiting_external"
    assert still["error"]["code"] == "CONNECT_INVALID_AUTH_CODE"
    code = query_of(callback)["code"]
    ok = await api.client.post(url, headers=auth("dan"), json={"options": {"code": code}})
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "authorized" and ok.json()["error"] is None
    replay = await api.client.post(url, headers=auth("dan"), json={"options": {"code": code}})
    assert replay.status_code == 409 and problem_code(replay) == "CONNECT_VEHICLE_NOT_PENDING"
    assert await api.ctx.store.sandbox_codes.redemptions(code) == 1


async def test_authorize_on_a_pending_session_is_not_authorized(api: ConnectApi) -> None:
    session = await api.created("eve", {})
    response = await api.client.post(
        api.url("eve", f"connect-sessions/{session['id']}/authorize"), headers=auth("eve")
    )
    assert response.status_code == 409
    assert problem_code(response) == "CONNECT_VEHICLE_NOT_AUTHORIZED"


async def test_vehicle_profiles_filter_by_provider(api: ConnectApi) -> None:
    url = "/api/v1/vehicle-profiles"
    everything = (await api.client.get(url, headers=auth("a"))).json()
    providers = {p for profile in everything for p in profile["connectProviders"]}
    assert providers == {"tesla", "enode", "smartcar", "sandbox"}
    sandbox = (await api.client.get(url, headers=auth("a"), params={"provider": "sandbox"})).json()
    assert [p["id"] for p in sandbox] == ["sandbox-demo-ev"]
    assert all(
        "tesla" in p["connectProviders"]
        for p in (await api.client.get(url, headers=auth("a"), params={"provider": "tesla"})).json()
    )
    bad = await api.client.get(url, headers=auth("a"), params={"provider": "volvo"})
    assert bad.status_code == 422
    anonymous = await api.client.get(url)
    assert anonymous.status_code == 401


async def test_profile_limits_the_providers(api: ConnectApi) -> None:
    ok = await api.created("fay", {"vehicleProfileId": "sandbox-demo-ev"})
    page = await api.client.get(ok["startUrl"].removeprefix("http://testserver"))
    assert "Sandbox" in page.text
    wrong = await api.create("fay", {"vehicleProfileId": "renault-zoe-r135", "provider": "sandbox"})
    assert wrong.status_code == 422
    assert problem_code(wrong) == "CONNECT_PROVIDER_NOT_SUPPORTED_FOR_VEHICLE"
    nothing = await api.create("fay", {"vehicleProfileId": "renault-zoe-r135"})
    assert nothing.status_code == 422
    enode = await api.create("fay", {"provider": "enode"})
    assert enode.status_code == 403
    assert problem_code(enode) == "CONNECT_PROVIDER_NOT_ALLOWED"
    assert "enode" in enode.json()["detail"]
