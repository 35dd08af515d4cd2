"""Provider credentials and flow secrets are encrypted at rest: the raw Redis holds no plaintext."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from service.domain.models import Owner
from service.flows.binding import credentials_context
from service.security.crypto import DecryptionError, Keyring
from tests.flow import ConnectApi
from tests.support import RedisServer, auth, problem_code


def _raw_values(server: RedisServer) -> list[str]:
    client = server.client()
    values: list[str] = []
    for key in client.scan_iter(count=500):
        kind = client.type(key)
        if kind == "string":
            values.append(str(client.get(key)))
        elif kind == "hash":
            values.extend(f"{k}={v}" for k, v in client.hgetall(key).items())
        elif kind == "set":
            values.extend(client.smembers(key))
        elif kind == "zset":
            values.extend(client.zrange(key, 0, -1))
        values.append(key)
    return values


async def test_tokens_are_stored_only_encrypted(
    redis_api: ConnectApi, real_redis: RedisServer
) -> None:
    api = redis_api
    final = await api.connect("alice")
    chooser, callback = await api.callback_url_for("bob", two_cars=True)
    await api.callback(callback)

    owner = Owner("default", "alice")
    envelope = await api.ctx.store.vehicles.credentials(owner, final["vehicleId"])
    assert envelope is not None
    stored: dict[str, Any] = api.ctx.keyring.decrypt_json(
        envelope, credentials_context(owner, final["vehicleId"])
    )
    access, refresh = stored["access_token"], stored["refresh_token"]
    assert access.startswith("sandbox-access-") and refresh.startswith("sandbox-refresh-")

    pending = (await api.stored("bob", chooser["id"])).pending_credentials
    assert pending is not None

    raw = "\n".join(_raw_values(real_redis))
    assert envelope in raw and pending in raw, "the test must see the stored envelopes"
    for plaintext in [access, refresh, "sandbox-access-", "sandbox-refresh-"]:
        assert plaintext not in raw


async def test_envelope_is_bound_to_its_vehicle(redis_api: ConnectApi) -> None:
    api = redis_api
    final = await api.connect("carol")
    owner = Owner("default", "carol")
    envelope = await api.ctx.store.vehicles.credentials(owner, final["vehicleId"])
    assert envelope is not None
    with pytest.raises(DecryptionError):
        api.ctx.keyring.decrypt_json(envelope, credentials_context(owner, "another-vehicle"))


async def test_secrets_under_a_removed_key_answer_4xx(redis_api: ConnectApi) -> None:
    api = redis_api
    session = await api.created("dora", {"provider": "sandbox"})
    stored = await api.stored("dora", session["id"])
    other = Keyring.from_setting("old:" + base64.urlsafe_b64encode(b"\x02" * 32).decode())
    await api.overwrite(stored.evolve(leg_secret=other.encrypt_json({"x": "y"}, "ctx")))
    response = await api.client.post(
        api.url("dora", f"connect-sessions/{session['id']}/authorize"),
        headers=auth("dora"),
        json={"options": {"code": "sbx_x"}},
    )
    assert response.status_code == 400
    assert problem_code(response) == "CONNECT_INVALID_STATE"
