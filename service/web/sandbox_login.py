"""The sandbox provider's own sign-in page: Approve or Deny, one car or two."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from service.api.deps import ContextDep, limit_by_client_ip
from service.config import ProviderName
from service.errors import ValidationFailed
from service.providers.sandbox import SANDBOX_CLIENT_ID
from service.web.render import render

router = APIRouter(
    prefix="/sandbox",
    tags=["sandbox provider"],
    include_in_schema=False,
    dependencies=[Depends(limit_by_client_ip)],
)

Param = Annotated[str, Query(max_length=2048)]


@router.get("/authorize")
async def sandbox_login(
    ctx: ContextDep,
    client_id: Param,
    redirect_uri: Param,
    state: Param,
    response_type: Param = "code",
) -> HTMLResponse:
    """The sign-in page, after the checks an OAuth provider makes."""
    _check_client(client_id, redirect_uri, response_type, ctx.urls.callback(ProviderName.SANDBOX))
    return render(
        "sandbox_login.html", action="/sandbox/authorize", state=state, redirect_uri=redirect_uri
    )


@router.post("/authorize")
async def sandbox_decide(
    ctx: ContextDep,
    redirect_uri: Annotated[str, Form(max_length=2048)],
    state: Annotated[str, Form(max_length=2048)],
    decision: Annotated[str, Form(pattern="^(approve|deny)$")],
    two_cars: Annotated[str | None, Form(max_length=8)] = None,
    account: Annotated[str, Form(max_length=64)] = "demo",
) -> RedirectResponse:
    """Approve: a single-use code for one or two cars. Deny: access_denied."""
    callback = ctx.urls.callback(ProviderName.SANDBOX)
    _check_client(SANDBOX_CLIENT_ID, redirect_uri, "code", callback)
    if decision == "deny":
        query = {
            "error": "access_denied",
            "error_description": "The user denied access",
            "state": state,
        }
    else:
        cars = 2 if two_cars else 1
        code = await ctx.sandbox.issue_code(account.strip() or "demo", cars, redirect_uri)
        query = {"code": code, "state": state}
    return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=303)


def _check_client(client_id: str, redirect_uri: str, response_type: str, callback: str) -> None:
    if client_id != SANDBOX_CLIENT_ID or response_type != "code":
        raise ValidationFailed("Unknown sandbox client or response type")
    if redirect_uri != callback:
        raise ValidationFailed("The redirect_uri is not registered for this client")
