"""The kinds of notification, as codes, with their words: written once here.

Every notification has one of these kinds, and each person chooses, kind by
kind, how to hear of it (a channel). A kind is a hand-off (work moved and
someone is told, as it happens) or a reminder (the daily step finds something
waiting or due); with no choice made, a hand-off is e-mailed straight away
and a reminder waits for the daily digest. Which hand-off a transition is, the
workflow definition says (`notice:` on the transition).
"""

from __future__ import annotations

from dataclasses import dataclass

from eqia.workflow import hooks
from eqia.workflow.errors import N_


# Channels: how a person hears of a kind (NotificationPreference.channel, Notification.delivery).
IMMEDIATELY = "immediately"
DIGEST = "digest"
IN_APP = "in_app"
CHANNELS = {
    IMMEDIATELY: N_("By e-mail straight away"),
    DIGEST: N_("In a daily digest e-mail"),
    IN_APP: N_("Only here in the service"),
}

# Hand-offs.
HANDED_OVER = "handed_over"
RETURNED_TO_AUTHOR = "returned_to_author"
AWAITING_SIGN_OFF = "awaiting_sign_off"
SIGNED = "signed"
PUBLISHED = "published"
REVIEW_DUE = "review_due"
# Reminders (eqia.notifications.reminders).
CHALLENGE_WAITING = "challenge_waiting"
ACTION_DUE_SOON = "action_due_soon"
ACTION_OVERDUE = "action_overdue"
DECISION_APPROACHING = "decision_approaching"
# A row of an adopted equality action plan (eqia.services.plans): its facts name the plan, not an assessment.
PLAN_ROW_DUE_SOON = "plan_row_due_soon"
PLAN_ROW_OVERDUE = "plan_row_overdue"
PLAN_KINDS = frozenset({PLAN_ROW_DUE_SOON, PLAN_ROW_OVERDUE})
# A programme record's transition (a cumulative judgement's, an action plan's): its facts name the record by
# its workflow subject and id ("subject", "record_id"), not an assessment.
PROGRAMME_HANDED_OVER = "programme_handed_over"
PROGRAMME_KINDS = frozenset({PROGRAMME_HANDED_OVER})
# Not a kind anyone chooses: the one e-mail a day that gathers a person's digest notifications.
DAILY_DIGEST = "daily_digest"
# Not kinds anyone chooses either: a link to set a password (eqia.services.password_links), e-mailed to
# the one person it is for, whatever their preferences, and never shown among their notifications.
PASSWORD_RESET = "password_reset"
INVITATION = "invitation"
LINK_KINDS = (PASSWORD_RESET, INVITATION)


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # the preference's legend, and the tag on the notifications page (English: shown translated)
    hint: str
    reminder: bool

    @property
    def default_channel(self) -> str:
        return DIGEST if self.reminder else IMMEDIATELY


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind(HANDED_OVER, N_("Work waiting for you"),
         N_("An assessment has moved to a stage where you can act on it"), False),
    Kind(RETURNED_TO_AUTHOR, N_("Returned for more work"),
         N_("An assessment was sent back to its author"), False),
    Kind(AWAITING_SIGN_OFF, N_("Waiting for sign-off"),
         N_("An assessment passed challenge and waits for a decision"), False),
    Kind(SIGNED, N_("Signed off"),
         N_("A decision-maker signed an assessment off"), False),
    Kind(PUBLISHED, N_("Published"),
         N_("An assessment was published on the public register"), False),
    Kind(REVIEW_DUE, N_("Review due"),
         N_("A published assessment is due for review"), False),
    Kind(CHALLENGE_WAITING, N_("Waiting in challenge"),
         N_("An assessment has waited in challenge longer than it should"), True),
    Kind(ACTION_DUE_SOON, N_("Action due soon"),
         N_("An action of a signed plan falls due soon"), True),
    Kind(ACTION_OVERDUE, N_("Action overdue"),
         N_("An action of a signed plan is past its due date"), True),
    Kind(DECISION_APPROACHING, N_("Decision date near"),
         N_("The decision date is near and the assessment is not signed off"), True),
    Kind(PLAN_ROW_DUE_SOON, N_("Action plan row due soon"),
         N_("A row of an adopted equality action plan falls due soon"), True),
    Kind(PLAN_ROW_OVERDUE, N_("Action plan row overdue"),
         N_("A row of an adopted equality action plan is past its date"), True),
    Kind(PROGRAMME_HANDED_OVER, N_("Programme work waiting for you"),
         N_("A cumulative judgement or an action plan has moved to a stage where you can act on it"), False),
)}

# Kinds that also tell the author, even when the work no longer waits for them.
TELLS_THE_AUTHOR = frozenset({SIGNED, PUBLISHED, REVIEW_DUE})


def kind_of_transition(transition) -> str:
    """The kind of a transition's notice: what its definition names (`notice:`), else work handed over."""
    return transition.notice or HANDED_OVER


# The hand-off kinds are the notices an assessment's definition may name on a transition: registered into
# the engine, so that a definition naming any other does not load. Not the programme records' kind: its facts
# name a judgement or a plan, which an assessment's transition has not.
for _kind in KINDS.values():
    if not _kind.reminder and _kind.code not in PROGRAMME_KINDS:  # a programme record's is told of its own
        hooks.notice(_kind.code, _kind.label)
