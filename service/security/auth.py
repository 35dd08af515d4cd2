"""User tokens: HS256 with AUTH_JWT_SECRET, or RS256 from a JWKS (AUTH_JWKS_URL)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt

from service.config import ClientConfig, Settings
from service.domain.models import Owner
from service.errors import AuthTokenExpired, AuthTokenInvalid, AuthTokenMissing

MAX_USER_ID_LENGTH = 128
_JWKS_TTL_SECONDS = 300
_VERIFIED_CACHE_SIZE = 10_000


def mint_token(secret: str, user_id: str, client_id: str, ttl_seconds: int) -> str:
    """A development HS256 user token."""
    now = int(time.time())
    claims = {"sub": user_id, "client_id": client_id, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm="HS256")


class JwksCache:
    """The identity provider's signing keys, fetched over HTTP and kept for a few minutes."""

    def __init__(self, url: str, http: httpx.AsyncClient) -> None:
        self._url = url
        self._http = http
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def key_for(self, key_id: str | None) -> Any:
        """The public key with this key id (refetching once for an unknown id)."""
        kid = key_id or ""
        if kid not in self._keys or time.monotonic() - self._fetched_at > _JWKS_TTL_SECONDS:
            async with self._lock:
                if kid not in self._keys or time.monotonic() - self._fetched_at > _JWKS_TTL_SECONDS:
                    await self._refresh()
        if kid not in self._keys:
            raise AuthTokenInvalid("Unknown signing key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        try:
            response = await self._http.get(self._url, timeout=5.0)
            response.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError):
            raise AuthTokenInvalid("The signing keys cannot be fetched") from None
        self._keys = {key.key_id or "": key.key for key in jwks.keys}
        self._fetched_at = time.monotonic()


class TokenVerifier:
    """Turns an Authorization header into the calling owner (user of a client)."""

    def __init__(
        self,
        settings: Settings,
        secret: str | None,
        clients: dict[str, ClientConfig],
        jwks: JwksCache | None,
    ) -> None:
        self._settings = settings
        self._secret = secret
        self._clients = clients
        self._jwks = jwks
        self._verified: dict[str, tuple[Owner, float]] = {}

    async def verify(self, authorization: str | None) -> Owner:
        """The owner named by a valid bearer token; 401 problems otherwise.

        Verified tokens are remembered until they expire (an app sends the same token many
        times), so the signature is checked once per token, not once per request.
        """
        if not authorization:
            raise AuthTokenMissing("Send Authorization: Bearer <token>")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthTokenInvalid("The Authorization header is not a Bearer token")
        remembered = self._verified.get(token)
        if remembered is not None:
            owner, expires = remembered
            if time.time() < expires:
                return owner
            del self._verified[token]
        owner, expires = await self._verify_token(token)
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = (owner, expires)
        return owner

    async def _verify_token(self, token: str) -> tuple[Owner, float]:
        claims = await self._decode(token)
        user_id, client_id = claims.get("sub"), claims.get("client_id", "default")
        if not isinstance(user_id, str) or not 0 < len(user_id) <= MAX_USER_ID_LENGTH:
            raise AuthTokenInvalid("The token has no valid sub")
        if not isinstance(client_id, str) or client_id not in self._clients:
            raise AuthTokenInvalid("The token names an unknown client")
        return Owner(client_id, user_id), float(claims["exp"])

    async def _decode(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") == "HS256" and self._secret is not None:
                return self._checked(token, self._secret, "HS256")
            if self._jwks is not None and header.get("alg") in ("RS256", "ES256"):
                key = await self._jwks.key_for(header.get("kid"))
                return self._checked(token, key, str(header["alg"]))
        except jwt.ExpiredSignatureError:
            raise AuthTokenExpired() from None
        except jwt.PyJWTError:
            raise AuthTokenInvalid() from None
        raise AuthTokenInvalid("The token's algorithm is not accepted")

    def _checked(self, token: str, key: Any, algorithm: str) -> dict[str, Any]:
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            options={"require": ["exp", "sub"]},
            audience=self._settings.auth_audience,
            issuer=self._settings.auth_issuer,
        )
