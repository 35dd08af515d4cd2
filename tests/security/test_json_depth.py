"""Probe finding 4: JSON nesting deeper than 32 levels is 422 everywhere, webhooks included.

A correctly signed Enode or Smartcar webhook of 50,000 nested arrays made the parser recurse
until RecursionError (500). Now every body is checked before any parser runs.
"""

from __future__ import annotations

import httpx
import pytest

from service.http.json_depth import MAX_JSON_DEPTH, nests_deeper_than
from tests.fakes.enode import enode_signature
from tests.fakes.smartcar import sc_signature
from tests.flow import ConnectApi
from tests.support import auth, problem_code

ENODE_SECRET = "enode-webhook-secret"
SMARTCAR_TOKEN = "smartcar-management-token"
UNUSED = "http://127.0.0.1:9"


@pytest.fixture
def settings_env() -> dict[str, str]:
    return {
        "ENODE_API_URL": UNUSED,
        "ENODE_OAUTH_URL": UNUSED,
        "ENODE_CLIENT_ID": "enode-client",
        "ENODE_CLIENT_SECRET": "enode-secret",
        "ENODE_WEBHOOK_SECRET": ENODE_SECRET,
        "SMARTCAR_CONNECT_URL": UNUSED,
        "SMARTCAR_AUTH_URL": UNUSED,
        "SMARTCAR_API_URL": UNUSED,
        "SMARTCAR_CLIENT_ID": "sc-client",
        "SMARTCAR_CLIENT_SECRET": "sc-secret",
        "SMARTCAR_MANAGEMENT_TOKEN": SMARTCAR_TOKEN,
    }


def nested(depth: int, inner: bytes = b"1") -> bytes:
    """depth arrays around inner."""
    return b"[" * depth + inner + b"]" * depth


async def _signed_enode_webhook(api: ConnectApi, body: bytes) -> httpx.Response:
    headers = {
        "content-type": "application/json",
        "x-enode-signature": enode_signature(ENODE_SECRET, body),
        "x-enode-delivery": "d-" + str(len(body)),
    }
    return await api.client.post("/webhooks/enode", content=body, headers=headers)


def test_the_depth_scan_counts_arrays_and_objects_and_skips_strings() -> None:
    assert not nests_deeper_than(nested(MAX_JSON_DEPTH))
    assert nests_deeper_than(nested(MAX_JSON_DEPTH + 1))
    objects = b'{"a":' * 33 + b"1" + b"}" * 33
    assert nests_deeper_than(objects)
    in_a_string = b'["' + b"[" * 100 + b'\\"' + b"{" * 100 + b'"]'
    assert not nests_deeper_than(in_a_string)
    siblings = b"[" + b",".join([nested(20)] * 50) + b"]"
    assert not nests_deeper_than(siblings)


@pytest.mark.parametrize("depth", [33, 50_000])
async def test_a_signed_enode_webhook_nested_too_deep_is_422(api: ConnectApi, depth: int) -> None:
    response = await _signed_enode_webhook(api, nested(depth))
    assert response.status_code == 422, response.text
    assert problem_code(response) == "VALIDATION_FAILED"
    assert "deeper than 32" in response.json()["detail"]


async def test_a_signed_smartcar_webhook_nested_too_deep_is_422(api: ConnectApi) -> None:
    body = b'{"eventType": "VEHICLE_STATE", "data": ' + nested(50_000) + b"}"
    headers = {
        "content-type": "application/json",
        "SC-Signature": sc_signature(SMARTCAR_TOKEN, body),
    }
    response = await api.client.post("/webhooks/smartcar", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert problem_code(response) == "VALIDATION_FAILED"


async def test_a_webhook_at_the_limit_is_not_refused_for_its_depth(api: ConnectApi) -> None:
    response = await _signed_enode_webhook(api, nested(MAX_JSON_DEPTH))
    assert response.status_code < 500, response.text
    assert "deeper than" not in response.text


@pytest.mark.parametrize("depth", [33, 50_000])
async def test_api_bodies_nested_too_deep_are_422_and_store_nothing(
    api: ConnectApi, depth: int
) -> None:
    create = await api.client.post(
        api.url("nia", "vehicles/connect-sessions"),
        headers={**auth("nia"), "content-type": "application/json"},
        content=b'{"label": ' + nested(depth, b'"x"') + b"}",
    )
    assert create.status_code == 422 and problem_code(create) == "VALIDATION_FAILED"
    assert (
        await api.client.get(api.url("nia", "connect-sessions"), headers=auth("nia"))
    ).json() == []
    session = await api.created("nia", {"provider": "sandbox"})
    relay = await api.client.post(
        api.url("nia", f"connect-sessions/{session['id']}/info"),
        headers={**auth("nia"), "content-type": "text/plain"},
        content=b'{"cookies": {"a": ' + nested(depth, b'"x"') + b"}}",
    )
    assert relay.status_code == 422 and problem_code(relay) == "VALIDATION_FAILED"
    assert (await api.get("nia", session["id"]))["status"] == "awaiting_external"
