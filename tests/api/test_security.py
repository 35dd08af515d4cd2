"""Authentication, cross-user access, and tampered or foreign state and page tokens."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.flow import ConnectApi
from tests.support import JWT_SECRET, auth, path_and_query, problem_code, query_of

SID = "00000000-0000-4000-8000-000000000000"
VID = "00000000-0000-5000-8000-000000000000"

USER_ROUTES = [
    ("POST", "vehicles/connect-sessions", {}),
    ("POST", "vehicles/{vid}/connect-sessions", {}),
    ("GET", "connect-sessions/{sid}", None),
    ("GET", "connect-sessions", None),
    ("POST", "connect-sessions/{sid}/info", {}),
    ("POST", "connect-sessions/{sid}/authorize", {}),
    ("DELETE", "connect-sessions/{sid}", None),
    ("GET", "vehicles", None),
    ("GET", "vehicles/{vid}", None),
    ("PATCH", "vehicles/{vid}", {"label": "x"}),
    ("DELETE", "vehicles/{vid}", None),
]


async def test_cross_user_access_is_refused_on_every_route(api: ConnectApi) -> None:
    victim = await api.connect("victim")
    sid, vid = victim["id"], victim["vehicleId"]
    for method, template, body in USER_ROUTES:
        path = template.format(sid=sid, vid=vid)
        response = await api.client.request(
            method, api.url("victim", path), headers=auth("mallory"), json=body
        )
        assert response.status_code == 403, (method, path, response.text)
        assert problem_code(response) == "FORBIDDEN"
        assert victim["vin"] not in response.text
        unknown = await api.client.request(
            method,
            api.url("victim", template.format(sid=SID, vid=VID)),
            headers=auth("mallory"),
            json=body,
        )
        # the answer for a real id and an unknown one differ only in the echoed path
        assert {**response.json(), "instance": ""} == {**unknown.json(), "instance": ""}
    # mallory's own paths do not reach victim's records either
    own = await api.client.get(
        api.url("mallory", f"connect-sessions/{sid}"), headers=auth("mallory")
    )
    assert own.status_code == 404 and problem_code(own) == "CONNECT_SESSION_NOT_FOUND"
    car = await api.client.get(api.url("mallory", f"vehicles/{vid}"), headers=auth("mallory"))
    assert car.status_code == 404 and problem_code(car) == "CONNECTED_VEHICLE_NOT_FOUND"
    assert (await api.get("victim", sid))["status"] == "authorized"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "AUTH_TOKEN_MISSING"),
        ("Basic dXNlcjpwYXNz", "AUTH_TOKEN_INVALID"),
        ("Bearer not-a-jwt", "AUTH_TOKEN_INVALID"),
        (
            "Bearer "
            + jwt.encode(
                {"sub": "u1", "exp": int(time.time()) + 3600}, "wrong-key-" * 4, algorithm="HS256"
            ),
            "AUTH_TOKEN_INVALID",
        ),
        (
            "Bearer "
            + jwt.encode(
                {"sub": "u1", "exp": int(time.time()) - 60}, JWT_SECRET, algorithm="HS256"
            ),
            "AUTH_TOKEN_EXPIRED",
        ),
        (
            "Bearer "
            + jwt.encode(
                {"sub": "u1", "client_id": "nope", "exp": int(time.time()) + 3600},
                JWT_SECRET,
                algorithm="HS256",
            ),
            "AUTH_TOKEN_INVALID",
        ),
        (
            "Bearer " + jwt.encode({"sub": "u1"}, JWT_SECRET, algorithm="HS256"),
            "AUTH_TOKEN_INVALID",
        ),
        (
            "Bearer "
            + jwt.encode({"sub": "u1", "exp": int(time.time()) + 3600}, None, algorithm="none"),
            "AUTH_TOKEN_INVALID",
        ),
    ],
    ids=[
        "missing",
        "basic",
        "garbage",
        "wrong-key",
        "expired",
        "unknown-client",
        "no-exp",
        "alg-none",
    ],
)
async def test_bad_tokens_are_401(api: ConnectApi, header: str | None, code: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = await api.client.get(api.url("u1", "connect-sessions"), headers=headers)
    assert response.status_code == 401
    assert problem_code(response) == code
    assert response.headers["www-authenticate"] == "Bearer"


async def test_tampered_state_is_refused_and_nothing_changes(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("nina")
    query = query_of(callback)
    state = query["state"]
    tampered = state[:-4] + ("AAAA" if not state.endswith("AAAA") else "BBBB")
    response = await api.client.get(
        "/callbacks/sandbox", params={"code": query["code"], "state": tampered}
    )
    assert response.status_code == 400 and problem_code(response) == "CONNECT_INVALID_STATE"
    missing = await api.client.get("/callbacks/sandbox", params={"code": query["code"]})
    assert missing.status_code == 400 and problem_code(missing) == "CONNECT_INVALID_STATE"
    assert (await api.get("nina", session["id"]))["status"] == "awaiting_external"
    assert (await api.callback(callback)).status_code == 302


async def test_foreign_state_relayed_on_another_session_is_refused(api: ConnectApi) -> None:
    mine = await api.created("oscar", {})
    _, foreign_callback = await api.callback_url_for("oscar")
    response = await api.relay("oscar", mine["id"], {"redirectUrl": foreign_callback})
    assert response.status_code == 400 and problem_code(response) == "CONNECT_INVALID_STATE"
    _, other_users_callback = await api.callback_url_for("pat")
    await api.pick_provider(mine)
    response = await api.relay("oscar", mine["id"], {"redirectUrl": other_users_callback})
    assert response.status_code == 400 and problem_code(response) == "CONNECT_INVALID_STATE"
    assert (await api.get("oscar", mine["id"]))["status"] == "awaiting_external"


async def test_state_for_another_provider_callback_is_refused(api: ConnectApi) -> None:
    _, callback = await api.callback_url_for("quinn")
    query = query_of(callback)
    response = await api.client.get("/callbacks/tesla", params=query)
    assert response.status_code == 400 and problem_code(response) == "CONNECT_INVALID_STATE"


async def test_a_different_code_for_a_used_state_is_400(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("rosa")
    assert (await api.callback(callback)).status_code == 302
    query = query_of(callback)
    response = await api.client.get(
        "/callbacks/sandbox", params={"code": "sbx_other", "state": query["state"]}
    )
    assert response.status_code == 400 and problem_code(response) == "CONNECT_INVALID_STATE"
    assert (await api.get("rosa", session["id"]))["status"] == "authorized"


@pytest.mark.parametrize("page", ["/web/start", "/web/choose", "/web/end"])
async def test_tampered_or_missing_page_tokens_are_403(api: ConnectApi, page: str) -> None:
    session = await api.created("sam", {})
    token = query_of(session["startUrl"])["token"]
    for bad in [token[:-3] + "xyz", "k1.AAAA", ""]:
        response = await api.client.get(page, params={"token": bad} if bad else None)
        assert response.status_code == 403, (page, bad)
        assert problem_code(response) == "FORBIDDEN"
    html = await api.client.get(
        page, params={"token": token[:-3] + "xyz"}, headers={"Accept": "text/html"}
    )
    assert html.status_code == 403
    assert html.headers["content-type"].startswith("text/html")
    assert "FORBIDDEN" in html.text


async def test_page_token_of_one_session_does_not_open_another(api: ConnectApi) -> None:
    first = await api.created("tom", {})
    page = await api.client.get(path_and_query(first["startUrl"]))
    assert page.status_code == 200 and "Sandbox" in page.text
    # a token from another key purpose (an OAuth state) is not a page token
    state = query_of(await api.pick_provider(first))["state"]
    response = await api.client.get("/web/start", params={"token": state})
    assert response.status_code == 403


async def test_sandbox_refuses_unregistered_redirect_uri(api: ConnectApi) -> None:
    response = await api.client.get(
        "/sandbox/authorize",
        params={
            "client_id": "vehicle-connect",
            "redirect_uri": "https://evil.example/cb",
            "state": "x",
            "response_type": "code",
        },
    )
    assert response.status_code == 422
    post = await api.client.post(
        "/sandbox/authorize",
        data={"redirect_uri": "https://evil.example/cb", "state": "x", "decision": "approve"},
    )
    assert post.status_code == 422
    assert "location" not in post.headers
