"""Minted links (finding 6): rebuilt from the record, stable through a key rotation, and a
record that predates them answers 4xx, never 500."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from service.main import create_app
from tests.flow import ConnectApi
from tests.support import (
    BASE_URL,
    ENCRYPTION_KEY,
    RedisServer,
    auth,
    make_settings,
    path_and_query,
    problem_code,
)

NEW_KEY = "k2:" + base64.urlsafe_b64encode(b"\x02" * 32).decode()


@asynccontextmanager
async def _deployment(
    store: RedisServer, tmp_path: Path, encryption_key: str, cookies: httpx.Cookies | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    env = {**store.settings(), "DEV_SECRETS_FILE": str(tmp_path / "dev.json")}
    app = create_app(make_settings(None, ENCRYPTION_KEY=encryption_key, **env))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=BASE_URL, headers={"Origin": BASE_URL}, cookies=cookies
        ) as client:
            yield client


async def test_links_stay_the_same_through_a_key_rotation(
    real_redis: RedisServer, tmp_path: Path
) -> None:
    """A session made under the old key keeps its links when a new key is put first."""
    path = "/api/v1/users/rota/connect-sessions"
    async with _deployment(real_redis, tmp_path, ENCRYPTION_KEY) as old:
        created = await old.post(
            "/api/v1/users/rota/vehicles/connect-sessions", headers=auth("rota"), json={}
        )
        session = created.json()
        assert (await old.get(path_and_query(session["startUrl"]))).status_code == 200
        browser = old.cookies  # the same browser comes back after the rotation
    rotated = f"{NEW_KEY},{ENCRYPTION_KEY}"
    async with _deployment(real_redis, tmp_path, rotated, browser) as new:
        read = (await new.get(f"{path}/{session['id']}", headers=auth("rota"))).json()
        assert read["startUrl"] == session["startUrl"]
        page = await new.get(path_and_query(session["startUrl"]))
        assert page.status_code == 200 and "Sandbox" in page.text
        fresh = await new.post(
            "/api/v1/users/rota/vehicles/connect-sessions", headers=auth("rota"), json={}
        )
        assert fresh.json()["startUrl"].split("token=")[1].startswith("k2.")


async def test_a_record_without_minted_links_is_4xx(api: ConnectApi) -> None:
    """A record from before minted links (no key id, no hash) cannot make links: 400 where a
    link would be rendered, 403 on its pages; nothing is a 500."""
    session = await api.created("legacy", {})
    stored = await api.stored("legacy", session["id"])
    await api.overwrite(stored.evolve(seal_kid="", page_token_hash=""))
    read = await api.client.get(
        api.url("legacy", f"connect-sessions/{session['id']}"), headers=auth("legacy")
    )
    assert read.status_code == 400 and problem_code(read) == "CONNECT_INVALID_STATE"
    page = await api.client.get(path_and_query(session["startUrl"]))
    assert page.status_code == 403
    cancel = await api.client.delete(
        api.url("legacy", f"connect-sessions/{session['id']}"), headers=auth("legacy")
    )
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
