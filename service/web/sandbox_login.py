"""The sandbox provider's own sign-in page: Approve or Deny, one car or two."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from service.http.dependencies import (
    HtmlPagesDep,
    UseCasesDep,
    limit_by_client_ip,
    same_origin_form,
)

router = APIRouter(
    prefix="/sandbox",
    tags=["sandbox provider"],
    include_in_schema=False,
    dependencies=[Depends(limit_by_client_ip)],
)

Param = Annotated[str, Query(max_length=2048)]


@router.get("/authorize")
async def sandbox_login(
    flows: UseCasesDep,
    html: HtmlPagesDep,
    client_id: Param,
    redirect_uri: Param,
    state: Param,
    response_type: Param = "code",
) -> HTMLResponse:
    """The sign-in page, after the checks an OAuth provider makes."""
    api_client = flows.sandbox.check_client(client_id, redirect_uri, response_type, state)
    return html.render(
        "sandbox_login.html",
        client_id=api_client,
        action="/sandbox/authorize",
        state=state,
        redirect_uri=redirect_uri,
    )


@router.post("/authorize", dependencies=[Depends(same_origin_form)])
async def sandbox_decide(
    flows: UseCasesDep,
    redirect_uri: Annotated[str, Form(max_length=2048)],
    state: Annotated[str, Form(max_length=2048)],
    decision: Annotated[str, Form(pattern="^(approve|deny)$")],
    two_cars: Annotated[str | None, Form(max_length=8)] = None,
    account: Annotated[str, Form(max_length=64)] = "demo",
) -> RedirectResponse:
    """Approve: a single-use code for one or two cars. Deny: access_denied."""
    target = await flows.sandbox.decide(
        redirect_uri,
        state,
        approve=decision == "approve",
        cars=2 if two_cars else 1,
        account=account.strip() or "demo",
    )
    return RedirectResponse(target, status_code=303)
