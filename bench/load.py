"""Load: simulated users each walking the whole sandbox flow over HTTP, again and again.

    python -m bench.load --base-url http://127.0.0.1:8000 --users 200 --seconds 30

Each user creates a session, picks Sandbox on the start page, approves, follows the
callback, opens the end page, reads the session (authorized) and disconnects the car, then
starts over until the time is up (a flow under way is finished). Afterwards every session
must be authorized (none lost or stuck) and every user must have exactly one vehicle.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt


@dataclass
class Totals:
    """What a load run did."""

    users: int
    seconds: float
    flows: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    stuck_sessions: int = 0
    users_without_one_vehicle: int = 0

    @property
    def server_errors(self) -> int:
        """Responses with a 5xx status."""
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        """One paragraph of figures."""
        return (
            f"{self.users} users, {self.seconds:.1f} s: {self.flows} flows, {self.requests} "
            f"requests ({self.requests / self.seconds:.0f}/s), statuses {dict(self.statuses)}, "
            f"5xx {self.server_errors}, failures {len(self.failures)}, stuck sessions "
            f"{self.stuck_sessions}, users without exactly one vehicle "
            f"{self.users_without_one_vehicle}"
        )


def _token(secret: str, user: str) -> str:
    now = int(time.time())
    claims = {"sub": user, "client_id": "default", "iat": now, "exp": now + 3600}
    return jwt.encode(claims, secret, algorithm="HS256")


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


class _User:
    def __init__(self, client: httpx.AsyncClient, totals: Totals, name: str, secret: str) -> None:
        self.client = client
        self.totals = totals
        self.name = name
        self.headers = {"Authorization": f"Bearer {_token(secret, name)}"}
        self.api = f"/api/v1/users/{name}"

    async def call(self, method: str, url: str, expected: int, **kwargs: object) -> httpx.Response:
        response = await self.client.request(method, url, **kwargs)  # type: ignore[arg-type]
        self.totals.requests += 1
        self.totals.statuses[response.status_code] += 1
        if response.status_code != expected:
            raise AssertionError(f"{method} {urlsplit(url).path} -> {response.status_code}")
        return response

    async def flow(self) -> None:
        created = await self.call(
            "POST", f"{self.api}/vehicles/connect-sessions", 201, headers=self.headers, json={}
        )
        session = created.json()
        await self.call("GET", _local(session["startUrl"]), 200)  # the web view opens it
        token = _query(session["startUrl"])["token"]
        picked = await self.call(
            "POST", "/web/start", 303, data={"token": token, "provider": "sandbox"}
        )
        login = _query(picked.headers["location"])
        approved = await self.call(
            "POST",
            "/sandbox/authorize",
            303,
            data={
                "state": login["state"],
                "redirect_uri": login["redirect_uri"],
                "decision": "approve",
            },
        )
        callback = await self.call("GET", _local(approved.headers["location"]), 302)
        await self.call("GET", _local(callback.headers["location"]), 200)
        read = await self.call(
            "GET", f"{self.api}/connect-sessions/{session['id']}", 200, headers=self.headers
        )
        if read.json()["status"] != "authorized":
            raise AssertionError(f"session ended {read.json()['status']}")
        await self.call(
            "DELETE", f"{self.api}/vehicles/{read.json()['vehicleId']}", 200, headers=self.headers
        )
        self.totals.flows += 1

    async def run_until(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                await self.flow()
            except (AssertionError, httpx.HTTPError) as exc:
                self.totals.failures.append(f"{self.name}: {exc}")

    async def check(self) -> None:
        sessions = (
            await self.call("GET", f"{self.api}/connect-sessions", 200, headers=self.headers)
        ).json()
        self.totals.stuck_sessions += sum(1 for s in sessions if s["status"] != "authorized")
        vehicles = (
            await self.call("GET", f"{self.api}/vehicles", 200, headers=self.headers)
        ).json()
        if len(vehicles) != 1:
            self.totals.users_without_one_vehicle += 1


async def run_load(base_url: str, secret: str, users: int, seconds: float) -> Totals:
    """Run the simulated users against base_url and check the store afterwards."""
    totals = Totals(users, seconds)
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    async with AsyncExitStack() as stack:
        # One browser (cookie jar, connections) per user, as in the field.
        people = [
            _User(
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        base_url=base_url, timeout=30, limits=limits, headers={"Origin": base_url}
                    )
                ),
                totals,
                f"load-{i}-{os.getpid()}",
                secret,
            )
            for i in range(users)
        ]
        started = time.monotonic()
        await asyncio.gather(*(user.run_until(started + seconds) for user in people))
        totals.seconds = time.monotonic() - started
        await asyncio.gather(*(user.check() for user in people))
    return totals


def main() -> None:
    """Command line entry point; exits 1 when the run broke a rule."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--jwt-secret", default=os.environ.get("AUTH_JWT_SECRET", ""))
    args = parser.parse_args()
    totals = asyncio.run(run_load(args.base_url, args.jwt_secret, args.users, args.seconds))
    print(totals.summary())
    for failure in totals.failures[:10]:
        print("  failure:", failure)
    broken = totals.server_errors or totals.failures or totals.stuck_sessions
    raise SystemExit(1 if broken or totals.users_without_one_vehicle else 0)


if __name__ == "__main__":
    main()
