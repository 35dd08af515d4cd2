"""Bad input of every kind in SPEC.md section 6 gets a 4xx problem document, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.flow import ConnectApi
from tests.support import auth, problem_code

CREATE = "vehicles/connect-sessions"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider": "volvo"}, "provider"),
        ({"provider": 7}, "provider"),
        ({"vin": "123"}, "vin"),
        ({"vin": "WVWZZZ1JZXW00000I"}, "vin"),
        ({"scopes": "vehicle:read:data"}, "scopes"),
        ({"scopes": ["ok", "no spaces allowed"]}, "scopes.1"),
        ({"label": ""}, "label"),
        ({"label": "x" * 65}, "label"),
        ({"language": "english!"}, "language"),
        ({"vehicleProfileId": "no-such-profile"}, "vehicleProfileId"),
        ({"redirectUri": "https://evil.example/steal"}, "redirectUri"),
        ([], "body"),
        ("just a string", "body"),
    ],
    ids=lambda value: str(value)[:30],
)
async def test_create_with_bad_fields_is_422_with_field_errors(
    api: ConnectApi, body: Any, field: str
) -> None:
    response = await api.create("alice", body)
    assert response.status_code == 422, response.text
    assert problem_code(response) == "VALIDATION_FAILED"
    problem = response.json()
    assert problem["type"].endswith("VALIDATION_FAILED")
    assert problem["status"] == 422 and problem["title"] and problem["instance"]
    assert field in [error["field"] for error in problem["errors"]], problem["errors"]
    listed = await api.client.get(api.url("alice", "connect-sessions"), headers=auth("alice"))
    assert listed.json() == []


async def test_malformed_json_is_422(api: ConnectApi) -> None:
    response = await api.client.post(
        api.url("alice", CREATE),
        headers={**auth("alice"), "Content-Type": "application/json"},
        content=b'{"provider": ',
    )
    assert response.status_code == 422
    assert problem_code(response) == "VALIDATION_FAILED"
    assert "JSON" in response.json()["detail"]


async def test_oversize_body_is_413(api: ConnectApi) -> None:
    big = {"redirectUrl": "x", "body": "a" * (300 * 1024)}
    session = await api.created("alice", {})
    response = await api.relay("alice", session["id"], big)
    assert response.status_code == 413
    assert problem_code(response) == "PAYLOAD_TOO_LARGE"

    async def chunks() -> AsyncIterator[bytes]:
        for part in [b'{"body": "', b"a" * (200 * 1024), b"a" * (200 * 1024), b'"}']:
            yield part

    chunked = await api.client.post(
        api.url("alice", f"connect-sessions/{session['id']}/info"),
        headers={**auth("alice"), "Content-Type": "application/json"},
        content=chunks(),
    )
    assert chunked.status_code == 413
    assert (await api.get("alice", session["id"]))["status"] == "pending"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"redirectUrl": "not a url at all"}, "VALIDATION_FAILED"),
        ({"redirectUrl": "http://[::1"}, "VALIDATION_FAILED"),
        ({"redirectUrl": "tesla://auth/callback?code=abc"}, "CONNECT_INVALID_STATE"),
        ({"redirectUrl": "tesla://auth/callback?code=abc&state=forged"}, "CONNECT_INVALID_STATE"),
        ({"redirectUrl": 5}, "VALIDATION_FAILED"),
        ({"cookies": ["tesla-auth.sid"]}, "VALIDATION_FAILED"),
        ({"cookies": {"tesla-auth.sid": 12}}, "VALIDATION_FAILED"),
        (
            {"redirectUrl": "tesla://cb?state=x&code=y", "cookies": {"tesla-auth.sid": "a;b"}},
            "VALIDATION_FAILED",
        ),
        (
            {"redirectUrl": "tesla://cb?state=x&code=y", "cookies": {"tesla-auth.sid": "\t\t"}},
            "VALIDATION_FAILED",
        ),
        ({"cookies": {f"c{i}": "v" for i in range(40)}}, "VALIDATION_FAILED"),
    ],
    ids=lambda value: str(value)[:40],
)
async def test_bad_relays_are_4xx_and_leave_the_session(
    api: ConnectApi, body: Any, code: str
) -> None:
    session = await api.created("alice", {"provider": "sandbox"})
    response = await api.relay("alice", session["id"], body)
    assert 400 <= response.status_code < 500, response.text
    assert problem_code(response) == code
    after = await api.get("alice", session["id"])
    assert after["status"] == "awaiting_external"
    assert after["startUrl"] == session["startUrl"]


async def test_unknown_session_and_route_and_method(api: ConnectApi) -> None:
    missing = await api.client.get(api.url("alice", "connect-sessions/nope"), headers=auth("alice"))
    assert missing.status_code == 404 and problem_code(missing) == "CONNECT_SESSION_NOT_FOUND"
    route = await api.client.get("/api/v1/nothing-here")
    assert route.status_code == 404 and problem_code(route) == "NOT_FOUND"
    method = await api.client.put(api.url("alice", CREATE), headers=auth("alice"))
    assert method.status_code == 405 and problem_code(method) == "METHOD_NOT_ALLOWED"
    long_user = await api.client.get(api.url("u" * 200, "connect-sessions"), headers=auth("alice"))
    assert long_user.status_code == 422


async def test_bad_hosted_form_posts_are_4xx(api: ConnectApi) -> None:
    session = await api.created("alice", {})
    stored = await api.stored("alice", session["id"])
    await api.open_start(stored)
    no_provider = await api.client.post("/web/start", data={"token": api.page_token(stored)})
    assert no_provider.status_code == 422
    unknown = await api.client.post(
        "/web/start", data={"token": api.page_token(stored), "provider": "volvo"}
    )
    assert unknown.status_code == 422
    wrong_state = await api.client.post(
        "/web/choose", data={"token": api.page_token(stored), "vin": "SBXAAAAAAAAAAAAAA"}
    )
    assert wrong_state.status_code == 409
    callback = await api.client.get("/callbacks/volvo", params={"state": "x", "code": "y"})
    assert callback.status_code == 422


async def test_choosing_a_vin_that_was_not_offered_is_422(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("alice", two_cars=True)
    await api.callback(callback)
    stored = await api.stored("alice", session["id"])
    response = await api.client.post(
        "/web/choose", data={"token": api.page_token(stored), "vin": "SBXZZZZZZZZZZZZZZ"}
    )
    assert response.status_code == 422 and problem_code(response) == "VALIDATION_FAILED"
    assert (await api.get("alice", session["id"]))["status"] == "awaiting_vehicle_choice"


async def test_patch_vehicle_with_bad_label_is_422(api: ConnectApi) -> None:
    final = await api.connect("alice")
    url = api.url("alice", f"vehicles/{final['vehicleId']}")
    for body in [{}, {"label": ""}, {"label": 3}, {"label": "y" * 100}]:
        response = await api.client.patch(url, headers=auth("alice"), json=body)
        assert response.status_code == 422, body
        assert problem_code(response) == "VALIDATION_FAILED"


async def test_overlong_session_id_on_the_direct_read_is_422_naming_the_path(
    api: ConnectApi,
) -> None:
    response = await api.client.get(
        api.url("alice", "connect-sessions/" + "s" * 65), headers=auth("alice")
    )
    assert response.status_code == 422, response.text
    assert problem_code(response) == "VALIDATION_FAILED"
    assert response.json()["errors"][0]["field"] == "path.sessionId"


async def test_create_body_sent_as_text_is_422(api: ConnectApi) -> None:
    response = await api.client.post(
        api.url("alice", CREATE),
        headers={**auth("alice"), "content-type": "text/plain"},
        content=b'{"provider": "sandbox"}',
    )
    assert response.status_code == 422, response.text
    assert problem_code(response) == "VALIDATION_FAILED"


@pytest.mark.parametrize("raw", [b"", b"null", b"{}"], ids=["absent", "null", "empty object"])
async def test_create_without_options_uses_the_defaults(api: ConnectApi, raw: bytes) -> None:
    response = await api.client.post(
        api.url("alice", CREATE),
        headers={**auth("alice"), "content-type": "application/json"},
        content=raw,
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    assert response.json()["provider"] is None
