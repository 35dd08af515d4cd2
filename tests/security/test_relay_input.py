"""Probe findings 3 and 9: relayed cookies, captured URLs and redirect URIs are checked first.

A bad cookie value is 422 naming the cookie and never reaches Tesla; a captured URL that does
not start with the session's redirectUrl is 400 CONNECT_INVALID_STATE; an allowed redirectUri
with a #fragment is 422. The session is unchanged in every case.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.flow import ConnectApi
from tests.providers.tesla_support import TeslaFakes, tesla_login
from tests.support import problem_code


async def _tesla_session(api: ConnectApi, user: str) -> dict[str, Any]:
    return await api.created(user, {"provider": "tesla"})


@pytest.mark.parametrize(
    "value",
    ["s%3Aabcé", "s%3Aabc\u2028", "s%3Aabc\x7f", "s%3Aa b", 's%3A"a', "s%3Aa,b", "s%3Aa\\b", ""],
    ids=["e-acute", "u2028", "del", "space", "dquote", "comma", "backslash", "empty"],
)
async def test_a_cookie_value_outside_rfc6265_is_422_and_never_sent(
    api: ConnectApi, fakes: TeslaFakes, value: str
) -> None:
    session = await _tesla_session(api, "rita")
    captured = await tesla_login(session["startUrl"])
    body = {"redirectUrl": captured.url, "cookies": {"tesla-auth.sid": value}}
    response = await api.relay("rita", session["id"], body)
    assert response.status_code == 422, response.text
    assert problem_code(response) == "VALIDATION_FAILED"
    fields = [error["field"] for error in response.json()["errors"]]
    assert fields == ["cookies.tesla-auth.sid"]
    assert fakes.token_requests() == 0
    after = await api.get("rita", session["id"])
    assert after["status"] == "awaiting_external" and after["startUrl"] == session["startUrl"]
    # The same capture with its real cookie still completes: nothing was spent.
    good = await api.relay("rita", session["id"], captured.jedlix_relay())
    assert good.status_code == 200 and good.json()["status"] == "authorized"


async def test_a_quoted_cookie_value_and_a_devtools_row_are_accepted(
    api: ConnectApi, fakes: TeslaFakes
) -> None:
    session = await _tesla_session(api, "sam")
    captured = await tesla_login(session["startUrl"])
    assert captured.cookie is not None
    body = {"redirectUrl": captured.url, "cookies": {"tesla-auth.sid": f'"{captured.cookie}"'}}
    response = await api.relay("sam", session["id"], body)
    assert response.status_code == 200, response.text
    assert fakes.global_.token_requests[0]["cookie"] == f'tesla-auth.sid="{captured.cookie}"'


async def test_a_cookie_name_that_is_not_a_token_is_422(api: ConnectApi, fakes: TeslaFakes) -> None:
    session = await _tesla_session(api, "tom")
    captured = await tesla_login(session["startUrl"])
    body = {"redirectUrl": captured.url, "cookies": {"bad name;": "v"}}
    response = await api.relay("tom", session["id"], body)
    assert response.status_code == 422 and problem_code(response) == "VALIDATION_FAILED"
    assert fakes.token_requests() == 0


@pytest.mark.parametrize(
    "host", ["https://evil.example/void/callback", "https://auth.tesla.com.evil.example/x"]
)
async def test_a_capture_on_another_host_is_refused(
    api: ConnectApi, fakes: TeslaFakes, host: str
) -> None:
    session = await _tesla_session(api, "uma")
    captured = await tesla_login(session["startUrl"])
    elsewhere = host + "?" + captured.url.split("?", 1)[1]
    body = {**captured.jedlix_relay(), "redirectUrl": elsewhere}
    response = await api.relay("uma", session["id"], body)
    assert response.status_code == 400, response.text
    assert problem_code(response) == "CONNECT_INVALID_STATE"
    assert fakes.token_requests() == 0
    assert (await api.get("uma", session["id"]))["status"] == "awaiting_external"


async def test_a_sandbox_callback_relayed_from_another_host_is_refused(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("vic")
    foreign = "https://evil.example/callbacks/sandbox?" + callback.split("?", 1)[1]
    response = await api.relay("vic", session["id"], {"redirectUrl": foreign})
    assert response.status_code == 400 and problem_code(response) == "CONNECT_INVALID_STATE"
    good = await api.relay("vic", session["id"], {"redirectUrl": callback})
    assert good.status_code == 200 and good.json()["status"] == "authorized"


@pytest.mark.parametrize(
    "uri", ["myapp://connected#x", "https://app.example.com/done/a#frag", "myapp://connected#"]
)
async def test_an_allowed_redirect_uri_with_a_fragment_is_422(api: ConnectApi, uri: str) -> None:
    response = await api.create("wes", {"redirectUri": uri})
    assert response.status_code == 422, response.text
    assert problem_code(response) == "VALIDATION_FAILED"
    assert [e["field"] for e in response.json()["errors"]] == ["redirectUri"]
    allowed = await api.create("wes", {"redirectUri": "https://app.example.com/done/a"})
    assert allowed.status_code == 201, allowed.text
