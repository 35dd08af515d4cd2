"""Every master of a Redis Cluster stopped: /readyz and the API answer 503 in time, then recover."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from tests.faults.outage import BOUND_SECONDS, assert_unavailable, connect_sandbox, traffic
from tests.support import ServiceProcess, auth, free_port, running_service, start_redis_server

SLOTS = 16384


@dataclass
class ClusterNode:
    """One master of the test's own cluster, restartable from its directory."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Run (or run again) redis-server as a cluster node from its AOF and nodes file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        server = start_redis_server(
            self.directory,
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "2000",
            port=self.port,
            appendonly=True,
        )
        self.process = server.process

    def client(self) -> redis.Redis:
        """A plain client of this node."""
        return redis.Redis(port=self.port, decode_responses=True)

    def kill(self) -> None:
        """SIGKILL the node and reap it."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()


def _cluster_ports(count: int) -> list[int]:
    """Ports whose cluster bus port (+10000) is free too."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port + 10000 > 65535 or port in ports:
            continue
        try:
            with socket.socket() as bus:
                bus.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        ports.append(port)
    return ports


def _wait_cluster_ok(nodes: list[ClusterNode], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if all(node.client().cluster("info")["cluster_state"] == "ok" for node in nodes):
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the cluster did not become ok")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[ClusterNode]]:
    """Three masters on loopback, slots split evenly, no replicas."""
    nodes = [ClusterNode(port, tmp_path / f"node-{port}") for port in _cluster_ports(3)]
    try:
        for node in nodes:
            node.start()
        share = SLOTS // len(nodes)
        for index, node in enumerate(nodes):
            last = SLOTS - 1 if index == len(nodes) - 1 else (index + 1) * share - 1
            node.client().execute_command("CLUSTER ADDSLOTSRANGE", index * share, last)
        for node in nodes[1:]:
            nodes[0].client().execute_command("CLUSTER MEET", "127.0.0.1", node.port)
        _wait_cluster_ok(nodes)
        yield nodes
    finally:
        for node in nodes:
            if node.process is not None and node.process.poll() is None:
                node.kill()


@pytest.fixture
def service(cluster: list[ClusterNode], tmp_path: Path) -> Iterator[ServiceProcess]:
    url = f"redis://127.0.0.1:{cluster[0].port}/0"
    with running_service(
        url, tmp_path, REDIS_CLUSTER="true", REDIS_TIMEOUT_SECONDS="0.5"
    ) as running:
        yield running


def _timed(call: str, base: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.get(f"{base}{call}", timeout=BOUND_SECONDS + 1)
    return response, time.monotonic() - started


def test_every_master_stopped_answers_503_then_recovers(
    cluster: list[ClusterNode], service: ServiceProcess
) -> None:
    base = service.base_url
    connected = connect_sandbox(base, "bob")
    assert connected["status"] == "authorized"
    pending = httpx.post(
        f"{base}/api/v1/users/alice/vehicles/connect-sessions", headers=auth("alice"), json={}
    ).json()

    # Every master hangs (SIGSTOP): commands time out, every request still answers in time.
    for node in cluster:
        assert node.process is not None
        os.kill(node.process.pid, signal.SIGSTOP)
    try:
        ready, took = _timed("/readyz", base)
        assert ready.status_code == 503 and took < BOUND_SECONDS, (ready.text, took)
        started = time.monotonic()
        assert_unavailable(traffic(base, pending))
        print(f"hung cluster: 6 requests answered 503 in {time.monotonic() - started:.2f} s")
    finally:
        for node in cluster:
            assert node.process is not None
            os.kill(node.process.pid, signal.SIGCONT)
    _wait_cluster_ok(cluster)

    # Every master dies (SIGKILL): connections are refused.
    for node in cluster:
        node.kill()
    ready, took = _timed("/readyz", base)
    assert ready.status_code == 503 and took < BOUND_SECONDS, (ready.text, took)
    assert ready.json() == {"status": "unavailable", "store": "unreachable"}
    started = time.monotonic()
    assert_unavailable(traffic(base, pending))
    print(f"dead cluster: 6 requests answered 503 in {time.monotonic() - started:.2f} s")

    # The masters come back from their AOF and nodes files; the service recovers by itself.
    for node in cluster:
        node.start()
    _wait_cluster_ok(cluster)
    deadline = time.monotonic() + 15
    while httpx.get(f"{base}/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    after = traffic(base, pending)
    assert [r.status_code for r in after[:4]] == [200, 200, 201, 200]
    api = f"{base}/api/v1/users/bob"
    kept = httpx.get(f"{api}/connect-sessions/{connected['id']}", headers=auth("bob")).json()
    assert kept == connected
