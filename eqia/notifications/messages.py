"""The words of the notifications, written once here and in the e-mail
templates (templates/email/<kind>.txt and .html, one pair a kind). A
notification and its e-mail are kept as facts (`transition_facts`: what
happened, to which assessment, by whom; a reminder's item and dates) and
written in words when they are sent or listed (`written`, `headline`), from
those facts and the definition's own words for the action and the state (its
label, its `done` message, its phrase): a message sent after the words change
is sent in the new words. Rows queued before kinds existed keep theirs: a
TRANSITION row in the words of `transition_message`, a row with no kind in its
stored subject and body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from flask import current_app, render_template
from sqlalchemy import select

from eqia.extensions import db
from eqia.local_time import LOCAL_ZONE
from eqia.loaded_definitions import workflows
from eqia.models import Notification
from eqia.notifications import kinds, outbox
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


# One line for each kind: the subject of its e-mail, a line of a digest, a row of the notifications page.
HEADLINES = {
    kinds.CHALLENGE_WAITING: "{reference}: waiting in challenge for {days} days",
    kinds.ACTION_DUE_SOON: "{reference}: an action is due on {due}",
    kinds.ACTION_OVERDUE: "{reference}: an action was due on {due} and is not done",
    kinds.DECISION_APPROACHING: "{reference}: the decision is due on {decision} and it is not signed off",
}
# A password link's e-mail (kinds.LINK_KINDS): its subject, and when the link stops working.
LINK_SUBJECTS = {
    kinds.PASSWORD_RESET: "Reset your password for {council} equality impact assessments",
    kinds.INVITATION: "You have been invited to {council} equality impact assessments",
}
LINK_UNTIL = "{time} on {day} (UK time)"
DIGEST_SUBJECT = "Your notifications for {day}: {count} about {assessments} assessment(s)"
NO_ASSESSMENT = "Not about one assessment"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    html: str | None = None  # sent as the alternative to the plain text, when there is one


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


def day_words(value: date | str) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}"


def assessment_address(base_url: str, assessment_id: int) -> str:
    return f"{base_url.rstrip('/')}/assessments/{assessment_id}"


def settings_address(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/account/notifications"


def _transition_words(facts: dict) -> dict:
    definition = workflows().get(facts["workflow"], facts["workflow_version"])
    transition, state = definition.transitions[facts["trigger"]], definition.states[facts["state"]]
    return {"actor": facts["actor"] or THE_SYSTEM, "action": transition.label, "state": state.label,
            "description": state.description, "comment": facts["comment"],
            "headline": SUBJECT.format(reference=facts["reference"], done=transition.done, phrase=state.phrase)}


def words_of(kind: str, facts: dict) -> dict:
    """What a notification of `kind` says, in words, from its facts: its headline
    and what its templates need (the same for the page, the e-mail and the digest)."""
    if kind in HEADLINES:
        values = {"reference": facts["reference"], "days": facts.get("days", ""),
                  "due": day_words(facts["due_date"]) if facts.get("due_date") else "",
                  "decision": day_words(facts["decision_date"]) if facts.get("decision_date") else "",
                  "since": day_words(facts["since"]) if facts.get("since") else ""}
        return {**facts, **values, "headline": HEADLINES[kind].format(**values)}
    return {**facts, **_transition_words(facts)}


def headline(kind: str, facts: dict) -> str:
    """The notification in one line, for the page: never a failure for a kind or a workflow
    version this deployment no longer knows (the row outlives them), just the assessment named."""
    if kind in kinds.KINDS:
        try:
            return words_of(kind, facts)["headline"]
        except (KeyError, LookupError):
            pass
    return f"{facts.get('reference', '')}: {facts.get('title', '')}".strip(": ")


def kind_message(kind: str, facts: dict, base_url: str) -> Message:
    """A notification's e-mail, from its kind's templates (templates/email/<kind>.txt and .html)."""
    words = words_of(kind, facts)
    context = {"words": words, "address": assessment_address(base_url, facts["assessment_id"]),
               "kind": kinds.KINDS[kind], "settings_address": settings_address(base_url)}
    return Message(subject=words["headline"], body=render_template(f"email/{kind}.txt", **context),
                   html=render_template(f"email/{kind}.html", **context))


def digest_message(facts: dict, base_url: str) -> Message:
    """A person's daily digest: the notifications it gathers (`notification_ids`), grouped by
    assessment in the order of their first notification, each group's oldest first."""
    rows = list(db.session.execute(select(Notification).where(Notification.id.in_(facts["notification_ids"]))
                                   .order_by(Notification.created_at, Notification.id)).scalars())
    groups: dict[int | None, dict] = {}
    for n in rows:
        if n.kind not in kinds.KINDS:
            continue
        words = words_of(n.kind, n.details)
        group = groups.setdefault(n.assessment_id, {
            "reference": n.details.get("reference", ""), "title": n.details.get("title", NO_ASSESSMENT),
            "address": assessment_address(base_url, n.assessment_id) if n.assessment_id else "", "items": []})
        group["items"].append({"label": kinds.KINDS[n.kind].label, "headline": words["headline"]})
    context = {"day": day_words(facts["day"]), "groups": list(groups.values()),
               "notifications_address": f"{base_url.rstrip('/')}/notifications",
               "settings_address": settings_address(base_url)}
    subject = DIGEST_SUBJECT.format(day=context["day"], count=sum(len(g["items"]) for g in groups.values()),
                                    assessments=len(groups))
    return Message(subject=subject, body=render_template("email/daily_digest.txt", **context),
                   html=render_template("email/daily_digest.html", **context))


def link_message(kind: str, facts: dict, base_url: str) -> Message:
    """A password link's e-mail. A message already sent no longer holds its token
    (outbox.SECRET_FACT): it is listed by its subject, and its link reads as used."""
    until = datetime.fromisoformat(facts["expires_at"]).astimezone(LOCAL_ZONE)
    context = {"name": facts["name"], "inviter": facts.get("inviter"),
               "address": f"{base_url.rstrip('/')}/password-link/{facts.get(outbox.SECRET_FACT, 'used')}",
               "until": LINK_UNTIL.format(time=f"{until:%H:%M}", day=day_words(until.date())),
               "council": current_app.config["EQIA_COUNCIL_NAME"],
               "reset_address": f"{base_url.rstrip('/')}/forgotten-password"}
    return Message(subject=LINK_SUBJECTS[kind].format(council=context["council"]),
                   body=render_template(f"email/{kind}.txt", **context),
                   html=render_template(f"email/{kind}.html", **context))


def written(message: Queued, base_url: str) -> Message:
    """A queued message in words: written now from its facts, or as it was written when queued."""
    if message.kind == TRANSITION:
        return transition_message(message.details, base_url)
    if message.kind == kinds.DAILY_DIGEST:
        return digest_message(message.details, base_url)
    if message.kind in kinds.LINK_KINDS:
        return link_message(message.kind, message.details, base_url)
    if message.kind in kinds.KINDS:
        return kind_message(message.kind, message.details, base_url)
    return Message(subject=message.subject or "", body=message.body or "")
