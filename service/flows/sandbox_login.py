"""The sandbox provider's sign-in: the checks an OAuth provider makes, and its decision."""

from __future__ import annotations

from urllib.parse import urlencode

from service.domain.providers import ProviderName
from service.errors import ConnectInvalidState, NotFound, ValidationFailed
from service.flows.context import FlowContext
from service.providers.sandbox import SANDBOX_CLIENT_ID
from service.security.sealed import open_state


class SandboxLogin:
    """The sign-in page's use cases: check the client, approve (a code) or deny."""

    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx

    def check_client(
        self, client_id: str, redirect_uri: str, response_type: str, state: str
    ) -> str:
        """The API client whose session the state names, after refusing an unknown client,
        response type or unregistered redirect_uri (422), and a state this service did not
        issue for a sandbox leg (400 CONNECT_INVALID_STATE).

        Where the sandbox is not offered (production without SANDBOX_ENABLED) its pages are 404.
        Nothing is stored for a request these checks refuse.
        """
        if self._ctx.providers.get(ProviderName.SANDBOX) is None:
            raise NotFound("The sandbox provider is not enabled here")
        if client_id != SANDBOX_CLIENT_ID or response_type != "code":
            raise ValidationFailed("Unknown sandbox client or response type")
        if redirect_uri != self._ctx.urls.callback(ProviderName.SANDBOX):
            raise ValidationFailed("The redirect_uri is not registered for this client")
        claims = open_state(self._ctx.keyring, state)
        if claims.provider != ProviderName.SANDBOX:
            raise ConnectInvalidState("The state was issued for another provider.")
        return claims.owner.client_id

    async def decide(
        self, redirect_uri: str, state: str, *, approve: bool, cars: int, account: str
    ) -> str:
        """Where the browser goes: the callback with a single-use code, or access_denied."""
        self.check_client(SANDBOX_CLIENT_ID, redirect_uri, "code", state)
        if approve:
            code = await self._ctx.store.sandbox_codes.issue(account, cars, redirect_uri)
            query = {"code": code, "state": state}
        else:
            query = {
                "error": "access_denied",
                "error_description": "The user denied access",
                "state": state,
            }
        return f"{redirect_uri}?{urlencode(query)}"
