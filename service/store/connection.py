"""Open the Redis connection: a real server, a cluster, or the embedded in-process store."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import fakeredis
from redis.asyncio import Connection, ConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
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


class LeanConnectionPool(ConnectionPool):
    """A pool that lends and takes back connections without redis-py's per-command bookkeeping.

    redis-py's pool takes a lock, records observability counters and dispatches an event on
    every get and release: about 25 µs of a command's CPU, 32 commands at a time on one loop.
    None of it is needed here: one event loop owns the pool and nothing awaits between taking a
    connection and marking it in use; the service uses no pub/sub, pipelines, credential
    providers or maintenance notifications (the event's and the counters' users). What stays is
    the check that a lent connection is clean: one the server closed reconnects first.
    """

    async def get_connection(
        self, command_name: object = None, *keys: object, **options: object
    ) -> Connection:
        """An idle connection, else a new one; MaxConnectionsError when all are lent out."""
        connection: Connection = self.get_available_connection()  # type: ignore[no-untyped-call]
        try:
            await connection.connect()  # type: ignore[no-untyped-call]  # no-op when connected
            try:
                # Bytes waiting or end of stream (the server closed it: restart, idle timeout,
                # CLIENT KILL): start afresh rather than fail the command. No system call.
                stale = await connection.can_read()
            except (RedisConnectionError, OSError):
                stale = True
            if stale:
                await connection.disconnect()
                await connection.connect()  # type: ignore[no-untyped-call]
        except BaseException:
            await self.release(connection)
            raise
        return connection

    async def release(self, connection: Connection) -> None:  # type: ignore[override]
        """Take a connection back (a disconnected one reconnects on its next use)."""
        self._in_use_connections.discard(connection)
        self._available_connections.append(connection)


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

    On a plain redis:// pool: borrow a connection, write, read, give it back. The client's
    execute_command adds a retry wrapper, an observability hook and argument inspection to
    each command (about 15 µs a command, 32 commands at a time on one loop; a session read or
    create sends one);
    connections still fail, disconnect and time out exactly as there (those live in the
    connection). Cluster, TLS, unix-socket and embedded clients keep execute_command.
    """
    if (
        isinstance(redis, Redis)
        and not redis.single_connection_client
        and redis.connection_pool.connection_class is ReadTimeoutConnection
    ):
        return partial(_send_on_pool, redis.connection_pool)
    sender: CommandSender = redis.execute_command
    return sender


async def _send_on_pool(pool: ConnectionPool, *command: Any) -> Any:
    connection = await pool.get_connection()  # type: ignore[no-untyped-call]
    try:
        # A failed write or read disconnects the connection before raising (redis-py's own
        # handling); an error reply (NOSCRIPT, WRONGTYPE) raises and leaves it usable.
        packed = pack_text_command(command) or connection.pack_command(*command)
        await connection.send_packed_command(packed)
        return await connection.read_response()
    finally:
        await pool.release(connection)


def pack_text_command(command: tuple[Any, ...]) -> bytes | None:
    """The command in RESP when its name is one word and its arguments are str or int, else None.

    redis-py's pack_command checks each argument's type against its encoder's rules and
    splits multi-word command names: about 2.5 times the cost of this for a session insert.
    """
    name = command[0] if command else None
    if type(name) is not str or not (name.isascii() and name.isalpha()):
        return None  # redis-py splits a name at whitespace: "CONFIG GET" is two parts
    parts = [b"*%d\r\n" % len(command)]
    for argument in command:
        if type(argument) is str:
            data = argument.encode()
        elif type(argument) is int:
            data = b"%d" % argument
        else:
            return None
        parts.append(b"$%d\r\n%b\r\n" % (len(data), data))
    return b"".join(parts)


async def prepare_redis(redis: RedisClient) -> None:
    """Learn a cluster's slots before traffic arrives (concurrent first use races otherwise)."""
    if isinstance(redis, RedisCluster):
        try:
            await redis.initialize()
        except (RedisError, OSError) as exc:
            log.warning(
                "Redis Cluster not reachable at start (%s); retrying on use", type(exc).__name__
            )
