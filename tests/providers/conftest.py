"""Provider test fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.providers.tesla_support import TeslaFakes, tesla_fakes


@pytest.fixture
def fakes() -> Iterator[TeslaFakes]:
    """The fake Tesla regions (global, China, foreign) on loopback ports."""
    with tesla_fakes() as running:
        yield running
