"""Probe finding 9: production defaults. No sandbox unless asked, metrics off the API port,
nothing cacheable."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.flow import ConnectApi
from tests.support import auth, free_port, problem_code, running_service

METRICS_TOKEN = "metrics-token-0123456789"


@pytest.fixture
def settings_env() -> dict[str, str]:
    return {"ENVIRONMENT": "production", "PUBLIC_BASE_URL": "https://connect.example.com"}


async def test_production_offers_no_sandbox_without_sandbox_enabled(redis_api: ConnectApi) -> None:
    response = await redis_api.create("pia", {"provider": "sandbox"})
    assert response.status_code == 403, response.text
    assert problem_code(response) == "CONNECT_PROVIDER_NOT_ALLOWED"
    session = await redis_api.created("pia", {})
    page = await redis_api.client.get(
        session["startUrl"].removeprefix("https://connect.example.com")
    )
    assert page.status_code == 200
    assert "/sandbox/" not in page.text and 'value="sandbox"' not in page.text
    login = await redis_api.client.get(
        "/sandbox/authorize",
        params={
            "response_type": "code",
            "client_id": "vehicle-connect",
            "redirect_uri": "https://connect.example.com/callbacks/sandbox",
            "state": "s",
        },
    )
    assert login.status_code == 404


async def test_api_responses_are_not_stored_by_caches(redis_api: ConnectApi) -> None:
    created = await redis_api.create("quin", {})
    assert created.headers["cache-control"] == "no-store"
    read = await redis_api.client.get(
        redis_api.url("quin", f"connect-sessions/{created.json()['id']}"), headers=auth("quin")
    )
    assert read.headers["cache-control"] == "no-store"
    missing = await redis_api.client.get(
        redis_api.url("quin", "connect-sessions/none"), headers=auth("quin")
    )
    assert missing.status_code == 404 and missing.headers["cache-control"] == "no-store"


async def test_no_metrics_on_the_api_port_without_a_token(redis_api: ConnectApi) -> None:
    response = await redis_api.client.get("/metrics")
    assert response.status_code == 404 and problem_code(response) == "NOT_FOUND"


class TestWithSandboxEnabled:
    @pytest.fixture
    def settings_env(self) -> dict[str, str]:
        return {
            "ENVIRONMENT": "production",
            "PUBLIC_BASE_URL": "https://connect.example.com",
            "SANDBOX_ENABLED": "true",
            "METRICS_TOKEN": METRICS_TOKEN,
        }

    async def test_sandbox_enabled_offers_it_in_production(self, redis_api: ConnectApi) -> None:
        assert (await redis_api.create("ria", {"provider": "sandbox"})).status_code == 201

    async def test_metrics_on_the_api_port_need_the_token(self, redis_api: ConnectApi) -> None:
        assert (await redis_api.client.get("/metrics")).status_code == 401
        wrong = await redis_api.client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and problem_code(wrong) == "AUTH_TOKEN_INVALID"
        right = await redis_api.client.get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        assert right.status_code == 200 and "vehicle_connect_http_requests_total" in right.text


def test_the_service_serves_metrics_on_their_own_port(tmp_path: Path) -> None:
    metrics_port = free_port()
    with running_service(None, tmp_path, METRICS_PORT=str(metrics_port)) as service:
        assert httpx.get(service.base_url + "/healthz").status_code == 200
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5)
        assert metrics.status_code == 200
        assert "vehicle_connect_http_requests_total" in metrics.text
        assert httpx.get(service.base_url + "/metrics").status_code == 404
