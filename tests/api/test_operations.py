"""Health, readiness, correlation ids, and the store being unreachable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from service.domain.models import utcnow
from service.main import create_app
from tests.flow import ConnectApi
from tests.support import BASE_URL, auth, free_port, make_settings, problem_code


async def test_health_and_readiness(api: ConnectApi) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["store"] == "ok"


async def test_correlation_ids_are_echoed_or_made(api: ConnectApi) -> None:
    both = await api.client.get(
        "/healthz", headers={"Jedlix-CorrelationId": "abc-123", "X-Request-Id": "req.42"}
    )
    assert both.headers["jedlix-correlationid"] == "abc-123"
    assert both.headers["x-request-id"] == "req.42"
    made = await api.client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32
    unsafe = await api.client.get("/healthz", headers={"X-Request-Id": "a\tb<script>"})
    assert unsafe.headers["x-request-id"] != "a\tb<script>"
    problem = await api.client.get(api.url("x", "connect-sessions"), headers={"X-Request-Id": "r1"})
    assert problem.status_code == 401 and problem.headers["x-request-id"] == "r1"


async def test_expired_session_pages_answer_410_readably(api: ConnectApi) -> None:
    session = await api.created("pia", {})
    stored = await api.stored("pia", session["id"])
    await api.overwrite(stored.evolve(expires_at=utcnow() - timedelta(seconds=1)))
    page = await api.client.get(
        "/web/start", params={"token": api.page_token(stored)}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 410
    assert "expired" in page.text and page.headers["content-type"].startswith("text/html")
    end = await api.client.get("/web/end", params={"token": api.page_token(stored)})
    assert end.status_code == 200 and "Link expired" in end.text


@pytest.fixture
async def unreachable_store(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings = make_settings(dead, DEV_SECRETS_FILE=str(tmp_path / "dev.json"))
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield client


async def test_unreachable_store_is_503_with_retry_after(
    unreachable_store: httpx.AsyncClient,
) -> None:
    response = await unreachable_store.post(
        "/api/v1/users/zoe/vehicles/connect-sessions", headers=auth("zoe"), json={}
    )
    assert response.status_code == 503
    assert problem_code(response) == "STORE_UNAVAILABLE"
    assert response.headers["retry-after"] == "1"
    ready = await unreachable_store.get("/readyz")
    assert ready.status_code == 503
    assert (await unreachable_store.get("/healthz")).status_code == 200


async def test_webhooks_of_unconfigured_providers_are_404(api: ConnectApi) -> None:
    for provider in ["enode", "smartcar", "tesla", "sandbox"]:
        response = await api.client.post(f"/webhooks/{provider}", content=b"[]")
        assert response.status_code == 404, provider
        assert problem_code(response) == "NOT_FOUND"
    unknown = await api.client.post("/webhooks/volvo", content=b"[]")
    assert unknown.status_code == 422
