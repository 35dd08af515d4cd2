"""The Redis connections: a lent one is clean, the pool is capped, a slow read is bounded."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from service.store.connection import RedisClient, open_redis
from tests.support import CLUSTER, RedisServer, make_settings

standalone = pytest.mark.skipif(
    CLUSTER, reason="a cluster client lends connections from redis-py's cluster pool"
)


@pytest.fixture
async def small_pool(real_redis: RedisServer) -> AsyncIterator[RedisClient]:
    """The service's client on the real Redis, at most two connections."""
    redis = open_redis(make_settings(real_redis.url, REDIS_MAX_CONNECTIONS="2"))
    try:
        yield redis
    finally:
        await redis.aclose()


@standalone
async def test_a_connection_the_server_closed_is_replaced_before_use(
    small_pool: RedisClient, real_redis: RedisServer
) -> None:
    """Restart, idle timeout or CLIENT KILL: the next command reconnects instead of failing."""
    send = small_pool.execute_command
    await send("SET", "pool:key", "kept")
    first_id = await send("CLIENT", "ID")
    real_redis.client().client_kill_filter(_id=first_id)
    await asyncio.sleep(0.05)  # the loop sees the end of stream
    assert await send("GET", "pool:key") == "kept"
    assert await send("CLIENT", "ID") != first_id
    real_redis.client().client_kill_filter(_id=await send("CLIENT", "ID"))
    await asyncio.sleep(0.05)
    assert await small_pool.get("pool:key") == "kept"  # the client's own commands, same pool


@standalone
async def test_a_cancelled_command_leaves_no_reply_for_the_next(
    small_pool: RedisClient, real_redis: RedisServer
) -> None:
    """A command cancelled while waiting closes its connection: its late reply reaches no one."""
    send = small_pool.execute_command
    await send("SET", "pool:key", "fresh")
    waiting = [asyncio.create_task(send("BLPOP", "pool:list", 5)) for _ in range(2)]
    await asyncio.sleep(0.1)
    for task in waiting:
        task.cancel()
    for task in waiting:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await asyncio.sleep(0.05)  # the loop closes the cancelled connections
    real_redis.client().rpush("pool:list", "late", "later")
    assert await send("GET", "pool:key") == "fresh"
    assert await small_pool.get("pool:key") == "fresh"
    assert real_redis.client().lrange("pool:list", 0, -1) == ["late", "later"]


@standalone
async def test_the_pool_size_is_a_hard_cap(
    small_pool: RedisClient, real_redis: RedisServer
) -> None:
    """With every connection lent out a command fails at once; they serve again when back."""
    send = small_pool.execute_command
    waiting = [asyncio.create_task(send("BLPOP", "pool:queue", 5)) for _ in range(2)]
    await asyncio.sleep(0.1)
    with pytest.raises(RedisConnectionError, match="Too many connections"):
        await send("GET", "pool:key")
    with pytest.raises(RedisConnectionError, match="Too many connections"):
        await small_pool.get("pool:key")
    real_redis.client().rpush("pool:queue", "one", "two")
    assert sorted(item for _, item in await asyncio.gather(*waiting)) == ["one", "two"]
    lent = set(await asyncio.gather(*(send("CLIENT", "ID") for _ in range(2))))
    assert len(lent) == 2
    assert set(await asyncio.gather(*(send("CLIENT", "ID") for _ in range(2)))) == lent


@standalone
async def test_a_read_past_its_deadline_times_out_and_closes_its_connection(
    real_redis: RedisServer,
) -> None:
    """A reply later than the timeout: TimeoutError soon after it; its connection is closed."""
    redis = open_redis(make_settings(real_redis.url, REDIS_TIMEOUT_SECONDS="0.2"))
    try:
        send = redis.execute_command
        await send("SET", "pool:key", "fresh")
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(RedisTimeoutError):
            await send("BLPOP", "pool:never", 5)
        waited = loop.time() - started
        assert 0.2 <= waited < 1.0  # the deadline, plus at most a quarter of it and scheduling
        with pytest.raises(RedisTimeoutError):
            await redis.blpop(["pool:never"], 5)  # the client's own commands, same bound
        await asyncio.sleep(0.05)
        real_redis.client().rpush("pool:never", "late")
        assert await send("GET", "pool:key") == "fresh"
        assert real_redis.client().lrange("pool:never", 0, -1) == ["late"]
    finally:
        await redis.aclose()
