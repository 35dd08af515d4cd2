"""The refresh routine: at 75 % of the lifetime, one refresh at a time per vehicle."""

from __future__ import annotations

import asyncio

import pytest

from service.domain.models import Owner
from service.errors import ConnectVehicleNotAuthorized
from service.flows.binding import credentials_context
from service.flows.refresh import current_credentials
from service.providers.base import Credentials
from tests.flow import ConnectApi
from tests.providers.tesla_support import TeslaFakes, age_credentials, tesla_login
from tests.support import auth


@pytest.fixture
def settings_env(fakes: TeslaFakes) -> dict[str, str]:
    return fakes.settings()


async def _connected(api: ConnectApi, user: str) -> tuple[Owner, str, Credentials]:
    session = await api.created(user, {"provider": "tesla"})
    captured = await tesla_login(session["startUrl"])
    final = (await api.relay(user, session["id"], captured.jedlix_relay())).json()
    owner = Owner("default", user)
    envelope = await api.ctx.store.vehicles.credentials(owner, final["vehicleId"])
    assert envelope is not None
    context = credentials_context(owner, final["vehicleId"])
    return (
        owner,
        final["vehicleId"],
        Credentials.from_json(api.ctx.keyring.decrypt_json(envelope, context)),
    )


async def test_not_refreshed_before_75_percent(api: ConnectApi, fakes: TeslaFakes) -> None:
    owner, vehicle_id, _ = await _connected(api, "ann")
    aged = await age_credentials(api, owner, vehicle_id, 0.70)
    current = await current_credentials(api.ctx, owner, vehicle_id)
    assert current.access_token == aged.access_token
    assert fakes.global_.token_request_count("refresh_token") == 0


async def test_concurrent_callers_share_one_refresh(api: ConnectApi, fakes: TeslaFakes) -> None:
    owner, vehicle_id, original = await _connected(api, "bob")
    await age_credentials(api, owner, vehicle_id, 0.80)
    results = await asyncio.gather(
        *(current_credentials(api.ctx, owner, vehicle_id) for _ in range(10))
    )
    assert fakes.global_.token_request_count("refresh_token") == 1
    assert len({c.access_token for c in results}) == 1
    fresh = results[0]
    assert fresh.access_token != original.access_token
    assert not fresh.refresh_due()
    sent = next(
        r for r in fakes.global_.token_requests if r["body"]["grant_type"] == "refresh_token"
    )
    assert sent["body"]["client_id"] == "ownerapi"
    assert sent["body"]["refresh_token"] == original.refresh_token
    stored = await current_credentials(api.ctx, owner, vehicle_id)
    assert stored.access_token == fresh.access_token


async def test_old_refresh_token_kept_when_tesla_sends_none(
    api: ConnectApi, fakes: TeslaFakes
) -> None:
    owner, vehicle_id, original = await _connected(api, "cat")
    await age_credentials(api, owner, vehicle_id, 0.9)
    fakes.global_.omit_refresh_token = True
    fresh = await current_credentials(api.ctx, owner, vehicle_id)
    assert fresh.access_token != original.access_token
    assert fresh.refresh_token == original.refresh_token
    assert fresh.extra["region"] == "global"


async def test_disconnected_vehicle_has_no_credentials(api: ConnectApi, fakes: TeslaFakes) -> None:
    owner, vehicle_id, _ = await _connected(api, "dan")
    await api.client.delete(api.url("dan", f"vehicles/{vehicle_id}"), headers=auth("dan"))
    with pytest.raises(ConnectVehicleNotAuthorized):
        await current_credentials(api.ctx, owner, vehicle_id)
