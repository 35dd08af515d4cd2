"""Session states and the transition table: defined once, here, with `transitions`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from transitions import Machine, MachineError


class SessionStatus(StrEnum):
    """Where a connect session stands."""

    PENDING = "pending"
    AWAITING_EXTERNAL = "awaiting_external"
    AWAITING_VEHICLE_CHOICE = "awaiting_vehicle_choice"
    AUTHORIZED = "authorized"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class SessionKind(StrEnum):
    """What a Jedlix connect session connects (`?type=` of the session list)."""

    VEHICLE = "vehicle"
    CHARGER = "charger"
    ENERGY_SUPPLIER = "energySupplier"


class Trigger(StrEnum):
    """What moves a session."""

    START_EXTERNAL = "start_external"
    AUTHORIZE = "authorize"
    REQUIRE_CHOICE = "require_choice"
    CHOOSE_VEHICLE = "choose_vehicle"
    FAIL = "fail"
    EXPIRE = "expire"
    CANCEL = "cancel"


_OPEN = [
    SessionStatus.PENDING,
    SessionStatus.AWAITING_EXTERNAL,
    SessionStatus.AWAITING_VEHICLE_CHOICE,
]

TRANSITIONS: list[dict[str, Any]] = [
    {
        "trigger": Trigger.START_EXTERNAL,
        "source": [SessionStatus.PENDING, SessionStatus.AWAITING_EXTERNAL],
        "dest": SessionStatus.AWAITING_EXTERNAL,
    },
    {
        "trigger": Trigger.AUTHORIZE,
        "source": SessionStatus.AWAITING_EXTERNAL,
        "dest": SessionStatus.AUTHORIZED,
    },
    {
        "trigger": Trigger.REQUIRE_CHOICE,
        "source": SessionStatus.AWAITING_EXTERNAL,
        "dest": SessionStatus.AWAITING_VEHICLE_CHOICE,
    },
    {
        "trigger": Trigger.CHOOSE_VEHICLE,
        "source": SessionStatus.AWAITING_VEHICLE_CHOICE,
        "dest": SessionStatus.AUTHORIZED,
    },
    {"trigger": Trigger.FAIL, "source": _OPEN, "dest": SessionStatus.FAILED},
    {"trigger": Trigger.EXPIRE, "source": _OPEN, "dest": SessionStatus.EXPIRED},
    {"trigger": Trigger.CANCEL, "source": _OPEN, "dest": SessionStatus.CANCELLED},
]

MACHINE = Machine(
    model=None,
    states=SessionStatus,
    transitions=TRANSITIONS,
    initial=SessionStatus.PENDING,
    auto_transitions=False,
    send_event=True,
)

TERMINAL_STATES = frozenset(
    state for state in SessionStatus if not any(MACHINE.get_triggers(state.name))
)


class TransitionRefused(Exception):
    """The trigger is not allowed from the current state."""

    def __init__(self, status: SessionStatus, trigger: Trigger) -> None:
        super().__init__(f"{trigger} is not allowed from {status}")
        self.status = status
        self.trigger = trigger


class _Transit:
    """The light model a trigger runs on: only the state, no I/O."""

    def __init__(self, state: SessionStatus) -> None:
        self.state = state


def next_status(status: SessionStatus, trigger: Trigger) -> SessionStatus:
    """Destination of trigger from status per the table; TransitionRefused otherwise."""
    model = _Transit(status)
    try:
        MACHINE.events[trigger.value].trigger(model)
    except MachineError:
        raise TransitionRefused(status, trigger) from None
    return SessionStatus(model.state)


def is_finished(status: SessionStatus) -> bool:
    """True in the terminal states, which accept no trigger."""
    return status in TERMINAL_STATES


def edges() -> list[tuple[SessionStatus, SessionStatus, Trigger]]:
    """Every (source, destination, trigger) of the table, in table order."""
    found: list[tuple[SessionStatus, SessionStatus, Trigger]] = []
    for event in MACHINE.events.values():
        for source, transitions in event.transitions.items():
            for transition in transitions:
                found.append(
                    (
                        SessionStatus[source],
                        SessionStatus[str(transition.dest)],
                        Trigger(event.name),
                    )
                )
    return found


def mermaid_diagram() -> str:
    """The state diagram of the table, as Mermaid source."""
    lines = ["stateDiagram-v2", f"    [*] --> {SessionStatus.PENDING.value}"]
    lines += [f"    {src.value} --> {dst.value}: {trig.value}" for src, dst, trig in edges()]
    lines += [f"    {state.value} --> [*]" for state in SessionStatus if state in TERMINAL_STATES]
    return "\n".join(lines)


if __name__ == "__main__":
    print(mermaid_diagram())
