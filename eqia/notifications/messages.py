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
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from eqia.extensions import db
from eqia.i18n import in_language, said
from eqia.local_time import LOCAL_ZONE
from eqia.loaded_definitions import workflows
from eqia.models import Notification
from eqia.notifications import kinds, outbox
from eqia.workflow.hooks import TransitionContext

# What a queued message says (OutboxMessage.kind); a message queued before the
# facts were stored has no kind, and its words as they were written.
TRANSITION = "transition"  # {"assessment_id", "reference", "title", "actor", "workflow", "workflow_version",
#                             "trigger", "state", "comment"}; "actor" None when the system acted

# The words, in English here and in Welsh in the catalogue: each message is written in its
# recipient's language (`written`), so these are looked up when it is written, not at import.
SUBJECT = _l("%(reference)s: %(done)s \u2013 now %(phrase)s")
WHAT_HAPPENED = _l("%(actor)s took the action \u201c%(action)s\u201d on %(reference)s \u201c%(title)s\u201d.")
NOW_IN = _l("It is now: %(state)s. %(description)s")
COMMENT = _l("Comment:")
OPEN_IT = _l("Open the assessment: %(address)s")
# Who took a transition the engine took itself (an effect of another).
THE_SYSTEM = _l("The system")


# One line for each kind: the subject of its e-mail, a line of a digest, a row of the notifications page.
HEADLINES = {
    kinds.CHALLENGE_WAITING: _l("%(reference)s: waiting in challenge for %(days)s days"),
    kinds.ACTION_DUE_SOON: _l("%(reference)s: an action is due on %(due)s"),
    kinds.ACTION_OVERDUE: _l("%(reference)s: an action was due on %(due)s and is not done"),
    kinds.DECISION_APPROACHING: _l("%(reference)s: the decision is due on %(decision)s and it is not signed off"),
    kinds.PLAN_ROW_DUE_SOON: _l("%(reference)s: row %(number)s of the action plan is due on %(due)s"),
    kinds.PLAN_ROW_OVERDUE: _l("%(reference)s: row %(number)s of the action plan was due on %(due)s and is not done"),
}
# A password link's e-mail (kinds.LINK_KINDS): its subject, and when the link stops working.
LINK_SUBJECTS = {
    kinds.PASSWORD_RESET: _l("Reset your password for %(council)s equality impact assessments"),
    kinds.INVITATION: _l("You have been invited to %(council)s equality impact assessments"),
}
LINK_UNTIL = _l("%(time)s on %(day)s (UK time)")
DIGEST_SUBJECT = _l("Your notifications for %(day)s: %(count)s about %(assessments)s assessment(s)")
DIGEST_SUBJECT_WITH_PLANS = _l("Your notifications for %(day)s: %(count)s about %(assessments)s assessment(s) and "
                               "%(plans)s action plan(s)")
DIGEST_SUBJECT_PLANS = _l("Your notifications for %(day)s: %(count)s about %(plans)s action plan(s)")
NO_ASSESSMENT = _l("Not about one assessment")


def _put(words, **values) -> str:
    # %-formatting the looked-up words: a placeholder's value is never looked up itself.
    return str(words) % values


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
    """A transition's message in words (a row queued before kinds existed)."""
    definition = workflows().get(facts["workflow"], facts["workflow_version"])
    transition, state = definition.transitions[facts["trigger"]], definition.states[facts["state"]]
    reference = facts["reference"]
    body = (_put(WHAT_HAPPENED, actor=facts["actor"] or str(THE_SYSTEM), action=said(transition.label),
                 reference=reference, title=facts["title"]) + "\n\n"
            + _put(NOW_IN, state=said(state.label), description=said(state.description)) + "\n")
    if facts["comment"]:
        body += f"\n{COMMENT}\n{facts['comment']}\n"
    body += "\n" + _put(OPEN_IT, address=f"{base_url.rstrip('/')}/assessments/{facts['assessment_id']}") + "\n"
    return Message(subject=_put(SUBJECT, reference=reference, done=said(transition.done),
                                phrase=said(state.phrase)), body=body)


def day_words(value: date | str) -> str:
    from eqia.i18n import govuk_date  # "6 Rhagfyr 2026" in Welsh

    return govuk_date(date.fromisoformat(value) if isinstance(value, str) else value)


def assessment_address(base_url: str, assessment_id: int) -> str:
    return f"{base_url.rstrip('/')}/assessments/{assessment_id}"


def plan_address(base_url: str, plan_id: int) -> str:
    return f"{base_url.rstrip('/')}/programme/plans/{plan_id}"


# Where a programme record's page is, by its workflow subject (eqia.plans.subject, eqia.cumulative.subject).
PROGRAMME_PAGES = {"action_plan": "programme/plans", "cumulative_judgement": "programme/judgements"}


def address_of(kind: str, facts: dict, base_url: str) -> str:
    """Where a notification of `kind` leads: its action plan's page for a plan's kinds, its record's page for a
    programme record's, else its assessment's."""
    if kind in kinds.PLAN_KINDS:
        return plan_address(base_url, facts["plan_id"])
    if kind in kinds.PROGRAMME_KINDS:
        return f"{base_url.rstrip('/')}/{PROGRAMME_PAGES[facts['subject']]}/{facts['record_id']}"
    return assessment_address(base_url, facts["assessment_id"])


def _definition(facts: dict):
    """The workflow definition a transition's facts were written under: an assessment's, or a programme
    record's, by the subject they name."""
    subject = facts.get("subject")
    if subject == "action_plan":
        from eqia.plans.subject import plan_workflows

        return plan_workflows().get(facts["workflow"], facts["workflow_version"])
    if subject == "cumulative_judgement":
        from eqia.cumulative.subject import cumulative_workflows

        return cumulative_workflows().get(facts["workflow"], facts["workflow_version"])
    return workflows().get(facts["workflow"], facts["workflow_version"])


def settings_address(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/account/notifications"


def _transition_words(facts: dict) -> dict:
    definition = _definition(facts)
    transition, state = definition.transitions[facts["trigger"]], definition.states[facts["state"]]
    return {"actor": facts["actor"] or str(THE_SYSTEM), "action": said(transition.label),
            "state": said(state.label), "description": said(state.description), "comment": facts["comment"],
            "headline": _put(SUBJECT, reference=facts["reference"], done=said(transition.done),
                             phrase=said(state.phrase))}


def words_of(kind: str, facts: dict) -> dict:
    """What a notification of `kind` says, in words, from its facts: its headline
    and what its templates need (the same for the page, the e-mail and the digest)."""
    if kind in HEADLINES:
        values = {"reference": facts["reference"], "days": facts.get("days", ""),
                  "due": day_words(facts["due_date"]) if facts.get("due_date") else "",
                  "decision": day_words(facts["decision_date"]) if facts.get("decision_date") else "",
                  "since": day_words(facts["since"]) if facts.get("since") else "",
                  "number": facts.get("number", "")}
        return {**facts, **values, "headline": _put(HEADLINES[kind], **values)}
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
    context = {"words": words, "address": address_of(kind, facts, base_url),
               "kind": kinds.KINDS[kind], "kind_label": said(kinds.KINDS[kind].label),
               "settings_address": settings_address(base_url)}
    return Message(subject=words["headline"], body=render_template(f"email/{kind}.txt", **context),
                   html=render_template(f"email/{kind}.html", **context))


def digest_message(facts: dict, base_url: str) -> Message:
    """A person's daily digest: the notifications it gathers (`notification_ids`), grouped by
    assessment in the order of their first notification, each group's oldest first."""
    rows = list(db.session.execute(select(Notification).where(Notification.id.in_(facts["notification_ids"]))
                                   .order_by(Notification.created_at, Notification.id)).scalars())
    groups: dict[tuple[str, int | None], dict] = {}
    for n in rows:
        if n.kind not in kinds.KINDS:
            continue
        words = words_of(n.kind, n.details)
        plan = n.kind in kinds.PLAN_KINDS or (n.kind in kinds.PROGRAMME_KINDS
                                               and n.details.get("subject") == "action_plan")
        if n.kind in kinds.PROGRAMME_KINDS:  # a cumulative judgement counts as the cumulative assessment it is
            key = ("plan" if plan else "judgement", n.details["record_id"])
        else:
            key = ("plan", n.details["plan_id"]) if plan else ("assessment", n.assessment_id)
        group = groups.setdefault(key, {
            "reference": n.details.get("reference", ""), "title": n.details.get("title", str(NO_ASSESSMENT)),
            "address": (address_of(n.kind, n.details, base_url)
                        if plan or n.assessment_id or n.kind in kinds.PROGRAMME_KINDS else ""),
            "items": []})
        group["items"].append({"label": said(kinds.KINDS[n.kind].label), "headline": words["headline"]})
    context = {"day": day_words(facts["day"]), "groups": list(groups.values()),
               "notifications_address": f"{base_url.rstrip('/')}/notifications",
               "settings_address": settings_address(base_url)}
    count = sum(len(g["items"]) for g in groups.values())
    about_plans = sum(kind == "plan" for kind, _ in groups)
    about_assessments = len(groups) - about_plans
    words = (DIGEST_SUBJECT if not about_plans else DIGEST_SUBJECT_PLANS if not about_assessments
             else DIGEST_SUBJECT_WITH_PLANS)
    subject = _put(words, day=context["day"], count=count, assessments=about_assessments, plans=about_plans)
    return Message(subject=subject, body=render_template("email/daily_digest.txt", **context),
                   html=render_template("email/daily_digest.html", **context))


def link_message(kind: str, facts: dict, base_url: str) -> Message:
    """A password link's e-mail. A message already sent no longer holds its token
    (outbox.SECRET_FACT): it is listed by its subject, and its link reads as used."""
    if facts.get("sign_in") == "single_sign_on":  # password_links.SIGN_IN_FACT: to sign in through the provider
        # Its link opens the first sign-in through the provider, tied to the invited account; an invitation
        # queued before those links were made has none, and points at the sign-in page.
        token, expires = facts.get(outbox.SECRET_FACT), facts.get("expires_at")
        until = datetime.fromisoformat(expires).astimezone(LOCAL_ZONE) if expires else None
        context = {"name": facts["name"], "inviter": facts.get("inviter"),
                   "address": (f"{base_url.rstrip('/')}/sign-in/sso/invitation/{token if token else 'used'}"
                               if expires else f"{base_url.rstrip('/')}/sign-in/sso"),
                   "until": _put(LINK_UNTIL, time=f"{until:%H:%M}", day=day_words(until.date())) if until else "",
                   "council": current_app.config["EQIA_COUNCIL_NAME"]}
        return Message(subject=_put(LINK_SUBJECTS[kind], council=context["council"]),
                       body=render_template("email/invitation_sso.txt", **context),
                       html=render_template("email/invitation_sso.html", **context))
    until = datetime.fromisoformat(facts["expires_at"]).astimezone(LOCAL_ZONE)
    context = {"name": facts["name"], "inviter": facts.get("inviter"),
               "address": f"{base_url.rstrip('/')}/password-link/{facts.get(outbox.SECRET_FACT, 'used')}",
               "until": _put(LINK_UNTIL, time=f"{until:%H:%M}", day=day_words(until.date())),
               "council": current_app.config["EQIA_COUNCIL_NAME"],
               "reset_address": f"{base_url.rstrip('/')}/forgotten-password"}
    return Message(subject=_put(LINK_SUBJECTS[kind], council=context["council"]),
                   body=render_template(f"email/{kind}.txt", **context),
                   html=render_template(f"email/{kind}.html", **context))


def recipient_language(recipient: str) -> str | None:
    """The language the person at this address chose (None: not chosen, or no account)."""
    from eqia.models import User

    return db.session.execute(select(User.language).where(User.email == recipient)).scalars().first()


def written(message: Queued, base_url: str, language: str | None = None) -> Message:
    """A queued message in words: written now from its facts, or as it was written when queued.
    In its recipient's language (what they chose on their account, else English), whoever's
    request or task writes it; `language` says which instead (the admin's command line: English)."""
    if language is None:
        language = recipient_language(getattr(message, "recipient", "") or "")
    with in_language(language):
        return _written(message, base_url)


def _written(message: Queued, base_url: str) -> Message:
    if message.kind == TRANSITION:
        return transition_message(message.details, base_url)
    if message.kind == kinds.DAILY_DIGEST:
        return digest_message(message.details, base_url)
    if message.kind in kinds.LINK_KINDS:
        return link_message(message.kind, message.details, base_url)
    if message.kind in kinds.KINDS:
        return kind_message(message.kind, message.details, base_url)
    return Message(subject=message.subject or "", body=message.body or "")
