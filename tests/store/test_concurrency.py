"""Exactly-once on a real Redis, across two service processes behind one public URL."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.store import keys
from tests.support import (
    RedisServer,
    ServiceProcess,
    auth,
    path_and_query,
    query_of,
    running_service,
)

CALLERS = 50


@pytest.fixture
def replicas(real_redis: RedisServer, tmp_path: Path) -> Iterator[list[ServiceProcess]]:
    """Two replicas of the service on one Redis, sharing the public base URL of the first."""
    with ExitStack() as stack:
        first = stack.enter_context(running_service(real_redis.url, tmp_path))
        second = stack.enter_context(running_service(real_redis.url, tmp_path, first.base_url))
        yield [first, second]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=CALLERS * 2)
    async with httpx.AsyncClient(
        timeout=30, limits=limits, headers={"Sec-Fetch-Site": "same-origin"}
    ) as client:
        yield client


async def _to_callback(
    http: httpx.AsyncClient, base: str, user: str, *, account: str = "demo", two_cars: bool = False
) -> tuple[dict[str, Any], str]:
    created = await http.post(
        f"{base}/api/v1/users/{user}/vehicles/connect-sessions", headers=auth(user), json={}
    )
    session = created.json()
    await http.get(session["startUrl"])  # the web view opens it: this client's browser is bound
    token = query_of(session["startUrl"])["token"]
    picked = await http.post(f"{base}/web/start", data={"token": token, "provider": "sandbox"})
    authorize_query = query_of(picked.headers["location"])
    form = {
        "state": authorize_query["state"],
        "redirect_uri": authorize_query["redirect_uri"],
        "decision": "approve",
        "account": account,
        **({"two_cars": "1"} if two_cars else {}),
    }
    approved = await http.post(f"{base}/sandbox/authorize", data=form)
    return session, str(approved.headers["location"])


def _redemptions(redis_server: RedisServer, callback: str) -> int:
    code = query_of(callback)["code"]
    digest = hashlib.sha256(code.encode()).hexdigest()
    return int(redis_server.client().hget(keys.sandbox_code_key(digest), "redeemed") or 0)


async def _session(http: httpx.AsyncClient, base: str, user: str, sid: str) -> dict[str, Any]:
    response = await http.get(
        f"{base}/api/v1/users/{user}/connect-sessions/{sid}", headers=auth(user)
    )
    return dict(response.json())


async def _vehicles(http: httpx.AsyncClient, base: str, user: str) -> list[dict[str, Any]]:
    response = await http.get(f"{base}/api/v1/users/{user}/vehicles", headers=auth(user))
    return list(response.json())


async def test_concurrent_identical_callbacks_have_one_winner(
    replicas: list[ServiceProcess], http: httpx.AsyncClient, real_redis: RedisServer
) -> None:
    base = replicas[0].base_url
    session, callback = await _to_callback(http, base, "racer")
    path = path_and_query(callback)
    responses = await asyncio.gather(
        *(http.get(replicas[i % 2].base_url + path) for i in range(CALLERS))
    )
    statuses = [r.status_code for r in responses]
    assert all(status < 500 for status in statuses), statuses
    assert statuses == [302] * CALLERS
    assert len({r.headers["location"] for r in responses}) == 1
    assert _redemptions(real_redis, callback) == 1
    final = await _session(http, base, "racer", session["id"])
    assert final["status"] == "authorized"
    assert [h["trigger"] for h in final["history"]] == ["start_external", "authorize"]
    assert len(await _vehicles(http, base, "racer")) == 1

    replay = await http.get(replicas[1].base_url + path)
    assert replay.status_code == 302
    assert replay.headers["location"] == responses[0].headers["location"]
    assert _redemptions(real_redis, callback) == 1
    assert await _session(http, base, "racer", session["id"]) == final


async def test_concurrent_identical_relays_have_one_winner(
    replicas: list[ServiceProcess], http: httpx.AsyncClient, real_redis: RedisServer
) -> None:
    base = replicas[0].base_url
    session, callback = await _to_callback(http, base, "relayer")
    relay_path = f"/api/v1/users/relayer/connect-sessions/{session['id']}/info"
    body = {"redirectUrl": callback, "cookies": {}}
    responses = await asyncio.gather(
        *(
            http.post(replicas[i % 2].base_url + relay_path, headers=auth("relayer"), json=body)
            for i in range(CALLERS)
        )
    )
    statuses = [r.status_code for r in responses]
    assert statuses == [200] * CALLERS, [r.text for r in responses if r.status_code != 200][:3]
    assert {r.json()["status"] for r in responses} == {"authorized"}
    assert len({r.json()["vehicleId"] for r in responses}) == 1
    assert _redemptions(real_redis, callback) == 1
    assert len(await _vehicles(http, base, "relayer")) == 1

    replay = await http.post(base + relay_path, headers=auth("relayer"), json=body)
    assert replay.status_code == 200 and replay.json() == responses[0].json()
    assert _redemptions(real_redis, callback) == 1


async def test_two_sessions_of_one_user_completing_together_bind_one_car(
    replicas: list[ServiceProcess], http: httpx.AsyncClient
) -> None:
    base = replicas[0].base_url
    for round_number in range(5):
        user = f"twice-{round_number}"
        first, first_callback = await _to_callback(http, base, user, account=f"a{round_number}")
        second, second_callback = await _to_callback(http, base, user, account=f"b{round_number}")
        results = await asyncio.gather(
            http.get(replicas[0].base_url + path_and_query(first_callback)),
            http.get(replicas[1].base_url + path_and_query(second_callback)),
        )
        assert [r.status_code for r in results] == [302, 302]
        sessions = [
            await _session(http, base, user, first["id"]),
            await _session(http, base, user, second["id"]),
        ]
        statuses = sorted(s["status"] for s in sessions)
        assert statuses == ["authorized", "failed"], sessions
        failed = next(s for s in sessions if s["status"] == "failed")
        assert failed["error"]["code"] == "CONNECT_VEHICLE_LIMIT_REACHED"
        assert failed["vehicleId"] is None
        vehicles = await _vehicles(http, base, user)
        assert len(vehicles) == 1
        winner = next(s for s in sessions if s["status"] == "authorized")
        assert vehicles[0]["id"] == winner["vehicleId"]


async def test_concurrent_choices_bind_one_car(
    replicas: list[ServiceProcess], http: httpx.AsyncClient
) -> None:
    base = replicas[0].base_url
    session, callback = await _to_callback(http, base, "chooser", two_cars=True)
    redirected = await http.get(base + path_and_query(callback))
    token = query_of(redirected.headers["location"])["token"]
    page = await http.get(redirected.headers["location"])
    vins = sorted(set(_vins_in(page.text)))
    assert len(vins) == 2
    responses = await asyncio.gather(
        *(
            http.post(
                replicas[i % 2].base_url + "/web/choose",
                data={"token": token, "vin": vins[i % 2]},
            )
            for i in range(20)
        )
    )
    assert all(r.status_code in (303, 409) for r in responses), [r.status_code for r in responses]
    final = await _session(http, base, "chooser", session["id"])
    assert final["status"] == "authorized"
    assert [h["trigger"] for h in final["history"]].count("choose_vehicle") == 1
    vehicles = await _vehicles(http, base, "chooser")
    assert [v["vin"] for v in vehicles] == [final["vin"]]


def _vins_in(html: str) -> list[str]:
    import re

    return re.findall(r'name="vin" value="([A-Z0-9]{17})"', html)
