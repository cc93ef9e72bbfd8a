"""The EqIA as the subject the workflow engine moves (eqia.workflow.subject):
an `Assessment` row, locked for update; who may see it (eqia.services.access);
who took part in a version (for segregation of duties); the characteristic set
its rules are given; its audit trail (eqia.services.audit); its signatures; and
the unit of work each transition is a step of (eqia.unit_of_work); and the
assessments whose date a timed transition waits for has come. Registered
with the engine when this module is imported (eqia.assessments imports it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from eqia.extensions import db
from eqia.models import (
    Assessment,
    AuditEvent,
    ChallengeComment,
    ChallengeRound,
    RestoredAuditEvent,
    SectionCompletion,
    User,
    utcnow,
)
from eqia.loaded_definitions import characteristics, definition_for
from eqia.services import access
from eqia.services.audit import RESTORE_ACTION, append_event
from eqia.services.workflow import WORDING, kind_of_action
from eqia.unit_of_work import service_step, undo_step
from eqia.workflow.definition import Transition, WorkflowDefinition
from eqia.workflow.hooks import DATES
from eqia.workflow.subject import Participants, register_subject

R = TypeVar("R")


def participants_for(assessments: list[Assessment]) -> dict[int, Participants]:
    """Who took part in each version, from stored rows and codes: this system's
    audit events (their action codes), the rows of the ledger and the completion
    marks (their user ids), the restore of a version and the trail it came with
    (its people are matched to accounts here by e-mail address, as the restore
    matched them). A few queries for any number of versions: list pages must not
    query per row."""
    ids = [a.id for a in assessments]
    found: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for a in assessments:
        if a.created_by_id is not None:
            found[a.id]["creator"].add(a.created_by_id)
    if not ids:
        return {}
    rows = db.session.execute(
        select(AuditEvent.assessment_id, AuditEvent.actor_id, AuditEvent.action, AuditEvent.kind)
        .where(AuditEvent.assessment_id.in_(ids), AuditEvent.actor_id.is_not(None)).distinct()
    )
    for assessment_id, actor_id, action, kind in rows:
        found[assessment_id][kind_of_action(action, kind)].add(actor_id)
    # A restore is this system's event about the version (it has no assessment id).
    by_reference = {a.display_reference: a.id for a in assessments}
    rows = db.session.execute(
        select(AuditEvent.assessment_reference, AuditEvent.actor_id)
        .where(AuditEvent.assessment_id.is_(None), AuditEvent.action == RESTORE_ACTION,
               AuditEvent.assessment_reference.in_(list(by_reference)),
               AuditEvent.actor_id.is_not(None)).distinct()
    )
    for reference, actor_id in rows:
        found[by_reference[reference]]["restorers"].add(actor_id)
    rows = db.session.execute(
        select(SectionCompletion.assessment_id, SectionCompletion.completed_by_id)
        .where(SectionCompletion.assessment_id.in_(ids)).distinct()
    )
    for assessment_id, user_id in rows:
        found[assessment_id]["editors"].add(user_id)
    rows = db.session.execute(
        select(ChallengeRound.assessment_id, ChallengeRound.decision, ChallengeRound.challenger_id,
               ChallengeComment.reviewed_by_id, ChallengeComment.responded_by_id)
        .outerjoin(ChallengeComment, ChallengeComment.round_id == ChallengeRound.id)
        .where(ChallengeRound.assessment_id.in_(ids)).distinct()
    )
    for assessment_id, decision, closer_id, reviewer_id, responder_id in rows:
        if decision and closer_id is not None:
            found[assessment_id][decision].add(closer_id)
        if reviewer_id is not None:
            found[assessment_id]["challengers"].add(reviewer_id)
        if responder_id is not None:
            found[assessment_id]["responders"].add(responder_id)
    restored = db.session.execute(
        select(RestoredAuditEvent.assessment_id, RestoredAuditEvent.actor_email, RestoredAuditEvent.action,
               RestoredAuditEvent.kind)
        .where(RestoredAuditEvent.assessment_id.in_(ids), RestoredAuditEvent.actor_email != "").distinct()
    ).all()
    if restored:
        emails = {User.normalise_email(email) for _, email, _, _ in restored}
        accounts = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
        for assessment_id, email, action, kind in restored:
            user_id = accounts.get(User.normalise_email(email))
            if user_id is not None:
                found[assessment_id][kind_of_action(action, kind)].add(user_id)
    return {a.id: Participants(by_kind={kind: frozenset(ids) for kind, ids in found[a.id].items()})
            for a in assessments}


class AssessmentSubject:
    """What the engine needs of an assessment, said once for all of it."""

    wording = WORDING

    # A flush that finds the row's version_id_col moved on: someone else saved first.
    stale_errors = (StaleDataError,)

    def lock(self, record_id: int) -> Assessment | None:
        # Concurrent writers queue here on PostgreSQL (SQLite serialises writers
        # itself) and then see the committed state, hence populate_existing.
        return db.session.execute(
            select(Assessment).where(Assessment.id == record_id).with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()

    def can_view(self, user: User, record: Assessment) -> bool:
        return access.can_view(user, record)

    def held_role(self, user: User, roles: Collection[str]) -> str | None:
        return access.held_role(user, roles)

    def relations(self, user: User, record: Assessment, part: Any) -> Collection[str]:
        return access.relations(user, record, part)

    def definition_for(self, record: Assessment) -> WorkflowDefinition:
        return definition_for(record)

    def participants(self, records: list[Assessment]) -> dict[int, Participants]:
        return participants_for(records)

    def extras(self, record: Assessment) -> Any:
        # The running profile, as the rules have always been given (not the one the version was made under).
        return characteristics()

    def now(self) -> datetime:
        return utcnow()

    def identity_confirmed(self, user: User, record: Assessment, transition: Transition) -> bool:
        # Inside: the service reads the app's settings and the session, which the engine's tests need not.
        from eqia.services.single_sign_on import use_confirmation

        return use_confirmation(user, record, transition.trigger)

    def move(self, record: Assessment, state: str, now: datetime) -> None:
        record.state = state
        record.updated_at = now
        db.session.flush()

    def signature_count(self, record: Assessment) -> int:
        # Inside: signing imports the record's serialisation, which imports the sections
        # (this package), so at the top it would be imported half-made.
        from eqia.services.signing import valid_signatures

        return len(valid_signatures(record))

    def append_event(self, record: Assessment, *, action: str, actor: User | None, role: str, from_state: str,
                     to_state: str, comment: str, kind: str, details: dict) -> AuditEvent:
        return append_event(action=action, actor=actor, role=role, assessment=record, from_state=from_state,
                            to_state=to_state, comment=comment, kind=kind, details=details)

    def flush(self) -> None:
        db.session.flush()

    def as_step(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        return service_step(fn)(*args, **kwargs)

    def undo_step(self) -> None:
        undo_step()

    def due(self, definition: WorkflowDefinition, transition: Transition, today: date) -> list[tuple[int, date]]:
        # The column the rules registered under the definition's name for the date (eqia.assessments.rules).
        held = DATES[transition.after]
        return [(row.id, row.held) for row in db.session.execute(
            select(Assessment.id, held.label("held"))
            .where(Assessment.workflow_name == definition.name, Assessment.workflow_version == definition.version,
                   Assessment.state.in_(transition.sources), held.is_not(None), held <= today)
            .order_by(Assessment.id))]


register_subject(AssessmentSubject())
