"""Fixtures: a real redis-server, both stores, the app over ASGI, and the service as a process."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from service.main import create_app
from tests.flow import ConnectApi
from tests.support import BASE_URL, CLUSTER, RedisServer, make_settings, start_redis_server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """The real Redis of this run: TEST_REDIS_URL (CI starts it) or one started here."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield RedisServer(url, cluster=CLUSTER)
        return
    server = start_redis_server(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        assert server.process is not None
        server.process.terminate()
        server.process.wait(timeout=10)


@pytest.fixture
def real_redis(redis_server: RedisServer) -> RedisServer:
    """The real Redis, emptied for this test."""
    redis_server.client().flushall()
    return redis_server


@pytest.fixture(params=["embedded", "redis"])
def store(request: pytest.FixtureRequest) -> RedisServer | None:
    """Runs a test on the embedded store (None) and on a real redis-server (or cluster)."""
    if request.param == "embedded":
        return None
    server: RedisServer = request.getfixturevalue("real_redis")
    return server


@pytest.fixture
def settings_env() -> dict[str, str]:
    """Extra settings a test may set before the app is built."""
    return {}


@pytest.fixture
async def api(
    store: RedisServer | None, settings_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[ConnectApi]:
    """The app over ASGI, on both stores."""
    async for connect_api in _api(store, settings_env, tmp_path):
        yield connect_api


@pytest.fixture
async def redis_api(
    real_redis: RedisServer, settings_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[ConnectApi]:
    """The app over ASGI on the real Redis only."""
    async for connect_api in _api(real_redis, settings_env, tmp_path):
        yield connect_api


async def _api(
    store: RedisServer | None, settings_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[ConnectApi]:
    env = {"DEV_SECRETS_FILE": str(tmp_path / "dev-secrets.json"), **settings_env}
    if store is not None:
        env = {**store.settings(), **env}
    app = create_app(make_settings(None, **env))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=BASE_URL, headers={"Origin": BASE_URL}
        ) as client:
            yield ConnectApi(client, app.state.flow_context, transport)
