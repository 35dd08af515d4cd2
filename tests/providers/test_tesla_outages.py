"""Tesla down, slow or failing, then back: 503 PROVIDER_UNAVAILABLE, then the same relay works."""

from __future__ import annotations

import pytest

from tests.fakes.tesla import FakeTesla
from tests.flow import ConnectApi
from tests.providers.tesla_support import (
    TeslaFakes,
    TeslaRedirect,
    new_fake,
    serve_fake,
    tesla_login,
)
from tests.support import problem_code


@pytest.fixture
def settings_env(fakes: TeslaFakes) -> dict[str, str]:
    return fakes.settings()


async def _captured(api: ConnectApi, user: str) -> tuple[str, TeslaRedirect]:
    session = await api.created(user, {"provider": "tesla"})
    return session["id"], await tesla_login(session["startUrl"])


async def _unavailable_then_authorized(
    api: ConnectApi, user: str, session_id: str, captured: TeslaRedirect
) -> None:
    failed = await api.relay(user, session_id, captured.jedlix_relay())
    assert failed.status_code == 503, failed.text
    assert problem_code(failed) == "PROVIDER_UNAVAILABLE"
    assert failed.headers["retry-after"]
    waiting = await api.get(user, session_id)
    assert waiting["status"] == "awaiting_external"
    assert waiting["error"]["code"] == "PROVIDER_UNAVAILABLE"
    retried = await api.relay(user, session_id, captured.jedlix_relay())
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "authorized" and retried.json()["error"] is None


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_token_endpoint_5xx_then_up(api: ConnectApi, fakes: TeslaFakes, status: int) -> None:
    session_id, captured = await _captured(api, "ann")
    fakes.global_.token_failures.append(status)
    await _unavailable_then_authorized(api, "ann", session_id, captured)


async def test_vehicle_listing_down_then_up_posts_the_code_once(
    api: ConnectApi, fakes: TeslaFakes
) -> None:
    session_id, captured = await _captured(api, "ben")
    fakes.global_.api_failures.append(503)
    await _unavailable_then_authorized(api, "ben", session_id, captured)
    assert fakes.global_.token_request_count() == 1


async def test_slower_than_the_timeout_then_fast(api: ConnectApi, fakes: TeslaFakes) -> None:
    session_id, captured = await _captured(api, "cai")
    fakes.global_.token_delay = 3.0
    failed = await api.relay("cai", session_id, captured.jedlix_relay())
    assert failed.status_code == 503 and problem_code(failed) == "PROVIDER_UNAVAILABLE"
    fakes.global_.token_delay = 0.0
    retried = await api.relay("cai", session_id, captured.jedlix_relay())
    assert retried.status_code == 200 and retried.json()["status"] == "authorized"


class TestConnectionRefused:
    """Tesla unreachable (nothing listening), then back on the same port."""

    @pytest.fixture
    def down(self) -> FakeTesla:
        return new_fake()

    @pytest.fixture
    def settings_env(self, down: FakeTesla) -> dict[str, str]:
        return {
            "TESLA_AUTH_URL": down.base_url,
            "TESLA_OWNER_API_URL": down.base_url,
            "PROVIDER_TIMEOUT_SECONDS": "2",
        }

    async def test_refused_then_back(self, api: ConnectApi, down: FakeTesla) -> None:
        session = await api.created("dee", {"provider": "tesla"})
        with serve_fake(down):
            captured = await tesla_login(session["startUrl"])
        failed = await api.relay("dee", session["id"], captured.jedlix_relay())
        assert failed.status_code == 503 and problem_code(failed) == "PROVIDER_UNAVAILABLE"
        assert (await api.get("dee", session["id"]))["status"] == "awaiting_external"
        with serve_fake(down):
            retried = await api.relay("dee", session["id"], captured.jedlix_relay())
        assert retried.status_code == 200 and retried.json()["status"] == "authorized"
        assert down.token_request_count() == 1
