"""The bare stack the service is measured against: one Redis GET, one Lua compare-and-set.

Run by bench/run.py under the same uvicorn settings as the service. A third route is the
FastAPI form of the service's session read doing no work of its own (one bearer security
dependency resolving the path's user, a second length-checked path parameter, one Redis
GET): the bench prints what that form alone costs against the bare GET, the ceiling for any
route written that way.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Path, Request, Response, Security
from fastapi.security import HTTPBearer
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


class PathUserBearer(HTTPBearer):
    """The bearer scheme resolving to the path's user, as the service's user routes declare it."""

    async def __call__(  # type: ignore[override]
        self,
        request: Request,
        user_id: Annotated[str, Path(alias="userId", min_length=1, max_length=128)],
    ) -> str:
        """The user of the path (no token check: only the form's own price is measured)."""
        return user_id


PATH_USER = PathUserBearer(auto_error=False)


@app.get("/baseline/idiom/users/{userId}/sessions/{sessionId}")
async def idiom(
    user: Annotated[str, Security(PATH_USER)],
    session_id: Annotated[str, Path(alias="sessionId", min_length=1, max_length=64)],
) -> Response:
    """One Redis GET behind one security dependency and two checked path parameters."""
    value = await redis.get("baseline:key")
    return Response(value or "", media_type="application/json")
