"""Tesla owner mode: PKCE authorize, the /info relay of redirect and cookie, exchange, vehicles."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.domain.models import Owner
from service.flows.binding import credentials_context
from service.providers.pkce import challenge_for
from tests.flow import ConnectApi
from tests.providers.tesla_support import TeslaFakes, tesla_login
from tests.support import auth, path_and_query, problem_code, query_of

BOTH_REDIRECT_URIS = pytest.mark.parametrize(
    "redirect_uri", ["tesla://auth/callback", "https://auth.tesla.com/void/callback"], indirect=True
)


@pytest.fixture
def redirect_uri(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "tesla://auth/callback"))


@pytest.fixture
def settings_env(fakes: TeslaFakes, redirect_uri: str) -> dict[str, str]:
    return {**fakes.settings(), "TESLA_REDIRECT_URI": redirect_uri}


async def _tesla_session(api: ConnectApi, user: str, **body: Any) -> dict[str, Any]:
    return await api.created(user, {"provider": "tesla", **body})


@BOTH_REDIRECT_URIS
async def test_start_issues_pkce_authorize_url_and_relay_instructions(
    api: ConnectApi, fakes: TeslaFakes, redirect_uri: str
) -> None:
    session = await _tesla_session(api, "ada", language="en-US")
    assert session["status"] == "awaiting_external" and session["provider"] == "tesla"
    assert session["startUrl"].startswith(f"{fakes.global_.base_url}/oauth2/v3/authorize?")
    query = query_of(session["startUrl"])
    assert query["client_id"] == "ownerapi"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == redirect_uri
    assert query["response_type"] == "code"
    assert query["scope"] == "openid email offline_access"
    assert query["locale"] == "en-US" and query["state"]
    assert session["redirectUrl"] == redirect_uri
    assert session["redirectInfo"] == {
        "includeRedirectUrl": True,
        "includeBody": False,
        "includeCookies": ["tesla-auth.sid"],
    }
    stored = await api.stored("ada", session["id"])
    assert stored.leg_secret is not None
    verifier = api.ctx.keyring.decrypt_json(
        stored.leg_secret, f"leg-secret\x00{stored.owner.key}\x00{stored.id}"
    )["code_verifier"]
    assert challenge_for(verifier) == query["code_challenge"]
    assert verifier not in str(session) and verifier not in stored.dump()


@BOTH_REDIRECT_URIS
async def test_the_jedlix_relay_sequence_authorizes_one_car(
    api: ConnectApi, fakes: TeslaFakes, redirect_uri: str
) -> None:
    session = await _tesla_session(api, "bea")
    captured = await tesla_login(session["startUrl"])
    assert captured.url.startswith(redirect_uri + "?")
    assert query_of(captured.url)["issuer"] == fakes.global_.issuer
    response = await api.relay("bea", session["id"], captured.jedlix_relay())
    assert response.status_code == 200, response.text
    final = response.json()
    assert final["status"] == "authorized" and final["isFinished"] is True
    assert final["vin"] == "5YJ3E1EA000000001"
    assert final["startUrl"] is None and final["redirectInfo"] is None
    assert fakes.global_.token_request_count() == 1
    sent = fakes.global_.token_requests[0]
    assert sent["body"]["redirect_uri"] == redirect_uri
    assert sent["body"]["client_id"] == "ownerapi" and sent["body"]["code_verifier"]
    assert sent["cookie"] == f"tesla-auth.sid={captured.cookie}"
    vehicle = (
        await api.client.get(api.url("bea", f"vehicles/{final['vehicleId']}"), headers=auth("bea"))
    ).json()
    assert vehicle["label"] == "Red Rocket"
    assert vehicle["details"] == {"brand": "Tesla", "model": "Model 3", "version": None}


async def test_raw_cookie_and_quoted_body_are_accepted(api: ConnectApi, fakes: TeslaFakes) -> None:
    session = await _tesla_session(api, "cid")
    captured = await tesla_login(session["startUrl"])
    body = {
        "redirectUrl": captured.url,
        "cookies": {"tesla-auth.sid": captured.cookie},
        "body": '"<html><body>Page not found</body></html>"',
    }
    response = await api.relay("cid", session["id"], body)
    assert response.status_code == 200 and response.json()["status"] == "authorized"
    assert fakes.global_.token_requests[0]["cookie"] == f"tesla-auth.sid={captured.cookie}"


async def test_china_issuer_exchanges_and_lists_in_china(
    api: ConnectApi, fakes: TeslaFakes
) -> None:
    session = await _tesla_session(api, "dai")
    captured = await tesla_login(session["startUrl"], at=fakes.china.base_url)
    assert query_of(captured.url)["issuer"] == fakes.china.issuer
    response = await api.relay("dai", session["id"], captured.jedlix_relay())
    assert response.status_code == 200 and response.json()["status"] == "authorized"
    assert fakes.china.token_request_count() == 1
    assert fakes.global_.token_request_count() == 0


async def test_a_foreign_issuer_never_receives_the_code(api: ConnectApi, fakes: TeslaFakes) -> None:
    session = await _tesla_session(api, "eli")
    captured = await tesla_login(session["startUrl"])
    query = query_of(captured.url)
    for issuer in [
        fakes.foreign.issuer,
        "https://auth.tesla.com.evil.example/oauth2/v3",
        fakes.global_.base_url + "/other",
    ]:
        forged = captured.url.replace(
            f"issuer={query['issuer'].replace(':', '%3A').replace('/', '%2F')}",
            "issuer=" + issuer.replace(":", "%3A").replace("/", "%2F"),
        )
        assert forged != captured.url
        response = await api.relay("eli", session["id"], {"redirectUrl": forged})
        assert response.status_code == 400, response.text
        assert problem_code(response) == "CONNECT_INVALID_ISSUER"
    assert fakes.token_requests() == 0
    assert (await api.get("eli", session["id"]))["status"] == "awaiting_external"
    ok = await api.relay("eli", session["id"], captured.jedlix_relay())
    assert ok.status_code == 200 and ok.json()["status"] == "authorized"


async def test_wrong_state_is_refused_without_a_token_request(
    api: ConnectApi, fakes: TeslaFakes
) -> None:
    mine = await _tesla_session(api, "fay")
    other = await _tesla_session(api, "fay-other")
    captured = await tesla_login(other["startUrl"])
    response = await api.relay("fay", mine["id"], captured.jedlix_relay())
    assert response.status_code == 400 and problem_code(response) == "CONNECT_INVALID_STATE"
    tampered = captured.url.replace("state=", "state=x")
    response = await api.relay("fay-other", other["id"], {"redirectUrl": tampered})
    assert response.status_code == 400 and problem_code(response) == "CONNECT_INVALID_STATE"
    assert fakes.token_requests() == 0


async def test_login_cancelled_fails_with_access_denied(api: ConnectApi, fakes: TeslaFakes) -> None:
    session = await _tesla_session(api, "gus")
    captured = await tesla_login(session["startUrl"], action="cancel")
    assert query_of(captured.url)["error"] == "login_cancelled"
    response = await api.relay("gus", session["id"], captured.jedlix_relay())
    assert response.status_code == 200
    assert response.json()["status"] == "failed"
    assert response.json()["error"]["code"] == "CONNECT_ACCESS_DENIED"
    assert fakes.token_requests() == 0


async def test_invalid_verifier_is_400_and_the_session_can_restart(
    api: ConnectApi, fakes: TeslaFakes
) -> None:
    session = await _tesla_session(api, "hal")
    foreign_challenge = challenge_for("another-verifier-of-43-characters-xxxxxxxxx")
    captured = await tesla_login(
        session["startUrl"], overrides={"code_challenge": foreign_challenge}
    )
    response = await api.relay("hal", session["id"], captured.jedlix_relay())
    assert response.status_code == 400 and problem_code(response) == "CONNECT_INVALID_AUTH_CODE"
    waiting = await api.get("hal", session["id"])
    assert waiting["status"] == "awaiting_external"
    assert waiting["error"]["code"] == "CONNECT_INVALID_AUTH_CODE"
    stored = await api.stored("hal", session["id"])
    await api.open_start(stored)
    restarted = await api.client.post(
        "/web/start", data={"token": api.page_token(stored), "provider": "tesla"}
    )
    assert restarted.status_code == 303
    assert restarted.headers["location"].startswith("http://testserver/web/end?token=")
    new_authorize = (await api.get("hal", session["id"]))["startUrl"]
    assert query_of(new_authorize)["state"] != query_of(session["startUrl"])["state"]
    fresh = await tesla_login(new_authorize)
    ok = await api.relay("hal", session["id"], fresh.jedlix_relay())
    assert ok.status_code == 200 and ok.json()["status"] == "authorized"
    assert ok.json()["error"] is None


async def test_replayed_and_concurrent_relays_post_the_code_once(
    api: ConnectApi, fakes: TeslaFakes
) -> None:
    session = await _tesla_session(api, "ian")
    captured = await tesla_login(session["startUrl"])
    body = captured.jedlix_relay()
    responses = await asyncio.gather(*(api.relay("ian", session["id"], body) for _ in range(20)))
    assert [r.status_code for r in responses] == [200] * 20
    assert {r.json()["status"] for r in responses} == {"authorized"}
    assert fakes.global_.token_request_count() == 1
    replay = await api.relay("ian", session["id"], body)
    assert replay.status_code == 200 and replay.json() == responses[0].json()
    assert fakes.global_.token_request_count() == 1
    other_code = captured.url.replace("code=", "code=0")
    refused = await api.relay("ian", session["id"], {"redirectUrl": other_code})
    assert refused.status_code == 400 and problem_code(refused) == "CONNECT_INVALID_STATE"


async def test_two_cars_go_to_the_choice_page(api: ConnectApi, fakes: TeslaFakes) -> None:
    session = await _tesla_session(api, "jo")
    captured = await tesla_login(session["startUrl"], email="two@example.com")
    response = await api.relay("jo", session["id"], captured.jedlix_relay())
    body = response.json()
    assert body["status"] == "awaiting_vehicle_choice" and body["vehicleId"] is None
    assert body["startUrl"].startswith("http://testserver/web/choose?token=")
    assert body["redirectUrl"] == "http://testserver/web/end" and body["redirectInfo"] is None
    page = await api.client.get(path_and_query(body["startUrl"]))
    assert "Blue Bird" in page.text and "Grey Ghost" in page.text
    chosen = await api.client.post(
        "/web/choose",
        data={"token": query_of(body["startUrl"])["token"], "vin": "5YJSE1EA000000003"},
    )
    assert chosen.status_code == 303
    final = await api.get("jo", session["id"])
    assert final["status"] == "authorized" and final["vin"] == "5YJSE1EA000000003"


async def test_an_account_without_cars_fails_clearly(api: ConnectApi, fakes: TeslaFakes) -> None:
    session = await _tesla_session(api, "kim")
    captured = await tesla_login(session["startUrl"], email="none@example.com")
    response = await api.relay("kim", session["id"], captured.jedlix_relay())
    assert response.status_code == 200
    assert response.json()["status"] == "failed"
    assert response.json()["error"]["code"] == "CONNECT_VEHICLE_NOT_AUTHORIZED"


async def test_tokens_and_cookie_are_encrypted_at_rest(api: ConnectApi, fakes: TeslaFakes) -> None:
    session = await _tesla_session(api, "lu")
    captured = await tesla_login(session["startUrl"])
    final = (await api.relay("lu", session["id"], captured.jedlix_relay())).json()
    owner = Owner("default", "lu")
    envelope = await api.ctx.store.vehicles.credentials(owner, final["vehicleId"])
    assert envelope is not None
    stored = api.ctx.keyring.decrypt_json(envelope, credentials_context(owner, final["vehicleId"]))
    assert stored["extra"]["sso_cookie"] == captured.cookie
    raw = await _raw_store(api)
    for secret in [
        stored["access_token"],
        stored["refresh_token"],
        str(captured.cookie),
        query_of(captured.url)["code"],
    ]:
        assert secret not in raw
    assert envelope in raw


async def _raw_store(api: ConnectApi) -> str:
    redis = api.ctx.store.redis
    values: list[str] = []
    async for key in redis.scan_iter():
        kind = await redis.type(key)
        if kind == "string":
            values.append(await redis.get(key))
        elif kind == "hash":
            values.extend((await redis.hgetall(key)).values())
    return "\n".join(values)


async def test_an_unknown_code_is_invalid_grant(api: ConnectApi, fakes: TeslaFakes) -> None:
    session = await _tesla_session(api, "max")
    captured = await tesla_login(session["startUrl"])
    code = query_of(captured.url)["code"]
    bogus = captured.url.replace(f"code={code}", "code=not-issued-by-tesla")
    response = await api.relay("max", session["id"], {"redirectUrl": bogus})
    assert response.status_code == 400 and problem_code(response) == "CONNECT_INVALID_AUTH_CODE"
    assert response.json()["detail"].startswith("Tesla refused the code")
    assert (await api.get("max", session["id"]))["status"] == "awaiting_external"
    assert fakes.global_.token_request_count() == 1
