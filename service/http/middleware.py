"""ASGI middleware: correlation ids, JSON request logs, and the request body checks."""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import PROBLEM_MEDIA_TYPE, PayloadTooLarge, ProblemError, ValidationFailed
from service.http.json_depth import MAX_JSON_DEPTH, looks_like_json, nests_deeper_than
from service.observability.metrics import Metrics

log = logging.getLogger("vehicle_connect.access")

_CORRELATION_HEADERS = (b"jedlix-correlationid", b"x-request-id")
_CLIENT_NAME, _CLIENT_VERSION = b"jedlix-clientname", b"jedlix-clientversion"
MAX_CLIENT_SERIES = 100
"""Distinct (client name, version) pairs counted by name; later ones count as "other"."""
_MAX_ID_LENGTH = 128
_NO_STORE = (b"cache-control", b"no-store")


def _safe_id(value: bytes) -> bytes | None:
    text = value.decode("latin-1").strip()
    if 0 < len(text) <= _MAX_ID_LENGTH and all(c.isalnum() or c in "-_.:" for c in text):
        return text.encode()
    return None


def _sdk_client(headers: list[tuple[bytes, bytes]]) -> tuple[str, str] | None:
    """(name, version) from Jedlix-ClientName and Jedlix-ClientVersion, when the name is
    there and both are plain identifiers ("unknown" for a missing or odd version)."""
    found = dict(item for item in headers if item[0] in (_CLIENT_NAME, _CLIENT_VERSION))
    name = _safe_id(found.get(_CLIENT_NAME, b""))
    if name is None:
        return None
    version = _safe_id(found.get(_CLIENT_VERSION, b"")) or b"unknown"
    return name.decode(), version.decode()


class CorrelationMiddleware:
    """Echo Jedlix-CorrelationId / X-Request-Id (making an X-Request-Id), log each request with
    the SDK client that names itself (and count those by name and version), and mark responses
    `Cache-Control: no-store` unless they say otherwise."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self._metrics = metrics
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._clients: dict[tuple[str, str], Any] = {}
        # A request id is this process's random prefix and a counter (32 hex digits): unique
        # without asking the OS for randomness on every request.
        self._id_prefix = secrets.token_hex(8)
        self._id_counter = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one HTTP request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        echoed: list[tuple[bytes, bytes]] = []
        for name, value in scope["headers"]:
            if name in _CORRELATION_HEADERS and (safe := _safe_id(value)) is not None:
                echoed.append((name, safe))
        if not echoed:
            made = f"{self._id_prefix}{next(self._id_counter):016x}"
            echoed.append((b"x-request-id", made.encode()))
        correlation_id = echoed[0][1].decode()
        client = _sdk_client(scope["headers"])
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        started = time.perf_counter()
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), *echoed]
                # Responses carry sessions, page links and tokens: no cache keeps them unless
                # a route says otherwise.
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append(_NO_STORE)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self._record(scope["method"], route, status, elapsed, correlation_id, client)

    def _record(
        self,
        method: str,
        route: str,
        status: int,
        elapsed: float,
        cid: str,
        client: tuple[str, str] | None,
    ) -> None:
        series = self._series.get((method, route, status))
        if series is None:
            # Label lookups are cached: the routes, methods and statuses are a small set.
            series = (
                self._metrics.requests.labels(method, route, str(status)),
                self._metrics.request_seconds.labels(method, route),
            )
            self._series[(method, route, status)] = series
        series[0].inc()
        series[1].observe(elapsed)
        if client is not None:
            self._count_client(client)
        if log.isEnabledFor(logging.INFO):
            fields: dict[str, Any] = {
                "method": method,
                "route": route,
                "status": status,
                "durationMs": round(elapsed * 1000, 2),
                "correlationId": cid,
            }
            if client is not None:
                fields["clientName"], fields["clientVersion"] = client
            log.info("request", extra={"fields": fields})

    def _count_client(self, client: tuple[str, str]) -> None:
        counter = self._clients.get(client)
        if counter is None:
            labels = client if len(self._clients) < MAX_CLIENT_SERIES else ("other", "other")
            counter = self._metrics.sdk_requests.labels(*labels)
            if len(self._clients) < MAX_CLIENT_SERIES:
                self._clients[client] = counter
        counter.inc()


class RequestBodyMiddleware:
    """Refuse oversize bodies (413 PAYLOAD_TOO_LARGE) and over-nested JSON (422) up front.

    A declared Content-Length over the limit is refused before anything is read; any body is
    then read (at most the limit: the server never delivers more than it declares, a chunked
    body is counted) and, when it is JSON nesting deeper than MAX_JSON_DEPTH, refused before
    any handler or parser sees it. A parser recurses on nesting, so this holds for every
    route, webhooks included.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check Content-Length, read the body within the limit, check its nesting, replay it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = True
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _send_problem(scope, send, self._too_large())
            return
        if not chunked and (declared is None or declared == b"0"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await _send_problem(scope, send, self._too_large())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if looks_like_json(body) and nests_deeper_than(body):
            await _send_problem(
                scope,
                send,
                ValidationFailed(
                    f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels",
                    extra={"errors": [{"field": "body", "message": "nested too deeply"}]},
                ),
            )
            return
        buffered: Message = {"type": "http.request", "body": body, "more_body": False}
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return buffered
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"The request body is larger than {self.max_bytes} bytes")


async def _send_problem(scope: Scope, send: Send, error: ProblemError) -> None:
    body = json.dumps(error.to_problem(scope.get("path", ""))).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
