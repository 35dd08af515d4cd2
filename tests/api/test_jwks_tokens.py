"""RS256 user tokens verified with keys fetched from a JWKS over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.flow import ConnectApi
from tests.support import problem_code

PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ISSUER = "https://id.example.test/"
AUDIENCE = "vehicle-connect"


class _JwksHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(PRIVATE_KEY.public_key()))
        body = json.dumps({"keys": [{**jwk, "kid": "key-1", "use": "sig", "alg": "RS256"}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings_env(jwks_url: str) -> dict[str, str]:
    return {"AUTH_JWKS_URL": jwks_url, "AUTH_ISSUER": ISSUER, "AUTH_AUDIENCE": AUDIENCE}


def _rs256(claims: dict[str, Any], kid: str = "key-1") -> str:
    base = {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60}
    return jwt.encode({**base, **claims}, PRIVATE_KEY, algorithm="RS256", headers={"kid": kid})


async def test_identity_provider_tokens_are_accepted(api: ConnectApi) -> None:
    headers = {"Authorization": f"Bearer {_rs256({'sub': 'idp-user'})}"}
    response = await api.client.post(
        api.url("idp-user", "vehicles/connect-sessions"), headers=headers, json={}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "claims",
    [{"sub": "idp-user", "iss": "https://evil.test/"}, {"sub": "idp-user", "aud": "other"}],
    ids=["issuer", "audience"],
)
async def test_wrong_issuer_or_audience_is_refused(api: ConnectApi, claims: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {_rs256(claims)}"}
    response = await api.client.get(api.url("idp-user", "connect-sessions"), headers=headers)
    assert response.status_code == 401 and problem_code(response) == "AUTH_TOKEN_INVALID"


async def test_unknown_key_id_is_refused(api: ConnectApi) -> None:
    headers = {"Authorization": f"Bearer {_rs256({'sub': 'idp-user'}, kid='other')}"}
    response = await api.client.get(api.url("idp-user", "connect-sessions"), headers=headers)
    assert response.status_code == 401 and problem_code(response) == "AUTH_TOKEN_INVALID"
