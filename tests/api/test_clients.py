"""API clients (tenants) from CLIENTS_FILE: providers, redirect URIs, limits, TTL, isolation."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from service.config import SettingsError, load_clients
from tests.flow import ConnectApi
from tests.support import auth, problem_code, query_of

CLIENTS_YAML = """
clients:
  default:
    providers: [sandbox]
    redirectUris:
      - myapp://connected
      - https://app.example.com/done/*
    maxVehiclesPerUser: 2
    sessionTtlSeconds: 600
  fleet:
    providers: [tesla]
"""


@pytest.fixture
def settings_env(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "clients.yaml"
    path.write_text(CLIENTS_YAML)
    return {"CLIENTS_FILE": str(path)}


async def test_allowed_redirect_uri_ends_the_hosted_legs(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("ann", {"redirectUri": "myapp://connected"})
    assert session["redirectUrl"] == "myapp://connected"
    response = await api.callback(callback)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("myapp://connected?")
    assert query_of(location) == {"sessionId": session["id"], "status": "authorized"}


async def test_prefix_redirect_uri_and_refused_ones(api: ConnectApi) -> None:
    ok = await api.create("ann", {"redirectUri": "https://app.example.com/done/42"})
    assert ok.status_code == 201
    for uri in ["https://app.example.com/other", "myapp://connected/extra", "javascript:alert(1)"]:
        response = await api.create("ann", {"redirectUri": uri})
        assert response.status_code == 422, uri
        assert problem_code(response) == "VALIDATION_FAILED"


async def test_client_ttl_and_vehicle_limit(api: ConnectApi) -> None:
    session = await api.created("ben", {})
    created = datetime.fromisoformat(session["createdAt"])
    expires = datetime.fromisoformat(session["expiresAt"])
    assert (expires - created).total_seconds() == 600
    await api.connect("ben", account="one")
    await api.connect("ben", account="two")
    third = await api.create("ben", {})
    assert problem_code(third) == "CONNECT_VEHICLE_LIMIT_REACHED"


async def test_provider_not_enabled_for_the_client(api: ConnectApi) -> None:
    response = await api.create("cat", {"provider": "sandbox"}, client_id="fleet")
    assert response.status_code == 403
    assert problem_code(response) == "CONNECT_PROVIDER_NOT_ALLOWED"
    assert response.json()["detail"] == (
        "The Connect provider sandbox is not configured for your client id"
    )


async def test_tenants_do_not_see_each_others_users(api: ConnectApi) -> None:
    mine = await api.created("same-user", {})
    theirs = await api.client.get(
        api.url("same-user", f"connect-sessions/{mine['id']}"), headers=auth("same-user", "fleet")
    )
    assert theirs.status_code == 404
    listed = await api.client.get(
        api.url("same-user", "connect-sessions"), headers=auth("same-user", "fleet")
    )
    assert listed.json() == []


def test_bad_clients_file_fails_at_start_naming_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_text(json.dumps({"clients": {"x": {"providers": ["volvo"]}}}))
    with pytest.raises(SettingsError, match="CLIENTS_FILE"):
        load_clients(path)
    path.write_text("{not json")
    with pytest.raises(SettingsError, match="CLIENTS_FILE"):
        load_clients(path)
