"""Exception handlers: every failure becomes a problem document (or an HTML page for browsers)."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.domain.states import TransitionRefused
from service.errors import (
    ConnectInvalidState,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ProblemError,
    StoreUnavailable,
    ValidationFailed,
)
from service.flows.records import refusal
from service.http.rendering import problem_response
from service.observability.metrics import Metrics
from service.security.crypto import DecryptionError

log = logging.getLogger("vehicle_connect")


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for item in exc.errors():
        location = [str(part) for part in item.get("loc", ()) if part != "body"]
        found.append({"field": ".".join(location) or "body", "message": str(item.get("msg"))})
    return found[:20]


def _allowed_methods(request: Request) -> list[str]:
    """Every documented method of this path (Starlette's Allow names only its first route's)."""
    path = request.url.path
    matches: list[tuple[int, set[str]]] = []
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            matches.append((template.count("{"), {method.upper() for method in operations}))
    if not matches:
        return []
    fewest = min(count for count, _ in matches)  # the most literal template wins, as routing does
    return sorted(set().union(*(methods for count, methods in matches if count == fewest)))


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc)


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    if any(item.get("type") == "json_invalid" for item in exc.errors()):
        detail = "The body is not valid JSON"
    else:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:3])
    return problem_response(request, ValidationFailed(detail, extra={"errors": errors}))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    error: ProblemError
    if exc.status_code == 404:
        error = NotFound(f"No route {request.url.path}")
    elif exc.status_code == 405:
        error = MethodNotAllowed(
            f"{request.method} is not allowed on {request.url.path}",
            headers={"Allow": ", ".join(_allowed_methods(request))},
        )
    elif exc.status_code == 413:
        error = PayloadTooLarge()
    elif exc.status_code == 400:
        error = ValidationFailed("The body could not be parsed")
    else:
        error = ValidationFailed(str(exc.detail))
        error.status = exc.status_code
    return problem_response(request, error)


async def _on_transition_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TransitionRefused)
    return problem_response(request, refusal(exc.status))


async def _on_store_error(request: Request, exc: Exception) -> Response:
    log.error("store unavailable: %s", type(exc).__name__)
    metrics: Metrics = request.app.state.metrics
    metrics.store_errors.labels(type(exc).__name__).inc()
    return problem_response(request, StoreUnavailable("The session store cannot be reached"))


async def _on_undecryptable(request: Request, exc: Exception) -> Response:
    log.warning("stored secret cannot be decrypted (was its ENCRYPTION_KEY removed?)")
    return problem_response(
        request,
        ConnectInvalidState(
            "What this connection stored can no longer be read; start the connection again."
        ),
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "?"
    # Only the type and place: messages and locals may carry tokens or codes.
    log.error("unhandled %s at %s", type(exc).__name__, where)
    return problem_response(request, ProblemError("An unexpected error occurred"))


def install_handlers(app: FastAPI, store_failures: tuple[type[Exception], ...]) -> None:
    """Register every handler on app; store_failures are answered 503 STORE_UNAVAILABLE."""
    handlers: dict[Any, Any] = {
        ProblemError: _on_problem,
        RequestValidationError: _on_validation,
        StarletteHTTPException: _on_http,
        TransitionRefused: _on_transition_refused,
        **dict.fromkeys(store_failures, _on_store_error),
        DecryptionError: _on_undecryptable,
        Exception: _on_unexpected,
    }
    for exc_class, handler in handlers.items():
        app.add_exception_handler(exc_class, handler)
