"""The use cases driven directly (no HTTP): the sandbox flow, its replays, refusals, the limit."""

from __future__ import annotations

import pytest

from service.domain.models import Owner
from service.domain.navigation import start_url
from service.domain.providers import ProviderName
from service.domain.states import SessionStatus
from service.errors import (
    ConnectAccessDenied,
    ConnectSessionNotFound,
    ConnectVehicleLimitReached,
    ConnectVehicleNotPending,
    Forbidden,
)
from service.flows.sessions import SessionRequest
from tests.flows.conftest import Built
from tests.support import query_of

pytestmark = pytest.mark.usefixtures("store")

ALICE = Owner("default", "alice")


async def _to_login(
    built: Built, owner: Owner = ALICE
) -> tuple[str, dict[str, str], dict[str, str]]:
    """A new session with the sandbox leg started from its start page: its id, the sign-in
    URL's query and the binding cookies of the browser that opened the start page."""
    created = await built.flows.sessions.create(owner, SessionRequest())
    assert created.status == SessionStatus.PENDING
    url = start_url(created, built.flows.urls)
    assert url is not None
    token = query_of(url)["token"]
    _, cookie = await built.flows.pages.bind(token, {})
    browser = {created.id: cookie}
    login = await built.flows.pages.start(token, ProviderName.SANDBOX, browser)
    return created.id, query_of(login), browser


async def _signed_in(
    built: Built, login: dict[str, str], *, approve: bool = True, cars: int = 1
) -> dict[str, str | None]:
    """The query of the callback the sandbox sign-in redirects to."""
    back = await built.flows.sandbox.decide(
        login["redirect_uri"], login["state"], approve=approve, cars=cars, account="acct"
    )
    return dict(query_of(back))


async def test_a_sandbox_flow_binds_one_vehicle(built: Built) -> None:
    session_id, login, browser = await _to_login(built)
    waiting = await built.flows.sessions.read(ALICE, session_id)
    assert waiting.session.status == SessionStatus.AWAITING_EXTERNAL
    assert waiting.session.provider == ProviderName.SANDBOX
    end_page = await built.flows.completion.callback(
        ProviderName.SANDBOX, await _signed_in(built, login), browser
    )
    assert end_page.url.startswith(built.flows.urls.end_page_prefix + "?token=")
    assert end_page.session.status == SessionStatus.AUTHORIZED
    done = await built.flows.sessions.read(ALICE, session_id)
    assert done.session.status == SessionStatus.AUTHORIZED and done.version > waiting.version
    vehicles = (await built.flows.vehicles.list(ALICE)).items
    assert [vehicle.id for vehicle in vehicles] == [done.session.vehicle_id]
    assert vehicles[0].provider == ProviderName.SANDBOX


async def test_a_replayed_callback_writes_nothing(built: Built) -> None:
    session_id, login, browser = await _to_login(built)
    query = await _signed_in(built, login)
    first = await built.flows.completion.callback(ProviderName.SANDBOX, query, browser)
    done = await built.flows.sessions.read(ALICE, session_id)
    again = await built.flows.completion.callback(ProviderName.SANDBOX, query, browser)
    assert again == first
    assert await built.flows.sessions.read(ALICE, session_id) == done


async def test_two_cars_wait_for_a_choice(built: Built) -> None:
    session_id, login, browser = await _to_login(built)
    await built.flows.completion.callback(
        ProviderName.SANDBOX, await _signed_in(built, login, cars=2), browser
    )
    choosing = (await built.flows.sessions.read(ALICE, session_id)).session
    assert choosing.status == SessionStatus.AWAITING_VEHICLE_CHOICE
    assert len(choosing.candidates) == 2
    second = choosing.candidates[1].vin
    assert second is not None
    url = start_url(choosing, built.flows.urls)
    assert url is not None
    await built.flows.pages.choose(query_of(url)["token"], second, browser)
    chosen = (await built.flows.sessions.read(ALICE, session_id)).session
    assert chosen.status == SessionStatus.AUTHORIZED
    assert [vehicle.vin for vehicle in (await built.flows.vehicles.list(ALICE)).items] == [second]


async def test_a_denial_fails_the_session_with_access_denied(built: Built) -> None:
    session_id, login, browser = await _to_login(built)
    await built.flows.completion.callback(
        ProviderName.SANDBOX, await _signed_in(built, login, approve=False), browser
    )
    failed = (await built.flows.sessions.read(ALICE, session_id)).session
    assert failed.status == SessionStatus.FAILED
    assert failed.error is not None and failed.error.code == ConnectAccessDenied.code
    assert (await built.flows.vehicles.list(ALICE)).items == []


async def test_cancel_is_idempotent_and_refused_once_otherwise_finished(built: Built) -> None:
    """Cancelling again answers with the cancelled session; a failed one is refused."""
    created = await built.flows.sessions.create(ALICE, SessionRequest(label="mine"))
    cancelled = await built.flows.sessions.cancel(ALICE, created.id)
    assert cancelled.status == SessionStatus.CANCELLED
    assert await built.flows.sessions.cancel(ALICE, created.id) == cancelled
    session_id, login, browser = await _to_login(built)
    await built.flows.completion.callback(
        ProviderName.SANDBOX, await _signed_in(built, login, approve=False), browser
    )
    with pytest.raises(ConnectVehicleNotPending):
        await built.flows.sessions.cancel(ALICE, session_id)
    listed = (await built.flows.sessions.list(ALICE, SessionStatus.CANCELLED)).items
    assert [session.id for session in listed] == [created.id]


async def test_another_users_session_is_not_found(built: Built) -> None:
    created = await built.flows.sessions.create(ALICE, SessionRequest())
    with pytest.raises(ConnectSessionNotFound):
        await built.flows.sessions.read(Owner("default", "mallory"), created.id)
    with pytest.raises(ConnectSessionNotFound):
        await built.flows.sessions.read(Owner("other-client", "alice"), created.id)


async def test_a_forged_page_token_is_refused(built: Built) -> None:
    with pytest.raises(Forbidden):
        await built.flows.pages.start("not-a-token", ProviderName.SANDBOX, {})


async def test_the_default_limit_of_one_car_refuses_a_new_session(built: Built) -> None:
    session_id, login, browser = await _to_login(built)
    await built.flows.completion.callback(
        ProviderName.SANDBOX, await _signed_in(built, login), browser
    )
    assert (await built.flows.sessions.read(ALICE, session_id)).session.vehicle_id
    with pytest.raises(ConnectVehicleLimitReached):
        await built.flows.sessions.create(ALICE, SessionRequest())
