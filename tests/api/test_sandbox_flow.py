"""The sandbox flow end to end over HTTP, on the embedded store and on a real Redis."""

from __future__ import annotations

from tests.flow import ConnectApi
from tests.support import auth, path_and_query, query_of


async def test_create_with_empty_body_is_pending_on_the_start_page(api: ConnectApi) -> None:
    session = await api.created("alice", {})
    assert session["status"] == "pending"
    assert session["isFinished"] is False
    assert session["vehicleId"] is None
    assert session["provider"] is None
    assert session["startUrl"].startswith("http://testserver/web/start?token=")
    assert session["authorizationUrl"] == session["startUrl"]
    assert session["redirectUrl"] == "http://testserver/web/end"
    assert session["redirectInfo"] is None
    assert not session["startUrl"].startswith(session["redirectUrl"])


async def test_create_without_any_body_works_like_the_jedlix_curl(api: ConnectApi) -> None:
    response = await api.create("alice")
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"


async def test_approve_authorizes_and_lists_the_vehicle(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("alice")
    response = await api.callback(callback)
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://testserver/web/end?token=")
    final = await api.get("alice", session["id"])
    assert final["status"] == "authorized"
    assert final["isFinished"] is True
    assert final["startUrl"] is None and final["redirectUrl"] is None
    assert [h["to"] for h in final["history"]] == ["awaiting_external", "authorized"]
    assert final["history"][0] == {
        "from": "pending",
        "to": "awaiting_external",
        "trigger": "start_external",
        "at": final["history"][0]["at"],
    }
    vehicles = (await api.client.get(api.url("alice", "vehicles"), headers=auth("alice"))).json()
    assert len(vehicles) == 1
    vehicle = vehicles[0]
    assert vehicle["id"] == final["vehicleId"]
    assert vehicle["vin"] == final["vin"] and len(vehicle["vin"]) == 17
    assert vehicle["isConnected"] is True and vehicle["status"] == "authorized"
    assert vehicle["details"]["brand"] == "Sandbox"
    assert "chargeState" in vehicle["capabilities"]
    end_page = await api.client.get(path_and_query(response.headers["location"]))
    assert "Car connected" in end_page.text


async def test_deny_fails_with_access_denied(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("bob", decision="deny")
    response = await api.callback(callback)
    assert response.status_code == 302
    final = await api.get("bob", session["id"])
    assert final["status"] == "failed"
    assert final["error"]["code"] == "CONNECT_ACCESS_DENIED"
    assert final["vehicleId"] is None


async def test_two_cars_go_through_the_choice_page(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("carol", two_cars=True)
    response = await api.callback(callback)
    assert response.status_code == 302
    choice_url = response.headers["location"]
    assert choice_url.startswith("http://testserver/web/choose?token=")
    waiting = await api.get("carol", session["id"])
    assert waiting["status"] == "awaiting_vehicle_choice"
    assert waiting["startUrl"] == choice_url
    assert waiting["vehicleId"] is None
    page = await api.client.get(path_and_query(choice_url))
    assert "Sandy" in page.text and "Dusty" in page.text
    stored = await api.stored("carol", session["id"])
    second_vin = stored.candidates[1].vin
    assert second_vin is not None and second_vin in page.text
    chosen = await api.client.post(
        "/web/choose", data={"token": query_of(choice_url)["token"], "vin": second_vin}
    )
    assert chosen.status_code == 303
    final = await api.get("carol", session["id"])
    assert final["status"] == "authorized"
    assert final["vin"] == second_vin
    assert [h["trigger"] for h in final["history"]] == [
        "start_external",
        "require_choice",
        "choose_vehicle",
    ]


async def test_create_with_provider_starts_the_external_leg(api: ConnectApi) -> None:
    session = await api.created("dave", {"provider": "sandbox", "label": "Family car"})
    assert session["status"] == "awaiting_external"
    assert session["provider"] == "sandbox"
    assert session["startUrl"].startswith("http://testserver/web/go?token=")
    authorize_url = await api.provider_url(session)
    assert authorize_url.startswith("http://testserver/sandbox/authorize?")
    query = query_of(authorize_url)
    assert query["redirect_uri"] == "http://testserver/callbacks/sandbox"
    assert query["response_type"] == "code" and query["state"]
    callback = await api.sandbox_decide(authorize_url)
    await api.callback(callback)
    final = await api.get("dave", session["id"])
    vehicle = (
        await api.client.get(
            api.url("dave", f"vehicles/{final['vehicleId']}"), headers=auth("dave")
        )
    ).json()
    assert vehicle["label"] == "Family car"


async def test_restart_from_the_start_page_voids_the_old_state(api: ConnectApi) -> None:
    session = await api.created("erin", {})
    first = await api.pick_provider(session)
    second = await api.pick_provider(session)
    assert query_of(first)["state"] != query_of(second)["state"]
    stale_callback = await api.sandbox_decide(first)
    response = await api.callback(stale_callback)
    assert response.status_code == 400
    assert response.json()["code"] == "CONNECT_INVALID_STATE"
    fresh_callback = await api.sandbox_decide(second)
    assert (await api.callback(fresh_callback)).status_code == 302
    assert (await api.get("erin", session["id"]))["status"] == "authorized"


async def test_relay_of_the_captured_callback_url_completes_the_session(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("frank")
    response = await api.relay("frank", session["id"], {"redirectUrl": callback, "cookies": {}})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "authorized"
    again = await api.relay("frank", session["id"], {"redirectUrl": callback})
    assert again.status_code == 200
    assert again.json() == response.json()


async def test_relay_without_a_redirect_url_returns_the_session(api: ConnectApi) -> None:
    session = await api.created("gina", {})
    response = await api.relay("gina", session["id"], {})
    assert response.status_code == 200
    assert response.json()["id"] == session["id"]
    assert response.json()["status"] == "pending"
