"""What api/ and web/ may call: the use cases, grouped, with no repository in reach."""

from __future__ import annotations

from dataclasses import dataclass

from service.domain.urls import PublicUrls
from service.flows.access import Access
from service.flows.completion import Completion
from service.flows.context import FlowContext
from service.flows.legs import Legs
from service.flows.operations import Operations
from service.flows.pages import HostedPages
from service.flows.sandbox_login import SandboxLogin
from service.flows.sessions import Sessions
from service.flows.vehicles import Vehicles
from service.flows.webhooks import ProviderWebhooks
from service.security.auth import TokenVerifier


@dataclass(frozen=True)
class UseCases:
    """Every use case of one app, built once at start (see main.create_app)."""

    access: Access
    sessions: Sessions
    completion: Completion
    vehicles: Vehicles
    pages: HostedPages
    sandbox: SandboxLogin
    webhooks: ProviderWebhooks
    operations: Operations
    urls: PublicUrls
    """The public URLs (a value: how resources link to pages)."""

    @classmethod
    def build(cls, ctx: FlowContext, verifier: TokenVerifier) -> UseCases:
        """The use cases over one flow context."""
        legs = Legs(ctx)
        completion = Completion(ctx)
        return cls(
            access=Access(ctx, verifier),
            sessions=Sessions(ctx, legs),
            completion=completion,
            vehicles=Vehicles(ctx),
            pages=HostedPages(ctx, legs),
            sandbox=SandboxLogin(ctx),
            webhooks=ProviderWebhooks(ctx, completion),
            operations=Operations(ctx),
            urls=ctx.urls,
        )
