"""Request dependencies: the app context and the authenticated owner."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPBearer

from service.context import AppContext
from service.domain.models import Owner
from service.errors import Forbidden, RateLimited

_bearer = HTTPBearer(auto_error=False, description="User token (JWT): sub = user id")


async def get_context(request: Request) -> AppContext:
    """The app's context."""
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


async def current_owner(
    request: Request,
    user_id: Annotated[str, Path(alias="userId", min_length=1, max_length=128)],
    _scheme: Annotated[object, Security(_bearer)] = None,
) -> Owner:
    """The caller, who must be the user named in the path."""
    ctx: AppContext = request.app.state.ctx  # read directly: one dependency less per request
    owner = await ctx.verifier.verify(request.headers.get("authorization"))
    if owner.user_id != user_id:
        raise Forbidden("You may only access your own sessions and vehicles.")
    await _limit(ctx, "user", owner.key, ctx.settings.rate_limit_user_per_minute)
    return owner


OwnerDep = Annotated[Owner, Depends(current_owner)]


async def any_caller(
    request: Request,
    ctx: ContextDep,
    _scheme: Annotated[object, Security(_bearer)] = None,
) -> Owner:
    """Any authenticated caller (routes without a user in the path)."""
    owner = await ctx.verifier.verify(request.headers.get("authorization"))
    await _limit(ctx, "user", owner.key, ctx.settings.rate_limit_user_per_minute)
    return owner


CallerDep = Annotated[Owner, Depends(any_caller)]


async def limit_by_client_ip(request: Request, ctx: ContextDep) -> None:
    """Rate limit by client IP (callbacks, hosted pages, webhooks: no user token there)."""
    client = request.client.host if request.client else "unknown"
    await _limit(ctx, "ip", client, ctx.settings.rate_limit_ip_per_minute)


async def _limit(ctx: AppContext, scope: str, subject: str, limit: int) -> None:
    wait = await ctx.rate_limiter.hit(scope, subject, limit)
    if wait is not None:
        raise RateLimited(
            f"Too many requests; retry in {wait} s", headers={"Retry-After": str(wait)}
        )
