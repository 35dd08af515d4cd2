"""Every API resource as its response: one way, used by every route.

Routes declare their response models (`response_model=`, so the OpenAPI document is generated)
and return what a Presenter renders from those same models. The measured shortcut lives here
and only here: a resource is serialised once into the response body, without the framework
validating and serialising the returned model a second time (about a fifth of a session read
in the bench's profile), and a stored session is rendered once per version.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from pydantic import BaseModel

from service.api.schemas import (
    ConnectSessionOut,
    ErrorOut,
    HistoryOut,
    RedirectInfoOut,
    VehicleDetailsOut,
    VehicleOut,
    VehicleProfileOut,
)
from service.domain.catalogue import VehicleProfile
from service.domain.models import Session, Vehicle, Versioned
from service.domain.navigation import redirect_url, start_url
from service.domain.paging import Cursor, Page
from service.domain.states import SessionStatus
from service.domain.urls import PublicUrls
from service.errors import JSON_MEDIA_TYPE

RENDERED_SESSIONS = 2048
"""Renderings of stored sessions kept (the newest; an app polls its session)."""


def session_out(session: Session, urls: PublicUrls) -> ConnectSessionOut:
    """The ConnectSession resource."""
    start = start_url(session, urls)
    info = session.redirect_info if session.status == SessionStatus.AWAITING_EXTERNAL else None
    return ConnectSessionOut(
        id=session.id,
        status=session.status,
        is_finished=session.is_finished,
        vehicle_id=session.vehicle_id,
        provider=session.provider,
        start_url=start,
        redirect_url=redirect_url(session, urls),
        redirect_info=RedirectInfoOut(
            include_redirect_url=info.include_redirect_url,
            include_body=info.include_body,
            include_cookies=list(info.include_cookies),
        )
        if info
        else None,
        authorization_url=start,
        error=ErrorOut(code=session.error.code, message=session.error.message)
        if session.error
        else None,
        vehicle_profile_id=session.vehicle_profile_id,
        vin=session.vin,
        label=session.label,
        scopes=list(session.scopes),
        created_at=session.created_at,
        updated_at=session.updated_at,
        expires_at=session.expires_at,
        history=[
            HistoryOut(from_=h.from_, to=h.to, trigger=h.trigger.value, at=h.at)
            for h in session.history
        ],
    )


def vehicle_out(vehicle: Vehicle) -> VehicleOut:
    """The Vehicle resource."""
    return VehicleOut(
        id=vehicle.id,
        created_at=vehicle.created_at,
        provider=vehicle.provider,
        vin=vehicle.vin,
        label=vehicle.label,
        vehicle_profile_id=vehicle.vehicle_profile_id,
        details=VehicleDetailsOut(
            brand=vehicle.details.brand,
            model=vehicle.details.model,
            version=vehicle.details.version,
        ),
        capabilities=list(vehicle.capabilities),
        is_connected=vehicle.is_connected,
        is_connectable=not vehicle.is_connected,
        status=vehicle.status.value,
    )


def profile_out(profile: VehicleProfile) -> VehicleProfileOut:
    """The VehicleProfile resource."""
    return VehicleProfileOut(
        id=profile.id,
        brand=profile.brand,
        model=profile.model,
        version=profile.version,
        connect_providers=list(profile.connect_providers),
    )


def _json(model: BaseModel) -> str:
    return model.model_dump_json(by_alias=True)


class Presenter:
    """Renders resources into responses; one per app (see main.create_app)."""

    def __init__(self, urls: PublicUrls) -> None:
        self._urls = urls
        self._rendered: dict[tuple[str, str, int], bytes] = {}

    def session(self, session: Session, status_code: int = 200) -> Response:
        """The ConnectSession resource."""
        body = _json(session_out(session, self._urls))
        return Response(body, status_code=status_code, media_type=JSON_MEDIA_TYPE)

    def stored_session(self, current: Versioned) -> Response:
        """A stored session, rendered once per version.

        Every write of a session makes a new version, so (owner, id, version) names one
        content: an app polling its session gets the bytes rendered the first time.
        """
        session = current.session
        key = (session.owner.key, session.id, current.version)
        body = self._rendered.get(key)
        if body is None:
            body = _json(session_out(session, self._urls)).encode()
            if len(self._rendered) >= RENDERED_SESSIONS:
                del self._rendered[next(iter(self._rendered))]
            self._rendered[key] = body
        return Response(body, media_type=JSON_MEDIA_TYPE)

    def sessions(self, page: Page[Session], request: Request) -> Response:
        """A page of ConnectSession resources: a JSON array, the next page in `Link`."""
        return self._page([session_out(s, self._urls) for s in page.items], page.next, request)

    def vehicle(self, vehicle: Vehicle) -> Response:
        """The Vehicle resource."""
        return Response(_json(vehicle_out(vehicle)), media_type=JSON_MEDIA_TYPE)

    def vehicles(self, page: Page[Vehicle], request: Request) -> Response:
        """A page of Vehicle resources: a JSON array, the next page in `Link`."""
        return self._page([vehicle_out(v) for v in page.items], page.next, request)

    def profiles(self, page: Page[VehicleProfile], request: Request) -> Response:
        """A page of VehicleProfile resources: a JSON array, the next page in `Link`."""
        return self._page([profile_out(p) for p in page.items], page.next, request)

    def _page(self, items: list[BaseModel], after: Cursor | None, request: Request) -> Response:
        response = Response(
            "[" + ",".join(_json(item) for item in items) + "]", media_type=JSON_MEDIA_TYPE
        )
        if after is not None:
            # The same list from our public origin (not the request's Host), one page on.
            query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
            query.append(("cursor", after.encode()))
            target = f"{self._urls.base}{request.url.path}?{urlencode(query)}"
            response.headers["Link"] = f'<{target}>; rel="next"'
        return response


async def presenter(request: Request) -> Presenter:
    """The app's presenter."""
    found: Presenter = request.app.state.presenter
    return found


PresenterDep = Annotated[Presenter, Depends(presenter)]
