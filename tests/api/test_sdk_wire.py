"""What the Jedlix SDK sends and reads (SPEC 9): error media types and the bad input it and
people send."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.domain.models import utcnow
from tests.flow import ConnectApi
from tests.support import auth, problem_code


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/json", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
        (None, "application/problem+json"),
        ("application/problem+json", "application/problem+json"),
        ("application/json, application/problem+json", "application/problem+json"),
        ("*/*", "application/problem+json"),
    ],
)
async def test_errors_come_as_json_to_a_client_that_asks_only_for_json(
    api: ConnectApi, accept: str | None, media_type: str
) -> None:
    """The SDK reads an error body only under `application/json`: it gets the same problem."""
    headers = {**auth("wire"), **({"Accept": accept} if accept else {})}
    missing = await api.client.get(api.url("wire", "connect-sessions/nope"), headers=headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == media_type
    assert missing.json()["code"] == "CONNECT_SESSION_NOT_FOUND" and missing.json()["title"]


async def test_an_unknown_field_on_create_is_422_naming_it(api: ConnectApi) -> None:
    """A typo (`provder`) no longer makes a hosted session silently."""
    response = await api.create("typo", {"provder": "sandbox"})
    assert response.status_code == 422 and problem_code(response) == "VALIDATION_FAILED"
    assert "provder" in response.json()["detail"]
    listed = await api.client.get(api.url("typo", "connect-sessions"), headers=auth("typo"))
    assert listed.json() == []


async def test_a_relayed_url_with_nothing_in_it_is_400(api: ConnectApi) -> None:
    """A captured URL without code, state or error: 400 CONNECT_INVALID_AUTH_CODE."""
    session = await api.created("empty", {})
    relayed = await api.relay("empty", session["id"], {"redirectUrl": session["redirectUrl"]})
    assert relayed.status_code == 400 and problem_code(relayed) == "CONNECT_INVALID_AUTH_CODE"
    assert (await api.get("empty", session["id"]))["status"] == "pending"


async def test_a_relay_on_an_expired_session_is_410(api: ConnectApi) -> None:
    """Expired, whatever its state: 410 CONNECT_SESSION_EXPIRED."""
    session, callback = await api.callback_url_for("late")
    stored = await api.stored("late", session["id"])
    await api.overwrite(stored.evolve(expires_at=utcnow() - timedelta(hours=2)))
    relayed = await api.relay("late", session["id"], {"redirectUrl": callback})
    assert relayed.status_code == 410 and problem_code(relayed) == "CONNECT_SESSION_EXPIRED"


async def test_cancelling_a_cancelled_session_answers_it(api: ConnectApi) -> None:
    """Cancel is idempotent: the second answers 200 with the session, nothing written."""
    session = await api.created("twice", {})
    url = api.url("twice", f"connect-sessions/{session['id']}")
    first = await api.client.delete(url, headers=auth("twice"))
    again = await api.client.delete(url, headers=auth("twice"))
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.json()["status"] == "cancelled"


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE", "PUT"])
async def test_other_methods_on_the_create_path_are_405(api: ConnectApi, method: str) -> None:
    """Not a vehicle named "connect-sessions": 405 with `Allow: POST`."""
    response = await api.client.request(
        method, api.url("wire", "vehicles/connect-sessions"), headers=auth("wire")
    )
    assert response.status_code == 405 and problem_code(response) == "METHOD_NOT_ALLOWED"
    assert response.headers["allow"] == "POST"


async def test_the_session_list_by_kind_has_the_unfinished_vehicle_sessions(
    api: ConnectApi,
) -> None:
    """`type=vehicle`: unfinished sessions, newest first; charger and energySupplier: none;
    `status=` still filters; an unknown kind is 422."""
    done, denied = await api.callback_url_for("kinds", decision="deny")
    await api.callback(denied)
    older = await api.created("kinds", {})
    newer = await api.created("kinds", {})

    async def listed(query: str) -> list[str]:
        response = await api.client.get(
            api.url("kinds", f"connect-sessions?{query}"), headers=auth("kinds")
        )
        assert response.status_code == 200, response.text
        return [session["id"] for session in response.json()]

    assert await listed("type=vehicle") == [newer["id"], older["id"]]
    assert await listed("type=charger") == []
    assert await listed("type=energySupplier") == []
    assert await listed("type=vehicle&status=pending") == [newer["id"], older["id"]]
    assert await listed("type=vehicle&status=failed") == []
    assert await listed("status=failed") == [done["id"]]
    bad = await api.client.get(
        api.url("kinds", "connect-sessions?type=boat"), headers=auth("kinds")
    )
    assert bad.status_code == 422 and problem_code(bad) == "VALIDATION_FAILED"
