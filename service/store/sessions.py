"""Session repository: versioned records, the per-user index, claims and vehicle binding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache

from service.domain.models import Owner, Session, Vehicle, utcnow
from service.metrics import TRANSITIONS
from service.store import keys, scripts
from service.store.connection import RedisClient, command_sender
from service.store.lua import LuaScript


@dataclass(frozen=True)
class Versioned:
    """A session with the version it was read at."""

    session: Session
    version: int


class Claim(Enum):
    """What asking for a session's exchange lease gave."""

    TAKEN = 1
    HELD = 0
    MOVED = -1


class SessionRepository:
    """Reads and atomically writes sessions of one store."""

    def __init__(self, redis: RedisClient, retention_seconds: int) -> None:
        self._redis = redis
        self._send = command_sender(redis)
        self._retention_ms = retention_seconds * 1000
        self._insert = LuaScript(redis, scripts.INSERT_SESSION)
        self._save = LuaScript(redis, scripts.SAVE_SESSION)
        self._bind = LuaScript(redis, scripts.BIND_VEHICLE)
        self._claim = LuaScript(redis, scripts.CLAIM_AT_VERSION)
        self._release = LuaScript(redis, scripts.RELEASE_CLAIM)

    def _ttl_ms(self, session: Session, now: datetime) -> int:
        if session.is_finished:
            return self._retention_ms
        remaining = int((session.expires_at - now).total_seconds() * 1000)
        return max(remaining, 0) + self._retention_ms

    async def insert(self, session: Session, vehicle_limit: int) -> Versioned | int:
        """Store a new session (version 1) and index it under its user, in one step.

        With a vehicle limit (0: none) nothing is stored when the user already has that many
        connected vehicles: the answer is then their count.
        """
        ttl_ms = self._ttl_ms(session, session.updated_at)  # a new session: made just now
        owner = session.owner
        outcome = int(
            await self._insert(
                keys=[
                    keys.session_key(owner, session.id),
                    keys.session_index_key(owner),
                    keys.active_vehicles_key(owner),
                ],
                args=[
                    session.dump(),
                    ttl_ms,
                    int(session.created_at.timestamp() * 1000),
                    session.id,
                    ttl_ms,
                    vehicle_limit,
                ],
            )
        )
        if outcome > 0:
            return outcome
        if outcome < 0:
            raise RuntimeError("session id collision")
        return Versioned(session, 1)

    async def get(self, owner: Owner, session_id: str) -> Versioned | None:
        """The stored session, or None."""
        raw = await self._send("GET", keys.session_key(owner, session_id))
        return _parse(raw) if raw else None

    async def replace(self, current: Versioned, new: Session) -> Versioned | None:
        """Write new if the record is still at current's version; None when it moved."""
        version = await self._save(
            keys=[keys.session_key(new.owner, new.id)],
            args=[current.version, new.dump(), self._ttl_ms(new, utcnow())],
        )
        if int(version) < 0:
            return None
        _count_transition(current.session, new)
        return Versioned(new, int(version))

    async def bind_vehicle(
        self,
        current: Versioned,
        authorized: Session,
        refused: Session,
        vehicle: Vehicle,
        credentials: str,
        limit: int,
    ) -> tuple[Versioned, bool] | None:
        """Authorize and store the vehicle in one step, or fail for the limit; None if stale."""
        owner = authorized.owner
        result = await self._bind(
            keys=[
                keys.session_key(owner, authorized.id),
                keys.vehicles_key(owner),
                keys.active_vehicles_key(owner),
                keys.credentials_key(owner),
            ],
            args=[
                current.version,
                authorized.dump(),
                self._ttl_ms(authorized, utcnow()),
                vehicle.id,
                vehicle.dump(),
                credentials,
                limit,
                refused.dump(),
            ],
        )
        if not isinstance(result, list):
            return None
        version, bound = int(result[0]), int(result[1]) == 1
        saved = authorized if bound else refused
        _count_transition(current.session, saved)
        return Versioned(saved, version), bound

    async def list_ids(self, owner: Owner) -> list[str]:
        """The user's session ids, newest first."""
        ids: list[str] = await self._redis.zrevrange(keys.session_index_key(owner), 0, -1)
        return ids

    async def get_many(self, owner: Owner, session_ids: list[str]) -> list[Versioned]:
        """Sessions by id, in order; ids whose record expired leave the index."""
        if not session_ids:
            return []
        raws = await self._redis.mget([keys.session_key(owner, sid) for sid in session_ids])
        gone = [sid for sid, raw in zip(session_ids, raws, strict=True) if raw is None]
        if gone:
            await self._redis.zrem(keys.session_index_key(owner), *gone)
        return [_parse(raw) for raw in raws if raw is not None]

    async def claim(self, current: Versioned, holder: str, ttl_ms: int) -> Claim:
        """Take the session's exchange lease if it is free and the session still at current.

        TAKEN means nobody wrote the session since current was read, so current is what the
        holder works from; MOVED means read it again (nothing was taken).
        """
        owner, session_id = current.session.owner, current.session.id
        answer = await self._claim(
            keys=[keys.session_key(owner, session_id), keys.claim_key(owner, session_id)],
            args=[current.version, holder, ttl_ms],
        )
        return Claim(int(answer))

    async def release(self, owner: Owner, session_id: str, holder: str) -> None:
        """Give the lease back if holder still holds it."""
        await self._release(keys=[keys.claim_key(owner, session_id)], args=[holder])


def _count_transition(before: Session, after: Session) -> None:
    """Count the transition a save made, if it made one."""
    if after.history and (not before.history or after.history[-1] != before.history[-1]):
        entry = after.history[-1]
        provider = after.provider.value if after.provider else "none"
        TRANSITIONS.labels(provider, entry.from_.value, entry.to.value).inc()


@lru_cache(maxsize=2048)
def _parse(raw: str) -> Versioned:
    """A stored record, parsed once per distinct record (records are immutable values)."""
    version, _, body = raw.partition(":")
    return Versioned(Session.model_validate_json(body), int(version))
