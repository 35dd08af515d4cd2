"""The one dependency of every route under /api/v1/users/{userId}: the caller and the tools.

FastAPI solves each declared dependency on every request (about a sixth of a session read when
a route declared the use cases, the owner and the presenter apart), so a user route declares
this one: the owner checked against the path, the use cases and the presenter together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security

from service.api.present import Presenter
from service.domain.models import Owner
from service.flows.use_cases import UseCases
from service.http.dependencies import BEARER, UserId


@dataclass(frozen=True)
class UserCall:
    """A request of one user: who it is, the use cases, how resources are rendered."""

    owner: Owner
    flows: UseCases
    present: Presenter


async def user_call(
    request: Request,
    user_id: UserId,
    _scheme: Annotated[object, Security(BEARER)] = None,
) -> UserCall:
    """The caller, who must be the user named in the path, with the app's use cases."""
    state = request.app.state
    flows: UseCases = state.use_cases
    owner = await flows.access.user(request.headers.get("authorization"), user_id)
    return UserCall(owner, flows, state.presenter)


UserCallDep = Annotated[UserCall, Depends(user_call)]
