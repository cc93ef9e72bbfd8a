"""The state machine, built with `transitions` from a definition.

One machine per definition, built once. The machine never holds a database row:
it moves a small token carrying only the state, which keeps three known pitfalls
away (a trigger named like a column overwriting it, rows loaded without
`__init__` lacking a machine, and a shared machine keeping every model alive).
Rules (roles, guards, segregation) are checked by the service before the
machine is asked; the machine is the last word on whether the trigger exists
from this state.
"""

from __future__ import annotations

import threading

from transitions import Machine, MachineError

from eqia.workflow.definition import WorkflowDefinition


class InvalidTransition(Exception):
    pass


class _Token:
    def __init__(self) -> None:
        self.state = ""


class WorkflowMachine:
    def __init__(self, definition: WorkflowDefinition) -> None:
        self.definition = definition
        self._lock = threading.Lock()
        self._machine = Machine(
            model=None,
            states=list(definition.states),
            transitions=[
                {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
                for t in definition.transitions.values()
            ],
            initial=definition.initial,
            # The default creates to_<state>() shortcuts that bypass every rule.
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )

    def fire(self, state: str, trigger: str) -> str:
        """Return the state `trigger` leads to from `state`, or raise InvalidTransition."""
        token = _Token()
        with self._lock:
            # Passing initial= matters: without it the token would start in the
            # definition's initial state, not the assessment's.
            self._machine.add_model(token, initial=state)
            try:
                token.trigger(trigger)
            except (MachineError, AttributeError) as exc:
                raise InvalidTransition(f"{trigger!r} is not possible from {state!r}") from exc
            finally:
                self._machine.remove_model(token)
        return token.state
