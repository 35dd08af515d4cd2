"""Enode webhook events: a discovered vehicle authorizes the waiting session; lost links."""

from __future__ import annotations

import json
import logging
from typing import Any

from service.domain.models import Owner, utcnow
from service.domain.providers import ProviderName
from service.domain.states import SessionStatus
from service.errors import NotFound, ProblemError, ValidationFailed
from service.flows.binding import vehicle_id_for
from service.flows.completion import Completion
from service.flows.context import FlowContext
from service.flows.webhook_delivery import check_signature, hex_hmac, once_per_delivery
from service.providers.enode import EnodeProvider, enode_vehicle

log = logging.getLogger("vehicle_connect.webhooks")

_ACKNOWLEDGED = {"enode:webhook:test", "system:heartbeat", "user:vehicle:updated"}
MAX_EVENTS = 100


def parse_enode_events(raw: bytes) -> list[dict[str, Any]]:
    """The events of a delivery (a JSON array, or one object); 422 when it is not that."""
    try:
        body = json.loads(raw)
    except ValueError:
        raise ValidationFailed("The webhook body is not JSON") from None
    events = body if isinstance(body, list) else [body]
    if len(events) > MAX_EVENTS or not all(isinstance(e, dict) for e in events):
        raise ValidationFailed("The webhook body is not a list of events")
    return events


async def handle_enode_webhook(
    ctx: FlowContext,
    completion: Completion,
    raw: bytes,
    signature: str | None,
    delivery_id: str | None,
) -> dict[str, Any]:
    """Verify the signature on the raw body, then process the delivery once."""
    provider = ctx.providers.get(ProviderName.ENODE)
    secret = ctx.settings.enode_webhook_secret
    if not isinstance(provider, EnodeProvider):
        raise NotFound("Enode is not configured")
    if not secret:
        check_signature("", None)
    else:
        check_signature("sha1=" + hex_hmac(secret, raw, "sha1"), signature)
    events = parse_enode_events(raw)

    async def process() -> dict[str, Any]:
        handled = 0
        for event in events:
            handled += await _on_event(ctx, completion, provider, event)
        return {"status": "ok", "events": len(events), "handled": handled}

    return await once_per_delivery(ctx, "enode", delivery_id, process)


async def _on_event(
    ctx: FlowContext, completion: Completion, provider: EnodeProvider, event: dict[str, Any]
) -> int:
    kind = str(event.get("event", ""))
    if kind in _ACKNOWLEDGED:
        return 0
    user = event.get("user")
    user_id = str(user.get("id", "")) if isinstance(user, dict) else ""
    owner = await ctx.store.provider_users.owner_of("enode", user_id) if user_id else None
    if owner is None:
        log.info("enode event %s for an unknown user", kind)
        return 0
    vehicle = event.get("vehicle") if isinstance(event.get("vehicle"), dict) else None
    if kind == "user:vehicle:discovered" and vehicle is not None and "id" in vehicle:
        return await _discovered(ctx, completion, provider, owner, vehicle)
    if kind == "user:vehicle:deleted" and vehicle is not None:
        return await _mark_connection(ctx, owner, lost=True, only=str(vehicle.get("id")))
    if kind == "user:credentials:invalidated":
        return await _mark_connection(ctx, owner, lost=True, only=None)
    log.info("enode event %s ignored", kind)
    return 0


async def _discovered(
    ctx: FlowContext,
    completion: Completion,
    provider: EnodeProvider,
    owner: Owner,
    vehicle: dict[str, Any],
) -> int:
    car = enode_vehicle(vehicle)
    waiting = [
        item.session
        for item in reversed(await ctx.store.sessions.open_sessions(owner))
        if item.session.provider == ProviderName.ENODE
        and item.session.status == SessionStatus.AWAITING_EXTERNAL
    ]
    if not waiting:
        known = vehicle_id_for(owner, car, ProviderName.ENODE)
        return await _mark_connection(
            ctx, owner, lost=False, only=car.provider_vehicle_id, vehicle_id=known
        )
    try:
        await completion.announce_or_keep(waiting[0], car)
    except ProblemError as exc:
        log.info("enode discovered vehicle not bound: %s", exc.code)
        return 0
    return 1


async def _mark_connection(
    ctx: FlowContext, owner: Owner, *, lost: bool, only: str | None, vehicle_id: str | None = None
) -> int:
    """Mark the owner's Enode vehicles (or one) as not connected, or connected again."""
    changed = 0
    for vehicle in await ctx.store.vehicles.list(owner):
        if vehicle.provider != ProviderName.ENODE or vehicle.connection_lost == lost:
            continue
        if only is not None and vehicle.provider_vehicle_id != only and vehicle.id != vehicle_id:
            continue
        updated = vehicle.model_copy(update={"connection_lost": lost, "updated_at": utcnow()})
        changed += int(await ctx.store.vehicles.update(vehicle, updated))
    return changed
