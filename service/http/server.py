"""The HTTP server: uvicorn with the service's own logging, and the collector tuned for it."""

from __future__ import annotations

import gc

import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, start_http_server

GC_YOUNG_THRESHOLD = 20_000
"""Net new objects that start a collection of the youngest generation."""


def serve(
    app: FastAPI,
    host: str,
    port: int,
    metrics_port: int,
    metrics: CollectorRegistry,
    forwarded_allow_ips: str | None,
) -> None:
    """Run app until stopped (logging is configured by the caller).

    X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies that
    forwarded_allow_ips names (FORWARDED_ALLOW_IPS: addresses, networks or `*`); unset, from
    none, loopback included, so a client cannot choose the address its rate limit counts.

    The metrics are served on metrics_port (0: not at all) by prometheus_client's own exporter
    thread, on the same host address. A request uvicorn cannot parse (an oversize request
    line, say) is answered by uvicorn itself with a plain-text 400 before any route runs.
    """
    if metrics_port:
        start_http_server(metrics_port, addr=host, registry=metrics)
    # The app's long-lived objects (routes, schemas, models) leave the collector's view: a full
    # collection then scans only what requests make, which kept pauses out of the bench's p99.
    gc.freeze()
    # A request's objects die by reference count, but 32 requests in flight hold more than the
    # default 700 young objects between them: the youngest generation was collected every
    # seventh request or so, each time scanning live requests and freeing next to nothing
    # (a twentieth of create's time in the bench). Cycles are still collected, once
    # GC_YOUNG_THRESHOLD objects have piled up.
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        server_header=False,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
    )
