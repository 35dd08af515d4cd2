"""The store's scripts: run by digest, loaded again when the server forgot them; the lease."""

from __future__ import annotations

import pytest

from service.domain.models import Owner
from service.store import scripts
from service.store.lua import LuaScript
from service.store.sessions import Claim
from tests.flow import ConnectApi
from tests.support import auth

pytestmark = pytest.mark.usefixtures("store")


async def test_a_full_flow_survives_script_flush(api: ConnectApi) -> None:
    """After SCRIPT FLUSH (a restarted or failed-over Redis) every script is loaded again."""
    insert_digest = LuaScript(api.ctx.redis, scripts.INSERT_SESSION).digest
    first = await api.connect("flush-user-1")
    assert first["status"] == "authorized"
    await api.ctx.redis.script_flush()
    assert await api.ctx.redis.script_exists(insert_digest) == [False]
    second = await api.connect("flush-user-2", account="second")
    assert second["status"] == "authorized"
    assert await api.ctx.redis.script_exists(insert_digest) == [True]
    listed = await api.client.get(api.url("flush-user-2", "vehicles"), headers=auth("flush-user-2"))
    assert [vehicle["id"] for vehicle in listed.json()] == [second["vehicleId"]]


async def test_the_lease_is_taken_only_at_the_version_read(api: ConnectApi) -> None:
    """A claim on a stale read takes nothing; a fresh one is taken once until released."""
    created = await api.created("claim-user")
    first = await api.ctx.sessions.get(Owner("default", "claim-user"), created["id"])
    assert first is not None
    second = await api.ctx.sessions.replace(first, first.session.evolve(label="moved"))
    assert second is not None and second.version == first.version + 1
    assert await api.ctx.sessions.claim(first, "holder-a", 60_000) is Claim.MOVED
    assert await api.ctx.sessions.claim(second, "holder-a", 60_000) is Claim.TAKEN
    assert await api.ctx.sessions.claim(second, "holder-b", 60_000) is Claim.HELD
    await api.ctx.sessions.release(second.session.owner, second.session.id, "holder-b")
    assert await api.ctx.sessions.claim(second, "holder-b", 60_000) is Claim.HELD
    await api.ctx.sessions.release(second.session.owner, second.session.id, "holder-a")
    assert await api.ctx.sessions.claim(second, "holder-b", 60_000) is Claim.TAKEN
