"""What the engine announces. It says what happened and knows nothing of who
listens: the packages with side effects (the e-mail to whoever acts next, and
those still to come) connect to these when the app is built.

`transition_applied` is sent by the app (the sender) once a transition has
moved the state and its audit event is written, before the transition's
effects run, with `context` (the TransitionContext), `event` (the
AuditEvent) and `subject` (the name of the subject that moved: a listener
acts on the kinds of record it knows, eqia.workflow.subject). Listeners run
inside the transaction of the transition: what they add commits with it, and
if one raises, the transition is rolled back. So a listener flushes at most,
and never commits.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

transition_applied = _signals.signal("transition-applied")
