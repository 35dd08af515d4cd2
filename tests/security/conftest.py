"""Fixtures of the probe findings' tests: the fake Tesla regions and an allow-listing client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.providers.tesla_support import TeslaFakes, tesla_fakes

CLIENTS_YAML = """
clients:
  default:
    providers: [sandbox, tesla]
    redirectUris:
      - myapp://connected
      - https://app.example.com/done/*
"""


@pytest.fixture
def fakes() -> Iterator[TeslaFakes]:
    """The fake Tesla regions (global, China, foreign) on loopback ports."""
    with tesla_fakes() as running:
        yield running


@pytest.fixture
def settings_env(fakes: TeslaFakes, tmp_path: Path) -> dict[str, str]:
    """The service pointed at the fakes, with a client that allow-lists two redirect URIs."""
    path = tmp_path / "clients.yaml"
    path.write_text(CLIENTS_YAML)
    return {**fakes.settings(), "CLIENTS_FILE": str(path)}
