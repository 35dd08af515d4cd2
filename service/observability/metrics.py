"""Prometheus metrics: requests (and the SDK clients that sent them), session transitions,
provider calls, webhooks, store errors."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

METRICS_MEDIA_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """The service's metrics, in a registry of their own (one per app, none shared)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "vehicle_connect_http_requests_total",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "vehicle_connect_http_request_duration_seconds",
            "HTTP request latency by method and route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.transitions = Counter(
            "vehicle_connect_session_transitions_total",
            "Session transitions by provider, source and destination state",
            ["provider", "from_state", "to_state"],
            registry=self.registry,
        )
        self.provider_call_seconds = Histogram(
            "vehicle_connect_provider_call_duration_seconds",
            "Provider call latency by provider and outcome",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.webhooks = Counter(
            "vehicle_connect_webhook_deliveries_total",
            "Webhook deliveries by provider and outcome",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.sdk_requests = Counter(
            "vehicle_connect_sdk_requests_total",
            "Requests that name their client (Jedlix-ClientName, Jedlix-ClientVersion)",
            ["client_name", "client_version"],
            registry=self.registry,
        )
        self.store_errors = Counter(
            "vehicle_connect_store_errors_total",
            "Requests that failed because the store could not be reached, by error type",
            ["error"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The metrics in the Prometheus text format."""
        return generate_latest(self.registry)
