"""Prometheus metrics: requests, session transitions, provider calls, webhooks, store errors."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter(
    "vehicle_connect_http_requests_total",
    "HTTP requests by method, route template and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "vehicle_connect_http_request_duration_seconds",
    "HTTP request latency by method and route template",
    ["method", "route"],
)
TRANSITIONS = Counter(
    "vehicle_connect_session_transitions_total",
    "Session transitions by provider, source and destination state",
    ["provider", "from_state", "to_state"],
)
PROVIDER_CALL_SECONDS = Histogram(
    "vehicle_connect_provider_call_duration_seconds",
    "Provider call latency by provider and outcome",
    ["provider", "outcome"],
)
WEBHOOKS = Counter(
    "vehicle_connect_webhook_deliveries_total",
    "Webhook deliveries by provider and outcome",
    ["provider", "outcome"],
)
STORE_ERRORS = Counter(
    "vehicle_connect_store_errors_total",
    "Requests that failed because the store could not be reached, by error type",
    ["error"],
)

METRICS_MEDIA_TYPE = CONTENT_TYPE_LATEST


def exposition() -> bytes:
    """The metrics in the Prometheus text format."""
    return generate_latest()
