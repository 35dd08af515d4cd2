"""Connect session endpoints (Jedlix Connect compatible)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response

from service.api.examples import (
    AUTHORIZED_SESSION,
    CHOICE_SESSION,
    PENDING_SESSION,
    RELAY_REQUEST,
    TESLA_SESSION,
    json_examples,
)
from service.api.present import PresenterDep
from service.api.responses import USER_ROUTE_ERRORS, problems
from service.api.schemas import (
    AuthorizeRequest,
    ConnectSessionOut,
    CreateSessionRequest,
    ReconnectRequest,
    RelayRequest,
)
from service.domain.states import SessionStatus
from service.errors import (
    ConnectedVehicleNotFound,
    ConnectInvalidAuthCode,
    ConnectInvalidIssuer,
    ConnectInvalidState,
    ConnectMultipleVehiclesNotAllowed,
    ConnectProviderNotAllowed,
    ConnectProviderNotSupportedForVehicle,
    ConnectSessionExpired,
    ConnectSessionNotFound,
    ConnectVehicleLimitReached,
    ConnectVehicleNotAuthorized,
    ConnectVehicleNotPending,
    PayloadTooLarge,
    ProviderError,
    ProviderUnavailable,
)
from service.flows.sessions import SessionRequest
from service.http.dependencies import OwnerDep, UseCasesDep

router = APIRouter(prefix="/api/v1/users/{userId}", tags=["connect sessions"])

SESSION_ID_MAX_LENGTH = 64
SessionId = Annotated[str, Path(alias="sessionId", min_length=1, max_length=SESSION_ID_MAX_LENGTH)]


@router.post(
    "/vehicles/connect-sessions",
    status_code=201,
    response_model=ConnectSessionOut,
    operation_id="createConnectSession",
    summary="Create a connect session",
    responses=problems(
        *USER_ROUTE_ERRORS,
        PayloadTooLarge,
        ConnectProviderNotAllowed,
        ConnectProviderNotSupportedForVehicle,
        ConnectVehicleLimitReached,
        ProviderUnavailable,
        ProviderError,
    )
    | json_examples(201, jedlix=PENDING_SESSION, tesla=TESLA_SESSION),
)
async def create_connect_session(
    flows: UseCasesDep,
    owner: OwnerDep,
    present: PresenterDep,
    body: Annotated[
        CreateSessionRequest | None,
        Body(
            openapi_examples={
                "jedlix": {"summary": "What the Jedlix SDK sends", "value": {}},
                "tesla": {"summary": "Straight to Tesla", "value": {"provider": "tesla"}},
            }
        ),
    ] = None,
) -> Response:
    """Create a session; with a provider the external leg starts at once."""
    request = body or CreateSessionRequest()
    session = await flows.sessions.create(
        owner,
        SessionRequest(
            provider=request.provider,
            vehicle_profile_id=request.vehicle_profile_id,
            vin=request.vin,
            label=request.label,
            scopes=list(request.scopes),
            redirect_uri=request.redirect_uri,
            language=request.language,
        ),
    )
    return present.session(session, 201)


@router.post(
    "/vehicles/{vehicleId}/connect-sessions",
    status_code=201,
    response_model=ConnectSessionOut,
    operation_id="reconnectVehicle",
    summary="Re-connect an existing vehicle with its provider",
    responses=problems(
        *USER_ROUTE_ERRORS,
        PayloadTooLarge,
        ConnectedVehicleNotFound,
        ConnectProviderNotAllowed,
        ProviderUnavailable,
        ProviderError,
    ),
)
async def reconnect_connect_session(
    flows: UseCasesDep,
    owner: OwnerDep,
    present: PresenterDep,
    vehicle_id: Annotated[str, Path(alias="vehicleId", min_length=1, max_length=64)],
    body: Annotated[ReconnectRequest | None, Body()] = None,
) -> Response:
    """A new session for a vehicle the user already has, started at its provider."""
    request = body or ReconnectRequest()
    session = await flows.sessions.reconnect(
        owner, vehicle_id, request.redirect_uri, request.language
    )
    return present.session(session, 201)


@router.get(
    "/connect-sessions/{sessionId}",
    operation_id="getConnectSession",
    response_model=ConnectSessionOut,
    summary="Read a connect session",
    responses=problems(*USER_ROUTE_ERRORS, ConnectSessionNotFound)
    | json_examples(200, pending=PENDING_SESSION, finished=AUTHORIZED_SESSION),
)
async def get_connect_session(
    flows: UseCasesDep, owner: OwnerDep, present: PresenterDep, session_id: SessionId
) -> Response:
    """The session, with expiry applied."""
    return present.stored_session(await flows.sessions.read(owner, session_id))


@router.get(
    "/connect-sessions",
    operation_id="listConnectSessions",
    response_model=list[ConnectSessionOut],
    summary="List the user's connect sessions, newest first",
    responses=problems(*USER_ROUTE_ERRORS) | json_examples(200, sessions=[AUTHORIZED_SESSION]),
)
async def list_connect_sessions(
    flows: UseCasesDep,
    owner: OwnerDep,
    present: PresenterDep,
    status: Annotated[SessionStatus | None, Query()] = None,
) -> Response:
    """The user's sessions, filtered by status."""
    return present.sessions(await flows.sessions.list(owner, status))


@router.post(
    "/connect-sessions/{sessionId}/info",
    response_model=ConnectSessionOut,
    operation_id="relayConnectSessionInfo",
    summary="Relay what the web view captured at redirectUrl",
    responses=problems(
        *USER_ROUTE_ERRORS,
        PayloadTooLarge,
        ConnectSessionNotFound,
        ConnectSessionExpired,
        ConnectVehicleNotPending,
        ConnectInvalidState,
        ConnectInvalidIssuer,
        ConnectInvalidAuthCode,
        ProviderUnavailable,
        ProviderError,
    )
    | json_examples(200, choice=CHOICE_SESSION, authorized=AUTHORIZED_SESSION),
)
async def relay_connect_session_info(
    flows: UseCasesDep,
    owner: OwnerDep,
    present: PresenterDep,
    session_id: SessionId,
    body: Annotated[
        RelayRequest,
        Body(
            openapi_examples={"tesla": {"summary": "The Jedlix document", "value": RELAY_REQUEST}}
        ),
    ],
) -> Response:
    """Advance the session with the captured redirect URL, cookies and body."""
    session = await flows.completion.relay(
        owner, session_id, body.redirect_url, body.cookies, body.body
    )
    return present.session(session)


@router.post(
    "/connect-sessions/{sessionId}/authorize",
    response_model=ConnectSessionOut,
    operation_id="authorizeConnectSession",
    summary="Check with the provider that the vehicle is authorized and bind it",
    responses=problems(
        *USER_ROUTE_ERRORS,
        PayloadTooLarge,
        ConnectSessionNotFound,
        ConnectSessionExpired,
        ConnectVehicleNotPending,
        ConnectVehicleNotAuthorized,
        ConnectInvalidAuthCode,
        ConnectMultipleVehiclesNotAllowed,
        ProviderUnavailable,
        ProviderError,
    ),
)
async def authorize_connect_session(
    flows: UseCasesDep,
    owner: OwnerDep,
    present: PresenterDep,
    session_id: SessionId,
    body: Annotated[AuthorizeRequest | None, Body()] = None,
) -> Response:
    """Chargetrip's authorizeConnectedVehicle."""
    code = body.options.code if body else None
    return present.session(await flows.completion.authorize(owner, session_id, code))


@router.delete(
    "/connect-sessions/{sessionId}",
    operation_id="cancelConnectSession",
    response_model=ConnectSessionOut,
    summary="Cancel a connect session",
    responses=problems(
        *USER_ROUTE_ERRORS, ConnectSessionNotFound, ConnectSessionExpired, ConnectVehicleNotPending
    ),
)
async def cancel_connect_session(
    flows: UseCasesDep, owner: OwnerDep, present: PresenterDep, session_id: SessionId
) -> Response:
    """Cancel an open session."""
    return present.session(await flows.sessions.cancel(owner, session_id))
