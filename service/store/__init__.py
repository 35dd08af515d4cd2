"""Redis repository: keys, Lua compare-and-set, TTLs, and the embedded fallback."""
