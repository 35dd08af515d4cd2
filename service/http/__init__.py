"""HTTP plumbing shared by api/ and web/: server, middleware, handlers, rendering, dependencies."""
