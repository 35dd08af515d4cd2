"""Session repository: versioned records, the per-user index, the completion lease, binding."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from service.config import MAX_SESSION_TTL_SECONDS
from service.domain.models import Owner, Session, Vehicle, Versioned, utcnow
from service.domain.paging import Cursor
from service.store import keys, scripts
from service.store.connection import RedisClient
from service.store.lua import LuaScript

PARSED_RECORDS = 2048
"""Parsed records kept per repository (an app polling its session reads the same one often)."""


class Lease(Enum):
    """What asking for a session's completion lease gave."""

    TAKEN = 1
    HELD = 0
    """Another request holds it."""
    NOT_ASKED = -1
    """No holder was named, or the session does not wait for its provider."""


@dataclass(frozen=True)
class CompletionRead:
    """A session read to complete its leg: the record, the lease, the user's vehicles."""

    current: Versioned | None
    lease: Lease
    vehicles: dict[str, str] = field(default_factory=dict)
    """Vehicle id -> the stored JSON, as read in the same step."""

    def vehicle(self, vehicle_id: str) -> Vehicle | None:
        """The user's vehicle with this id as read, or None."""
        raw = self.vehicles.get(vehicle_id)
        return Vehicle.model_validate_json(raw) if raw else None


@dataclass(frozen=True)
class Inserted:
    """A new session as stored, and how many of the user's sessions may still be open."""

    stored: Versioned
    open_count: int


class SessionRepository:
    """Reads and atomically writes sessions of one store."""

    def __init__(self, redis: RedisClient, retention_seconds: int) -> None:
        self._redis = redis
        self._retention_ms = retention_seconds * 1000
        self._insert = LuaScript(redis, scripts.INSERT_SESSION)
        self._save = LuaScript(redis, scripts.SAVE_SESSION)
        self._bind = LuaScript(redis, scripts.BIND_VEHICLE)
        self._read_for_completion = LuaScript(redis, scripts.READ_FOR_COMPLETION)
        self._release = LuaScript(redis, scripts.RELEASE_CLAIM)
        self._renew = LuaScript(redis, scripts.RENEW_CLAIM)
        self._parsed: dict[str, Versioned] = {}

    def _ttl_ms(self, session: Session, now: datetime) -> int:
        if session.is_finished:
            return self._retention_ms
        remaining = int((session.expires_at - now).total_seconds() * 1000)
        return max(remaining, 0) + self._retention_ms

    async def insert(self, session: Session, vehicle_limit: int) -> Inserted | int:
        """Store a new session (version 1) and index it under its user, in one step.

        With a vehicle limit (0: none) nothing is stored when the user already has that many
        connected vehicles: the answer is then their count. The user's index loses entries
        whose records have certainly expired.
        """
        ttl_ms = self._ttl_ms(session, session.updated_at)  # a new session: made just now
        owner = session.owner
        created_ms = int(session.created_at.timestamp() * 1000)
        cutoff_ms = created_ms - MAX_SESSION_TTL_SECONDS * 1000 - self._retention_ms
        result, open_count = await self._insert(
            keys=[
                keys.session_key(owner, session.id),
                keys.session_index_key(owner),
                keys.active_vehicles_key(owner),
                keys.open_sessions_key(owner),
            ],
            args=[session.dump(), ttl_ms, created_ms, session.id, ttl_ms, vehicle_limit, cutoff_ms],
        )
        outcome = int(result)
        if outcome > 0:
            return outcome
        if outcome < 0:
            raise RuntimeError("session id collision")
        return Inserted(Versioned(session, 1), int(open_count))

    async def open_sessions(self, owner: Owner) -> list[Versioned]:
        """The user's open sessions, oldest first; finished or expired ones leave the index."""
        now = utcnow()
        key = keys.open_sessions_key(owner)
        ids: list[str] = await self._redis.zrange(key, 0, -1)
        if not ids:
            return []
        raws = await self._redis.mget([keys.session_key(owner, sid) for sid in ids])
        found: list[Versioned] = []
        gone: list[str] = []
        for sid, raw in zip(ids, raws, strict=True):
            current = self._parse(raw) if raw else None
            if (
                current is None
                or current.session.is_finished
                or current.session.is_past_expiry(now)
            ):
                gone.append(sid)
            else:
                found.append(current)
        if gone:
            await self._redis.zrem(key, *gone)
        return found

    async def get(self, owner: Owner, session_id: str) -> Versioned | None:
        """The stored session, or None."""
        raw = await self._redis.get(keys.session_key(owner, session_id))
        return self._parse(raw) if raw else None

    async def read_for_completion(
        self, owner: Owner, session_id: str, holder: str | None, lease_ms: int
    ) -> CompletionRead:
        """The session and the user's vehicles; with a holder, the lease taken in the same step.

        The lease is taken only while the session waits for its provider, so a finished
        session (a replay) costs this one step and leaves no lease behind.
        """
        raw, lease, flat = await self._read_for_completion(
            keys=[
                keys.session_key(owner, session_id),
                keys.claim_key(owner, session_id),
                keys.vehicles_key(owner),
            ],
            args=[holder or "", lease_ms],
        )
        vehicles = {str(flat[i]): str(flat[i + 1]) for i in range(0, len(flat), 2)}
        return CompletionRead(self._parse(raw) if raw else None, Lease(int(lease)), vehicles)

    async def replace(
        self, current: Versioned, new: Session, *, release: str | None = None
    ) -> Versioned | None:
        """Write new if the record is still at current's version; None when it moved.

        `release` names a lease holder whose lease the write gives back in the same step.
        """
        owner = new.owner
        session_keys = [keys.session_key(owner, new.id)]
        args: list[object] = [current.version, new.dump(), self._ttl_ms(new, utcnow())]
        if release is not None:
            session_keys.append(keys.claim_key(owner, new.id))
            args.append(release)
        version = int(await self._save(keys=session_keys, args=args))
        return None if version < 0 else Versioned(new, version)

    async def bind_vehicle(
        self,
        current: Versioned,
        authorized: Session,
        refused: Session,
        vehicle: Vehicle,
        credentials: str,
        limit: int,
        *,
        vehicle_as_read: Vehicle | None,
        release: str,
    ) -> tuple[Versioned, bool] | None:
        """Authorize and store the vehicle in one step, or fail for the limit; None if stale.

        Stale: the session moved, or the vehicle is no longer what was read. A write gives
        the lease of `release` back.
        """
        owner = authorized.owner
        result = await self._bind(
            keys=[
                keys.session_key(owner, authorized.id),
                keys.claim_key(owner, authorized.id),
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
                vehicle_as_read.dump() if vehicle_as_read is not None else "",
                release,
            ],
        )
        if not isinstance(result, list):
            return None
        version, bound = int(result[0]), int(result[1]) == 1
        return Versioned(authorized if bound else refused, version), bound

    async def page_ids(self, owner: Owner, before: Cursor | None, count: int) -> list[Cursor]:
        """Up to `count` of the user's sessions (id and creation ms), newest first, after
        `before` in that order (ties of one millisecond go by id, descending)."""
        key = keys.session_index_key(owner)
        top: str | int = "+inf" if before is None else before.position
        found: list[Cursor] = []
        offset = 0
        while True:
            batch: list[tuple[str, float]] = await self._redis.zrevrangebyscore(
                key, top, "-inf", start=offset, num=count, withscores=True
            )
            for member, score in batch:
                here = Cursor(int(score), member)
                if before is None or here < before:
                    found.append(here)
            if len(found) >= count or len(batch) < count:
                return found[:count]
            offset += len(batch)

    async def get_many(self, owner: Owner, session_ids: list[str]) -> list[Versioned]:
        """Sessions by id, in order; ids whose record expired leave the index."""
        if not session_ids:
            return []
        raws = await self._redis.mget([keys.session_key(owner, sid) for sid in session_ids])
        gone = [sid for sid, raw in zip(session_ids, raws, strict=True) if raw is None]
        if gone:
            await self._redis.zrem(keys.session_index_key(owner), *gone)
        return [self._parse(raw) for raw in raws if raw is not None]

    async def renew(self, owner: Owner, session_id: str, holder: str, lease_ms: int) -> bool:
        """Extend the lease while holder still holds it; False when it is no longer theirs."""
        renewed = await self._renew(
            keys=[keys.claim_key(owner, session_id)], args=[holder, lease_ms]
        )
        return int(renewed) == 1

    async def release(self, owner: Owner, session_id: str, holder: str) -> None:
        """Give the lease back if holder still holds it."""
        await self._release(keys=[keys.claim_key(owner, session_id)], args=[holder])

    def _parse(self, raw: str) -> Versioned:
        """A stored record, parsed once per distinct record (records are immutable values)."""
        parsed = self._parsed.get(raw)
        if parsed is None:
            version, _, body = raw.partition(":")
            parsed = Versioned(Session.model_validate_json(body), int(version))
            if len(self._parsed) >= PARSED_RECORDS:
                del self._parsed[next(iter(self._parsed))]
            self._parsed[raw] = parsed
        return parsed
