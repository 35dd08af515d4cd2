"""Probe finding 5: SIGKILL of the service while Tesla holds 16 codes it has already taken. After
the restart each retried relay answers at once (the dead process's lease lapses within 1.5 s),
posts no code again, and offers a fresh leg that then connects."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from tests.providers.tesla_support import TeslaRedirect, tesla_fakes, tesla_login
from tests.support import RedisServer, auth, query_of, running_service

FLOWS = 16
PUBLIC = "https://connect.test"


async def _relay(client: httpx.AsyncClient, base: str, user: str, sid: str, body: Any) -> int:
    try:
        response = await client.post(
            f"{base}/api/v1/users/{user}/connect-sessions/{sid}/info", headers=auth(user), json=body
        )
    except httpx.HTTPError:
        return -1  # the process died under us
    return response.status_code


def test_a_relay_cut_off_by_sigkill_never_reposts_its_code(
    real_redis: RedisServer, tmp_path: Path
) -> None:
    with tesla_fakes() as fakes:
        tesla = fakes.global_
        settings = {**fakes.settings(), "PROVIDER_TIMEOUT_SECONDS": "10"}
        settings["RATE_LIMIT_IP_PER_MINUTE"] = "0"
        flows: list[tuple[str, dict[str, Any], TeslaRedirect]] = []

        with running_service(real_redis.url, tmp_path, PUBLIC, **settings) as first:
            base = first.base_url

            async def start_and_kill() -> None:
                async with httpx.AsyncClient(timeout=30) as client:
                    for i in range(FLOWS):
                        user = f"cut-{i}"
                        created = await client.post(
                            f"{base}/api/v1/users/{user}/vehicles/connect-sessions",
                            headers=auth(user),
                            json={"provider": "tesla"},
                        )
                        session = created.json()
                        flows.append((user, session, await tesla_login(session["startUrl"])))
                    tesla.answer_delay = 30.0  # Tesla takes each code and answers late
                    relays = [
                        asyncio.create_task(
                            _relay(client, base, user, s["id"], captured.jedlix_relay())
                        )
                        for user, s, captured in flows
                    ]
                    for _ in range(400):  # at most 20 s for every code to reach Tesla
                        if tesla.token_request_count() >= FLOWS:
                            break
                        await asyncio.sleep(0.05)
                    assert tesla.token_request_count() == FLOWS
                    first.process.kill()  # SIGKILL with every code at Tesla
                    assert await asyncio.gather(*relays) == [-1] * FLOWS

            asyncio.run(start_and_kill())
            first.process.wait()
        tesla.answer_delay = 0.0

        with running_service(real_redis.url, tmp_path, PUBLIC, **settings) as second:
            base = second.base_url

            async def retry_then_connect() -> list[float]:
                waits = []
                async with httpx.AsyncClient(timeout=30) as client:
                    for user, session, captured in flows:
                        started = time.monotonic()
                        retried = await client.post(
                            f"{base}/api/v1/users/{user}/connect-sessions/{session['id']}/info",
                            headers=auth(user),
                            json=captured.jedlix_relay(),
                        )
                        waits.append(time.monotonic() - started)
                        assert retried.status_code == 200, retried.text
                        fresh = retried.json()
                        assert fresh["status"] == "awaiting_external" and not fresh["isFinished"]
                        assert fresh["error"]["code"] == "CONNECT_INVALID_AUTH_CODE"
                        assert fresh["startUrl"].startswith(tesla.base_url + "/oauth2/v3/authorize")
                        old_state = query_of(session["startUrl"])["state"]
                        assert query_of(fresh["startUrl"])["state"] != old_state
                        read = await client.get(
                            f"{base}/api/v1/users/{user}/connect-sessions/{session['id']}",
                            headers=auth(user),
                        )
                        assert read.json()["startUrl"] == fresh["startUrl"]
                        assert read.json()["error"]["code"] == "CONNECT_INVALID_AUTH_CODE"
                    assert tesla.token_request_count() == FLOWS, "a code was posted again"
                    for user, session, _ in flows:
                        read = await client.get(
                            f"{base}/api/v1/users/{user}/connect-sessions/{session['id']}",
                            headers=auth(user),
                        )
                        again = await tesla_login(read.json()["startUrl"])
                        done = await client.post(
                            f"{base}/api/v1/users/{user}/connect-sessions/{session['id']}/info",
                            headers=auth(user),
                            json=again.jedlix_relay(),
                        )
                        assert done.status_code == 200, done.text
                        assert done.json()["status"] == "authorized"
                        assert done.json()["error"] is None
                return waits

            waits = asyncio.run(retry_then_connect())
        assert tesla.token_request_count() == 2 * FLOWS
    print(f"retries after SIGKILL: slowest {max(waits):.2f} s, first {waits[0]:.2f} s")
    assert max(waits) < 5.0, "a retry waited out a dead lease"
