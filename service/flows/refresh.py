"""Fresh provider credentials for a vehicle: refreshed at 75 % of their life, one at a time."""

from __future__ import annotations

import asyncio
import secrets
import time

from service.domain.models import Owner
from service.errors import ConnectVehicleNotAuthorized, ProviderUnavailable
from service.flows.binding import credentials_context
from service.flows.context import FlowContext
from service.flows.legs import configured_provider
from service.flows.vehicles import get_vehicle
from service.providers.base import Credentials

_POLL_SECONDS = 0.05


async def current_credentials(ctx: FlowContext, owner: Owner, vehicle_id: str) -> Credentials:
    """The vehicle's credentials, refreshed first when due.

    One caller per vehicle refreshes (a lease in Redis); the new credentials are stored
    before anyone uses them, because some providers' old refresh tokens die on use.
    """
    vehicle = await get_vehicle(ctx, owner, vehicle_id)
    provider = configured_provider(ctx, vehicle.provider)
    context = credentials_context(owner, vehicle_id)
    lease_ms = int((ctx.settings.provider_timeout_seconds * 3 + 5) * 1000)
    deadline = time.monotonic() + lease_ms / 1000
    holder = secrets.token_hex(8)
    while True:
        envelope = await ctx.store.vehicles.credentials(owner, vehicle_id)
        if envelope is None:
            raise ConnectVehicleNotAuthorized("The vehicle is not connected.")
        credentials = Credentials.from_json(ctx.keyring.decrypt_json(envelope, context))
        if not credentials.refresh_due():
            return credentials
        if await ctx.store.vehicles.lock_refresh(owner, vehicle_id, holder, lease_ms):
            break
        if time.monotonic() > deadline:
            raise ProviderUnavailable("Another request is refreshing these credentials; retry.")
        await asyncio.sleep(_POLL_SECONDS)
    try:
        latest = await ctx.store.vehicles.credentials(owner, vehicle_id)
        if latest is None:
            raise ConnectVehicleNotAuthorized("The vehicle is not connected.")
        if latest != envelope:  # another replica refreshed before we took the lease
            envelope = latest
            credentials = Credentials.from_json(ctx.keyring.decrypt_json(envelope, context))
            if not credentials.refresh_due():
                return credentials
        refreshed = await provider.refresh(credentials)
        sealed = ctx.keyring.encrypt_json(refreshed.to_json(), context)
        if not await ctx.store.vehicles.replace_credentials(owner, vehicle_id, envelope, sealed):
            raise ConnectVehicleNotAuthorized("The vehicle was disconnected meanwhile.")
        return refreshed
    finally:
        await ctx.store.vehicles.unlock_refresh(owner, vehicle_id, holder)
