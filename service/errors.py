"""The error catalogue: one class per code, rendered as RFC 7807 problem documents.

    ProblemError                       every failure a client may see (status, code, title)
    +-- AuthTokenMissing / AuthTokenInvalid / AuthTokenExpired        401
    +-- Forbidden, ForbiddenOrigin, ConnectProviderNotAllowed         403
    +-- NotFound, ConnectSessionNotFound, ConnectedVehicleNotFound    404
    +-- MethodNotAllowed                                              405
    +-- ConnectVehicleNotPending / NotAuthorized / MultipleVehicles /
    |   VehicleLimitReached                                           409
    +-- ConnectSessionExpired                                         410
    +-- PayloadTooLarge                                               413
    +-- ValidationFailed, ConnectProviderNotSupportedForVehicle       422
    +-- ConnectInvalidAuthCode / InvalidState / InvalidIssuer         400
    +-- RateLimited                                                   429
    +-- ProviderError                                                 502
    +-- ProviderUnavailable, StoreUnavailable                         503
    +-- WebhookSignatureInvalid                                       401
    +-- ConnectAccessDenied                                 (session error)

`ConnectAccessDenied` (CONNECT_ACCESS_DENIED) is a session error only: the relay or callback that
carried the denial succeeded. Session errors (`session.error.code`) take their codes from these
classes too: no code is spelled anywhere else.
"""

from __future__ import annotations

from typing import Any

PROBLEM_TYPE_BASE = "https://vehicle-connect.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
JSON_MEDIA_TYPE = "application/json"


class ProblemError(Exception):
    """A failure with an HTTP status and a stable code."""

    status: int = 500
    code: str = "INTERNAL_ERROR"
    title: str = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers or {}
        self.extra = extra or {}

    def to_problem(self, instance: str) -> dict[str, Any]:
        """The RFC 7807 document for this error."""
        return {
            "type": PROBLEM_TYPE_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "code": self.code,
            **self.extra,
        }


class AuthTokenMissing(ProblemError):
    status, code, title = 401, "AUTH_TOKEN_MISSING", "Authentication token missing"


class AuthTokenInvalid(ProblemError):
    status, code, title = 401, "AUTH_TOKEN_INVALID", "The token you provided is invalid"


class AuthTokenExpired(ProblemError):
    status, code, title = 401, "AUTH_TOKEN_EXPIRED", "The token you provided is expired"


class Forbidden(ProblemError):
    status, code, title = 403, "FORBIDDEN", "Forbidden"


class ForbiddenOrigin(ProblemError):
    status, code, title = 403, "FORBIDDEN_ORIGIN", "This form was sent from another site"


class ValidationFailed(ProblemError):
    status, code, title = 422, "VALIDATION_FAILED", "The request is not valid"


class PayloadTooLarge(ProblemError):
    status, code, title = 413, "PAYLOAD_TOO_LARGE", "Request body too large"


class RateLimited(ProblemError):
    status, code, title = 429, "RATE_LIMITED", "Too many requests"


class NotFound(ProblemError):
    status, code, title = 404, "NOT_FOUND", "Not found"


class MethodNotAllowed(ProblemError):
    status, code, title = 405, "METHOD_NOT_ALLOWED", "Method not allowed"


class ConnectSessionNotFound(ProblemError):
    status, code, title = 404, "CONNECT_SESSION_NOT_FOUND", "The connect session was not found"


class ConnectedVehicleNotFound(ProblemError):
    status, code, title = 404, "CONNECTED_VEHICLE_NOT_FOUND", "The connected vehicle was not found"


class ConnectProviderNotAllowed(ProblemError):
    status, code, title = 403, "CONNECT_PROVIDER_NOT_ALLOWED", "Connect provider not allowed"


class ConnectProviderNotSupportedForVehicle(ProblemError):
    status, code = 422, "CONNECT_PROVIDER_NOT_SUPPORTED_FOR_VEHICLE"
    title = "The provider cannot be used for this vehicle"


class ConnectVehicleNotPending(ProblemError):
    status, code = 409, "CONNECT_VEHICLE_NOT_PENDING"
    title = "The connect session does not have status pending"


class ConnectVehicleNotAuthorized(ProblemError):
    status, code = 409, "CONNECT_VEHICLE_NOT_AUTHORIZED"
    title = "The vehicle does not seem to be authorized yet"


class ConnectMultipleVehiclesNotAllowed(ProblemError):
    status, code = 409, "CONNECT_MULTIPLE_VEHICLES_NOT_ALLOWED"
    title = "There is more than one vehicle on the vendor account"


class ConnectVehicleLimitReached(ProblemError):
    status, code, title = 409, "CONNECT_VEHICLE_LIMIT_REACHED", "Vehicle limit reached"


class ConnectInvalidAuthCode(ProblemError):
    status, code, title = 400, "CONNECT_INVALID_AUTH_CODE", "The provided auth code is not valid"


class ConnectInvalidState(ProblemError):
    status, code, title = 400, "CONNECT_INVALID_STATE", "The state is not valid for this session"


class ConnectInvalidIssuer(ProblemError):
    status, code, title = 400, "CONNECT_INVALID_ISSUER", "The issuer is not allowed"


class ConnectSessionExpired(ProblemError):
    status, code, title = 410, "CONNECT_SESSION_EXPIRED", "The connect session has expired"


class ProviderUnavailable(ProblemError):
    status, code, title = 503, "PROVIDER_UNAVAILABLE", "The provider is unavailable"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})


class ProviderError(ProblemError):
    status, code, title = 502, "PROVIDER_ERROR", "The provider answered with an error"


class WebhookSignatureInvalid(ProblemError):
    status, code, title = 401, "WEBHOOK_SIGNATURE_INVALID", "Webhook signature invalid"


class StoreUnavailable(ProblemError):
    status, code, title = 503, "STORE_UNAVAILABLE", "The session store is unavailable"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": "1"})


class ConnectAccessDenied(ProblemError):
    """A session error only: the relay or callback that carried the denial succeeded."""

    status, code, title = 403, "CONNECT_ACCESS_DENIED", "Access was denied at the provider"
