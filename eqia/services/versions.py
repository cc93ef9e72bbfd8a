"""Versions: a review opens version n+1 as an editable copy; version n is never
edited, and is superseded only when n+1 is published."""

from __future__ import annotations

from eqia.audit_words import REVIEW, SUPERSEDED
from eqia.extensions import db
from sqlalchemy import select

from eqia.models import ACTION_STATUSES, Assessment, AssessmentOutcome, ImpactAim, ObjectiveTag
from eqia.assessments.shape import AIMS, CITATIONS, PARTS, REVIEW_COPY
from eqia.loaded_definitions import workflows
from eqia.services.access import held_role
from eqia.services.action_progress import latest_updates
from eqia.services.audit import append_event
from eqia.services.workflow import CREATE_VERSION_ACTION
from eqia.workflow.hooks import TransitionContext

# The assessment's own columns copied into a new version: those the shape says a review copies,
# with who may see it and the profile its groups were read under (eqia.assessments.shape). Its
# rows are copied below. Challenge rounds and sign-offs are not: they belong to the version they
# were made on.
REGISTER_COPY = REVIEW_COPY


def _copy_row(row, model, **overrides):
    columns = {c.key for c in model.__table__.columns} - {"id", "assessment_id"}
    return model(**{k: getattr(row, k) for k in columns}, **overrides)


def create_next_version(ctx: TransitionContext) -> Assessment:
    previous = ctx.assessment
    # A review follows the newest version of the workflow, not the one version n used.
    definition = workflows().current(previous.workflow_name)
    new = Assessment(
        reference=previous.reference, version_number=previous.version_number + 1, previous_version_id=previous.id,
        workflow_name=definition.name, workflow_version=definition.version, state=definition.initial,
        created_by_id=ctx.user.id, created_at=ctx.now, updated_at=ctx.now,
        **{k: getattr(previous, k) for k in REGISTER_COPY},
    )
    # Each part's rows, in the shape's order: the evidence before the analyses that cite it.
    evidence_map = {}
    for part in PARTS:
        items = part.items
        if items is None:
            continue
        copies = []
        for row in getattr(previous, items.collection):
            copy = _copy_row(row, items.model)
            for field in items.fields:
                if field.kind == CITATIONS:
                    copy.evidence = [evidence_map[e.id] for e in row.evidence]
                elif field.kind == AIMS:
                    copy.aim_answers = [ImpactAim(aim_key=answer.aim_key, relevant=answer.relevant)
                                        for answer in row.aim_answers]
            if items.numbered:
                evidence_map[row.id] = copy
            copies.append(copy)
        setattr(new, items.collection, copies)
    # The new plan starts from where each action got to, not from the status it was signed with
    # (a dropped action keeps its plan status: the plan's statuses have no "dropped"; why it was
    # dropped stays on version n's progress).
    latest = latest_updates(previous)
    for old, copy in zip(previous.actions, new.actions):
        update = latest.get(old.id)
        if update is not None and update.status in ACTION_STATUSES:
            copy.status = update.status
    new.outcomes = [_copy_row(r, AssessmentOutcome) for r in previous.outcomes]
    new.viewers = [type(v)(user_id=v.user_id) for v in previous.viewers]
    db.session.add(new)
    db.session.flush()
    _carry_tags(previous, new, ctx.now)
    role = held_role(ctx.user, ctx.transition.roles) or ""
    append_event(action=CREATE_VERSION_ACTION, actor=ctx.user, role=role, assessment=new, to_state=new.state,
                 kind=REVIEW, details={"version": previous.version_number})
    return new


def _carry_tags(previous: Assessment, new: Assessment, now) -> None:
    """Each action's golden-thread tags (the service objectives it serves) go with its copy: the review's
    version carries the thread on once it is the one whose progress is tracked (eqia.services.golden_thread
    reads each assessment's actions from that version). Programme metadata, not content: no hash covers it."""
    copies = {old.id: copy.id for old, copy in zip(previous.actions, new.actions)}
    if not copies:
        return
    for tag in db.session.execute(select(ObjectiveTag).where(ObjectiveTag.action_id.in_(copies))).scalars().all():
        db.session.add(ObjectiveTag(objective_id=tag.objective_id, action_id=copies[tag.action_id],
                                    tagged_by_id=tag.tagged_by_id, tagged_at=now))
    db.session.flush()


def supersede_previous_version(ctx: TransitionContext) -> None:
    from eqia.services.workflow import perform_system_transition

    previous = ctx.assessment.previous_version
    if previous is not None:
        perform_system_transition(previous, "supersede", now=ctx.now, kind=SUPERSEDED,
                                  details={"version": ctx.assessment.version_number})
