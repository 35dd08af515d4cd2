"""The store's Lua scripts, run by digest (EVALSHA) and loaded on the first NOSCRIPT."""

from __future__ import annotations

import hashlib
from typing import Any

from redis.exceptions import NoScriptError

from service.store.connection import RedisClient


class LuaScript:
    """One script bound to a client, sent as EVALSHA and loaded when the server lacks it.

    The server forgets scripts on a restart, a fail-over or SCRIPT FLUSH; the first NOSCRIPT
    loads the script and sends it again.
    """

    def __init__(self, redis: RedisClient, source: str) -> None:
        self._redis = redis
        self._source = source
        self._digest = hashlib.sha1(source.encode()).hexdigest()  # noqa: S324 - Redis's script id

    @property
    def digest(self) -> str:
        """The script's SHA1, as SCRIPT LOAD and EVALSHA name it."""
        return self._digest

    async def __call__(self, keys: list[str], args: list[Any]) -> Any:
        """Run the script on keys with args; its reply as Redis gave it."""
        try:
            return await self._redis.evalsha(self._digest, len(keys), *keys, *args)
        except NoScriptError:
            await self._redis.script_load(self._source)
            return await self._redis.evalsha(self._digest, len(keys), *keys, *args)
