"""Tesla Fleet API mode: the app's client id, our callback, secret and audience, regional API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from service.domain.models import Owner
from service.flows.refresh import current_credentials
from tests.flow import ConnectApi
from tests.providers.tesla_support import TeslaFakes, age_credentials, tesla_fakes, tesla_login
from tests.support import problem_code, query_of

CLIENT_ID = "fleet-app-client"
CLIENT_SECRET = "fleet-app-secret-value"
CALLBACK = "http://testserver/callbacks/tesla"


@pytest.fixture
def fakes() -> Iterator[TeslaFakes]:
    with tesla_fakes() as running:
        fake = running.global_
        fake.redirect_uris[CLIENT_ID] = {CALLBACK}
        fake.fleet_secrets[CLIENT_ID] = CLIENT_SECRET
        fake.fleet_audience = fake.base_url
        yield running


@pytest.fixture
def settings_env(fakes: TeslaFakes) -> dict[str, str]:
    base = fakes.global_.base_url
    return {
        **fakes.settings(),
        "TESLA_CLIENT_ID": CLIENT_ID,
        "TESLA_CLIENT_SECRET": CLIENT_SECRET,
        "TESLA_FLEET_AUTH_URL": base,
        "TESLA_FLEET_API_URL": base,
    }


async def test_fleet_mode_end_to_end(api: ConnectApi, fakes: TeslaFakes) -> None:
    fake = fakes.global_
    session = await api.created("ann", {"provider": "tesla"})
    assert session["startUrl"].startswith("http://testserver/web/go?token=")
    authorize_url = await api.provider_url(session)
    query = query_of(authorize_url)
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == CALLBACK
    assert "vehicle_device_data" in query["scope"] and query["prompt_missing_scopes"] == "true"
    assert session["redirectInfo"] is None
    assert session["redirectUrl"] == "http://testserver/web/end"
    captured = await tesla_login(authorize_url)
    assert captured.url.startswith(CALLBACK + "?")
    response = await api.callback(captured.url)
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://testserver/web/end?token=")
    final = await api.get("ann", session["id"])
    assert final["status"] == "authorized" and final["vin"] == "5YJ3E1EA000000001"
    sent = fake.token_requests[0]["body"]
    assert sent["client_secret"] == CLIENT_SECRET and sent["audience"] == fake.base_url
    assert sent["redirect_uri"] == CALLBACK and sent["grant_type"] == "authorization_code"
    replay = await api.callback(captured.url)
    assert replay.status_code == 302 and replay.headers["location"] == response.headers["location"]
    assert fake.token_request_count() == 1


async def test_fleet_two_cars_and_cancel(api: ConnectApi, fakes: TeslaFakes) -> None:
    two = await api.created("bob", {"provider": "tesla"})
    captured = await tesla_login(await api.provider_url(two), email="two@example.com")
    response = await api.callback(captured.url)
    assert response.headers["location"].startswith("http://testserver/web/choose?token=")
    assert (await api.get("bob", two["id"]))["status"] == "awaiting_vehicle_choice"
    cancelled = await api.created("cy", {"provider": "tesla"})
    captured = await tesla_login(await api.provider_url(cancelled), action="cancel")
    await api.callback(captured.url)
    failed = await api.get("cy", cancelled["id"])
    assert failed["status"] == "failed" and failed["error"]["code"] == "CONNECT_ACCESS_DENIED"


async def test_fleet_refresh_tokens_are_single_use(api: ConnectApi, fakes: TeslaFakes) -> None:
    session = await api.created("dee", {"provider": "tesla"})
    captured = await tesla_login(await api.provider_url(session))
    await api.callback(captured.url)
    final = await api.get("dee", session["id"])
    owner = Owner("default", "dee")
    aged = await age_credentials(api, owner, final["vehicleId"], 0.8)
    first = await asyncio.gather(
        *(current_credentials(api.ctx, owner, final["vehicleId"]) for _ in range(5))
    )
    assert fakes.global_.token_request_count("refresh_token") == 1
    assert first[0].refresh_token != aged.refresh_token
    assert aged.refresh_token in fakes.global_.used_refresh_tokens
    await age_credentials(api, owner, final["vehicleId"], 0.8)
    second = await current_credentials(api.ctx, owner, final["vehicleId"])
    assert second.refresh_token != first[0].refresh_token
    assert fakes.global_.token_request_count("refresh_token") == 2


async def test_wrong_client_secret_is_a_provider_error(api: ConnectApi, fakes: TeslaFakes) -> None:
    fakes.global_.fleet_secrets[CLIENT_ID] = "rotated-at-tesla"
    session = await api.created("eve", {"provider": "tesla"})
    captured = await tesla_login(await api.provider_url(session))
    response = await api.callback(captured.url)
    assert response.status_code == 502 and problem_code(response) == "PROVIDER_ERROR"
    assert (await api.get("eve", session["id"]))["status"] == "awaiting_external"
