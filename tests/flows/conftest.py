"""The use cases built as main.create_app builds them, on the embedded store and on real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from service.flows.context import FlowContext
from service.flows.use_cases import UseCases
from service.main import build_context
from tests.support import RedisServer, make_settings


@dataclass(frozen=True)
class Built:
    """The use cases and the context they run on (the context only for inspection)."""

    flows: UseCases
    ctx: FlowContext


@pytest.fixture
async def built(
    store: RedisServer | None, tmp_path: Path, settings_env: dict[str, str]
) -> AsyncIterator[Built]:
    """Use cases over a started store; no HTTP server in between."""
    env = {"DEV_SECRETS_FILE": str(tmp_path / "dev-secrets.json"), **settings_env}
    if store is not None:
        env = {**store.settings(), **env}
    async with httpx.AsyncClient() as http:
        ctx, flows = build_context(make_settings(None, **env), http)
        await ctx.store.start()
        try:
            yield Built(flows, ctx)
        finally:
            await ctx.store.close()
