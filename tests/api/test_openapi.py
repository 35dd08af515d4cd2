"""The exported OpenAPI document: equal to the app's, and complete per operation."""

from __future__ import annotations

import json
from typing import Any

from service.main import create_app
from tests.support import REPO_ROOT, make_settings

EXPORTED = REPO_ROOT / "openapi" / "openapi.json"


def _app_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(create_app(make_settings(None)).openapi()))
    return document


def test_exported_document_equals_the_apps() -> None:
    exported = json.loads(EXPORTED.read_text(encoding="utf-8"))
    assert exported == _app_document(), "run `make openapi` and commit openapi/openapi.json"


def test_every_operation_is_documented() -> None:
    document = _app_document()
    operation_ids: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("operationId"), where
            assert operation.get("summary"), where
            operation_ids.append(operation["operationId"])
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and path.startswith(
                    ("/api", "/callbacks", "/webhooks")
                ):
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ProblemOut"}, where
                    assert response["description"].startswith("Problem: "), where
    assert len(operation_ids) == len(set(operation_ids))


def test_jedlix_payloads_are_the_examples() -> None:
    paths = _app_document()["paths"]
    create = paths["/api/v1/users/{userId}/vehicles/connect-sessions"]["post"]
    assert create["requestBody"]["content"]["application/json"]["examples"]["jedlix"]["value"] == {}
    created = create["responses"]["201"]["content"]["application/json"]["examples"]
    assert created["tesla"]["value"]["redirectInfo"]["includeCookies"] == ["tesla-auth.sid"]
    relay = paths["/api/v1/users/{userId}/connect-sessions/{sessionId}/info"]["post"]
    body = relay["requestBody"]["content"]["application/json"]["examples"]["tesla"]["value"]
    assert body["cookies"]["tesla-auth.sid"].startswith("tesla-auth.sid\ts%3APf9M8iUtXAfqK8UTw1")
    assert "issuer=https%3A%2F%2Fauth.tesla.com%2Foauth2%2Fv3" in body["redirectUrl"]
