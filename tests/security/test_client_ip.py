"""Probe finding 2: the per-IP limit cannot be dodged, and anonymous requests store nothing.

X-Forwarded-For is believed only from the proxies FORWARDED_ALLOW_IPS names (by default none,
loopback included); requests with an invalid user token count against their client IP; the
sandbox's sign-in issues a code only for a state this service issued.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.flow import ConnectApi
from tests.support import RedisServer, auth, problem_code, query_of, running_service

LIMIT = 5


def _statuses(base: str, count: int) -> list[int]:
    """count callbacks with a forged state, each claiming another client address."""
    with httpx.Client(base_url=base, timeout=5) as client:
        return [
            client.get(
                "/callbacks/sandbox",
                params={"state": "forged", "code": "c"},
                headers={"X-Forwarded-For": f"203.0.113.{number}"},
            ).status_code
            for number in range(count)
        ]


def test_a_rotating_x_forwarded_for_does_not_escape_the_ip_limit(tmp_path: Path) -> None:
    with running_service(None, tmp_path, RATE_LIMIT_IP_PER_MINUTE=str(LIMIT)) as service:
        statuses = _statuses(service.base_url, 40)
    assert statuses[:LIMIT] == [400] * LIMIT
    assert statuses[LIMIT:] == [429] * (40 - LIMIT)


def test_x_forwarded_for_counts_from_a_named_proxy(tmp_path: Path) -> None:
    settings = {"RATE_LIMIT_IP_PER_MINUTE": str(LIMIT), "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with running_service(None, tmp_path, **settings) as service:
        statuses = _statuses(service.base_url, 40)
    assert statuses == [400] * 40


class TestInvalidTokens:
    @pytest.fixture
    def settings_env(self) -> dict[str, str]:
        return {"RATE_LIMIT_IP_PER_MINUTE": str(LIMIT)}

    async def test_requests_with_invalid_tokens_are_limited_per_client_ip(
        self, api: ConnectApi
    ) -> None:
        url = api.url("xena", "connect-sessions")
        bad = [
            {},
            {"Authorization": "Bearer not-a-jwt"},
            {"Authorization": "Basic eGVuYTp4"},
            {"Authorization": "Bearer " + auth("xena")["Authorization"].split()[1] + "x"},
            {"Authorization": "Bearer nope"},
        ]
        for headers in bad:
            response = await api.client.get(url, headers=headers)
            assert response.status_code == 401, response.text
        limited = await api.client.get(url, headers={"Authorization": "Bearer nope"})
        assert limited.status_code == 429 and problem_code(limited) == "RATE_LIMITED"
        assert int(limited.headers["retry-after"]) >= 1
        # A valid token is counted per user, not per IP: it still passes.
        assert (await api.client.get(url, headers=auth("xena"))).status_code == 200


class TestNothingStored:
    @pytest.fixture
    def settings_env(self) -> dict[str, str]:
        return {"RATE_LIMIT_IP_PER_MINUTE": "0"}

    async def test_the_sandbox_issues_no_code_for_a_forged_state(
        self, redis_api: ConnectApi, real_redis: RedisServer
    ) -> None:
        session = await redis_api.created("yara", {})
        picked = await redis_api.pick_provider(session)
        login = query_of(picked)
        keys_before = real_redis.client().dbsize()
        for forged in ["forged", login["state"][:-2] + "xx", ""]:
            response = await redis_api.client.post(
                "/sandbox/authorize",
                data={
                    "state": forged,
                    "redirect_uri": login["redirect_uri"],
                    "decision": "approve",
                },
            )
            assert response.status_code in (400, 422), response.text
            page = await redis_api.client.get(
                "/sandbox/authorize",
                params={
                    "response_type": "code",
                    "client_id": "vehicle-connect",
                    "redirect_uri": login["redirect_uri"],
                    "state": forged,
                },
            )
            assert page.status_code in (400, 422)
        assert real_redis.client().dbsize() == keys_before
        # The real state still signs in.
        callback = await redis_api.sandbox_decide(picked)
        assert (await redis_api.callback(callback)).status_code == 302
