"""Use cases: create, start, relay, callback, authorize, choose, cancel, expire."""
