"""What operators ask of a replica: is it ready, and its metrics."""

from __future__ import annotations

from service.flows.context import FlowContext


class Operations:
    """Readiness and metrics."""

    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx

    async def ready(self) -> bool:
        """True when the store answers."""
        return await self._ctx.store.reachable()

    def metrics(self) -> bytes:
        """The metrics in the Prometheus text format."""
        return self._ctx.metrics.exposition()
