"""Connect session endpoints (Jedlix Connect compatible)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response

from service.api.calls import UserCallDep
from service.api.examples import (
    AUTHORIZED_SESSION,
    CHOICE_SESSION,
    PENDING_SESSION,
    RELAY_REQUEST,
    TESLA_SESSION,
    json_examples,
)
from service.api.paging import PageCursor, PageLimit, page_start, paged
from service.api.responses import USER_ROUTE_ERRORS, problems
from service.api.schemas import (
    AuthorizeRequest,
    ConnectSessionOut,
    CreateSessionRequest,
    ReconnectRequest,
    RelayRequest,
)
from service.domain.paging import DEFAULT_PAGE_SIZE
from service.domain.states import SessionKind, SessionStatus
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
    call: UserCallDep,
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
    session = await call.flows.sessions.create(
        call.owner,
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
    return call.present.session(session, 201)


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
    call: UserCallDep,
    vehicle_id: Annotated[str, Path(alias="vehicleId", min_length=1, max_length=64)],
    body: Annotated[ReconnectRequest | None, Body()] = None,
) -> Response:
    """A new session for a vehicle the user already has, started at its provider."""
    request = body or ReconnectRequest()
    session = await call.flows.sessions.reconnect(
        call.owner, vehicle_id, request.redirect_uri, request.language
    )
    return call.present.session(session, 201)


@router.get(
    "/connect-sessions/{sessionId}",
    operation_id="getConnectSession",
    response_model=ConnectSessionOut,
    summary="Read a connect session",
    responses=problems(*USER_ROUTE_ERRORS, ConnectSessionNotFound)
    | json_examples(200, pending=PENDING_SESSION, finished=AUTHORIZED_SESSION),
)
async def get_connect_session(call: UserCallDep, session_id: SessionId) -> Response:
    """The session, with expiry applied."""
    return call.present.stored_session(await call.flows.sessions.read(call.owner, session_id))


@router.get(
    "/connect-sessions",
    operation_id="listConnectSessions",
    response_model=list[ConnectSessionOut],
    summary="List the user's connect sessions, newest first",
    responses=problems(*USER_ROUTE_ERRORS)
    | paged(json_examples(200, sessions=[AUTHORIZED_SESSION])),
)
async def list_connect_sessions(
    call: UserCallDep,
    request: Request,
    status: Annotated[SessionStatus | None, Query()] = None,
    kind: Annotated[
        SessionKind | None,
        Query(
            alias="type",
            description="Only unfinished sessions of this kind (the Jedlix SDK resumes from "
            "them); chargers and energy suppliers have none.",
        ),
    ] = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Response:
    """A page of the user's sessions, filtered by status and kind."""
    page = await call.flows.sessions.list(call.owner, status, limit, page_start(cursor), kind=kind)
    return call.present.sessions(page, request)


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
    call: UserCallDep,
    session_id: SessionId,
    body: Annotated[
        RelayRequest,
        Body(
            openapi_examples={"tesla": {"summary": "The Jedlix document", "value": RELAY_REQUEST}}
        ),
    ],
) -> Response:
    """Advance the session with the captured redirect URL, cookies and body."""
    session = await call.flows.completion.relay(
        call.owner, session_id, body.redirect_url, body.cookies, body.body
    )
    return call.present.session(session)


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
    call: UserCallDep,
    session_id: SessionId,
    body: Annotated[AuthorizeRequest | None, Body()] = None,
) -> Response:
    """Chargetrip's authorizeConnectedVehicle."""
    code = body.options.code if body else None
    return call.present.session(await call.flows.completion.authorize(call.owner, session_id, code))


@router.delete(
    "/connect-sessions/{sessionId}",
    operation_id="cancelConnectSession",
    response_model=ConnectSessionOut,
    summary="Cancel a connect session",
    responses=problems(
        *USER_ROUTE_ERRORS, ConnectSessionNotFound, ConnectSessionExpired, ConnectVehicleNotPending
    ),
)
async def cancel_connect_session(call: UserCallDep, session_id: SessionId) -> Response:
    """Cancel an open session."""
    return call.present.session(await call.flows.sessions.cancel(call.owner, session_id))
