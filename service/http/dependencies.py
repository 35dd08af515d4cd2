"""Request dependencies every route declares: the use cases, the caller, the client-IP limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPBearer

from service.domain.models import Owner
from service.errors import ForbiddenOrigin
from service.flows.use_cases import UseCases
from service.http.rendering import HtmlPages, html_pages

USER_ID_MAX_LENGTH = 128

BEARER_DESCRIPTION = "User token (JWT): sub = user id"
BEARER = HTTPBearer(auto_error=False, description=BEARER_DESCRIPTION)


async def use_cases(request: Request) -> UseCases:
    """The app's use cases (built once in main.create_app)."""
    found: UseCases = request.app.state.use_cases
    return found


UseCasesDep = Annotated[UseCases, Depends(use_cases)]
HtmlPagesDep = Annotated[HtmlPages, Depends(html_pages)]
UserId = Annotated[str, Path(alias="userId", min_length=1, max_length=USER_ID_MAX_LENGTH)]


def client_address(request: Request) -> str:
    """The client IP the request came from (as the server believes it)."""
    return request.client.host if request.client else "unknown"


async def any_caller(
    request: Request,
    flows: UseCasesDep,
    _scheme: Annotated[object, Security(BEARER)] = None,
) -> Owner:
    """Any authenticated caller (routes without a user in the path)."""
    return await flows.access.caller(request.headers.get("authorization"), client_address(request))


CallerDep = Annotated[Owner, Depends(any_caller)]


async def limit_by_client_ip(request: Request, flows: UseCasesDep) -> None:
    """Rate limit by client IP (callbacks, hosted pages, webhooks: no user token there)."""
    await flows.access.client_ip(client_address(request))


async def same_origin_form(request: Request, flows: UseCasesDep) -> None:
    """Refuse a hosted form POST that another site made: 403 FORBIDDEN_ORIGIN.

    `Sec-Fetch-Site` decides when the browser sends it; else `Origin` must be ours. A POST
    carrying neither is refused too (every current browser sends `Origin` on form posts).
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site == "same-origin":
            return
    elif request.headers.get("origin") == flows.urls.origin:
        return
    raise ForbiddenOrigin("This form can only be sent from this service's own pages.")
