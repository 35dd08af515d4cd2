"""PKCE (RFC 7636) with S256."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from service.security.crypto import b64url


@dataclass(frozen=True)
class PkcePair:
    """A verifier (kept server-side) and its challenge (sent in the authorize URL)."""

    verifier: str
    challenge: str


def challenge_for(verifier: str) -> str:
    """base64url(SHA-256(verifier)) without padding."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_pkce_pair() -> PkcePair:
    """A fresh pair: a 43-character verifier from 32 random bytes."""
    verifier = b64url(secrets.token_bytes(32))
    return PkcePair(verifier, challenge_for(verifier))
