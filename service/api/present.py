"""Domain records as API resources."""

from __future__ import annotations

from fastapi import Response

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
from service.domain.models import Session, Vehicle
from service.domain.states import SessionStatus
from service.navigation import redirect_url, start_url
from service.store.sessions import Versioned
from service.urls import PublicUrls


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


def _session_json(session: Session, urls: PublicUrls) -> str:
    return session_out(session, urls).model_dump_json(by_alias=True)


def session_response(session: Session, urls: PublicUrls, status_code: int = 200) -> Response:
    """The ConnectSession resource, serialised once (no second validation by the framework)."""
    body = _session_json(session, urls)
    return Response(body, status_code=status_code, media_type="application/json")


_RENDERED_LIMIT = 2048
_rendered: dict[tuple[PublicUrls, str, str, int], bytes] = {}


def stored_session_response(current: Versioned, urls: PublicUrls) -> Response:
    """A stored session as its resource, rendered once per version.

    Every write of a session makes a new version, so (owner, id, version) names one content; an
    app polling its session gets the bytes rendered the first time (the cache holds the newest
    few thousand renderings, oldest out first).
    """
    session = current.session
    key = (urls, session.owner.key, session.id, current.version)
    body = _rendered.get(key)
    if body is None:
        body = _session_json(session, urls).encode()
        if len(_rendered) >= _RENDERED_LIMIT:
            del _rendered[next(iter(_rendered))]
        _rendered[key] = body
    return Response(body, media_type="application/json")


def sessions_response(sessions: list[Session], urls: PublicUrls) -> Response:
    """A JSON array of ConnectSession resources."""
    body = "[" + ",".join(_session_json(s, urls) for s in sessions)
    return Response(body + "]", media_type="application/json")


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
