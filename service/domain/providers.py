"""The connectivity providers the product knows of."""

from __future__ import annotations

from enum import StrEnum


class ProviderName(StrEnum):
    """Connectivity providers the product knows of."""

    TESLA = "tesla"
    ENODE = "enode"
    SMARTCAR = "smartcar"
    SANDBOX = "sandbox"
