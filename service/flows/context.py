"""What the flows work with: settings, clients, keys, the store's repositories, providers."""

from __future__ import annotations

from dataclasses import dataclass

from service.config import ClientConfig, Settings
from service.domain.urls import PublicUrls
from service.observability.metrics import Metrics
from service.providers.registry import ProviderRegistry
from service.security.crypto import Keyring
from service.security.sealed import SessionLinks
from service.store.repositories import Store


@dataclass(frozen=True)
class FlowContext:
    """Held by the app for its lifetime; only flows see it (api/ and web/ get use cases)."""

    settings: Settings
    clients: dict[str, ClientConfig]
    keyring: Keyring
    links: SessionLinks
    store: Store
    providers: ProviderRegistry
    urls: PublicUrls
    metrics: Metrics

    def client(self, client_id: str) -> ClientConfig:
        """The client's configuration (defaults if it was removed from the clients file)."""
        return self.clients.get(client_id) or ClientConfig(id=client_id)
