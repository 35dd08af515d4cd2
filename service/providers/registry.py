"""The providers this deployment has configured."""

from __future__ import annotations

from service.config import Settings
from service.domain.providers import ProviderName
from service.domain.urls import PublicUrls
from service.providers.base import Provider
from service.providers.enode import EnodeProvider
from service.providers.http import ProviderHttp
from service.providers.sandbox import SandboxCodeRedeemer, SandboxProvider
from service.providers.smartcar import SmartcarProvider
from service.providers.tesla import TeslaFleetProvider, TeslaOwnerProvider


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
    settings: Settings, urls: PublicUrls, http: ProviderHttp, sandbox_codes: SandboxCodeRedeemer
) -> ProviderRegistry:
    """Every provider whose settings are present (Tesla owner mode always; the sandbox where
    offered: development, or SANDBOX_ENABLED=true)."""
    tesla: Provider = (
        TeslaFleetProvider(settings, http, urls)
        if settings.tesla_fleet_mode
        else TeslaOwnerProvider(settings, http)
    )
    providers: list[Provider] = [tesla]
    if settings.sandbox_offered:
        providers.insert(0, SandboxProvider(urls, sandbox_codes))
    if settings.enode_enabled:
        providers.append(EnodeProvider(settings, http, urls))
    if settings.smartcar_enabled:
        providers.append(SmartcarProvider(settings, http, urls))
    return ProviderRegistry(providers)
