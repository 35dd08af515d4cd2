"""What a request can reach: settings, clients, store repositories, providers, URLs."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from service.auth import TokenVerifier
from service.config import ClientConfig, Settings
from service.crypto import Keyring
from service.providers.registry import ProviderRegistry
from service.providers.sandbox import SandboxAuthority
from service.store.connection import RedisClient
from service.store.rate_limits import RateLimiter
from service.store.sessions import SessionRepository
from service.store.vehicles import VehicleRepository
from service.store.webhooks import WebhookRepository
from service.urls import PublicUrls


@dataclass
class AppContext:
    """Held by the app for its lifetime (see main.create_app)."""

    settings: Settings
    clients: dict[str, ClientConfig]
    keyring: Keyring
    redis: RedisClient
    sessions: SessionRepository
    vehicles: VehicleRepository
    webhooks: WebhookRepository
    providers: ProviderRegistry
    sandbox: SandboxAuthority
    urls: PublicUrls
    http: httpx.AsyncClient
    verifier: TokenVerifier
    rate_limiter: RateLimiter

    def client(self, client_id: str) -> ClientConfig:
        """The client's configuration (defaults if it was removed from the clients file)."""
        return self.clients.get(client_id) or ClientConfig(id=client_id)
