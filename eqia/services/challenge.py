"""The challenge ledger: rounds of independent challenge, their points and answers.

A round opens when the author submits for challenge (the `open_challenge_round`
effect) with a snapshot of the content, so the next round can show what
changed. While it is open, a lead who may close it records a status and a
comment per task. Returning or approving closes it (`close_challenge_round`);
a returned round's points are then answered by the author, and the next
submission needs every one answered (`challenge_points_answered`). Nothing in
the ledger is ever deleted: it is the record that the challenge happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from sqlalchemy.orm.exc import StaleDataError

from eqia.audit_words import CHALLENGE_ANSWERS, CHALLENGE_POINTS, REMOVED_POINT, lend_names
from eqia.extensions import db
from eqia.models import (
    ACCEPTED,
    CHALLENGE_RESPONSES,
    CHALLENGE_STATUSES,
    OVERALL,
    TO_CORRECT,
    Assessment,
    ChallengeComment,
    ChallengeRound,
    User,
    utcnow,
)
from eqia.loaded_definitions import definition_for
from eqia.services import access
from eqia.services.audit import append_event
from eqia.services.errors import NUL_REFUSED, Conflict, Forbidden, Invalid, NotFound, NotPossible
from eqia.workflow.errors import N_, said
from eqia.services.record import changes_between, load_snapshot, sections_record
from eqia.services.workflow import (
    ANSWERS_ACTION,
    CHALLENGE_POINTS_ACTION,
    NOT_FOUND,
    STALE,
    allowed_transitions,
    lock_assessment,
)
from eqia.assessments import sections
from eqia.workflow.hooks import Problem, TransitionContext
from eqia.unit_of_work import service_step, undo_step

# Audit actions. Recording points (CHALLENGE_POINTS_ACTION) makes a lead one of
# the version's "challengers", answering them (ANSWERS_ACTION) makes an author one
# of its "responders": segregation of duties keeps both from signing it off.

TEXT_MAX = 10_000
_TEXT_MAX_TEXT = f"{TEXT_MAX:,}"
OVERALL_TITLE = N_("Overall comment")

NOT_UNDER_REVIEW = N_("This assessment is not open for challenge review while it is {state}.")
NOT_A_REVIEWER = N_("You cannot record challenge points on this assessment.")
NOTHING_TO_ANSWER = N_("There are no challenge points to answer on this assessment.")


def not_under_review(state) -> LazyString:
    """{state} is the state's phrase, shown in the language the refusal is shown in."""
    return LazyString(lambda: said(NOT_UNDER_REVIEW).format(state=state))


# Said in the language of the request that is refused (the task's title is already in it); plain
# text, so that a page or a test can look for it in what was shown.
def status_missing(title: str) -> str:
    return _("Select a status for \u201c%(title)s\u201d, or remove your comment", title=title)


def comment_missing(title: str, status: str) -> str:
    if status == TO_CORRECT:
        return _("Say what must be corrected in \u201c%(title)s\u201d", title=title)
    return _("Say what could be improved in \u201c%(title)s\u201d", title=title)


def response_missing(title: str) -> str:
    return _("Select whether you accept the point on \u201c%(title)s\u201d", title=title)


def response_text_missing(title: str, response: str) -> str:
    if response == ACCEPTED:
        return _("Say what you changed in answer to the point on \u201c%(title)s\u201d", title=title)
    return _("Give your reasons for not accepting the point on \u201c%(title)s\u201d", title=title)


def too_long(title: str) -> str:
    return _("Your text on \u201c%(title)s\u201d must be %(max)s characters or fewer", title=title,
             max=_TEXT_MAX_TEXT)


# ---------------------------------------------------------------- reading

def task_title(assessment: Assessment, key: str) -> str:
    return _(OVERALL_TITLE) if key == OVERALL else sections.title_for(assessment, key)


# The trail names a task by its key, and a group's analysis by the group's name (the assessment's own).
lend_names(task_title=lambda key: _(OVERALL_TITLE) if key == OVERALL else sections.SECTIONS[key].title)


def _task(assessment: Assessment, key: str) -> dict:
    if key.startswith("characteristic:"):
        return {"about": key, "group": sections.title_for(assessment, key)}
    return {"about": key}


def review_keys(assessment: Assessment) -> list[str]:
    """The tasks a lead reviews: the sections the workflow needs in this state,
    with "Impact on each group" taken one group at a time."""
    keys = []
    for section in definition_for(assessment).sections_needed(assessment.state):
        if not sections.SECTIONS[section].applies(assessment):
            continue
        if sections.SECTIONS[section].per_characteristic:
            keys += [sections.completion_key(section, i.characteristic_key) for i in assessment.impacts]
        else:
            keys.append(section)
    return keys


def current_round(assessment: Assessment) -> ChallengeRound | None:
    """The round open now (submitted and not yet returned or approved)."""
    rounds = assessment.challenge_rounds
    return rounds[-1] if rounds and rounds[-1].decision is None else None


def previous_round(assessment: Assessment, number: int) -> ChallengeRound | None:
    return next((r for r in assessment.challenge_rounds if r.number == number - 1), None)


def round_to_answer(assessment: Assessment) -> ChallengeRound | None:
    """The last round, if it was closed by sending the work back to be edited:
    its points are the author's to answer before the next submission."""
    rounds = assessment.challenge_rounds
    if not rounds or rounds[-1].decision is None:
        return None
    last = rounds[-1]
    definition = definition_for(assessment)
    closing = definition.transitions.get(last.decision)
    if closing is None or not definition.reopens(closing):
        return None
    return last


def points_to_correct(assessment: Assessment) -> list[ChallengeComment]:
    open_round = current_round(assessment)
    return [p for p in open_round.comments if p.status == TO_CORRECT] if open_round else []


def unanswered(assessment: Assessment) -> list[ChallengeComment]:
    returned = round_to_answer(assessment)
    return [p for p in returned.comments if p.needs_answer and not p.response] if returned else []


def not_accepted(assessment: Assessment) -> list[tuple[ChallengeRound, ChallengeComment]]:
    """Every point the author did not accept, in any round: the decision-maker
    must see where author and challenger still disagree."""
    return [(r, p) for r in assessment.challenge_rounds for p in r.comments
            if p.response and p.response != ACCEPTED]


def changes_since_last_round(assessment: Assessment, round_: ChallengeRound):
    """What changed, task by task, between the previous round's submission and this one's."""
    before = previous_round(assessment, round_.number)
    if before is None or not before.content_snapshot:
        return None
    after = load_snapshot(round_.content_snapshot) if round_.content_snapshot else sections_record(assessment)
    return changes_between(load_snapshot(before.content_snapshot), after)


def closing_actions(user: User, assessment: Assessment) -> list:
    """The transitions closing the open round that `user` may take now."""
    closing = set(definition_for(assessment).review_transitions(assessment.state))
    return [t for t in allowed_transitions(user, assessment) if t in closing] if closing else []


def may_review(user: User, assessment: Assessment) -> bool:
    """A lead may record points where they could close the round: the same role
    and segregation-of-duties rules as returning or approving."""
    return bool(closing_actions(user, assessment))


# ---------------------------------------------------------------- effects

def open_round(assessment: Assessment, now: datetime) -> ChallengeRound:
    from eqia.services.record import snapshot

    number = max((r.number for r in assessment.challenge_rounds), default=0) + 1
    round_ = ChallengeRound(number=number, opened_at=now, content_snapshot=snapshot(assessment))
    assessment.challenge_rounds.append(round_)
    return round_


def close_round(ctx: TransitionContext) -> None:
    assessment = ctx.assessment
    round_ = current_round(assessment) or open_round(assessment, ctx.now)
    round_.decision = ctx.transition.trigger
    round_.closed_at = ctx.now
    round_.challenger_id = ctx.user.id if ctx.user else None
    round_.overall_comment = ctx.comment
    if ctx.comment and ctx.definition.reopens(ctx.transition):
        # Sent back to be edited: the overall comment is a point to answer too.
        round_.comments.append(ChallengeComment(section_key=OVERALL, status=OVERALL, comment=ctx.comment,
                                                reviewed_by_id=round_.challenger_id, reviewed_at=ctx.now))


# ---------------------------------------------------------------- writing

@dataclass(frozen=True)
class PointInput:
    status: str | None
    comment: str


def _lock(assessment_id: int, user: User) -> Assessment:
    assessment = lock_assessment(assessment_id)
    if assessment is None or not access.can_view(user, assessment):
        raise NotFound(NOT_FOUND)
    return assessment


def field_name(prefix: str, key: str) -> str:
    """The form field a problem belongs on, for a task key or a point id
    ("characteristic:age" has a colon, which a field name cannot)."""
    return f"{prefix}_{key.replace(':', '__')}"


def _check_text(title: str, text: str, field: str) -> None:
    if "\x00" in text:
        raise Invalid(Problem(NUL_REFUSED, field=field))
    if len(text) > TEXT_MAX:
        raise Invalid(Problem(too_long(title), field=field))


@service_step
def save_points(assessment_id: int, user: User, points: dict[str, PointInput]) -> Assessment:
    """Record the lead's status and comment for each task of the open round. A
    task left with neither is removed from the round; anything else invalid
    refuses the whole save, with nothing written."""
    try:
        assessment = _lock(assessment_id, user)
        round_ = current_round(assessment)
        definition = definition_for(assessment)
        if round_ is None or not definition.review_transitions(assessment.state):
            raise NotPossible(not_under_review(definition.states[assessment.state].phrase))
        if not may_review(user, assessment):
            raise Forbidden(NOT_A_REVIEWER)
        keys = review_keys(assessment)
        problems = []
        for key, point in points.items():
            if key not in keys:
                continue
            title = task_title(assessment, key)
            _check_text(title, point.comment, field_name("comment", key))
            if point.status is not None and point.status not in CHALLENGE_STATUSES:
                problems.append(Problem(status_missing(title), field=field_name("status", key)))
            elif point.status is None and point.comment.strip():
                problems.append(Problem(status_missing(title), field=field_name("status", key)))
            elif point.status in (TO_CORRECT, "could_be_improved") and not point.comment.strip():
                problems.append(Problem(comment_missing(title, point.status), field=field_name("comment", key)))
        if problems:
            raise Invalid(*problems)
        existing = {p.section_key: p for p in round_.comments}
        now = utcnow()
        changed = []
        for key in keys:
            if key not in points:
                continue
            point, row = points[key], existing.get(key)
            if point.status is None:
                if row is not None:
                    round_.comments.remove(row)
                    changed.append({**_task(assessment, key), "status": REMOVED_POINT})
                continue
            if row is None:
                row = ChallengeComment(section_key=key, status=point.status, comment=point.comment)
                round_.comments.append(row)
            elif (row.status, row.comment) == (point.status, point.comment):
                continue
            row.status, row.comment = point.status, point.comment
            row.reviewed_by_id, row.reviewed_at = user.id, now
            changed.append({**_task(assessment, key), "status": point.status})
        if not changed:
            return assessment
        role = access.held_role(user, {r for t in definition.review_transitions(assessment.state) for r in t.roles})
        db.session.flush()
        append_event(action=CHALLENGE_POINTS_ACTION, actor=user, role=role or "", assessment=assessment,
                     from_state=assessment.state, to_state=assessment.state,
                     kind=CHALLENGE_POINTS, details={"round": round_.number, "points": changed})
        db.session.flush()
        return assessment
    except Exception:
        undo_step()
        raise


@dataclass(frozen=True)
class AnswerInput:
    response: str | None
    text: str


@service_step
def save_answers(assessment_id: int, user: User, lock_version: int, answers: dict[int, AnswerInput]) -> Assessment:
    """The author's answers to the points of the returned round. Points may be
    answered a few at a time; submitting again needs them all."""
    from eqia.services.assessments import check_editable

    try:
        assessment = _lock(assessment_id, user)
        role = check_editable(user, assessment)
        returned = round_to_answer(assessment)
        if returned is None:
            raise NotPossible(NOTHING_TO_ANSWER)
        if lock_version != assessment.lock_version:
            raise Conflict(assessment, STALE)
        problems = []
        points = {p.id: p for p in returned.comments if p.needs_answer}
        for point_id, answer in answers.items():
            point = points.get(point_id)
            if point is None:
                continue
            title = task_title(assessment, point.section_key)
            _check_text(title, answer.text, field_name("text", str(point_id)))
            if answer.response is not None and answer.response not in CHALLENGE_RESPONSES:
                problems.append(Problem(response_missing(title), field=field_name("response", str(point_id))))
            elif answer.response is None and answer.text.strip():
                problems.append(Problem(response_missing(title), field=field_name("response", str(point_id))))
            elif answer.response is not None and not answer.text.strip():
                problems.append(Problem(response_text_missing(title, answer.response), field=field_name("text", str(point_id))))
        if problems:
            raise Invalid(*problems)
        now = utcnow()
        changed = []
        for point_id, answer in answers.items():
            point = points.get(point_id)
            if point is None or (point.response, point.response_text) == (answer.response, answer.text):
                continue
            if answer.response is None and not point.response:
                continue
            point.response, point.response_text = answer.response, answer.text
            point.responded_by_id, point.responded_at = (user.id, now) if answer.response else (None, None)
            changed.append({**_task(assessment, point.section_key),
                            "response": answer.response or REMOVED_POINT})
        if not changed:
            return assessment
        assessment.updated_at = now  # the answers are part of the record: a new lock version
        db.session.flush()
        append_event(action=ANSWERS_ACTION, actor=user, role=role, assessment=assessment,
                     from_state=assessment.state, to_state=assessment.state,
                     kind=CHALLENGE_ANSWERS, details={"round": returned.number, "answers": changed})
        db.session.flush()
        return assessment
    except StaleDataError:
        undo_step()
        raise Conflict(db.session.get(Assessment, assessment_id), STALE) from None
    except Exception:
        undo_step()
        raise
