"""The EqIA's rules, registered into the workflow engine by name.

A definition refers to these by name (`guards`, `required_fields`, `effects`);
the engine (eqia.workflow.hooks) keeps the registries and loading fails on a
name nobody registered. Each message is written once, here, and tests check it
by its exact text.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _, lazy_gettext as _l, ngettext

from eqia.i18n import govuk_date
from eqia.audit_words import SIGNATURE

from eqia.models import Assessment, utcnow
from eqia.loaded_definitions import definition_for
from eqia.local_time import LOCAL_ZONE, local_date  # noqa: F401  (the EqIA's dates are London dates)
from eqia.workflow.hooks import (EFFECTS, GUARDS, REQUIREMENTS, Problem,  # noqa: F401  (registries, for callers)
                                 TransitionContext, effect, guard, record_date, requirement)

# The requirements (what each section needs before a transition) live with the
# sections in eqia.assessments.sections, which registers them at the end of this module.

# ---------------------------------------------------------------------- guards

@guard("screening_has_no_unknowns")
def screening_has_no_unknowns(ctx: TransitionContext) -> list[Problem]:
    names = sections.unknown_groups(ctx.assessment, ctx.characteristics)
    if names:
        return [Problem(sections.screen_out_blocked_by_unknown(names), "screening", "proposal")]
    return []


SCREENING_SAYS_FULL = _l("The screening concludes that a full assessment is needed. To propose a screen-out, "
                         "change the proposed conclusion in the screening first.")


@guard("screening_proposes_screen_out")
def screening_proposes_screen_out(ctx: TransitionContext) -> list[Problem]:
    # The action must match what the screening, as written and checked, concludes.
    if ctx.assessment.screening_proposal != "screen_out":
        return [Problem(str(SCREENING_SAYS_FULL), "screening", "proposal")]
    return []


@guard("screening_has_review_date")
def screening_has_review_date(ctx: TransitionContext) -> list[Problem]:
    # A screen-out is settled once agreed: its review date is what brings it back (the timed transitions
    # `screening_review_falls_due` and `published_screening_review_falls_due` in the definition).
    if ctx.assessment.screening_proposal != "screen_out":
        return []  # screening_proposes_screen_out says what is wrong
    today = utcnow().astimezone(LOCAL_ZONE).date()
    return sections.screening_review_date_problems(ctx.assessment.review_date, today, required=True)


_day = govuk_date  # "6 December 2026", or "6 Rhagfyr 2026" in Welsh


def sign_off_too_late(decision_date: date) -> str:
    return _("You cannot sign off on or after the planned decision date (%(date)s): due regard must be paid "
             "before the decision is made. If the decision has moved, return the assessment for more work so "
             "that the author can change the planned decision date.", date=_day(decision_date))


def sign_off_would_be_too_late(decision_date: date) -> str:
    return _("Sign-off could no longer come before the planned decision date (%(date)s): due regard must be "
             "paid before the decision is made. If the decision has moved, change the planned decision date "
             "in the register details first.", date=_day(decision_date))


def late_decision_warning(decision_date: date) -> str:
    return _("The planned decision date (%(date)s) is today or has passed: this assessment could not be "
             "signed off before the decision. If the decision has moved, change the planned decision date.",
             date=_day(decision_date))


def late_decision_warning_for(assessment) -> str | None:
    """A warning for the author while a sign-off is still ahead of this assessment and
    could no longer come before its planned decision date (they may be recording a
    date that is about to move, so it warns rather than refuses)."""
    decision_date = assessment.planned_decision_date
    if decision_date is None or not too_late_to_sign(decision_date, local_date(utcnow())):
        return None
    definition = definition_for(assessment)
    signing_states = [s for s in definition.states if definition.sign_off_transitions(s)]
    if not any(assessment.state == s or assessment.state in definition.states_leading_to(s) for s in signing_states):
        return None
    return late_decision_warning(decision_date)


NO_DECISION_DATE = _l("Enter the date the decision will be made before signing off")


def too_late_to_sign(decision_date: date, today: date) -> bool:
    # R (Rotherham) 2014: "an after the event assessment cannot save the decision". A sign-off
    # on the day of the decision is too late too: nobody can show it came first.
    return today >= decision_date


@guard("before_planned_decision_date")
def before_planned_decision_date(ctx: TransitionContext) -> list[Problem]:
    decision_date = ctx.assessment.planned_decision_date
    if decision_date is None:
        return [Problem(str(NO_DECISION_DATE), "register_details", "planned_decision_date")]
    if too_late_to_sign(decision_date, ctx.local_today):
        return [Problem(sign_off_too_late(decision_date))]
    return []


@guard("sign_off_still_possible")
def sign_off_still_possible(ctx: TransitionContext) -> list[Problem]:
    """Before the sign-off itself (submitting for challenge, say): refused as soon as the
    sign-off could no longer come before the decision, rather than only at the signature."""
    decision_date = ctx.assessment.planned_decision_date
    if decision_date is not None and too_late_to_sign(decision_date, ctx.local_today):
        return [Problem(sign_off_would_be_too_late(decision_date), "register_details",
                        "planned_decision_date")]
    return []  # no date at all: the register details' own check asks for it


def review_already_open(version_number: int) -> str:
    return _("A review is already open as version %(number)s. Continue it there.", number=version_number)


@guard("no_open_next_version")
def no_open_next_version(ctx: TransitionContext) -> list[Problem]:
    following = ctx.assessment.next_version
    if following is not None:
        return [Problem(review_already_open(following.version_number))]
    return []


# The challenge review (DOMAIN.md, step 4). The rounds and points live in
# eqia.services.challenge; these say what each transition needs of them.

RETURN_NEEDS_POINTS = _l("Mark at least one task \u201cTo correct\u201d on the review page, or give an "
                         "overall comment, so the author knows what to change.")


@guard("challenge_has_points")
def challenge_has_points(ctx: TransitionContext) -> list[Problem]:
    from eqia.services import challenge

    if ctx.comment or challenge.points_to_correct(ctx.assessment):
        return []
    return [Problem(str(RETURN_NEEDS_POINTS), "review", "points")]


def approve_blocked(titles: list[str]) -> str:
    quoted = ", ".join(f"\u201c{t}\u201d" for t in titles)
    return ngettext("You cannot approve while %(tasks)s is marked \u201cTo correct\u201d. Change the status "
                    "on the review page, or return the assessment to the author.",
                    "You cannot approve while %(tasks)s are marked \u201cTo correct\u201d. Change the status "
                    "on the review page, or return the assessment to the author.", len(titles), tasks=quoted)


@guard("no_point_to_correct")
def no_point_to_correct(ctx: TransitionContext) -> list[Problem]:
    from eqia.services import challenge

    points = challenge.points_to_correct(ctx.assessment)
    if points:
        return [Problem(approve_blocked([challenge.task_title(ctx.assessment, p.section_key) for p in points]),
                        "review", "points")]
    return []


def points_unanswered(count: int, round_number: int) -> str:
    return ngettext("Answer every challenge point from round %(round)s before you submit again: %(num)d is "
                    "not answered yet.",
                    "Answer every challenge point from round %(round)s before you submit again: %(num)d are "
                    "not answered yet.", count, round=round_number)


@guard("challenge_points_answered")
def challenge_points_answered(ctx: TransitionContext) -> list[Problem]:
    from eqia.services import challenge

    returned = challenge.round_to_answer(ctx.assessment)
    if returned is None:
        return []
    unanswered = [p for p in returned.comments if p.needs_answer and not p.response]
    if unanswered:
        return [Problem(points_unanswered(len(unanswered), returned.number), "respond", "points")]
    return []


ALREADY_SIGNED = _l("You have already signed this version. Another decision-maker must add the next "
                    "signature.")


@guard("not_already_signed")
def not_already_signed(ctx: TransitionContext) -> list[Problem]:
    from eqia.services import signing

    if ctx.user is not None and any(s.signer_id == ctx.user.id for s in signing.valid_signatures(ctx.assessment)):
        return [Problem(str(ALREADY_SIGNED))]
    return []


# --------------------------------------------------------------------- effects

@effect("open_challenge_round")
def open_challenge_round(ctx: TransitionContext) -> None:
    from eqia.services import challenge

    challenge.open_round(ctx.assessment, ctx.now)


@effect("close_challenge_round")
def close_challenge_round(ctx: TransitionContext) -> None:
    from eqia.services import challenge

    challenge.close_round(ctx)


def _signed_content(ctx: TransitionContext) -> dict:
    from eqia.services import signing

    return signing.audit_details(ctx.assessment)


@effect("record_sign_off", kind=SIGNATURE, details=_signed_content)
def record_sign_off(ctx: TransitionContext) -> None:
    from eqia.services import signing

    signing.record_signature(ctx)


@effect("store_signed_document")
def store_signed_document(ctx: TransitionContext) -> None:
    from eqia.services import version_pdfs

    version_pdfs.store_signed(ctx)


@effect("record_publication")
def record_publication(ctx: TransitionContext) -> None:
    ctx.assessment.published_at = ctx.now


@effect("create_next_version")
def create_next_version(ctx: TransitionContext) -> None:
    from eqia.services.versions import create_next_version as create

    create(ctx)


@effect("supersede_previous_version", needs_triggers=("supersede",))
def supersede_previous_version(ctx: TransitionContext) -> None:
    from eqia.services.versions import supersede_previous_version as supersede

    supersede(ctx)


# ----------------------------------------------------------------------- dates
# The dates a timed transition may wait for (`after:` in a definition); the subject
# (eqia.assessments.subject) finds the assessments whose date has arrived.
record_date("review_date", Assessment.review_date)


from eqia.assessments import sections  # noqa: E402  (registers the section requirements)
