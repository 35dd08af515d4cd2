"""Test helpers: settings, a real Redis, the API client, and the service as a real process."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import redis
from redis.cluster import RedisCluster

from service.config import Settings, load_settings
from service.security.auth import mint_token

JWT_SECRET = "test-jwt-secret-that-is-long-enough-0123456789"
ENCRYPTION_KEY = "k1:" + base64.urlsafe_b64encode(b"\x01" * 32).decode()
BASE_URL = "http://testserver"
REPO_ROOT = Path(__file__).resolve().parent.parent


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A free TCP port on loopback, never the same one twice in this test run."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def deployment_env(redis_url: str | None, base_url: str = BASE_URL, **extra: str) -> dict[str, str]:
    """Environment variables of a test deployment."""
    env = {
        "AUTH_JWT_SECRET": JWT_SECRET,
        "ENCRYPTION_KEY": ENCRYPTION_KEY,
        "PUBLIC_BASE_URL": base_url,
        "LOG_LEVEL": "WARNING",
        # Service processes of a test run side by side: no fixed metrics port unless asked.
        "METRICS_PORT": "0",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def make_settings(redis_url: str | None, **extra: str) -> Settings:
    """Settings of a test deployment."""
    return load_settings(deployment_env(redis_url, **extra))


def token_for(user: str, client: str = "default", ttl: int = 600) -> str:
    """A user token signed with the test key."""
    return mint_token(JWT_SECRET, user, client, ttl)


def auth(user: str, client: str = "default") -> dict[str, str]:
    """Authorization header for user."""
    return {"Authorization": f"Bearer {token_for(user, client)}"}


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a URL (first values)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def path_and_query(url: str) -> str:
    """A URL relative to its host."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


CLUSTER = os.environ.get("TEST_REDIS_CLUSTER", "").lower() == "true"
"""TEST_REDIS_CLUSTER=true: TEST_REDIS_URL names a node of a Redis Cluster (CI starts one)."""


@dataclass
class RedisServer:
    """A real redis-server (or a Redis Cluster) on loopback ports."""

    url: str
    process: subprocess.Popen[bytes] | None = None
    cluster: bool = False

    def client(self) -> Any:
        """A synchronous client for test setup and inspection."""
        if self.cluster:
            return RedisCluster.from_url(self.url, decode_responses=True)
        return redis.Redis.from_url(self.url, decode_responses=True)

    def settings(self) -> dict[str, str]:
        """Settings that point the service at this store."""
        return {"REDIS_URL": self.url, "REDIS_CLUSTER": "true" if self.cluster else "false"}


def start_redis_server(
    directory: Path, *extra: str, port: int | None = None, appendonly: bool = False
) -> RedisServer:
    """Start redis-server on a loopback port; fail loudly if it is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    persistence = (
        ["--appendonly", "yes", "--appendfsync", "always"]
        if appendonly
        else [
            "--appendonly",
            "no",
        ]
    )
    for _attempt in range(3 if port is None else 1):
        chosen = port or free_port()
        command = [binary, "--port", str(chosen), "--bind", "127.0.0.1", "--save", ""]
        command += [*persistence, "--dir", str(directory), *extra]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = RedisServer(f"redis://127.0.0.1:{chosen}/0", process)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if server.client().ping():
                    return server
            except redis.ConnectionError:
                time.sleep(0.05)
        process.kill()
        process.wait()
    raise RuntimeError("redis-server did not start")


@dataclass
class ServiceProcess:
    """The service run as `python -m service` on a loopback port."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        """Terminate the process we started."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def running_service(
    redis_url: str | None,
    log_dir: Path,
    public_base_url: str | None = None,
    **extra: str,
) -> Iterator[ServiceProcess]:
    """Run the service as a real process on a free port until the block ends."""
    for _attempt in range(3):
        service = _start_service(redis_url, log_dir, public_base_url, extra)
        try:
            _wait_healthy(service)
        except _PortTaken:
            service.stop()
            continue
        except BaseException:
            service.stop()
            raise
        try:
            yield service
        finally:
            service.stop()
        return
    raise RuntimeError("no free port for the service")


class _PortTaken(Exception):
    pass


def _start_service(
    redis_url: str | None, log_dir: Path, public_base_url: str | None, extra: dict[str, str]
) -> ServiceProcess:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, **deployment_env(redis_url, public_base_url or base_url, **extra)}
    if redis_url is None:
        env.pop("REDIS_URL", None)
    elif CLUSTER:
        env["REDIS_CLUSTER"] = "true"
    log_path = log_dir / f"service-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    return ServiceProcess(base_url, process, log_path, env)


def _wait_healthy(service: ServiceProcess) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            log = service.log_path.read_text()
            if "address already in use" in log:
                raise _PortTaken()
            raise RuntimeError("service exited: " + log)
        try:
            if httpx.get(service.base_url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("service did not become healthy")


def problem_code(response: httpx.Response) -> Any:
    """The `code` of a problem response, after checking its media type."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.json()["code"]
