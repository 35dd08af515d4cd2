"""Lua scripts: every change of a session is one atomic compare-and-set on its version.

A session record is the string `<version>:<json>`; version 0 means "absent".
"""

from __future__ import annotations

_READ_VERSION = """
local current = redis.call('GET', KEYS[1])
local version = 0
if current then version = tonumber(string.match(current, '^(%d+):')) end
if version ~= tonumber(ARGV[1]) then return -1 end
local next_version = version + 1
"""

# Gives the completion lease back (KEYS[2] / ARGV[last]) when the write happened: a completion
# commits its outcome and frees the lease in one step.
_RELEASE_LEASE = """
if KEYS[2] and redis.call('GET', KEYS[2]) == ARGV[#ARGV] then redis.call('DEL', KEYS[2]) end
"""

# KEYS: session[, lease]; ARGV: expected version, json, ttl ms[, lease holder]
# Returns the new version, or -1 when the version moved (nothing written, nothing released).
SAVE_SESSION = (
    _READ_VERSION
    + """
redis.call('SET', KEYS[1], next_version .. ':' .. ARGV[2], 'PX', ARGV[3])
"""
    + _RELEASE_LEASE
    + """
return next_version
"""
)

# KEYS: session, index, active vehicles, open index
# ARGV: json, ttl ms, created ms, id, index ttl ms, vehicle limit (0: none), index cutoff ms
# Returns {0, entries of the open index} when stored (version 1), {-1, 0} when the id is taken,
# else {the user's count of connected vehicles, which has reached the limit, 0}. Index entries
# created before the cutoff belong to records that have expired for sure: they are trimmed.
INSERT_SESSION = """
local limit = tonumber(ARGV[6])
if limit > 0 then
  local active = redis.call('SCARD', KEYS[3])
  if active >= limit then return {active, 0} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {-1, 0} end
redis.call('SET', KEYS[1], '1:' .. ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[7])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[4])
for _, index in ipairs({KEYS[2], KEYS[4]}) do
  if redis.call('PTTL', index) < tonumber(ARGV[5]) then
    redis.call('PEXPIRE', index, ARGV[5])
  end
end
return {0, redis.call('ZCARD', KEYS[4])}
"""

# KEYS: session, lease, vehicles; ARGV: lease holder ('' to take no lease), lease ms
# The session record with the user's vehicles, and the completion lease taken in the same step
# when the session waits for its provider: {record or '', 1 taken | 0 held by another |
# -1 not asked (no holder, or the session does not wait), vehicles as HGETALL gives them}.
READ_FOR_COMPLETION = """
local current = redis.call('GET', KEYS[1])
if not current then return {'', -1, {}} end
local claimed = -1
if ARGV[1] ~= '' then
  local body = cjson.decode(string.sub(current, string.find(current, ':', 1, true) + 1))
  if body.status == 'awaiting_external' then
    claimed = 0
    if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then claimed = 1 end
  end
end
return {current, claimed, redis.call('HGETALL', KEYS[3])}
"""

# KEYS: session, lease, vehicles, active, credentials
# ARGV: expected version, authorized json, ttl ms, vehicle id, vehicle json, credentials,
#       vehicle limit, refused json (the session failed for the limit), the vehicle as read
#       ('' for none), lease holder
# Returns {new version, 1 bound | 0 refused}; -1 when the session moved, -2 when the vehicle
# did (nothing written). A write gives the lease back.
BIND_VEHICLE = (
    _READ_VERSION
    + """
local vehicle_id = ARGV[4]
if (redis.call('HGET', KEYS[3], vehicle_id) or '') ~= ARGV[9] then return -2 end
if redis.call('SISMEMBER', KEYS[4], vehicle_id) == 0
    and redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[7]) then
  redis.call('SET', KEYS[1], next_version .. ':' .. ARGV[8], 'PX', ARGV[3])
"""
    + _RELEASE_LEASE
    + """
  return {next_version, 0}
end
redis.call('HSET', KEYS[3], vehicle_id, ARGV[5])
redis.call('SADD', KEYS[4], vehicle_id)
redis.call('HSET', KEYS[5], vehicle_id, ARGV[6])
redis.call('SET', KEYS[1], next_version .. ':' .. ARGV[2], 'PX', ARGV[3])
"""
    + _RELEASE_LEASE
    + """
return {next_version, 1}
"""
)

# KEYS: vehicles, active, credentials; ARGV: vehicle id, expected json, new json, 1 to disconnect
# Returns 1 when written, 0 when the stored vehicle changed meanwhile.
UPDATE_VEHICLE = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] == '1' then
  redis.call('SREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
end
return 1
"""

# KEYS: claim; ARGV: owner. Deletes the lease only if this owner holds it.
# KEYS: lease; ARGV: holder, ttl ms. Extends the lease while holder still holds it.
RENEW_CLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

RELEASE_CLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: sandbox code. Counts redemptions; returns {count, cars, redirect uri, account} or nil.
REDEEM_SANDBOX_CODE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local count = redis.call('HINCRBY', KEYS[1], 'redeemed', 1)
local fields = redis.call('HMGET', KEYS[1], 'cars', 'redirect_uri', 'account')
return {count, fields[1], fields[2], fields[3]}
"""

# KEYS: hash; ARGV: field, expected value, new value. Returns 1 when swapped, 0 otherwise.
SWAP_HASH_FIELD = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""

# KEYS: counter; ARGV: window seconds. Returns {count in this window, ttl seconds}.
COUNT_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""
