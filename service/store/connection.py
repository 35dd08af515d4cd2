"""Open the Redis connection: a real server, a cluster, or the embedded in-process store."""

from __future__ import annotations

import logging
from typing import Any

import fakeredis
from redis.asyncio import Connection, ConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from service.config import Settings

log = logging.getLogger("vehicle_connect")

RedisClient = Any
"""redis.asyncio.Redis, RedisCluster or the embedded FakeAsyncRedis (same command surface)."""


class ReadTimeoutConnection(Connection):
    """A connection whose reads keep socket_timeout while its writes run without a timer.

    redis-py bounds each write with asyncio.wait_for, a task per command (a sixth of a session
    read in the bench's profile). A hung server cannot block a write of a command (the kernel
    buffers it); it shows on the read, which stays bounded, as do connecting and health checks.
    """

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        """Connect and check health under the timeouts, then write without a timer."""
        if not self.is_connected:
            await self.connect()  # type: ignore[no-untyped-call]
        if check_health:
            await self.check_health()  # type: ignore[no-untyped-call]
        timeout, self.socket_timeout = self.socket_timeout, None
        try:
            await super().send_packed_command(command, check_health=False)
        finally:
            self.socket_timeout = timeout


def open_redis(settings: Settings) -> RedisClient:
    """A client for the configured store; the embedded one (with a warning) without REDIS_URL."""
    if settings.redis_url is None:
        log.warning(
            "REDIS_URL is not set: using the embedded in-memory store; "
            "all data is lost when the process stops"
        )
        return fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    timeout = settings.redis_timeout_seconds
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
    }
    if settings.redis_cluster:
        # Redirections (MOVED, ASK) are followed by the cluster client's own retry policy.
        return RedisCluster.from_url(
            settings.redis_url, max_connections=settings.redis_max_connections, **options
        )
    # A request beyond the pool's size fails at once (503 STORE_UNAVAILABLE): the waiting
    # pool's timer cost about 25 µs a command, a sixth of a GET, in the bench's profile.
    if settings.redis_url.startswith("redis://"):  # TLS and unix sockets keep their own class
        options["connection_class"] = ReadTimeoutConnection
    pool = ConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
        **options,
    )
    return Redis.from_pool(pool)  # closing the client closes its pool


async def prepare_redis(redis: RedisClient) -> None:
    """Learn a cluster's slots before traffic arrives (concurrent first use races otherwise)."""
    if isinstance(redis, RedisCluster):
        try:
            await redis.initialize()
        except (RedisError, OSError) as exc:
            log.warning(
                "Redis Cluster not reachable at start (%s); retrying on use", type(exc).__name__
            )
