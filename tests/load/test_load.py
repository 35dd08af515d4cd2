"""A short load run: simulated users walking the sandbox flow, no 5xx, nothing lost or doubled."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.load import run_load
from tests.support import JWT_SECRET, RedisServer, running_service


def test_short_load_run(real_redis: RedisServer, tmp_path: Path) -> None:
    settings = {"RATE_LIMIT_IP_PER_MINUTE": "0", "RATE_LIMIT_USER_PER_MINUTE": "0"}
    with running_service(real_redis.url, tmp_path, **settings) as service:
        totals = asyncio.run(run_load(service.base_url, JWT_SECRET, users=20, seconds=4))
    print(totals.summary())
    assert totals.flows >= 20
    assert totals.server_errors == 0 and totals.failures == []
    assert totals.stuck_sessions == 0
    assert totals.users_without_one_vehicle == 0
