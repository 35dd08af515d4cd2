"""Open the Redis connection: a real server, a cluster, or the embedded in-process store."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import fakeredis
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from service.config import Settings
from service.store.pool import LeanConnectionPool, ReadTimeoutConnection

log = logging.getLogger("vehicle_connect")

RedisClient = Any
"""redis.asyncio.Redis, RedisCluster or the embedded FakeAsyncRedis (same command surface)."""


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
    pool_class = ConnectionPool
    if settings.redis_url.startswith("redis://"):  # TLS and unix sockets keep their own classes
        options["connection_class"] = ReadTimeoutConnection
        pool_class = LeanConnectionPool
    pool = pool_class.from_url(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
        **options,
    )
    return Redis.from_pool(pool)  # closing the client closes its pool


CommandSender = Callable[..., Awaitable[Any]]
"""Sends one command (name, then arguments) and answers its reply."""


def command_sender(redis: RedisClient) -> CommandSender:
    """How to send a command whose reply needs no parsing callback (EVALSHA, GET).

    On a plain redis:// store straight on the pool (LeanConnectionPool.send); cluster, TLS,
    unix-socket and embedded clients keep execute_command.
    """
    pool = redis.connection_pool if isinstance(redis, Redis) else None
    if isinstance(pool, LeanConnectionPool) and not redis.single_connection_client:
        return pool.send
    sender: CommandSender = redis.execute_command
    return sender


async def prepare_redis(redis: RedisClient) -> None:
    """Learn a cluster's slots before traffic arrives (concurrent first use races otherwise)."""
    if isinstance(redis, RedisCluster):
        try:
            await redis.initialize()
        except (RedisError, OSError) as exc:
            log.warning(
                "Redis Cluster not reachable at start (%s); retrying on use", type(exc).__name__
            )
