"""The state machine, built with `transitions` from a definition.

One machine per definition, built once and never changed after. It holds no
model at all: asking where a trigger leads from a state is a lookup in the
machine's table of events, so no row, token or lock is involved, and the known
pitfalls (a trigger named like a column overwriting it, rows loaded without
`__init__` lacking a machine, a shared machine keeping every model alive, the
`to_<state>()` shortcuts) cannot arise. What `transitions` adds to the
definition: building the machine checks the graph again, independently of our
loader (every source and destination a declared state, every trigger an event),
and it is the last word on whether a trigger exists from a state. Rules (roles,
guards, segregation) are checked by the service before the machine is asked.
"""

from __future__ import annotations

from transitions import Machine

from eqia.workflow.definition import WorkflowDefinition


class InvalidTransition(Exception):
    pass


class WorkflowMachine:
    def __init__(self, definition: WorkflowDefinition) -> None:
        self.definition = definition
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
        found = self._machine.get_transitions(trigger=trigger, source=state)
        if not found:
            raise InvalidTransition(f"{trigger!r} is not possible from {state!r}")
        # A transition without a destination (dest: null) leaves the state as it is.
        return found[0].dest or state
