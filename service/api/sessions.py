"""Connect session endpoints (Jedlix Connect compatible)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response

from service.api.deps import (
    ContextDep,
    OwnerDep,
    direct_body,
    direct_caller,
    direct_parameters,
    path_text,
    read_direct_body,
)
from service.api.examples import (
    AUTHORIZED_SESSION,
    CHOICE_SESSION,
    PENDING_SESSION,
    RELAY_REQUEST,
    TESLA_SESSION,
    json_examples,
)
from service.api.present import session_response, sessions_response, stored_session_response
from service.api.responses import USER_ROUTE_ERRORS, problems
from service.api.schemas import (
    AuthorizeRequest,
    ConnectSessionOut,
    CreateSessionRequest,
    ReconnectRequest,
    RelayRequest,
)
from service.config import ProviderName
from service.context import AppContext
from service.domain.models import Owner, Session
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
from service.flows.completion import authorize_session
from service.flows.external import start_leg
from service.flows.relay import relay
from service.flows.sessions import (
    cancel_session,
    create_session,
    list_sessions,
    read_session,
    reconnect_vehicle,
)

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
    openapi_extra=direct_parameters()
    | direct_body(
        CreateSessionRequest,
        jedlix={"summary": "What the Jedlix SDK sends", "value": {}},
        tesla={"summary": "Straight to Tesla", "value": {"provider": "tesla"}},
    ),
)
async def create_connect_session(http_request: Request) -> Response:
    """Create a session; with a provider the external leg starts at once."""
    ctx, owner = await direct_caller(http_request)
    request = await read_direct_body(http_request, CreateSessionRequest)
    created = await create_session(
        ctx,
        owner,
        provider=request.provider,
        vehicle_profile_id=request.vehicle_profile_id,
        vin=request.vin,
        label=request.label,
        scopes=request.scopes,
        redirect_uri=request.redirect_uri,
        language=request.language,
    )
    session = created.session
    if request.provider is not None:
        session = await _started(ctx, owner, session.id, request.provider)
    return session_response(session, ctx.urls, 201)


async def _started(
    ctx: AppContext, owner: Owner, session_id: str, provider: ProviderName
) -> Session:
    """Start the provider leg; on a provider outage the session stays pending with `error`."""
    try:
        return await start_leg(ctx, owner, session_id, provider)
    except (ProviderUnavailable, ProviderError):
        return (await read_session(ctx, owner, session_id)).session


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
    ctx: ContextDep,
    owner: OwnerDep,
    vehicle_id: Annotated[str, Path(alias="vehicleId", min_length=1, max_length=64)],
    body: Annotated[ReconnectRequest | None, Body()] = None,
) -> Response:
    """A new session for a vehicle the user already has, started at its provider."""
    request = body or ReconnectRequest()
    created = await reconnect_vehicle(
        ctx, owner, vehicle_id, request.redirect_uri, request.language
    )
    assert created.session.provider is not None
    session = await _started(ctx, owner, created.session.id, created.session.provider)
    return session_response(session, ctx.urls, 201)


@router.get(
    "/connect-sessions/{sessionId}",
    operation_id="getConnectSession",
    response_model=ConnectSessionOut,
    summary="Read a connect session",
    responses=problems(*USER_ROUTE_ERRORS, ConnectSessionNotFound)
    | json_examples(200, pending=PENDING_SESSION, finished=AUTHORIZED_SESSION),
    openapi_extra=direct_parameters(sessionId=SESSION_ID_MAX_LENGTH),
)
async def get_connect_session(request: Request) -> Response:
    """The session, with expiry applied."""
    ctx, owner = await direct_caller(request)
    session_id = path_text(request, "sessionId", SESSION_ID_MAX_LENGTH)
    return stored_session_response(await read_session(ctx, owner, session_id), ctx.urls)


@router.get(
    "/connect-sessions",
    operation_id="listConnectSessions",
    response_model=list[ConnectSessionOut],
    summary="List the user's connect sessions, newest first",
    responses=problems(*USER_ROUTE_ERRORS) | json_examples(200, sessions=[AUTHORIZED_SESSION]),
)
async def list_connect_sessions(
    ctx: ContextDep,
    owner: OwnerDep,
    status: Annotated[SessionStatus | None, Query()] = None,
) -> Response:
    """The user's sessions, filtered by status."""
    return sessions_response(await list_sessions(ctx, owner, status), ctx.urls)


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
    ctx: ContextDep,
    owner: OwnerDep,
    session_id: SessionId,
    body: Annotated[
        RelayRequest,
        Body(
            openapi_examples={"tesla": {"summary": "The Jedlix document", "value": RELAY_REQUEST}}
        ),
    ],
) -> Response:
    """Advance the session with the captured redirect URL, cookies and body."""
    session = await relay(ctx, owner, session_id, body.redirect_url, body.cookies, body.body)
    return session_response(session, ctx.urls)


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
    ctx: ContextDep,
    owner: OwnerDep,
    session_id: SessionId,
    body: Annotated[AuthorizeRequest | None, Body()] = None,
) -> Response:
    """Chargetrip's authorizeConnectedVehicle."""
    code = body.options.code if body else None
    return session_response(await authorize_session(ctx, owner, session_id, code), ctx.urls)


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
    ctx: ContextDep, owner: OwnerDep, session_id: SessionId
) -> Response:
    """Cancel an open session."""
    return session_response(await cancel_session(ctx, owner, session_id), ctx.urls)
