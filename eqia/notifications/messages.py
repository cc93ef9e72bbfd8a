"""The words of the notification e-mails, written once here: a transition's
message is built from the facts of the transition and the definition's own
words for the action and the state (its label, its `done` message, its phrase)."""

from __future__ import annotations

from dataclasses import dataclass

from eqia.workflow.hooks import TransitionContext

SUBJECT = "{reference}: {done} \u2013 now {phrase}"
WHAT_HAPPENED = ("{actor} took the action \u201c{action}\u201d on {reference} \u201c{title}\u201d.\n\n"
                 "It is now: {state}. {description}\n")
COMMENT = "\nComment:\n{comment}\n"
OPEN_IT = "\nOpen the assessment: {address}\n"
# Who took a transition the engine took itself (an effect of another).
THE_SYSTEM = "The system"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def transition_message(ctx: TransitionContext, base_url: str) -> Message:
    """What the people who can act next are told of the transition in `ctx`."""
    assessment, transition = ctx.assessment, ctx.transition
    state = ctx.definition.states[assessment.state]
    reference = assessment.display_reference
    body = WHAT_HAPPENED.format(actor=ctx.user.name if ctx.user else THE_SYSTEM, action=transition.label,
                                reference=reference, title=assessment.title, state=state.label,
                                description=state.description)
    if ctx.comment:
        body += COMMENT.format(comment=ctx.comment)
    body += OPEN_IT.format(address=f"{base_url.rstrip('/')}/assessments/{assessment.id}")
    return Message(subject=SUBJECT.format(reference=reference, done=transition.done, phrase=state.phrase),
                   body=body)
