"""Secrets the service runs with: JWT key and encryption keys, generated in development."""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from service.config import Settings

log = logging.getLogger("vehicle_connect")


@dataclass(frozen=True)
class ServiceSecrets:
    """The HS256 key for user tokens (None with JWKS only) and the encryption key setting."""

    jwt_secret: str | None
    encryption_key: str


def default_dev_secrets_path() -> Path:
    """Where development secrets are kept so that `serve` and `token` share them."""
    state_home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state_home) / "vehicle-connect" / "dev-secrets.json"


def resolve_secrets(settings: Settings) -> ServiceSecrets:
    """Use the configured secrets; in development fill the unset ones from the dev secrets file."""
    jwt_secret = settings.auth_jwt_secret
    encryption_key = settings.encryption_key
    needs_jwt = jwt_secret is None and settings.auth_jwks_url is None
    if not needs_jwt and encryption_key is not None:
        return ServiceSecrets(jwt_secret, encryption_key)
    stored = _load_or_create_dev_secrets(settings.dev_secrets_file or default_dev_secrets_path())
    if needs_jwt:
        jwt_secret = stored["jwt_secret"]
    if encryption_key is None:
        encryption_key = stored["encryption_key"]
    return ServiceSecrets(jwt_secret, encryption_key)


def _load_or_create_dev_secrets(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data.get("jwt_secret"), str) and isinstance(data.get("encryption_key"), str):
            return {"jwt_secret": data["jwt_secret"], "encryption_key": data["encryption_key"]}
    except (OSError, ValueError):
        pass
    data = {
        "jwt_secret": secrets.token_urlsafe(48),
        "encryption_key": "dev:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    log.warning(
        "development secrets generated in %s (set AUTH_JWT_SECRET and ENCRYPTION_KEY)", path
    )
    return data
