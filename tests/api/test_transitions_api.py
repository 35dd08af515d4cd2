"""Triggers through the routes: refused ones answer 409 (410 when expired), expiry on read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from service.domain.models import utcnow
from tests.flow import ConnectApi
from tests.support import auth, problem_code


async def _finished(api: ConnectApi, user: str, how: str) -> dict[str, Any]:
    if how == "authorized":
        return await api.connect(user)
    if how == "failed":
        session, callback = await api.callback_url_for(user, decision="deny")
        await api.callback(callback)
        return await api.get(user, session["id"])
    session = await api.created(user, {})
    response = await api.client.delete(
        api.url(user, f"connect-sessions/{session['id']}"), headers=auth(user)
    )
    assert response.status_code == 200
    return dict(response.json())


@pytest.mark.parametrize("how", ["authorized", "failed", "cancelled"])
async def test_triggers_on_a_finished_session_are_409(api: ConnectApi, how: str) -> None:
    user = f"user-{how}"
    session = await _finished(api, user, how)
    sid = session["id"]
    assert session["status"] == how
    cancel = await api.client.delete(api.url(user, f"connect-sessions/{sid}"), headers=auth(user))
    if how == "cancelled":  # cancelling again answers with it (SPEC 9)
        assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    else:
        assert cancel.status_code == 409 and problem_code(cancel) == "CONNECT_VEHICLE_NOT_PENDING"
    authorize = await api.client.post(
        api.url(user, f"connect-sessions/{sid}/authorize"), headers=auth(user), json={}
    )
    assert problem_code(authorize) == "CONNECT_VEHICLE_NOT_PENDING"
    assert authorize.status_code == 409
    stored = await api.stored(user, sid)
    start = await api.client.post(
        "/web/start", data={"token": api.page_token(stored), "provider": "sandbox"}
    )
    assert start.status_code == 409 and problem_code(start) == "CONNECT_VEHICLE_NOT_PENDING"
    choose = await api.client.post(
        "/web/choose", data={"token": api.page_token(stored), "vin": "SBXAAAAAAAAAAAAAA"}
    )
    assert choose.status_code == 409 and problem_code(choose) == "CONNECT_VEHICLE_NOT_PENDING"
    assert (await api.get(user, sid))["status"] == how


async def test_expiry_is_applied_on_read_and_list_and_refuses_triggers_with_410(
    api: ConnectApi,
) -> None:
    session = await api.created("ivy", {})
    stored = await api.stored("ivy", session["id"])
    await api.overwrite(stored.evolve(expires_at=utcnow() - timedelta(seconds=1)))
    listed = await api.client.get(api.url("ivy", "connect-sessions"), headers=auth("ivy"))
    assert [s["status"] for s in listed.json()] == ["expired"]
    read = await api.get("ivy", session["id"])
    assert read["status"] == "expired" and read["isFinished"] is True
    assert read["startUrl"] is None
    assert read["history"][-1]["trigger"] == "expire"
    cancel = await api.client.delete(
        api.url("ivy", f"connect-sessions/{session['id']}"), headers=auth("ivy")
    )
    assert cancel.status_code == 410 and problem_code(cancel) == "CONNECT_SESSION_EXPIRED"
    start = await api.client.post(
        "/web/start", data={"token": api.page_token(stored), "provider": "sandbox"}
    )
    assert start.status_code == 410


async def test_callback_after_expiry_is_410(api: ConnectApi) -> None:
    session, callback = await api.callback_url_for("jack")
    stored = await api.stored("jack", session["id"])
    await api.overwrite(stored.evolve(expires_at=utcnow() - timedelta(seconds=1)))
    response = await api.callback(callback)
    assert response.status_code == 410
    assert problem_code(response) == "CONNECT_SESSION_EXPIRED"


async def test_cancel_an_open_session(api: ConnectApi) -> None:
    session = await api.created("kate", {"provider": "sandbox"})
    authorize_url = await api.provider_url(session)
    response = await api.client.delete(
        api.url("kate", f"connect-sessions/{session['id']}"), headers=auth("kate")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled" and body["isFinished"] is True
    assert body["history"][-1] == {
        **body["history"][-1],
        "from": "awaiting_external",
        "to": "cancelled",
        "trigger": "cancel",
    }
    callback = await api.sandbox_decide(authorize_url)
    late = await api.callback(callback)
    assert late.status_code == 409


async def test_list_filters_by_status_newest_first(api: ConnectApi) -> None:
    first = await api.created("liam", {})
    second = await api.created("liam", {})
    await api.client.delete(
        api.url("liam", f"connect-sessions/{first['id']}"), headers=auth("liam")
    )
    everything = await api.client.get(api.url("liam", "connect-sessions"), headers=auth("liam"))
    assert [s["id"] for s in everything.json()] == [second["id"], first["id"]]
    pending = await api.client.get(
        api.url("liam", "connect-sessions"), headers=auth("liam"), params={"status": "pending"}
    )
    assert [s["id"] for s in pending.json()] == [second["id"]]
    wrong = await api.client.get(
        api.url("liam", "connect-sessions"), headers=auth("liam"), params={"status": "bogus"}
    )
    assert wrong.status_code == 422 and problem_code(wrong) == "VALIDATION_FAILED"
