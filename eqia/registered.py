"""What the EqIA registers into the workflow engine, in one import: its rules (guards,
requirements, effects, dates), the kinds of notice a transition may name, and the
assessment as the subject the engine moves; the action plan's rule and subject; and the cumulative judgement's. A definition names these, so a process
that loads one without the app (a benchmark, a test in a fresh process) imports this
first, as the app does."""

import eqia.cumulative.rules  # noqa: F401  (a cumulative judgement's, with its own subject)
import eqia.cumulative.subject  # noqa: F401
import eqia.assessments.rules  # noqa: F401
import eqia.assessments.subject  # noqa: F401
import eqia.notifications.kinds  # noqa: F401
import eqia.plans.rules  # noqa: F401  (an action plan's, with its own subject)
import eqia.plans.subject  # noqa: F401
