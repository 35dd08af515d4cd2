"""The records: transitions with history, failure, expiry, stored form, owners, vehicles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from service.domain.models import (
    HISTORY_LIMIT,
    Owner,
    Session,
    Vehicle,
    VehicleStatus,
    Versioned,
    utcnow,
)
from service.domain.providers import ProviderName
from service.domain.states import SessionStatus, TransitionRefused, Trigger

START = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _session(**changes: object) -> Session:
    return Session(
        id="s1",
        user_id="alice",
        client_id="default",
        created_at=START,
        updated_at=START,
        expires_at=START + timedelta(minutes=30),
        seal_kid="k1",
        page_token_hash="page-token-hash",
        **changes,  # type: ignore[arg-type]
    )


def _vehicle(**changes: object) -> Vehicle:
    return Vehicle(
        id="v1",
        user_id="alice",
        client_id="default",
        provider=ProviderName.SANDBOX,
        provider_vehicle_id="p1",
        created_at=START,
        updated_at=START,
        **changes,  # type: ignore[arg-type]
    )


def test_utcnow_is_utc_to_the_millisecond() -> None:
    now = utcnow()
    assert now.tzinfo == UTC and now.microsecond % 1000 == 0


def test_owners_of_different_clients_differ() -> None:
    assert Owner("a", "u").key != Owner("b", "u").key
    assert Owner("a", "u") == Owner("a", "u")
    assert _session().owner == Owner("default", "alice")


def test_a_transition_records_its_history_entry() -> None:
    later = START + timedelta(seconds=5)
    moved = _session().transit(Trigger.START_EXTERNAL, later, provider=ProviderName.SANDBOX)
    assert moved.status == SessionStatus.AWAITING_EXTERNAL
    assert moved.updated_at == later and moved.provider == ProviderName.SANDBOX
    [entry] = moved.history
    assert (entry.from_, entry.to, entry.trigger, entry.at) == (
        SessionStatus.PENDING,
        SessionStatus.AWAITING_EXTERNAL,
        Trigger.START_EXTERNAL,
        later,
    )


def test_a_refused_trigger_raises_and_changes_nothing() -> None:
    cancelled = _session().transit(Trigger.CANCEL, START)
    with pytest.raises(TransitionRefused) as refused:
        cancelled.transit(Trigger.START_EXTERNAL, START)
    assert refused.value.status == SessionStatus.CANCELLED
    assert cancelled.status == SessionStatus.CANCELLED and len(cancelled.history) == 1


def test_history_keeps_the_latest_entries() -> None:
    session = _session()
    for _ in range(HISTORY_LIMIT + 3):
        session = session.transit(Trigger.START_EXTERNAL, START)
    session = session.transit(Trigger.REQUIRE_CHOICE, START)
    assert len(session.history) == HISTORY_LIMIT
    assert session.history[-1].trigger == Trigger.REQUIRE_CHOICE
    assert session.history[0].from_ == SessionStatus.AWAITING_EXTERNAL  # the oldest went


def test_a_finished_session_drops_its_leg() -> None:
    open_leg = _session(
        status=SessionStatus.AWAITING_EXTERNAL,
        sealed_leg_url="k1.sealed-url",
        state_nonce="n",
        state_hash="state-hash",
        leg_secret="sealed",
        pending_credentials="sealed",
    )
    failed = open_leg.fail(START, "CONNECT_ACCESS_DENIED", "The user denied access")
    assert failed.status == SessionStatus.FAILED and failed.is_finished
    assert failed.error is not None and failed.error.code == "CONNECT_ACCESS_DENIED"
    assert (failed.sealed_leg_url, failed.state_nonce, failed.state_hash) == (None, None, None)
    assert failed.leg_secret is None
    assert failed.pending_credentials is None


def test_expiry_applies_only_to_open_sessions() -> None:
    session = _session()
    assert not session.is_past_expiry(START)
    assert session.is_past_expiry(session.expires_at)
    assert not session.transit(Trigger.CANCEL, START).is_past_expiry(session.expires_at)


def test_the_stored_form_round_trips_and_leaves_defaults_out() -> None:
    session = _session(label="Car").transit(Trigger.START_EXTERNAL, START)
    stored = session.dump()
    assert '"from":"pending"' in stored and "candidates" not in stored
    assert Session.model_validate_json(stored) == session


def test_evolve_validates_its_changes() -> None:
    assert _session().evolve(label="new").label == "new"
    with pytest.raises(ValidationError):
        _session().evolve(status="no-such-status")


def test_records_are_immutable_and_versioned_is_a_value() -> None:
    session = _session()
    with pytest.raises(ValidationError):
        session.label = "changed"
    assert Versioned(session, 3) == Versioned(session, 3) != Versioned(session, 4)


def test_a_vehicle_is_connected_until_removed_or_lost() -> None:
    vehicle = _vehicle()
    assert vehicle.is_connected and vehicle.owner == Owner("default", "alice")
    assert not vehicle.model_copy(update={"status": VehicleStatus.REMOVED}).is_connected
    assert not vehicle.model_copy(update={"connection_lost": True}).is_connected
    assert Vehicle.model_validate_json(vehicle.dump()) == vehicle
