"""A real Chromium walks the hosted pages against the service running as a process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tests.support import ServiceProcess, auth

pytestmark = pytest.mark.browser


def _create(service: ServiceProcess, user: str) -> dict[str, Any]:
    response = httpx.post(
        f"{service.base_url}/api/v1/users/{user}/vehicles/connect-sessions",
        headers=auth(user),
        json={},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _read(service: ServiceProcess, user: str, session_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{service.base_url}/api/v1/users/{user}/connect-sessions/{session_id}", headers=auth(user)
    )
    return dict(response.json())


def test_approve_walks_to_an_authorized_session(
    service: ServiceProcess, page: Page, shots: Path
) -> None:
    session = _create(service, "browser-approve")
    page.goto(session["startUrl"])
    assert page.get_by_role("heading").inner_text() == "Connect your car"
    page.screenshot(path=str(shots / "1-start.png"), full_page=True)
    page.get_by_role("button", name="Sandbox").click()
    page.wait_for_url("**/sandbox/authorize?**")
    page.screenshot(path=str(shots / "2-sandbox-login.png"), full_page=True)
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(session["redirectUrl"] + "?**")
    assert "Car connected" in page.content()
    page.screenshot(path=str(shots / "4-end-connected.png"), full_page=True)
    final = _read(service, "browser-approve", session["id"])
    assert final["status"] == "authorized"
    assert final["vin"] in page.content()


def test_deny_fails_with_access_denied(service: ServiceProcess, page: Page, shots: Path) -> None:
    session = _create(service, "browser-deny")
    page.goto(session["startUrl"])
    page.get_by_role("button", name="Sandbox").click()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(session["redirectUrl"] + "?**")
    assert "Connection failed" in page.content()
    page.screenshot(path=str(shots / "5-end-denied.png"), full_page=True)
    final = _read(service, "browser-deny", session["id"])
    assert final["status"] == "failed"
    assert final["error"]["code"] == "CONNECT_ACCESS_DENIED"


def test_two_cars_pick_one_by_vin(service: ServiceProcess, page: Page, shots: Path) -> None:
    session = _create(service, "browser-two")
    page.goto(session["startUrl"])
    page.get_by_role("button", name="Sandbox").click()
    page.get_by_label("Two cars").check()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/web/choose?**")
    page.screenshot(path=str(shots / "3-choose-vehicle.png"), full_page=True)
    waiting = _read(service, "browser-two", session["id"])
    assert waiting["status"] == "awaiting_vehicle_choice"
    buttons = page.locator("button[name=vin]")
    assert buttons.count() == 2
    second_vin = buttons.nth(1).get_attribute("value")
    assert second_vin is not None and len(second_vin) == 17
    page.get_by_role("button", name=second_vin).click()
    page.wait_for_url(session["redirectUrl"] + "?**")
    final = _read(service, "browser-two", session["id"])
    assert final["status"] == "authorized"
    assert final["vin"] == second_vin


def test_a_tampered_link_shows_a_readable_error(
    service: ServiceProcess, page: Page, shots: Path
) -> None:
    session = _create(service, "browser-error")
    response = page.goto(session["startUrl"][:-4] + "AAAA")
    assert response is not None and response.status == 403
    assert "This link is not valid or has expired." in page.content()
    page.screenshot(path=str(shots / "6-error.png"), full_page=True)
