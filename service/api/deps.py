"""Request dependencies: the app context and the authenticated owner.

The hottest routes (read and create a session) take only the Request and call `direct_caller`:
FastAPI's dependency solving cost them about a third of their time in the bench's profile.
`direct_parameters` documents what they read, exactly as declared parameters would be.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect

from service.context import AppContext
from service.domain.models import Owner
from service.errors import Forbidden, RateLimited, ValidationFailed

USER_ID_MAX_LENGTH = 128
_Body = TypeVar("_Body", bound=BaseModel)

_bearer = HTTPBearer(auto_error=False, description="User token (JWT): sub = user id")


async def get_context(request: Request) -> AppContext:
    """The app's context."""
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


async def current_owner(
    request: Request,
    user_id: Annotated[str, Path(alias="userId", min_length=1, max_length=USER_ID_MAX_LENGTH)],
    _scheme: Annotated[object, Security(_bearer)] = None,
) -> Owner:
    """The caller, who must be the user named in the path."""
    ctx: AppContext = request.app.state.ctx  # read directly: one dependency less per request
    return await _user(ctx, request, user_id)


OwnerDep = Annotated[Owner, Depends(current_owner)]


async def direct_caller(request: Request) -> tuple[AppContext, Owner]:
    """The app's context and the caller, who must be the user named in the path."""
    ctx: AppContext = request.app.state.ctx
    return ctx, await _user(ctx, request, path_text(request, "userId", USER_ID_MAX_LENGTH))


def path_text(request: Request, name: str, max_length: int) -> str:
    """A path parameter of at most max_length characters (routing makes it non-empty)."""
    value: str = request.path_params[name]
    if len(value) > max_length:
        message = f"String should have at most {max_length} characters"
        raise RequestValidationError(
            [{"type": "string_too_long", "loc": ("path", name), "msg": message}]
        )
    return value


def direct_parameters(**path_max_lengths: int) -> dict[str, Any]:
    """OpenAPI `parameters` and `security` of a route that reads them through direct_caller."""
    lengths = {**path_max_lengths, "userId": USER_ID_MAX_LENGTH}
    return {
        "parameters": [
            {
                "in": "path",
                "name": name,
                "required": True,
                "schema": {
                    "maxLength": max_length,
                    "minLength": 1,
                    "title": name[0].upper() + name[1:].lower(),
                    "type": "string",
                },
            }
            for name, max_length in lengths.items()
        ],
        "security": [{"HTTPBearer": []}],
    }


_JSON_TYPES = ("application/json", "application/problem+json")


def direct_body(model: type[BaseModel], **examples: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI `requestBody` of a route that reads an optional JSON body with read_direct_body."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)  # the models it names are components already
    return {
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {"anyOf": [schema, {"type": "null"}], "title": "Body"},
                    "examples": examples,
                }
            },
            "required": False,
        }
    }


async def read_direct_body(request: Request, model: type[_Body]) -> _Body:
    """The optional JSON body as model (absent or null: the defaults); 422 when invalid."""
    raw = await _whole_body(request)
    if raw.strip() in (b"", b"null"):
        return model()
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        raise ValidationFailed("body: send the body as application/json")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from None


async def _whole_body(request: Request) -> bytes:
    # Request.body does the same through an async generator it tracks in a weak set (2 % of a
    # create's time in the bench's profile). Only read_direct_body reads these routes' bodies.
    chunks: list[bytes] = []
    while True:
        message = await request.receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _user(ctx: AppContext, request: Request, user_id: str) -> Owner:
    owner = await ctx.verifier.verify(request.headers.get("authorization"))
    if owner.user_id != user_id:
        raise Forbidden("You may only access your own sessions and vehicles.")
    await _limit(ctx, "user", owner.key, ctx.settings.rate_limit_user_per_minute)
    return owner


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
