"""What the assessment's PDF (and its Word copy) shows, gathered from the
assessment, its trail and its signatures into one context for eqia.pdf, which
only lays it out."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from eqia.models import Assessment, AuditEvent, utcnow
from eqia.pdf.layout import DECISION_STEP, Step, said
from eqia.pdf.layout import html_for as render_html
from eqia.loaded_definitions import characteristics, definition_for, profile_for
from eqia.services import challenge, signing
from eqia.services.audit import Anchor, anchor, trail
from eqia.services.review_outcomes import next_step_words, side_by_side
from eqia.services.summary import sign_off_summary
from eqia.assessments.shape import review_recorded
from eqia.local_time import LOCAL_ZONE


def is_final(assessment: Assessment) -> bool:
    """Final: the version can never change (its state is frozen), so its PDF is no draft."""
    return definition_for(assessment).is_frozen(assessment.state)


def _at(moment: datetime, label: str) -> Step:
    return Step(moment.astimezone(LOCAL_ZONE).date(), label, moment)


def timeline(assessment: Assessment, events: list[AuditEvent]) -> list[Step]:
    """Due regard started, screening, each round of challenge, each signature,
    the planned decision: in the order they happened (Kaur & Shah: regard before decision).
    In the language being written (the document is made inside one: eqia.services.version_pdfs)."""
    definition = definition_for(assessment)
    steps: list[Step] = []
    if assessment.due_regard_started_on:
        steps.append(Step(assessment.due_regard_started_on, _("Due regard started")))
    for e in events:
        if e.from_state == definition.initial and e.to_state != e.from_state:
            label = said(definition.transitions[e.action].label) if e.action in definition.transitions else e.action
            steps.append(_at(e.occurred_at, _("Screening concluded: %(outcome)s", outcome=label.lower())))
        elif e.action in ("agree_screen_out", "reject_screen_out", "return_for_more_work"):
            steps.append(_at(e.occurred_at, said(definition.transitions[e.action].label)))
    for r in assessment.challenge_rounds:
        steps.append(_at(r.opened_at, _("Challenge round %(number)s opened", number=r.number)))
        if r.closed_at:
            decision = (said(definition.transitions[r.decision].label).lower() if r.decision in definition.transitions
                        else r.decision)
            steps.append(_at(r.closed_at, _("Challenge round %(number)s: %(decision)s", number=r.number,
                                            decision=decision)))
    for s in assessment.sign_offs:
        steps.append(_at(s.signed_at, _("Signed off by %(name)s", name=s.signer_name)))
    if assessment.planned_decision_date:
        steps.append(Step(assessment.planned_decision_date, str(DECISION_STEP)))
    return sorted(steps, key=lambda s: s.order)


def context_for(assessment: Assessment, *, printed_at: datetime | None = None,
                as_of: AuditEvent | None = None) -> dict:
    """Everything the document shows, for the PDF template (and so the Word copy). `as_of`: the
    event that made the version final, for its record: the document as it was at that moment (its
    state then, its trail up to that event, the chain's head at that event), whenever it is made."""
    definition = definition_for(assessment)
    events = trail(assessment)
    if as_of is not None:
        events = [e for e in events if not isinstance(e, AuditEvent) or e.seq <= as_of.seq]
    steps = timeline(assessment, events)
    rounds = {r.number: (said(definition.transitions[r.decision].label) if r.decision in definition.transitions
                         else _("under review")) for r in assessment.challenge_rounds}
    final = is_final(assessment)  # stored once and served byte for byte from then on
    return dict(
        assessment=assessment, state=definition.states[as_of.to_state if as_of else assessment.state], draft=not final,
        summary=sign_off_summary(assessment), chars=characteristics(), task_title=challenge.task_title,
        # The wording of the aims judged relevant for each group (an aim this service's profile
        # lacks is named as another profile's, as the pages do).
        aims={i.characteristic_key: characteristics().aim_labels(i.relevant_aims) for i in assessment.impacts},
        timeline=steps, round_labels=rounds,
        signatures=signing.valid_signatures(assessment) if assessment.sign_offs else [], events=events,
        definition=definition, printed_at=printed_at or (as_of.occurred_at if as_of else utcnow()),
        # The duty it names is the one of the profile it was made under.
        profile=profile_for(assessment),
        # The whole trail's head as the version became final (signed off, or its screen-out
        # agreed): a later truncation or rewrite of the trail contradicts it. Not on drafts,
        # which are cached.
        anchor=(Anchor(as_of.seq, as_of.hash) if as_of else anchor()) if final else None,
        # A review version's look back at the version it follows (None where it has said nothing of it).
        review=_review(assessment),
    )


def _review(assessment: Assessment) -> dict | None:
    reviewed = assessment.previous_version
    if reviewed is None or not review_recorded(assessment):
        return None
    return {"reviewed": reviewed, "groups": side_by_side(assessment, reviewed),
            "next_step": next_step_words(assessment)}


def html_for(assessment: Assessment, *, printed_at: datetime | None = None,
             as_of: AuditEvent | None = None) -> tuple[str, dict]:
    """The assessment's document HTML and the generated assets it refers to."""
    return render_html(context_for(assessment, printed_at=printed_at, as_of=as_of))
