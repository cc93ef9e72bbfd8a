"""The words of the notification e-mails, written once here. A message is
queued as facts (`transition_facts`: what happened, to which assessment, by
whom) and written in words when it is sent or listed (`written`), from those
facts and the definition's own words for the action and the state (its label,
its `done` message, its phrase): a message sent after the words change is sent
in the new words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from eqia.loaded_definitions import workflows
from eqia.workflow.hooks import TransitionContext

# What a queued message says (OutboxMessage.kind); a message queued before the
# facts were stored has no kind, and its words as they were written.
TRANSITION = "transition"  # {"assessment_id", "reference", "title", "actor", "workflow", "workflow_version",
#                             "trigger", "state", "comment"}; "actor" None when the system acted

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


class Queued(Protocol):
    kind: str
    details: dict
    subject: str | None
    body: str | None


def transition_facts(ctx: TransitionContext) -> dict:
    """What the people who can act next are told of the transition in `ctx`, as facts."""
    assessment = ctx.assessment
    return {"assessment_id": assessment.id, "reference": assessment.display_reference, "title": assessment.title,
            "actor": ctx.user.name if ctx.user else None, "workflow": ctx.definition.name,
            "workflow_version": ctx.definition.version, "trigger": ctx.transition.trigger,
            "state": assessment.state, "comment": ctx.comment or ""}


def transition_message(facts: dict, base_url: str) -> Message:
    """A transition's message in words."""
    definition = workflows().get(facts["workflow"], facts["workflow_version"])
    transition, state = definition.transitions[facts["trigger"]], definition.states[facts["state"]]
    reference = facts["reference"]
    body = WHAT_HAPPENED.format(actor=facts["actor"] or THE_SYSTEM, action=transition.label, reference=reference,
                                title=facts["title"], state=state.label, description=state.description)
    if facts["comment"]:
        body += COMMENT.format(comment=facts["comment"])
    body += OPEN_IT.format(address=f"{base_url.rstrip('/')}/assessments/{facts['assessment_id']}")
    return Message(subject=SUBJECT.format(reference=reference, done=transition.done, phrase=state.phrase),
                   body=body)


def written(message: Queued, base_url: str) -> Message:
    """A queued message in words: written now from its facts, or as it was written when queued."""
    if message.kind == TRANSITION:
        return transition_message(message.details, base_url)
    return Message(subject=message.subject or "", body=message.body or "")
