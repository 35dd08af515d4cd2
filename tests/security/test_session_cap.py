"""Probe finding 1 (first half): a user's open sessions are capped; one more create cancels the
oldest open one, so no user can pile up sessions without bound."""

from __future__ import annotations

import pytest

from tests.flow import ConnectApi
from tests.support import auth


@pytest.fixture
def settings_env() -> dict[str, str]:
    return {"MAX_OPEN_SESSIONS_PER_USER": "3"}


async def test_one_more_create_cancels_the_oldest_open_session(api: ConnectApi) -> None:
    made = [await api.created("zed", {}) for _ in range(3)]
    assert [(await api.get("zed", s["id"]))["status"] for s in made] == ["pending"] * 3
    fourth = await api.created("zed", {"provider": "sandbox"})
    statuses = [(await api.get("zed", s["id"]))["status"] for s in made]
    assert statuses == ["cancelled", "pending", "pending"]
    fifth = await api.created("zed", {})
    statuses = [(await api.get("zed", s["id"]))["status"] for s in [*made, fourth, fifth]]
    assert statuses == ["cancelled", "cancelled", "pending", "awaiting_external", "pending"]


async def test_finished_sessions_do_not_count_against_the_cap(api: ConnectApi) -> None:
    for _ in range(4):
        ended = await api.created("yuri", {})
        deleted = await api.client.delete(
            api.url("yuri", f"connect-sessions/{ended['id']}"), headers=auth("yuri")
        )
        assert deleted.status_code in (200, 204), deleted.text
    opened = [await api.created("yuri", {}) for _ in range(3)]
    assert [(await api.get("yuri", s["id"]))["status"] for s in opened] == ["pending"] * 3


async def test_other_users_are_not_touched(api: ConnectApi) -> None:
    mine = await api.created("ann-cap", {})
    for _ in range(5):
        await api.created("bob-cap", {})
    assert (await api.get("ann-cap", mine["id"]))["status"] == "pending"
