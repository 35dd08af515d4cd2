"""Probe finding 1 (second half): every list is paginated (`limit`, an opaque `cursor`, the next
page in `Link`), so no read of a user's list is unbounded."""

from __future__ import annotations

import re

import httpx
import pytest

from service.domain.models import Owner
from service.store import keys
from tests.flow import ConnectApi
from tests.support import auth, path_and_query, problem_code

LINK = re.compile(r'^<([^>]+)>; rel="next"$')


async def _walk(api: ConnectApi, user: str, first: str) -> list[list[str]]:
    """The ids of every page, following `Link: rel=next` from `first` to the end."""
    pages: list[list[str]] = []
    url: str | None = first
    while url is not None:
        response = await api.client.get(url, headers=auth(user))
        assert response.status_code == 200, response.text
        body = response.json()
        assert isinstance(body, list)
        pages.append([item["id"] for item in body])
        link = response.headers.get("link")
        url = None
        if link is not None:
            match = LINK.match(link)
            assert match, link
            assert match.group(1).startswith("http://testserver/api/v1/")
            url = path_and_query(match.group(1))
        assert len(pages) < 20
    return pages


async def test_sessions_come_in_pages_newest_first(api: ConnectApi) -> None:
    made = [(await api.created("pager", {}))["id"] for _ in range(7)]
    pages = await _walk(api, "pager", api.url("pager", "connect-sessions?limit=3"))
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [sid for page in pages for sid in page] == made[::-1]


async def test_the_default_page_is_fifty_and_the_last_page_has_no_link(api: ConnectApi) -> None:
    for _ in range(2):
        await api.created("pager-default", {})
    response = await api.client.get(
        api.url("pager-default", "connect-sessions"), headers=auth("pager-default")
    )
    assert len(response.json()) == 2 and "link" not in response.headers


async def test_a_status_filter_pages_over_matches_only(api: ConnectApi) -> None:
    made = [(await api.created("pager-status", {}))["id"] for _ in range(6)]
    for sid in made[::2]:
        cancelled = await api.client.delete(
            api.url("pager-status", f"connect-sessions/{sid}"), headers=auth("pager-status")
        )
        assert cancelled.status_code == 200
    first = api.url("pager-status", "connect-sessions?status=cancelled&limit=2")
    pages = await _walk(api, "pager-status", first)
    assert [sid for page in pages for sid in page] == made[::2][::-1]
    assert all(page for page in pages)


async def test_sessions_created_in_one_millisecond_are_neither_lost_nor_repeated(
    api: ConnectApi,
) -> None:
    made = [(await api.created("pager-tie", {}))["id"] for _ in range(5)]
    index = keys.session_index_key(Owner("default", "pager-tie"))
    await api.ctx.store.redis.zadd(index, dict.fromkeys(made, 1_700_000_000_000))
    pages = await _walk(api, "pager-tie", api.url("pager-tie", "connect-sessions?limit=2"))
    listed = [sid for page in pages for sid in page]
    assert sorted(listed) == sorted(made) and len(listed) == 5


async def test_vehicles_come_in_pages_oldest_first(api: ConnectApi) -> None:
    connected = []
    for i in range(3):  # the default client's limit is one connected car: each is removed after
        vehicle_id = (await api.connect("pager-cars", account=f"acct-{i}"))["vehicleId"]
        removed = await api.client.delete(
            api.url("pager-cars", f"vehicles/{vehicle_id}"), headers=auth("pager-cars")
        )
        assert removed.status_code == 200
        connected.append(vehicle_id)
    pages = await _walk(api, "pager-cars", api.url("pager-cars", "vehicles?limit=2"))
    assert [len(page) for page in pages] == [2, 1]
    assert [vid for page in pages for vid in page] == connected


async def test_vehicle_profiles_come_in_pages(api: ConnectApi) -> None:
    everything = await api.client.get("/api/v1/vehicle-profiles", headers=auth("pp"))
    all_ids = [p["id"] for p in everything.json()]
    assert len(all_ids) > 3
    pages = await _walk(api, "pp", "/api/v1/vehicle-profiles?limit=3")
    assert [pid for page in pages for pid in page] == all_ids


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=ten", "cursor=%%%", "cursor=bm9wZQ", "cursor=" + "A" * 300],
)
async def test_a_bad_limit_or_cursor_is_422(api: ConnectApi, query: str) -> None:
    for path in ("connect-sessions", "vehicles"):
        response = await api.client.get(
            api.url("pager-bad", f"{path}?{query}"), headers=auth("pager-bad")
        )
        assert response.status_code == 422, (path, query, response.text)
        assert problem_code(response) == "VALIDATION_FAILED"
    profiles = await api.client.get(f"/api/v1/vehicle-profiles?{query}", headers=auth("pager-bad"))
    assert profiles.status_code == 422


async def test_limit_200_is_the_most_a_page_holds(api: ConnectApi) -> None:
    response: httpx.Response = await api.client.get(
        api.url("pager-max", "connect-sessions?limit=200"), headers=auth("pager-max")
    )
    assert response.status_code == 200 and response.json() == []
