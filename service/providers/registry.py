"""The providers this deployment has configured."""

from __future__ import annotations

import httpx

from service.config import ProviderName, Settings
from service.providers.base import Provider
from service.providers.sandbox import SandboxAuthority, SandboxProvider
from service.providers.tesla import TeslaFleetProvider, TeslaOwnerProvider
from service.store.connection import RedisClient
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
    settings: Settings, redis: RedisClient, urls: PublicUrls, http: httpx.AsyncClient
) -> ProviderRegistry:
    """Every provider whose settings are present (the sandbox and Tesla owner mode always)."""
    tesla: Provider = (
        TeslaFleetProvider(settings, http, urls)
        if settings.tesla_fleet_mode
        else TeslaOwnerProvider(settings, http)
    )
    return ProviderRegistry([SandboxProvider(urls, SandboxAuthority(redis)), tesla])
