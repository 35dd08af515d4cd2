"""The application: create_app(settings) wires store, providers, use cases, routers, handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from service.api import callbacks, health, profiles, sessions, vehicles, webhooks
from service.api.present import Presenter
from service.config import Settings, load_clients, load_settings
from service.domain.urls import PublicUrls
from service.flows.context import FlowContext
from service.flows.use_cases import UseCases
from service.http.browser_cookie import BrowserCookie
from service.http.handlers import install_handlers
from service.http.middleware import CorrelationMiddleware, RequestBodyMiddleware
from service.http.rendering import HtmlPages
from service.observability.metrics import Metrics
from service.providers.http import ProviderHttp
from service.providers.registry import build_registry
from service.security.auth import JwksCache, TokenVerifier
from service.security.crypto import Keyring
from service.security.sealed import SessionLinks
from service.security.secrets import resolve_secrets
from service.store.connection import STORE_FAILURES
from service.store.repositories import Store
from service.web import pages, sandbox_login

ROUTERS = (sessions, vehicles, profiles, callbacks, webhooks, health, pages, sandbox_login)
"""The modules whose routes the app serves, in matching order."""

API_TITLE = "vehicle-connect"
API_VERSION = "1.0.0"


def build_context(settings: Settings, http: httpx.AsyncClient) -> tuple[FlowContext, UseCases]:
    """The flows' context and the use cases over it, from the settings."""
    secrets = resolve_secrets(settings)
    clients = load_clients(settings.clients_file)
    store = Store.open(settings)
    keyring = Keyring.from_setting(secrets.encryption_key)
    links = SessionLinks(keyring)
    urls = PublicUrls(settings.public_base_url, links)
    metrics = Metrics()
    jwks = JwksCache(settings.auth_jwks_url, http) if settings.auth_jwks_url else None
    ctx = FlowContext(
        settings=settings,
        clients=clients,
        keyring=keyring,
        links=links,
        store=store,
        providers=build_registry(settings, urls, ProviderHttp(http, metrics), store.sandbox_codes),
        urls=urls,
        metrics=metrics,
    )
    verifier = TokenVerifier(settings, secrets.jwt_secret, clients, jwks)
    return ctx, UseCases.build(ctx, verifier)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app; settings are read from the environment when not given."""
    settings = settings or load_settings()
    http = httpx.AsyncClient(timeout=settings.provider_timeout_seconds, follow_redirects=False)
    ctx, use_cases = build_context(settings, http)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await ctx.store.start()
        try:
            yield
        finally:
            await http.aclose()
            await ctx.store.close()

    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        summary="Connect a user's car to its maker's cloud (Jedlix Connect compatible)",
        lifespan=lifespan,
        # The routers' routes (their prefixes and dependencies are part of each route) are the
        # app's own: included routers are matched through a wrapper per router (about 8 % of a
        # session read in the profile).
        routes=[route for module in ROUTERS for route in module.router.routes],
    )
    app.state.use_cases = use_cases
    app.state.html_pages = HtmlPages(
        [settings.public_base_url, *settings.provider_page_urls],
        {client_id: list(client.redirect_uris) for client_id, client in ctx.clients.items()},
    )
    app.state.browser_cookie = BrowserCookie(secure=ctx.urls.secure)
    app.state.presenter = Presenter(ctx.urls)
    app.state.metrics = ctx.metrics
    app.state.flow_context = ctx  # for tests and tools; routes reach only the use cases
    install_handlers(app, STORE_FAILURES)
    app.add_middleware(RequestBodyMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationMiddleware, metrics=ctx.metrics)
    return app
