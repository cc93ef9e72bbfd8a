"""A frozen version's content can never change, whichever code path tries.

The views hide the forms and `check_editable` refuses content saves, but the
promise made at sign-off ("this version can never be changed") is kept here,
beneath them: before every flush, any change to the content of an assessment
whose stored state is frozen (signed off, published, screened out, superseded)
is refused and nothing is written. Moving a frozen version's state on to
another frozen state (publishing, superseding) is allowed; moving it back to an
editable state, or changing its words, is not. A change made in SQL,
around the application, is what the content hash (`eqia.services.signing`)
detects.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from eqia.assessments import shape
from eqia.models import (
    Assessment,
    AssessmentViewer,
    ChallengeComment,
    ChallengeRound,
    CharacteristicImpact,
    ImpactAim,
    SectionCompletion,
)
from eqia.services.errors import NotPossible

# What taking a transition on a frozen version may change.
WORKFLOW_COLUMNS = frozenset({"state", "lock_version", "updated_at", "published_at"})
# The content's rows (the shape's), then what is frozen with them: the challenge ledger, the sections
# marked completed, and who may see it.
CONTENT_COLLECTIONS = (*shape.CONTENT_COLLECTIONS, "challenge_rounds", "completions", "viewers")
CHILD_MODELS = (*shape.CONTENT_ROW_MODELS, ChallengeRound, SectionCompletion, AssessmentViewer)
# Rows that belong to a child: a group's aims belong to its analysis.
GRANDCHILD_MODELS = (ChallengeComment, ImpactAim)


class Frozen(NotPossible):
    """A write to the content of a version that can never change."""


def frozen_message(reference: str, state_phrase: str) -> str:
    return (f"{reference} is {state_phrase} and can never be changed. Start a review to open a new "
            "version.")


def _stored_state(session: Session, assessment: Assessment) -> str | None:
    history = inspect(assessment).attrs.state.history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    # Not loaded: expired by a commit, or set without being read first. The row
    # in the database says what the version is, not the value about to be written.
    return session.execute(
        select(Assessment.state).where(Assessment.id == inspect(assessment).identity[0])
    ).scalar_one_or_none()


def _is_frozen(session: Session, assessment: Assessment) -> str | None:
    """The phrase of the assessment's stored state ("signed off") if that state is frozen."""
    from eqia.loaded_definitions import definition_for

    if not inspect(assessment).persistent:
        return None  # a new version being created is not frozen
    state = _stored_state(session, assessment)
    if state is None:
        return None
    definition = definition_for(assessment)
    return definition.states[state].phrase if definition.is_frozen(state) else None


def _leaves_frozen_states(assessment: Assessment) -> bool:
    """A frozen version moves only to another frozen state (published, withdrawn
    from the register, superseded): moved back to an editable one, its words could
    be changed after all."""
    from eqia.loaded_definitions import definition_for

    return not definition_for(assessment).is_frozen(assessment.state)


def _changed_columns(obj) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}


def _content_changed(session: Session, assessment: Assessment) -> bool:
    if _changed_columns(assessment) - WORKFLOW_COLUMNS:
        return True
    state = inspect(assessment)
    for name in CONTENT_COLLECTIONS:
        if name not in state.dict:
            continue  # never loaded, so not changed through this object
        if state.attrs[name].history.has_changes():
            return True
        for child in state.dict[name]:
            if child in session.dirty and session.is_modified(child, include_collections=True):
                return True
            if isinstance(child, CharacteristicImpact) and "aim_answers" in inspect(child).dict:
                if inspect(child).attrs.aim_answers.history.has_changes():
                    return True
                if any(x in session.dirty and session.is_modified(x) for x in child.aim_answers):
                    return True
            if isinstance(child, ChallengeRound) and "comments" in inspect(child).dict:
                if inspect(child).attrs.comments.history.has_changes():
                    return True
                if any(c in session.dirty and session.is_modified(c) for c in child.comments):
                    return True
    return False


def _owner(session: Session, row) -> Assessment | None:
    if isinstance(row, ChallengeComment):
        round_ = session.get(ChallengeRound, row.round_id) if row.round_id else None
        return session.get(Assessment, round_.assessment_id) if round_ else None
    if isinstance(row, ImpactAim):
        impact = session.get(CharacteristicImpact, row.impact_id) if row.impact_id else None
        return session.get(Assessment, impact.assessment_id) if impact else None
    assessment_id = getattr(row, "assessment_id", None)
    return session.get(Assessment, assessment_id) if assessment_id else None


def refuse_frozen_changes(session: Session, flush_context, instances) -> None:
    with session.no_autoflush:
        suspects: set[Assessment] = {o for o in session.dirty if isinstance(o, Assessment)}
        for row in [*session.dirty, *session.deleted, *session.new]:
            if isinstance(row, (*CHILD_MODELS, *GRANDCHILD_MODELS)):
                owner = _owner(session, row)
                if owner is not None:
                    if row in session.dirty and not session.is_modified(row, include_collections=True):
                        continue
                    label = _is_frozen(session, owner)
                    if label:
                        raise Frozen(frozen_message(owner.display_reference, label))
        for assessment in suspects:
            label = _is_frozen(session, assessment)
            if label and (_content_changed(session, assessment) or _leaves_frozen_states(assessment)):
                raise Frozen(frozen_message(assessment.display_reference, label))


def init_app(app) -> None:
    # Registered on the Session class, once: every session of every app gets it.
    if not event.contains(Session, "before_flush", refuse_frozen_changes):
        event.listen(Session, "before_flush", refuse_frozen_changes)
