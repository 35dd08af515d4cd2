"""The providers this deployment has configured."""

from __future__ import annotations

import httpx

from service.config import ProviderName, Settings
from service.providers.base import Provider
from service.providers.enode import EnodeProvider
from service.providers.sandbox import SandboxAuthority, SandboxProvider
from service.providers.smartcar import SmartcarProvider
from service.providers.tesla import TeslaFleetProvider, TeslaOwnerProvider
from service.store.webhooks import WebhookRepository
from service.urls import PublicUrls


class ProviderRegistry:
    """Configured providers by name."""

    def __init__(self, providers: list[Provider]) -> None:
        self._providers = {provider.name: provider for provider in providers}

    def get(self, name: ProviderName) -> Provider | None:
        """The provider, or None when it is not configured here."""
        return self._providers.get(name)

    def names(self) -> list[ProviderName]:
        """Configured provider names, in the catalogue's order."""
        return [name for name in ProviderName if name in self._providers]


def build_registry(
    settings: Settings,
    urls: PublicUrls,
    http: httpx.AsyncClient,
    sandbox: SandboxAuthority,
    webhooks: WebhookRepository,
) -> ProviderRegistry:
    """Every provider whose settings are present (the sandbox and Tesla owner mode always)."""
    tesla: Provider = (
        TeslaFleetProvider(settings, http, urls)
        if settings.tesla_fleet_mode
        else TeslaOwnerProvider(settings, http)
    )
    providers: list[Provider] = [SandboxProvider(urls, sandbox), tesla]
    if settings.enode_enabled:
        providers.append(EnodeProvider(settings, http, urls, webhooks))
    if settings.smartcar_enabled:
        providers.append(SmartcarProvider(settings, http, urls))
    return ProviderRegistry(providers)
