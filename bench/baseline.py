"""The bare stack the service is measured against: one Redis GET, one Lua compare-and-set.

Run by bench/run.py under the same uvicorn settings as the service.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from redis.asyncio import Redis

CAS = """
local current = redis.call('GET', KEYS[1])
local version = 0
if current then version = tonumber(string.match(current, '^(%d+):')) end
redis.call('SET', KEYS[1], (version + 1) .. ':' .. ARGV[1], 'PX', 60000)
return version + 1
"""

redis = Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
cas = redis.register_script(CAS)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    await redis.set("baseline:key", "1:" + "x" * 900)
    yield
    await redis.aclose()


app = FastAPI(lifespan=lifespan)


@app.get("/baseline/get")
async def read() -> Response:
    """One Redis GET."""
    value = await redis.get("baseline:key")
    return Response(value or "", media_type="application/json")


@app.post("/baseline/write")
async def write() -> Response:
    """One Lua compare-and-set."""
    version = await cas(keys=["baseline:cas"], args=['{"a": 1}'])
    return Response(f'{{"version": {version}}}', media_type="application/json")
