"""How much it costs to work out, for a list page, what each row's user may do.

Ours: read the allowed transitions straight from the definition (what the
"my work" queue does). Baseline, measured beside it in the same run: bind a
`transitions` state machine to each row and ask it (the approach the issue
measured at 0.4-2 ms a row). Writes docs/performance.md.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from transitions import Machine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
import eqia.registered  # noqa: E402,F401  (what the definition names, registered as the app does)
from eqia.workflow.definition import load_definitions  # noqa: E402

ROWS = 500
REPEATS = 7
ROLE = "equality_lead"


class Row:
    def __init__(self, state: str) -> None:
        self.state = state


def ours(definition, rows) -> int:
    found = 0
    for row in rows:
        found += sum(1 for t in definition.transitions_from(row.state) if ROLE in t.roles and not t.system)
    return found


def machine_per_row(definition, rows) -> int:
    found = 0
    triggers = [t for t in definition.transitions.values() if not t.system]
    for row in rows:
        token = Row(row.state)
        Machine(model=token, states=list(definition.states), initial=row.state, auto_transitions=False,
                transitions=[{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
                             for t in definition.transitions.values()])
        found += sum(1 for t in triggers if ROLE in t.roles and getattr(token, f"may_{t.trigger}")())
    return found


def measure(fn, definition, rows) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(definition, rows)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    definition = load_definitions(ROOT / "workflows").current("standard")
    states = list(definition.states)
    rows = [Row(states[i % len(states)]) for i in range(ROWS)]
    assert ours(definition, rows) == machine_per_row(definition, rows), "the two must agree before timing"
    ours_s = measure(ours, definition, rows)
    base_s = measure(machine_per_row, definition, rows)
    per_row = lambda s: s / ROWS * 1e6  # noqa: E731
    report = f"""## What a list page costs per row ("my work" queues)

What each row's user may do is read from the workflow definition; the baseline binds a `transitions`
state machine to each row and asks it, which the spine issue measured at 0.4-2 ms a row. Median of {REPEATS}
runs, one path after the other in one process.

| Path | {ROWS} rows | Per row | Ratio to baseline |
| --- | --- | --- | --- |
| From the definition (ours) | {ours_s * 1000:.2f} ms | {per_row(ours_s):.1f} µs | {ours_s / base_s:.4f} |
| A machine bound per row (baseline) | {base_s * 1000:.1f} ms | {per_row(base_s):.0f} µs | 1 |
"""
    print(write_section("queues", report))


if __name__ == "__main__":
    main()
