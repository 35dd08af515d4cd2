"""The one dependency of every route under /api/v1/users/{userId}: the caller and the tools.

FastAPI solves each declared dependency on every request, at a measurable price per node (see
the README's Performance section), so a user route declares exactly one: `UserBearer`, the
bearer security scheme itself, which checks the token against the path's user and hands over
the use cases and the presenter with the owner. Subclassing a security class to add the checking
is how FastAPI's security reference asks for it; the scheme's name in OpenAPI stays HTTPBearer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPBearer

from service.api.present import Presenter
from service.domain.models import Owner
from service.flows.use_cases import UseCases
from service.http.dependencies import BEARER_DESCRIPTION, UserId, client_address


@dataclass(frozen=True)
class UserCall:
    """A request of one user: who it is, the use cases, how resources are rendered."""

    owner: Owner
    flows: UseCases
    present: Presenter


class UserBearer(HTTPBearer):
    """The bearer scheme of user routes, resolving to the checked caller and the app's tools."""

    async def __call__(  # type: ignore[override]
        self, request: Request, user_id: UserId
    ) -> UserCall:
        """The caller, who must be the user named in the path, with the app's use cases."""
        state = request.app.state
        flows: UseCases = state.use_cases
        authorization = request.headers.get("authorization")
        owner = await flows.access.user(authorization, user_id, client_address(request))
        return UserCall(owner, flows, state.presenter)


USER_BEARER = UserBearer(auto_error=False, scheme_name="HTTPBearer", description=BEARER_DESCRIPTION)

UserCallDep = Annotated[UserCall, Security(USER_BEARER)]
