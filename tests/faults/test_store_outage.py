"""Redis stopped in the middle of traffic: bounded 503s, then recovery without a restart."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.faults.outage import BOUND_SECONDS, assert_unavailable, connect_sandbox, traffic
from tests.support import (
    RedisServer,
    ServiceProcess,
    auth,
    running_service,
    start_redis_server,
)


@pytest.fixture
def redis_aof(tmp_path: Path) -> Iterator[RedisServer]:
    server = start_redis_server(tmp_path, appendonly=True)
    yield server
    if server.process and server.process.poll() is None:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def service(redis_aof: RedisServer, tmp_path: Path) -> Iterator[ServiceProcess]:
    with running_service(redis_aof.url, tmp_path, REDIS_TIMEOUT_SECONDS="0.5") as running:
        yield running


def test_store_outage_answers_503_then_recovers(
    service: ServiceProcess, redis_aof: RedisServer, tmp_path: Path
) -> None:
    base = service.base_url
    connected = connect_sandbox(base, "bob")
    assert connected["status"] == "authorized"
    pending = httpx.post(
        f"{base}/api/v1/users/alice/vehicles/connect-sessions", headers=auth("alice"), json={}
    ).json()
    assert redis_aof.process is not None

    # Redis hangs (SIGSTOP): commands time out, requests still answer in time.
    os.kill(redis_aof.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        assert_unavailable(traffic(base, pending))
        print(f"hung Redis: 6 requests answered 503 in {time.monotonic() - started:.2f} s")
        assert httpx.get(f"{base}/readyz", timeout=BOUND_SECONDS).status_code == 503
        assert httpx.get(f"{base}/healthz", timeout=BOUND_SECONDS).status_code == 200
    finally:
        os.kill(redis_aof.process.pid, signal.SIGCONT)
    assert httpx.get(f"{base}/readyz", timeout=BOUND_SECONDS).status_code == 200

    # Redis dies (SIGKILL): connections are refused.
    port = urlsplit(redis_aof.url).port
    redis_aof.process.kill()
    redis_aof.process.wait()
    assert_unavailable(traffic(base, pending))

    # Redis comes back from its append-only file; the service recovers by itself.
    revived = start_redis_server(tmp_path, port=port, appendonly=True)
    redis_aof.process = revived.process
    deadline = time.monotonic() + 10
    while httpx.get(f"{base}/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    after = traffic(base, pending)
    assert [r.status_code for r in after[:4]] == [200, 200, 201, 200]
    api = f"{base}/api/v1/users/bob"
    kept = httpx.get(f"{api}/connect-sessions/{connected['id']}", headers=auth("bob")).json()
    assert kept == connected
    vehicles = httpx.get(f"{api}/vehicles", headers=auth("bob")).json()
    assert [v["id"] for v in vehicles] == [connected["vehicleId"]]
