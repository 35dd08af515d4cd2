"""Provider redirect targets: `GET /callbacks/{provider}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import RedirectResponse

from service.api.responses import problems
from service.domain.providers import ProviderName
from service.errors import (
    ConnectInvalidAuthCode,
    ConnectInvalidIssuer,
    ConnectInvalidState,
    ConnectProviderNotAllowed,
    ConnectSessionExpired,
    ConnectSessionNotFound,
    ConnectVehicleNotPending,
    Forbidden,
    ProviderError,
    ProviderUnavailable,
    StoreUnavailable,
    ValidationFailed,
)
from service.http.browser_cookie import BrowserCookieDep, BrowserDep
from service.http.dependencies import UseCasesDep, limit_by_client_ip

router = APIRouter(tags=["provider callbacks"], dependencies=[Depends(limit_by_client_ip)])

# Bounded so that every schema-valid callback fits the server's request line (about 64 KiB,
# at 12 bytes for a percent-encoded 4-byte character): 3,840 characters in all.
State = Annotated[str | None, Query(max_length=1024)]
Code = Annotated[str | None, Query(max_length=1024)]
ErrorName = Annotated[str | None, Query(max_length=256)]
ErrorText = Annotated[str | None, Query(max_length=1024)]
Issuer = Annotated[str | None, Query(max_length=512)]


@router.get(
    "/callbacks/{provider}",
    operation_id="providerCallback",
    summary="OAuth redirect target of a provider",
    status_code=302,
    response_class=RedirectResponse,
    responses=problems(
        ValidationFailed,
        ConnectInvalidState,
        ConnectInvalidIssuer,
        ConnectInvalidAuthCode,
        ConnectProviderNotAllowed,
        ConnectSessionNotFound,
        ConnectSessionExpired,
        ConnectVehicleNotPending,
        Forbidden,
        ProviderUnavailable,
        ProviderError,
        StoreUnavailable,
    ),
)
async def provider_callback(
    flows: UseCasesDep,
    cookie: BrowserCookieDep,
    browser: BrowserDep,
    provider: ProviderName,
    state: State = None,
    code: Code = None,
    error: ErrorName = None,
    error_description: ErrorText = None,
    issuer: Issuer = None,
) -> RedirectResponse:
    """Complete the leg the state names, then send the browser to the session's next page.

    Only the browser the leg is bound to (its cookie) may complete it; any other is refused
    with 403 and the session stays as it was.
    """
    query = {
        "state": state,
        "code": code,
        "error": error,
        "error_description": error_description,
        "issuer": issuer,
    }
    return cookie.follow(await flows.completion.callback(provider, query, browser), 302)
