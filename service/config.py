"""Settings from the environment and the API clients (tenants) file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.domain.providers import ProviderName

MAX_SESSION_TTL_SECONDS = 86400
"""The longest a client may let a session stay open."""


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it."""


class Settings(BaseSettings):
    """Every setting of the service, read from environment variables."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    environment: Annotated[str, Field(pattern="^(development|production)$")] = "development"
    redis_url: str | None = None
    redis_cluster: bool = False
    redis_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 1.0
    redis_max_connections: Annotated[int, Field(ge=1, le=100_000)] = 512
    public_base_url: str = "http://127.0.0.1:8000"
    auth_jwt_secret: str | None = None
    auth_jwks_url: str | None = None
    auth_issuer: str | None = None
    auth_audience: str | None = None
    encryption_key: str | None = None
    clients_file: Path | None = None
    dev_secrets_file: Path | None = None
    session_retention_seconds: Annotated[int, Field(ge=60, le=90 * 86400)] = 86400
    max_body_bytes: Annotated[int, Field(ge=1024, le=16 * 1024 * 1024)] = 256 * 1024
    provider_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0
    log_level: Annotated[str, Field(pattern="^(DEBUG|INFO|WARNING|ERROR)$")] = "INFO"
    rate_limit_user_per_minute: Annotated[int, Field(ge=0)] = 600
    rate_limit_ip_per_minute: Annotated[int, Field(ge=0)] = 600
    sandbox_enabled: bool | None = None
    max_open_sessions_per_user: Annotated[int, Field(ge=1, le=1_000_000)] = 10
    forwarded_allow_ips: str | None = None
    metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9100
    metrics_token: Annotated[str, Field(min_length=16)] | None = None

    tesla_auth_url: str = "https://auth.tesla.com"
    tesla_auth_cn_url: str | None = None
    tesla_owner_api_url: str = "https://owner-api.teslamotors.com"
    tesla_owner_api_cn_url: str = "https://owner-api.vn.cloud.tesla.cn"
    tesla_redirect_uri: str = "tesla://auth/callback"
    tesla_client_id: str | None = None
    tesla_client_secret: str | None = None
    tesla_fleet_auth_url: str = "https://fleet-auth.prd.vn.cloud.tesla.com"
    tesla_fleet_api_url: str = "https://fleet-api.prd.na.vn.cloud.tesla.com"

    enode_api_url: str = "https://enode-api.production.enode.io"
    enode_oauth_url: str = "https://oauth.production.enode.io"
    enode_link_url: str = "https://link.enode.com"
    """Where Enode's link UI is served (its `linkUrl`s): the hosted pages' CSP lets forms lead
    there."""
    enode_client_id: str | None = None
    enode_client_secret: str | None = None
    enode_webhook_secret: str | None = None

    smartcar_connect_url: str = "https://connect.smartcar.com"
    smartcar_auth_url: str = "https://auth.smartcar.com"
    smartcar_api_url: str = "https://api.smartcar.com"
    smartcar_client_id: str | None = None
    smartcar_client_secret: str | None = None
    smartcar_management_token: str | None = None
    smartcar_mode: Annotated[str, Field(pattern="^(live|test|simulated)$")] = "live"

    @field_validator(
        "redis_url",
        "auth_jwt_secret",
        "auth_jwks_url",
        "auth_issuer",
        "auth_audience",
        "encryption_key",
        "clients_file",
        "dev_secrets_file",
        "tesla_client_id",
        "tesla_client_secret",
        "tesla_auth_cn_url",
        "enode_client_id",
        "enode_client_secret",
        "enode_webhook_secret",
        "smartcar_client_id",
        "smartcar_client_secret",
        "smartcar_management_token",
        "metrics_token",
        "sandbox_enabled",
        "forwarded_allow_ips",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator(
        "public_base_url",
        "tesla_auth_url",
        "tesla_owner_api_url",
        "tesla_owner_api_cn_url",
        "tesla_fleet_auth_url",
        "tesla_fleet_api_url",
        "enode_api_url",
        "enode_oauth_url",
        "enode_link_url",
        "smartcar_connect_url",
        "smartcar_auth_url",
        "smartcar_api_url",
    )
    @classmethod
    def _http_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or " " in value:
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("tesla_auth_cn_url", "tesla_redirect_uri")
    @classmethod
    def _optional_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "://" not in value or " " in value:
            raise ValueError("must be an absolute URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @property
    def provider_page_urls(self) -> list[str]:
        """Provider pages a browser is sent to from our forms (sign-in, link)."""
        urls = [
            self.tesla_auth_url,
            self.tesla_fleet_auth_url,
            self.enode_link_url,
            self.smartcar_connect_url,
        ]
        return urls + ([self.tesla_auth_cn_url] if self.tesla_auth_cn_url else [])

    @property
    def sandbox_offered(self) -> bool:
        """The built-in sandbox: on in development, off in production unless SANDBOX_ENABLED."""
        if self.sandbox_enabled is not None:
            return self.sandbox_enabled
        return self.environment != "production"

    @property
    def tesla_fleet_mode(self) -> bool:
        """True when Fleet API credentials are set: `tesla` sessions use Fleet mode."""
        return bool(self.tesla_client_id and self.tesla_client_secret)

    @property
    def enode_enabled(self) -> bool:
        """True when Enode client credentials are set."""
        return bool(self.enode_client_id and self.enode_client_secret)

    @property
    def smartcar_enabled(self) -> bool:
        """True when Smartcar client credentials are set."""
        return bool(self.smartcar_client_id and self.smartcar_client_secret)

    @property
    def is_production(self) -> bool:
        """True when development conveniences (generated secrets) are refused."""
        return self.environment == "production"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read and check the settings; raise SettingsError naming the bad setting."""
    try:
        settings = Settings(**_lowercase(env)) if env is not None else Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"invalid setting {name}: {first['msg']}") from None
    if settings.is_production:
        for name in ("encryption_key", "redis_url"):
            if not getattr(settings, name):
                raise SettingsError(f"invalid setting {name.upper()}: required in production")
        if not settings.auth_jwt_secret and not settings.auth_jwks_url:
            raise SettingsError(
                "invalid setting AUTH_JWT_SECRET: AUTH_JWT_SECRET or AUTH_JWKS_URL is required "
                "in production"
            )
    if settings.redis_cluster and not settings.redis_url:
        raise SettingsError("invalid setting REDIS_CLUSTER: needs REDIS_URL")
    if settings.auth_jwt_secret is not None and len(settings.auth_jwt_secret) < 32:
        raise SettingsError("invalid setting AUTH_JWT_SECRET: use at least 32 characters")
    return settings


def _lowercase(env: dict[str, str]) -> dict[str, Any]:
    return {key.lower(): value for key, value in env.items()}


class ClientConfig(BaseModel):
    """One API client (tenant) and what it may do."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    id: str = "default"
    providers: list[ProviderName] = Field(default_factory=lambda: list(ProviderName))
    redirect_uris: list[str] = Field(default_factory=list)
    max_vehicles_per_user: Annotated[int, Field(ge=1, le=100)] = 1
    session_ttl_seconds: Annotated[int, Field(ge=60, le=MAX_SESSION_TTL_SECONDS)] = 1800

    def allows_redirect_uri(self, uri: str) -> bool:
        """True when uri matches an allowed value exactly or a `prefix*` entry."""
        for allowed in self.redirect_uris:
            if allowed.endswith("*"):
                if uri.startswith(allowed[:-1]):
                    return True
            elif uri == allowed:
                return True
        return False


class _ClientsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clients: dict[str, ClientConfig]


def load_clients(path: Path | None) -> dict[str, ClientConfig]:
    """Load the clients file (YAML or JSON), or the single default client without one."""
    if path is None:
        return {"default": ClientConfig()}
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        parsed = _ClientsFile.model_validate(raw)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise SettingsError(f"invalid setting CLIENTS_FILE: {_first_line(exc)}") from None
    if not parsed.clients:
        raise SettingsError("invalid setting CLIENTS_FILE: no clients defined")
    return {
        client_id: config.model_copy(update={"id": client_id})
        for client_id, config in parsed.clients.items()
    }


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
