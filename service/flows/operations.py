"""What operators ask of a replica: is it ready, and its metrics."""

from __future__ import annotations

import hmac

from service.errors import AuthTokenInvalid, NotFound
from service.flows.context import FlowContext


class Operations:
    """Readiness and metrics."""

    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx

    async def ready(self) -> bool:
        """True when the store answers."""
        return await self._ctx.store.reachable()

    def metrics(self, authorization: str | None) -> bytes:
        """The metrics in the Prometheus text format, on the API port only behind METRICS_TOKEN.

        Without METRICS_TOKEN the API port has no /metrics (404): they are served on their own
        port (METRICS_PORT), which the public ingress does not reach.
        """
        token = self._ctx.settings.metrics_token
        if token is None:
            raise NotFound("The metrics are served on the metrics port")
        if not hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode()):
            raise AuthTokenInvalid("The metrics need the metrics token", headers=_CHALLENGE)
        return self._ctx.metrics.exposition()


_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="metrics"'}
