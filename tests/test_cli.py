"""The console script: token, openapi, settings errors; and `python -m service` serving."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import jwt

from tests.support import JWT_SECRET, REPO_ROOT, deployment_env, running_service


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )


def test_token_is_signed_with_the_configured_key() -> None:
    result = _cli("token", "--user", "alice", "--ttl", "120", env=deployment_env(None))
    assert result.returncode == 0, result.stderr
    claims = jwt.decode(result.stdout.strip(), JWT_SECRET, algorithms=["HS256"])
    assert claims["sub"] == "alice" and claims["client_id"] == "default"
    assert claims["exp"] - claims["iat"] == 120


def test_development_secret_is_shared_by_token_and_serve(tmp_path: Path) -> None:
    env = {"DEV_SECRETS_FILE": str(tmp_path / "dev.json"), "HOME": str(tmp_path)}
    token = _cli("token", "--user", "dev-user", env=env).stdout.strip()
    extra = {
        "DEV_SECRETS_FILE": str(tmp_path / "dev.json"),
        "AUTH_JWT_SECRET": "",
        "ENCRYPTION_KEY": "",
    }
    with running_service(None, tmp_path, **extra) as service:
        response = httpx.get(
            f"{service.base_url}/api/v1/users/dev-user/connect-sessions",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        log = service.log_path.read_text()
    assert "embedded in-memory store" in log


def test_openapi_prints_the_document() -> None:
    result = _cli("openapi", env=deployment_env(None))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert "/api/v1/users/{userId}/vehicles/connect-sessions" in document["paths"]


def test_invalid_settings_fail_at_start_naming_the_setting() -> None:
    cases = {
        "REDIS_URL": "http://not-redis",
        "PUBLIC_BASE_URL": "ftp://x",
        "SMARTCAR_MODE": "sometimes",
        "ENCRYPTION_KEY": "nope",
        "AUTH_JWT_SECRET": "short",
    }
    for name, value in cases.items():
        result = _cli("serve", "--port", "1", env={**deployment_env(None), name: value})
        assert result.returncode == 2, (name, result.stderr)
        assert name in result.stderr, (name, result.stderr)


def test_production_refuses_generated_secrets() -> None:
    result = _cli("serve", env={"ENVIRONMENT": "production"})
    assert result.returncode == 2
    assert "required in production" in result.stderr
