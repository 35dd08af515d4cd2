"""The application: create_app(settings) wires store, providers, routers and handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from service.api import callbacks, health, profiles, sessions, vehicles, webhooks
from service.auth import JwksCache, TokenVerifier
from service.config import Settings, load_clients, load_settings
from service.context import AppContext
from service.crypto import Keyring
from service.handlers import install_handlers
from service.middleware import BodyLimitMiddleware, CorrelationMiddleware
from service.providers.registry import build_registry
from service.providers.sandbox import SandboxAuthority
from service.secrets import resolve_secrets
from service.store.connection import open_redis, prepare_redis
from service.store.rate_limits import RateLimiter
from service.store.sessions import SessionRepository
from service.store.vehicles import VehicleRepository
from service.store.webhooks import WebhookRepository
from service.urls import PublicUrls
from service.web import pages, sandbox_login

API_TITLE = "vehicle-connect"
API_VERSION = "1.0.0"


def build_context(settings: Settings, http: httpx.AsyncClient) -> AppContext:
    """Everything a request needs, from the settings."""
    secrets = resolve_secrets(settings)
    clients = load_clients(settings.clients_file)
    redis = open_redis(settings)
    urls = PublicUrls(settings.public_base_url)
    jwks = JwksCache(settings.auth_jwks_url, http) if settings.auth_jwks_url else None
    sandbox = SandboxAuthority(redis)
    webhook_store = WebhookRepository(redis)
    return AppContext(
        settings=settings,
        clients=clients,
        keyring=Keyring.from_setting(secrets.encryption_key),
        redis=redis,
        sessions=SessionRepository(redis, settings.session_retention_seconds),
        vehicles=VehicleRepository(redis),
        webhooks=webhook_store,
        providers=build_registry(settings, urls, http, sandbox, webhook_store),
        sandbox=sandbox,
        urls=urls,
        http=http,
        verifier=TokenVerifier(settings, secrets.jwt_secret, clients, jwks),
        rate_limiter=RateLimiter(redis),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app; settings are read from the environment when not given."""
    settings = settings or load_settings()
    http = httpx.AsyncClient(timeout=settings.provider_timeout_seconds, follow_redirects=False)
    ctx = build_context(settings, http)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await prepare_redis(ctx.redis)
        try:
            yield
        finally:
            await http.aclose()
            await ctx.redis.aclose()

    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        summary="Connect a user's car to its maker's cloud (Jedlix Connect compatible)",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    for module in (sessions, vehicles, profiles, callbacks, webhooks, health, pages, sandbox_login):
        # The routes join the app's own router: an included router (FastAPI 0.165) matches each
        # request twice, a twentieth of a session read in the bench's profile.
        app.router.routes.extend(module.router.routes)
    install_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationMiddleware)
    return app
