"""Open the Redis connection: a real server, a cluster, or the embedded in-process store."""

from __future__ import annotations

import logging
from typing import Any

import fakeredis
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.backoff import NoBackoff
from redis.exceptions import RedisClusterException, RedisError
from redis.retry import Retry

from service.config import Settings

log = logging.getLogger("vehicle_connect")

RedisClient = Any
"""redis.asyncio.Redis, RedisCluster or the embedded FakeAsyncRedis (same command surface)."""

STORE_FAILURES: tuple[type[Exception], ...] = (
    RedisError,
    RedisClusterException,
    ConnectionError,
    TimeoutError,
)
"""What the Redis clients raise when the store cannot answer (redis-py's cluster client raises
RedisClusterException, not a RedisError, when no node answers)."""


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
        # RESP2: under RESP3 redis-py skips its check that a pooled connection is still open
        # (it expects maintenance push messages), so a connection the server closed while idle
        # would fail the next command instead of being replaced.
        "protocol": 2,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "max_connections": settings.redis_max_connections,
    }
    # A failed command is not retried here: the request fails (503 STORE_UNAVAILABLE) within
    # the timeout and the app's retry decides; a retried write might have been applied.
    no_retry = Retry(NoBackoff(), 0)
    if settings.redis_cluster:
        # Redirections (MOVED, ASK) are still followed; a connection error makes the client
        # learn the slots again on its next command.
        return RedisCluster.from_url(settings.redis_url, retry=no_retry, **options)
    # A command beyond the pool's size fails at once (MaxConnectionsError) instead of
    # queueing behind a hung server.
    pool = ConnectionPool.from_url(settings.redis_url, retry=no_retry, **options)
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
