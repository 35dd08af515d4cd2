"""The sandbox provider's pretend accounts: what one of its codes grants, and their cars."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

_VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class SandboxGrant:
    """What a redeemed sandbox code stands for."""

    redemptions: int
    cars: int
    redirect_uri: str
    account: str


def sandbox_vin(account: str, index: int) -> str:
    """The VIN of car `index` of a sandbox account: 17 characters, stable per account."""
    digest = hashlib.sha256(f"{account}:{index}".encode()).digest()
    return "SBX" + "".join(_VIN_ALPHABET[byte % len(_VIN_ALPHABET)] for byte in digest[:14])
