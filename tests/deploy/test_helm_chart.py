"""The Helm chart: every value documented, probes and port matching the app."""

from __future__ import annotations

import json
from typing import Any

import yaml

from service.cli import _parser
from tests.support import REPO_ROOT

CHART = REPO_ROOT / "helm" / "vehicle-connect"
VALUES_TEXT = (CHART / "values.yaml").read_text(encoding="utf-8")
VALUES = yaml.safe_load(VALUES_TEXT)


def _leaves(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict) and node:
        return [leaf for key, value in node.items() for leaf in _leaves(value, f"{prefix}{key}.")]
    return [prefix.rstrip(".")]


def test_every_value_has_a_param_comment() -> None:
    documented = {
        line.split()[2] for line in VALUES_TEXT.splitlines() if line.startswith("## @param ")
    }
    missing = [leaf for leaf in _leaves(VALUES) if leaf not in documented]
    assert missing == []
    assert all(param in _leaves(VALUES) for param in documented)


def test_schema_knows_every_top_level_value() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["additionalProperties"] is False
    assert set(VALUES) <= set(schema["properties"])


def test_probes_and_port_match_the_service() -> None:
    assert VALUES["livenessProbe"]["path"] == "/healthz"
    assert VALUES["readinessProbe"]["path"] == "/readyz"
    assert _parser().parse_args(["serve"]).port == VALUES["containerPort"]
    deployment = (CHART / "templates" / "deployment.yaml").read_text()
    assert '"vehicle-connect", "serve"' in deployment


def test_secure_defaults() -> None:
    pod, container = VALUES["podSecurityContext"], VALUES["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["seccompProfile"]["type"] == "RuntimeDefault"
    assert container["readOnlyRootFilesystem"] is True
    assert container["allowPrivilegeEscalation"] is False
    assert container["capabilities"]["drop"] == ["ALL"]
    assert VALUES["config"]["environment"] == "production"
    assert VALUES["serviceAccount"]["automountToken"] is False
