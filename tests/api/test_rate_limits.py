"""Rate limits in Redis: per user on the API, per client IP on pages, callbacks and webhooks."""

from __future__ import annotations

import pytest

from tests.flow import ConnectApi
from tests.support import auth, problem_code


@pytest.fixture
def settings_env() -> dict[str, str]:
    return {"RATE_LIMIT_USER_PER_MINUTE": "5", "RATE_LIMIT_IP_PER_MINUTE": "3"}


async def test_api_calls_are_limited_per_user(api: ConnectApi) -> None:
    url = api.url("ann", "connect-sessions")
    statuses = [(await api.client.get(url, headers=auth("ann"))).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = await api.client.get(url, headers=auth("ann"))
    assert problem_code(limited) == "RATE_LIMITED"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    other = await api.client.get(api.url("bob", "connect-sessions"), headers=auth("bob"))
    assert other.status_code == 200


async def test_pages_callbacks_and_webhooks_are_limited_per_client_ip(api: ConnectApi) -> None:
    statuses = [
        (await api.client.get("/web/end", params={"token": "x"})).status_code for _ in range(3)
    ]
    assert statuses == [403, 403, 403]
    page = await api.client.get("/web/end", params={"token": "x"}, headers={"Accept": "text/html"})
    assert page.status_code == 429 and "RATE_LIMITED" in page.text
    callback = await api.client.get("/callbacks/sandbox", params={"state": "x"})
    assert callback.status_code == 429 and problem_code(callback) == "RATE_LIMITED"
    webhook = await api.client.post("/webhooks/enode", content=b"[]")
    assert webhook.status_code == 429
    assert (await api.client.get("/healthz")).status_code == 200


class TestDisabled:
    @pytest.fixture
    def settings_env(self) -> dict[str, str]:
        return {"RATE_LIMIT_USER_PER_MINUTE": "0", "RATE_LIMIT_IP_PER_MINUTE": "0"}

    async def test_zero_means_no_limit(self, api: ConnectApi) -> None:
        url = api.url("cy", "connect-sessions")
        for _ in range(30):
            assert (await api.client.get(url, headers=auth("cy"))).status_code == 200
