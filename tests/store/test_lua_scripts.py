"""The store's scripts: run by digest, loaded again when the server forgot them; the lease."""

from __future__ import annotations

import pytest

from service.domain.models import Owner
from service.domain.states import SessionStatus
from service.store import scripts
from service.store.lua import LuaScript
from service.store.sessions import Lease
from tests.flow import ConnectApi
from tests.support import auth

pytestmark = pytest.mark.usefixtures("store")


async def test_a_full_flow_survives_script_flush(api: ConnectApi) -> None:
    """After SCRIPT FLUSH (a restarted or failed-over Redis) every script is loaded again."""
    insert_digest = LuaScript(api.ctx.store.redis, scripts.INSERT_SESSION).digest
    first = await api.connect("flush-user-1")
    assert first["status"] == "authorized"
    await api.ctx.store.redis.script_flush()
    assert await api.ctx.store.redis.script_exists(insert_digest) == [False]
    second = await api.connect("flush-user-2", account="second")
    assert second["status"] == "authorized"
    assert await api.ctx.store.redis.script_exists(insert_digest) == [True]
    listed = await api.client.get(api.url("flush-user-2", "vehicles"), headers=auth("flush-user-2"))
    assert [vehicle["id"] for vehicle in listed.json()] == [second["vehicleId"]]


async def test_the_lease_is_taken_only_while_the_session_waits(api: ConnectApi) -> None:
    """The read takes the lease for one holder while awaiting_external; a release frees it."""
    created = await api.created("claim-user")
    owner = Owner("default", "claim-user")
    sessions = api.ctx.store.sessions
    pending = await sessions.read_for_completion(owner, created["id"], "holder-a", 60_000)
    assert pending.current is not None and pending.lease is Lease.NOT_ASKED
    waiting = pending.current.session.evolve(status=SessionStatus.AWAITING_EXTERNAL)
    assert await sessions.replace(pending.current, waiting) is not None
    taken = await sessions.read_for_completion(owner, created["id"], "holder-a", 60_000)
    assert taken.lease is Lease.TAKEN
    assert taken.current is not None and taken.current.session.status == "awaiting_external"
    held = await sessions.read_for_completion(owner, created["id"], "holder-b", 60_000)
    assert held.lease is Lease.HELD
    unasked = await sessions.read_for_completion(owner, created["id"], None, 60_000)
    assert unasked.lease is Lease.NOT_ASKED and unasked.current == taken.current
    await sessions.release(owner, created["id"], "holder-b")  # not the holder: nothing freed
    again = await sessions.read_for_completion(owner, created["id"], "holder-b", 60_000)
    assert again.lease is Lease.HELD
    await sessions.release(owner, created["id"], "holder-a")
    freed = await sessions.read_for_completion(owner, created["id"], "holder-b", 60_000)
    assert freed.lease is Lease.TAKEN


async def test_a_write_can_give_the_lease_back(api: ConnectApi) -> None:
    """replace(..., release=holder) frees the holder's lease in the same step."""
    created = await api.created("release-user")
    owner = Owner("default", "release-user")
    sessions = api.ctx.store.sessions
    first = await sessions.get(owner, created["id"])
    assert first is not None
    waiting = await sessions.replace(
        first, first.session.evolve(status=SessionStatus.AWAITING_EXTERNAL)
    )
    assert waiting is not None and waiting.version == first.version + 1
    read = await sessions.read_for_completion(owner, created["id"], "holder-a", 60_000)
    assert read.lease is Lease.TAKEN
    stale = await sessions.replace(first, first.session.evolve(label="late"), release="holder-a")
    assert stale is None  # a write at an old version changes nothing, lease included
    assert (await sessions.read_for_completion(owner, created["id"], "b", 60_000)).lease is (
        Lease.HELD
    )
    moved = await sessions.replace(waiting, waiting.session.evolve(label="x"), release="holder-a")
    assert moved is not None
    assert (await sessions.read_for_completion(owner, created["id"], "b", 60_000)).lease is (
        Lease.TAKEN
    )
