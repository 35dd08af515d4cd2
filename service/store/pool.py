"""The service's pool of Redis connections: lean lending, reads bounded by one timer a pool."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from redis.asyncio import Connection, ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class ReadDeadlines:
    """Bounds the reads of a pool's connections with one repeating timer, not one per read.

    asyncio.timeout arms and cancels a loop timer around every read (about a tenth of a
    session read's CPU in the bench's profile). Here a read notes its deadline; while any read
    is pending a check runs every quarter of the timeout and cancels the tasks whose deadline
    passed, so a read is bounded by 1 to 1.25 times the timeout.
    """

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._interval = max(timeout_seconds / 4, 0.01)
        self._pending: dict[Connection, tuple[asyncio.Task[Any], float]] = {}
        self._expired: set[Connection] = set()
        self._timer: asyncio.TimerHandle | None = None

    def start(self, connection: Connection, task: asyncio.Task[Any]) -> None:
        """Note that task now waits on connection's reply."""
        loop = asyncio.get_running_loop()
        self._pending[connection] = (task, loop.time() + self.timeout_seconds)
        if self._timer is None:
            self._timer = loop.call_later(self._interval, self._check)

    def stop(self, connection: Connection) -> bool:
        """The read ended; whether it ended because its deadline passed."""
        self._pending.pop(connection, None)
        if connection in self._expired:
            self._expired.discard(connection)
            return True
        return False

    def _check(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        for connection, (task, deadline) in list(self._pending.items()):
            if deadline <= now:
                del self._pending[connection]
                self._expired.add(connection)
                task.cancel()
        self._timer = loop.call_later(self._interval, self._check) if self._pending else None


class ReadTimeoutConnection(Connection):
    """A connection whose reads are bounded by socket_timeout and whose writes run without a timer.

    redis-py bounds each write with asyncio.wait_for, a task per command (a sixth of a session
    read in the bench's profile). A hung server cannot block a write of a command (the kernel
    buffers it); it shows on the read, which stays bounded, as do connecting and health checks.
    In a LeanConnectionPool the pool's ReadDeadlines bound the reads.
    """

    read_deadlines: ReadDeadlines | None = None

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

    async def read_response(
        self,
        disable_decoding: bool = False,
        timeout: float | None = None,  # noqa: ASYNC109 - redis-py's signature
        *,
        disconnect_on_error: bool = True,
        push_request: bool | None = False,
    ) -> Any:
        """One reply; past the deadline TimeoutError, the connection closed (as redis-py does)."""
        deadlines, task = self.read_deadlines, asyncio.current_task()
        if timeout is not None or deadlines is None or task is None:
            return await super().read_response(
                disable_decoding,
                timeout,
                disconnect_on_error=disconnect_on_error,
                push_request=push_request,
            )
        deadlines.start(self, task)
        try:
            # math.inf: no timer of redis-py's own. Cancelled (by the deadline or otherwise),
            # redis-py's read closes the connection before the cancellation leaves it.
            return await super().read_response(
                disable_decoding,
                math.inf,
                disconnect_on_error=disconnect_on_error,
                push_request=push_request,
            )
        except asyncio.CancelledError:
            if deadlines.stop(self) and task.uncancel() == 0:
                raise RedisTimeoutError(f"Timeout reading from {self._host_error()}") from None
            raise
        finally:
            deadlines.stop(self)


class LeanConnectionPool(ConnectionPool):
    """A pool that lends and takes back connections without redis-py's per-command bookkeeping.

    redis-py's pool takes a lock, records observability counters and dispatches an event on
    every get and release: about 25 µs of a command's CPU, 32 commands at a time on one loop.
    None of it is needed here: one event loop owns the pool and nothing awaits between taking a
    connection and marking it in use; the service uses no pub/sub, pipelines, credential
    providers or maintenance notifications (the event's and the counters' users). What stays is
    the check that a lent connection is clean: one the server closed reconnects first.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        timeout = self.connection_kwargs.get("socket_timeout")
        self._read_deadlines = ReadDeadlines(timeout) if timeout else None

    def make_connection(self) -> Connection:
        """A new connection, its reads bounded by this pool's deadlines."""
        connection: Connection = super().make_connection()  # type: ignore[no-untyped-call]
        if isinstance(connection, ReadTimeoutConnection):
            connection.read_deadlines = self._read_deadlines
        return connection

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

    async def send(self, *command: Any) -> Any:
        """Send one command on a lent connection and answer its reply (no parsing callback).

        Redis.execute_command adds a retry wrapper, an observability hook and argument
        inspection to each command (about 15 µs a command, 32 at a time on one loop).
        Connections fail, disconnect and time out exactly as there: a failed write or read
        closes the connection before raising; an error reply (NOSCRIPT) leaves it usable.
        """
        connection = await self.get_connection()
        try:
            packed = pack_text_command(command) or connection.pack_command(*command)
            await connection.send_packed_command(packed)
            return await connection.read_response()
        finally:
            await self.release(connection)


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
