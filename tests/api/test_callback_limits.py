"""Every schema-valid callback fits the server's request line: it gets our problem document,
never uvicorn's plain-text 400 (found by schemathesis with 4096-character parameters)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from tests.support import REPO_ROOT, ServiceProcess, running_service

WIDE = "\U0001d7f9"  # four bytes in UTF-8: twelve characters percent-encoded


def _documented_limits() -> dict[str, int]:
    """maxLength of each query parameter of the callback, as the OpenAPI document says."""
    document = json.loads((REPO_ROOT / "openapi" / "openapi.json").read_text())
    limits: dict[str, int] = {}
    for parameter in document["paths"]["/callbacks/{provider}"]["get"]["parameters"]:
        if parameter["in"] == "query":
            [text] = [s for s in parameter["schema"]["anyOf"] if s.get("type") == "string"]
            limits[parameter["name"]] = int(text["maxLength"])
    return limits


LIMITS = _documented_limits()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    with running_service(None, tmp_path_factory.mktemp("callback-limits")) as running:
        yield running


def _callback(service: ServiceProcess, values: dict[str, str]) -> httpx.Response:
    query = "&".join(f"{name}={quote(value)}" for name, value in values.items())
    return httpx.get(f"{service.base_url}/callbacks/sandbox?{query}")


def test_the_longest_valid_callback_is_answered_by_the_service(service: ServiceProcess) -> None:
    """Every parameter at its limit in four-byte characters: a 400 problem (a forged state)."""
    response = _callback(service, {name: WIDE * size for name, size in LIMITS.items()})
    assert len(str(response.request.url)) > 40_000
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "CONNECT_INVALID_STATE"


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_one_character_over_a_limit_is_422(service: ServiceProcess, name: str) -> None:
    """A parameter one character over its limit is a 422 problem naming it."""
    response = _callback(service, {name: "a" * (LIMITS[name] + 1)})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert name in response.text
