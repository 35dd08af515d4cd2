"""The service killed with SIGKILL in the middle of relays: after a restart, valid states only."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support import RedisServer, auth, path_and_query, query_of, running_service

USERS = 30
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
"""What a browser says of our hosted forms posted from our own pages."""


async def _prepare(client: httpx.AsyncClient, base: str, user: str) -> tuple[str, str]:
    """A session taken to the sandbox's redirect: (session id, captured callback URL)."""
    api = f"{base}/api/v1/users/{user}"
    session = (
        await client.post(f"{api}/vehicles/connect-sessions", headers=auth(user), json={})
    ).json()
    await client.get(base + path_and_query(session["startUrl"]))  # the web view opens it
    token = query_of(session["startUrl"])["token"]
    picked = await client.post(f"{base}/web/start", data={"token": token, "provider": "sandbox"})
    login = query_of(picked.headers["location"])
    approved = await client.post(
        f"{base}/sandbox/authorize",
        data={
            "state": login["state"],
            "redirect_uri": login["redirect_uri"],
            "decision": "approve",
        },
    )
    return session["id"], str(approved.headers["location"])


async def _relay(client: httpx.AsyncClient, base: str, user: str, sid: str, url: str) -> int:
    try:
        response = await client.post(
            f"{base}/api/v1/users/{user}/connect-sessions/{sid}/info",
            headers=auth(user),
            json={"redirectUrl": url},
        )
    except httpx.HTTPError:
        return -1  # the process died under us
    return response.status_code


def test_sigkill_during_relays_leaves_valid_states(real_redis: RedisServer, tmp_path: Path) -> None:
    settings = {"PROVIDER_TIMEOUT_SECONDS": "1", "RATE_LIMIT_IP_PER_MINUTE": "0"}
    # A restarted deployment keeps its public URL: the captured callback URLs stay its own.
    public = "http://connect.test"  # plain http: the binding cookie is not Secure-only
    with running_service(real_redis.url, tmp_path, public, **settings) as first:
        base = first.base_url

        async def prepare_and_relay() -> list[tuple[str, str, str]]:
            async with httpx.AsyncClient(timeout=10, headers=SAME_ORIGIN) as client:
                prepared = await asyncio.gather(
                    *(_prepare(client, base, f"kill-{i}") for i in range(USERS))
                )
                flows = [(f"kill-{i}", sid, url) for i, (sid, url) in enumerate(prepared)]
                relays = [
                    asyncio.create_task(_relay(client, base, user, sid, url))
                    for user, sid, url in flows * 2
                ]
                await asyncio.sleep(0.05)
                first.process.kill()  # SIGKILL, mid-flight
                await asyncio.gather(*relays)
                return flows

        flows = asyncio.run(prepare_and_relay())
        first.process.wait()

    with running_service(real_redis.url, tmp_path, public, **settings) as second:
        base = second.base_url

        async def settle() -> list[dict[str, Any]]:
            async with httpx.AsyncClient(timeout=15, headers=SAME_ORIGIN) as client:
                deadline = time.monotonic() + 30
                finals = []
                for user, sid, url in flows:
                    status = await _relay(client, base, user, sid, url)
                    while status == 503 and time.monotonic() < deadline:
                        await asyncio.sleep(0.5)
                        status = await _relay(client, base, user, sid, url)
                    assert status in (200, 400), (user, status)
                    response = await client.get(
                        f"{base}/api/v1/users/{user}/connect-sessions/{sid}", headers=auth(user)
                    )
                    vehicles = await client.get(
                        f"{base}/api/v1/users/{user}/vehicles", headers=auth(user)
                    )
                    finals.append({"session": response.json(), "vehicles": vehicles.json()})
                return finals

        async def restart_the_interrupted(finals: list[dict[str, Any]]) -> list[int]:
            """A user whose attempt was cut off connects again with a new session."""
            counts = []
            async with httpx.AsyncClient(timeout=15, headers=SAME_ORIGIN) as client:
                for (user, _, _), final in zip(flows, finals, strict=True):
                    if final["session"]["status"] != "authorized":
                        sid, url = await _prepare(client, base, user)
                        assert await _relay(client, base, user, sid, url) == 200
                    vehicles = await client.get(
                        f"{base}/api/v1/users/{user}/vehicles", headers=auth(user)
                    )
                    counts.append(len(vehicles.json()))
            return counts

        finals = asyncio.run(settle())
        vehicle_counts = asyncio.run(restart_the_interrupted(finals))

    outcomes: dict[str, int] = {}
    for final in finals:
        session, vehicles = final["session"], final["vehicles"]
        outcomes[session["status"]] = outcomes.get(session["status"], 0) + 1
        assert len(vehicles) <= 1, "a vehicle was doubled"
        if session["status"] == "authorized":
            assert [v["id"] for v in vehicles] == [session["vehicleId"]]
        else:
            # the killed process redeemed the code but did not commit: restartable, no car
            assert session["status"] == "awaiting_external", session
            assert session["error"]["code"] == "CONNECT_INVALID_AUTH_CODE"
            assert vehicles == [] and session["startUrl"]
    print(f"after SIGKILL and restart: {outcomes} over {USERS} sessions")
    assert vehicle_counts == [1] * USERS, "every user connects exactly one car in the end"
