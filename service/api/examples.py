"""OpenAPI examples, after the payloads of the Jedlix Connect document."""

from __future__ import annotations

from typing import Any

_BASE = "https://connect.example.com"
_TIMES: dict[str, str] = {
    "createdAt": "2026-11-22T10:00:00.000Z",
    "updatedAt": "2026-11-22T10:00:00.000Z",
    "expiresAt": "2026-11-22T10:30:00.000Z",
}
_EMPTY: dict[str, Any] = {
    "error": None,
    "vehicleProfileId": None,
    "vin": None,
    "label": None,
    "scopes": [],
}

PENDING_SESSION: dict[str, Any] = {
    "id": "2714bd6e-7049-40c4-a790-8a5a0f51b706",
    "status": "pending",
    "isFinished": False,
    "vehicleId": None,
    "provider": None,
    "startUrl": f"{_BASE}/web/start?token=k1.Ihd8OpigiKcEtyenMtsuA",
    "redirectUrl": f"{_BASE}/web/end",
    "redirectInfo": None,
    "authorizationUrl": f"{_BASE}/web/start?token=k1.Ihd8OpigiKcEtyenMtsuA",
    **_EMPTY,
    **_TIMES,
    "history": [],
}

_TESLA_AUTHORIZE = (
    "https://auth.tesla.com/oauth2/v3/authorize?client_id=ownerapi&code_challenge="
    "YTE0Nzc2N2VkYTFiM2ZjOGRjY2JmM2M2ZDFkM2FkNzYyNTJjNjM4YTk0OTBjYWY4N2U5OGI4NWU4ZDFlMDNkMw"
    "&code_challenge_method=S256&redirect_uri=tesla%3A%2F%2Fauth%2Fcallback&response_type=code"
    "&scope=openid+email+offline_access&state=Ihd8-OpigiKcEtyenMtsuA&locale=en-US"
)
_STARTED = {
    "from": "pending",
    "to": "awaiting_external",
    "trigger": "start_external",
    "at": "2026-11-22T10:00:00.000Z",
}

TESLA_SESSION: dict[str, Any] = {
    **PENDING_SESSION,
    "id": "d4099dfb-dc0a-430b-afb0-8cfa671cf038",
    "status": "awaiting_external",
    "provider": "tesla",
    "startUrl": _TESLA_AUTHORIZE,
    "authorizationUrl": _TESLA_AUTHORIZE,
    "redirectUrl": "tesla://auth/callback",
    "redirectInfo": {
        "includeRedirectUrl": True,
        "includeBody": False,
        "includeCookies": ["tesla-auth.sid"],
    },
    "history": [_STARTED],
}

RELAY_REQUEST: dict[str, Any] = {
    "cookies": {
        "tesla-auth.sid": "tesla-auth.sid\ts%3APf9M8iUtXAfqK8UTw1ybMW8Y2h2skkkA.Huks0E%2BRI3Z1Vu"
        "FIp6IHma5T7bphayTLpR9abd4P5z4\tauth.tesla.com\t/\t08/09/2022, 16:07:15\t96 B\t✓\t✓\tLax"
    },
    "redirectUrl": "tesla://auth/callback?locale=en-US&code=SomeCode&state=xMqDOMxp1-hBp-nelC6pug"
    "&issuer=https%3A%2F%2Fauth.tesla.com%2Foauth2%2Fv3",
}

CHOICE_SESSION: dict[str, Any] = {
    **TESLA_SESSION,
    "id": "5546bc84-9c16-4bc3-a0b6-bf73bea00ca2",
    "status": "awaiting_vehicle_choice",
    "startUrl": f"{_BASE}/web/choose?token=k1.080268da363c4c26bfff",
    "authorizationUrl": f"{_BASE}/web/choose?token=k1.080268da363c4c26bfff",
    "redirectUrl": f"{_BASE}/web/end",
    "redirectInfo": None,
    "history": [
        _STARTED,
        {
            **_STARTED,
            "from": "awaiting_external",
            "to": "awaiting_vehicle_choice",
            "trigger": "require_choice",
        },
    ],
}

AUTHORIZED_SESSION: dict[str, Any] = {
    **TESLA_SESSION,
    "id": "5546bc84-9c16-4bc3-a0b6-bf73bea00ca2",
    "status": "authorized",
    "isFinished": True,
    "vehicleId": "bf5316fc-15b3-4a79-8f66-0e002a1f9618",
    "startUrl": None,
    "authorizationUrl": None,
    "redirectUrl": None,
    "redirectInfo": None,
    "vin": "5YJ3E1EA7KF000001",
    "history": [
        _STARTED,
        {**_STARTED, "from": "awaiting_external", "to": "authorized", "trigger": "authorize"},
    ],
}

VEHICLE: dict[str, Any] = {
    "id": "bf5316fc-15b3-4a79-8f66-0e002a1f9618",
    "createdAt": "2026-11-22T10:01:00.000Z",
    "provider": "tesla",
    "vin": "5YJ3E1EA7KF000001",
    "label": "Red Rocket",
    "vehicleProfileId": "tesla-model-3-long-range",
    "details": {"brand": "Tesla", "model": "Model 3", "version": "Long Range"},
    "capabilities": ["chargeState", "stateOfCharge", "startStopCharging", "geoLocation"],
    "isConnected": True,
    "isConnectable": False,
    "status": "authorized",
}


def json_examples(status: int, **examples: dict[str, Any] | list[Any]) -> dict[int | str, Any]:
    """A `responses` entry with named JSON examples for one status."""
    return {
        status: {
            "content": {
                "application/json": {
                    "examples": {name: {"value": value} for name, value in examples.items()}
                }
            }
        }
    }
