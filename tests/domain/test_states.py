"""The transition table: every (state, trigger) pair, and the README's diagram."""

from __future__ import annotations

import re

import pytest

from service.domain.states import (
    TERMINAL_STATES,
    SessionStatus,
    TransitionRefused,
    Trigger,
    mermaid_diagram,
    next_status,
)
from tests.support import REPO_ROOT

S, T = SessionStatus, Trigger
OPEN = [S.PENDING, S.AWAITING_EXTERNAL, S.AWAITING_VEHICLE_CHOICE]

# The contract of SPEC.md section 5, written out independently of the table under test.
EXPECTED: dict[tuple[SessionStatus, Trigger], SessionStatus] = {
    (S.PENDING, T.START_EXTERNAL): S.AWAITING_EXTERNAL,
    (S.AWAITING_EXTERNAL, T.START_EXTERNAL): S.AWAITING_EXTERNAL,
    (S.AWAITING_EXTERNAL, T.AUTHORIZE): S.AUTHORIZED,
    (S.AWAITING_EXTERNAL, T.REQUIRE_CHOICE): S.AWAITING_VEHICLE_CHOICE,
    (S.AWAITING_VEHICLE_CHOICE, T.CHOOSE_VEHICLE): S.AUTHORIZED,
    **{(state, T.FAIL): S.FAILED for state in OPEN},
    **{(state, T.EXPIRE): S.EXPIRED for state in OPEN},
    **{(state, T.CANCEL): S.CANCELLED for state in OPEN},
}

PAIRS = [(state, trigger) for state in SessionStatus for trigger in Trigger]


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_every_pair_reaches_its_destination_or_is_refused(
    state: SessionStatus, trigger: Trigger
) -> None:
    expected = EXPECTED.get((state, trigger))
    if expected is None:
        with pytest.raises(TransitionRefused):
            next_status(state, trigger)
    else:
        assert next_status(state, trigger) == expected


def test_terminal_states_are_the_finished_ones() -> None:
    assert {S.AUTHORIZED, S.FAILED, S.EXPIRED, S.CANCELLED} == TERMINAL_STATES


def test_readme_shows_the_diagram_generated_from_the_table() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```mermaid\n(.*?)\n```", readme, re.DOTALL)
    assert found is not None, "README.md has no mermaid block"
    assert found.group(1).strip() == mermaid_diagram().strip(), (
        "README diagram differs from the table: run `make diagram` and paste it"
    )


def test_diagram_has_one_edge_per_table_entry() -> None:
    edges = [line for line in mermaid_diagram().splitlines() if ": " in line]
    assert len(edges) == len(EXPECTED)
