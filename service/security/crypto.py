"""AES-GCM encryption at rest with key ids, minted (deterministic, AES-SIV) tokens, keyed hashes.

Envelopes look like `<kid>.<base64url(nonce | ciphertext | tag)>`. The first key of the
ring encrypts; every key decrypts, so keys can be rotated by putting the new one first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from service.config import SettingsError

_NONCE_BYTES = 12
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))
"""One encoder for every sealed value (json.dumps with options builds a new one each call)."""
_CANONICAL_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True)
"""Minted tokens: the same claims always encode to the same bytes."""


class DecryptionError(Exception):
    """A ciphertext or sealed token was tampered with, foreign, or from an unknown key."""


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decode base64url with or without padding; raise ValueError on bad input."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def _derive(key: bytes, purpose: str, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode()).derive(
        key
    )


class Keyring:
    """AES-256-GCM keys by id; the first one is active."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise SettingsError("invalid setting ENCRYPTION_KEY: no key")
        self._active_kid = keys[0][0]
        self._data_keys = {kid: AESGCM(_derive(key, "data-at-rest")) for kid, key in keys}
        self._mint_keys = {kid: AESSIV(_derive(key, "minted-token", 64)) for kid, key in keys}
        self._digest_keys = {kid: _derive(key, "link-digest") for kid, key in keys}
        self._mac_key = _derive(keys[0][1], "fingerprint")

    @classmethod
    def from_setting(cls, value: str) -> Keyring:
        """Parse `ENCRYPTION_KEY`: comma-separated `[kid:]base64key` entries of 32 bytes each."""
        keys: list[tuple[str, bytes]] = []
        for index, entry in enumerate(part.strip() for part in value.split(",")):
            kid, _, encoded = entry.rpartition(":")
            try:
                key = unb64url(encoded.replace("+", "-").replace("/", "_"))
            except ValueError:
                key = b""
            if len(key) != 32:
                raise SettingsError(
                    f"invalid setting ENCRYPTION_KEY: entry {index + 1} is not 32 bytes of base64"
                )
            kid = kid or hashlib.sha256(key).hexdigest()[:8]
            if not kid.isalnum():
                raise SettingsError(
                    f"invalid setting ENCRYPTION_KEY: key id {kid!r} not alphanumeric"
                )
            keys.append((kid, key))
        return cls(keys)

    @property
    def active_kid(self) -> str:
        """Id of the key that encrypts new data."""
        return self._active_kid

    def encrypt(self, plaintext: bytes, context: str) -> str:
        """Encrypt bytes bound to context (associated data) into an envelope string."""
        return self._seal(self._data_keys, plaintext, context)

    def decrypt(self, envelope: str, context: str) -> bytes:
        """Open an envelope made by encrypt with the same context."""
        return self._open(self._data_keys, envelope, context)

    def encrypt_json(self, value: Any, context: str) -> str:
        """Encrypt a JSON-serialisable value."""
        return self.encrypt(_COMPACT_JSON.encode(value).encode(), context)

    def decrypt_json(self, envelope: str, context: str) -> Any:
        """Decrypt an envelope made by encrypt_json."""
        return json.loads(self.decrypt(envelope, context))

    def mint(self, purpose: str, claims: dict[str, Any], kid: str) -> str:
        """A deterministic sealed token (AES-SIV): the same claims under the same key always
        give the same token, so a link can be rebuilt from the parts it was minted from."""
        key = self._mint_keys.get(kid)
        if key is None:
            raise DecryptionError("unknown key id")
        raw = _CANONICAL_JSON.encode(claims).encode()
        return f"{kid}.{b64url(key.encrypt(raw, [purpose.encode()]))}"

    def open_minted(self, purpose: str, token: str) -> tuple[str, dict[str, Any]]:
        """The key id and claims of a minted token; DecryptionError when tampered or foreign."""
        kid, _, encoded = (token or "").partition(".")
        key = self._mint_keys.get(kid)
        if key is None or len(token) > 1024:
            raise DecryptionError("malformed token")
        try:
            claims = json.loads(key.decrypt(unb64url(encoded), [purpose.encode()]))
        except (ValueError, InvalidTag) as exc:
            raise DecryptionError("cannot decrypt") from exc
        if not isinstance(claims, dict):
            raise DecryptionError("malformed token")
        return kid, claims

    def digest(self, kid: str, value: str) -> str:
        """A keyed hash (HMAC-SHA256 under key kid) of a bearer value, safe to store."""
        key = self._digest_keys.get(kid)
        if key is None:
            raise DecryptionError("unknown key id")
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def fingerprint(self, value: str) -> str:
        """A keyed digest of a secret value, safe to store and compare."""
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def _seal(self, keys: dict[str, AESGCM], plaintext: bytes, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = keys[self._active_kid].encrypt(nonce, plaintext, context.encode())
        return f"{self._active_kid}.{b64url(nonce + sealed)}"

    def _open(self, keys: dict[str, AESGCM], envelope: str, context: str) -> bytes:
        kid, _, encoded = envelope.partition(".")
        key = keys.get(kid)
        if key is None:
            raise DecryptionError("unknown key id")
        try:
            raw = unb64url(encoded)
            return key.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except (ValueError, InvalidTag) as exc:
            raise DecryptionError("cannot decrypt") from exc
