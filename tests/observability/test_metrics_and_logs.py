"""Metrics, and logs that carry correlation ids but never a token, cookie, code or secret."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.tesla import FakeTesla
from tests.flow import ConnectApi
from tests.providers.tesla_support import new_fake, serve_fake, tesla_login
from tests.support import (
    ENCRYPTION_KEY,
    JWT_SECRET,
    RedisServer,
    auth,
    path_and_query,
    query_of,
    running_service,
)


def _sample(metrics: str, name: str, **labels: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


METRICS_TOKEN = "metrics-token-0123456789"
METRICS_AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}


@pytest.fixture
def settings_env() -> dict[str, str]:
    return {"METRICS_TOKEN": METRICS_TOKEN}


async def test_metrics_count_requests_transitions_and_provider_calls(api: ConnectApi) -> None:
    before = (await api.client.get("/metrics", headers=METRICS_AUTH)).text
    await api.connect("metrics-user")
    response = await api.client.get("/metrics", headers=METRICS_AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text
    route = "/api/v1/users/{userId}/vehicles/connect-sessions"
    key = {"method": "POST", "route": route, "status": "201"}
    name = "vehicle_connect_http_requests_total"
    assert _sample(after, name, **key) == _sample(before, name, **key) + 1
    name = "vehicle_connect_session_transitions_total"
    for source, target in [("pending", "awaiting_external"), ("awaiting_external", "authorized")]:
        labels = {"provider": "sandbox", "from_state": source, "to_state": target}
        assert _sample(after, name, **labels) == _sample(before, name, **labels) + 1
    assert "vehicle_connect_http_request_duration_seconds_bucket" in after
    assert "vehicle_connect_store_errors_total" in after
    assert "vehicle_connect_webhook_deliveries_total" in after


async def test_sdk_clients_are_counted_by_name_and_version(api: ConnectApi) -> None:
    """Jedlix-ClientName and -ClientVersion count per pair; odd values and the pairs beyond
    the cap do not make series of their own."""
    name = "vehicle_connect_sdk_requests_total"
    android = {"Jedlix-ClientName": "com.jedlix.sdk-android", "Jedlix-ClientVersion": "1.8.2"}
    for _ in range(3):
        await api.client.get(api.url("sdk", "vehicles"), headers={**auth("sdk"), **android})
    odd = {"Jedlix-ClientName": "not a name!", "Jedlix-ClientVersion": "1"}
    await api.client.get(api.url("sdk", "vehicles"), headers={**auth("sdk"), **odd})
    for version in range(120):
        many = {"Jedlix-ClientName": "com.jedlix.sdk-ios", "Jedlix-ClientVersion": f"0.{version}"}
        await api.client.get("/healthz", headers=many)
    metrics = (await api.client.get("/metrics", headers=METRICS_AUTH)).text
    labels = {"client_name": "com.jedlix.sdk-android", "client_version": "1.8.2"}
    assert _sample(metrics, name, **labels) == 3
    assert "not a name" not in metrics
    series = [line for line in metrics.splitlines() if line.startswith(name + "{")]
    assert len(series) <= 101
    assert _sample(metrics, name, client_name="other", client_version="other") >= 19


@pytest.fixture
def tesla() -> Iterator[FakeTesla]:
    with serve_fake(new_fake()) as fake:
        yield fake


def test_logs_of_a_full_relay_hold_no_secret(
    redis_server: RedisServer, tmp_path: Path, tesla: FakeTesla
) -> None:
    settings = {
        "TESLA_AUTH_URL": tesla.base_url,
        "TESLA_OWNER_API_URL": tesla.base_url,
        "LOG_LEVEL": "DEBUG",
    }
    with running_service(redis_server.url, tmp_path, **settings) as service:
        api = f"{service.base_url}/api/v1/users/log-user"
        headers = {
            **auth("log-user"),
            "Jedlix-CorrelationId": "corr-123",
            "Jedlix-ClientName": "com.jedlix.sdk-android",
            "Jedlix-ClientVersion": "1.8.2",
        }
        session = httpx.post(
            f"{api}/vehicles/connect-sessions", headers=headers, json={"provider": "tesla"}
        ).json()
        captured = asyncio.run(tesla_login(session["startUrl"]))
        relayed = httpx.post(
            f"{api}/connect-sessions/{session['id']}/info",
            headers=headers,
            json=captured.jedlix_relay(),
        )
        assert relayed.status_code == 200 and relayed.json()["status"] == "authorized"
        page_token = query_of(
            httpx.post(
                f"{service.base_url}/api/v1/users/other/vehicles/connect-sessions",
                headers=auth("other"),
                json={},
            ).json()["startUrl"]
        )["token"]
        httpx.get(f"{service.base_url}{path_and_query(session['startUrl'])}")
        httpx.get(f"{service.base_url}/web/start", params={"token": page_token})
        log = service.log_path.read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    requests = [line for line in lines if line.get("message") == "request"]
    assert len(requests) >= 5
    assert all(line.get("correlationId") for line in requests)
    assert any(line["correlationId"] == "corr-123" for line in requests)
    named = [line for line in requests if line["correlationId"] == "corr-123"]
    assert all(line.get("clientName") == "com.jedlix.sdk-android" for line in named)
    assert all(line.get("clientVersion") == "1.8.2" for line in named)
    sent = tesla.token_requests[0]
    secrets = {
        "code": query_of(captured.url)["code"],
        "state": query_of(captured.url)["state"],
        "cookie": str(captured.cookie),
        "verifier": sent["body"]["code_verifier"],
        "page token": page_token,
        "user token": headers["Authorization"].removeprefix("Bearer "),
        "jwt secret": JWT_SECRET,
        "encryption key": ENCRYPTION_KEY.split(":", 1)[1],
    }
    tokens = [t for t in tesla.access_tokens] + [t for t in tesla.refresh_tokens]
    for name, value in {**secrets, **{f"tesla token {i}": t for i, t in enumerate(tokens)}}.items():
        assert value not in log, f"{name} was logged"
