"""Bind a provider vehicle to the user: one vehicle per car, the limit held atomically."""

from __future__ import annotations

import uuid

from service.domain.catalogue import find_profile
from service.domain.models import (
    ConsumedState,
    Owner,
    Vehicle,
    VehicleDetails,
    VehicleStatus,
    Versioned,
    utcnow,
)
from service.domain.providers import ProviderName
from service.domain.states import Trigger
from service.errors import ConnectVehicleLimitReached
from service.flows.context import FlowContext
from service.flows.records import count_transition
from service.providers.base import Credentials, ProviderVehicle

_VEHICLE_NAMESPACE = uuid.UUID("6f0f6a39-5a6c-4be4-9d0e-5b1c2f9e7a10")


def vehicle_id_for(owner: Owner, car: ProviderVehicle, provider: ProviderName) -> str:
    """The same car (by VIN, else by provider id) always maps to the same vehicle id."""
    natural = f"vin:{car.vin}" if car.vin else f"{provider.value}:{car.provider_vehicle_id}"
    return str(uuid.uuid5(_VEHICLE_NAMESPACE, f"{owner.key}\x00{natural}"))


def credentials_context(owner: Owner, vehicle_id: str) -> str:
    """Associated data binding a credentials envelope to its vehicle."""
    return f"credentials\x00{owner.key}\x00{vehicle_id}"


async def bind_vehicle(
    ctx: FlowContext,
    current: Versioned,
    trigger: Trigger,
    car: ProviderVehicle,
    credentials: Credentials,
    consumed: ConsumedState | None,
    *,
    existing: Vehicle | None,
    release: str = "",
) -> Versioned | None:
    """Authorize the session with this car, or fail it at the vehicle limit; None if stale.

    `existing` is the user's vehicle for this car as read (None: a new one); the write
    happens only while it is still that. A write gives the lease of `release` back.
    """
    session = current.session
    owner = session.owner
    assert session.provider is not None
    provider = ctx.providers.get(session.provider)
    vehicle_id = vehicle_id_for(owner, car, session.provider)
    profile_id = session.vehicle_profile_id or (existing.vehicle_profile_id if existing else None)
    profile = find_profile(profile_id) if profile_id else None
    now = utcnow()
    vehicle = Vehicle(
        id=vehicle_id,
        user_id=owner.user_id,
        client_id=owner.client_id,
        provider=session.provider,
        provider_vehicle_id=car.provider_vehicle_id,
        vin=car.vin,
        label=session.label or (existing.label if existing else None) or car.name,
        vehicle_profile_id=profile_id,
        details=VehicleDetails(
            brand=car.brand or (profile.brand if profile else None),
            model=car.model or (profile.model if profile else None),
            version=car.version or (profile.version if profile else None),
        ),
        capabilities=list(provider.capabilities if provider else ()),
        status=VehicleStatus.AUTHORIZED,
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )
    authorized = session.transit(
        trigger, now, vehicle_id=vehicle_id, vin=car.vin, consumed=consumed, error=None
    )
    limit = ctx.client(owner.client_id).max_vehicles_per_user
    refused = session.fail(
        now,
        ConnectVehicleLimitReached.code,
        f"This user already has the maximum of {limit} connected vehicle(s)",
        consumed=consumed,
    )
    envelope = ctx.keyring.encrypt_json(
        credentials.to_json(), credentials_context(owner, vehicle_id)
    )
    result = await ctx.store.sessions.bind_vehicle(
        current,
        authorized,
        refused,
        vehicle,
        envelope,
        limit,
        vehicle_as_read=existing,
        release=release,
    )
    if result is None:
        return None
    count_transition(ctx, session, result[0].session)
    return result[0]
