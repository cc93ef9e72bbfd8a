"""The lead's cumulative judgement on a programme or budget round (eqia.models.cumulative):
written by an equality lead or administrator beside the programme's assessments
side by side (eqia.services.cumulative), challenged by another equality lead and
signed by a decision-maker, through its own workflow (workflows/cumulative/,
moved by the engine as the subject eqia.cumulative.subject registers).

Each time the judgement is written it records the assessment versions it is based
on (the ones the side by side shows then), so the signed judgement still says what
it judged after those assessments move on; its page says which have a newer
version since. A signed judgement is frozen: a change is a new version, written
from the signed one's words. Services flush and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from flask_babel.speaklater import LazyString
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eqia.audit_words import PROGRAMME
from eqia.cumulative.record import content_hash, signed_cells
from eqia.cumulative.subject import (
    CHANGED,
    CREATED,
    CUMULATIVE_SUBJECT,
    CUMULATIVE_WORKFLOW,
    READERS,
    WORDING,
    can_view,
    cumulative_workflows,
    reference,
)
from eqia.extensions import db
from eqia.models import (Assessment, AuditEvent, CumulativeCoverage, CumulativeGroupJudgement, CumulativeJudgement,
                         User, utcnow)
from eqia.models.cumulative import JUDGEMENT_TEXT_MAX
from eqia.services import access, cumulative
from eqia.services.audit import append_event
from eqia.services.record import digest
from eqia.services.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible, checked_text
from eqia.unit_of_work import service_step
from eqia.workflow import engine
from eqia.workflow.definition import Transition, WorkflowDefinition
from eqia.workflow.errors import N_, said
from eqia.workflow.hooks import Problem
from eqia.workflow.subject import acting_on

EDIT_JUDGEMENT = "edit_judgement"

NOT_A_WRITER = N_("Only equality leads and administrators can write a cumulative judgement")
NO_PROGRAMME = N_("Choose a programme or budget round whose assessments have judged impacts")
ALREADY_WRITTEN = N_("This programme already has a cumulative judgement: change it, or write a new version of "
                     "the signed one")
TEXT_TOO_LONG = N_("This must be 10,000 characters or fewer")  # JUDGEMENT_TEXT_MAX
NOT_EDITABLE = N_("The judgement cannot be changed while it is {state}.")
NOT_YOURS = N_("You cannot change this judgement.")
NOT_SIGNED = N_("A new version is written from a signed judgement; this one is {state}.")
NOT_LATEST = N_("This is not the latest version of the judgement.")
assert f"{JUDGEMENT_TEXT_MAX:,}" in TEXT_TOO_LONG


def definition_of(judgement: CumulativeJudgement) -> WorkflowDefinition:
    return cumulative_workflows().get(judgement.workflow_name, judgement.workflow_version)


def may_write(user: User) -> bool:
    return bool(user.roles & cumulative_workflows().current(CUMULATIVE_WORKFLOW).create_roles)


def folded(programme: str) -> str:
    """A programme's name as it is matched: in any case, as the side by side matches it."""
    return programme.strip().lower()


def _record(user: User, role: str, judgement: CumulativeJudgement, change: str, **details) -> None:
    """On the trail under the judgement's reference, as codes (eqia.audit_words), with the role the user
    acted in (the one that gave them the right, as the engine records for a transition)."""
    append_event(action=f"programme:{change}", actor=user, role=role, about=reference(judgement), kind=PROGRAMME,
                 details={"change": change, "judgement": judgement.id, "programme": judgement.programme,
                          "version": judgement.version_number, **details})


# ------------------------------------------------------------------ reading
def get(user: User, judgement_id: int) -> CumulativeJudgement:
    judgement = db.session.get(CumulativeJudgement, judgement_id)
    if judgement is None or not can_view(user, judgement):
        raise NotFound(WORDING.not_found)
    return judgement


def versions_for(user: User, programme: str) -> list[CumulativeJudgement]:
    """Every version of the programme's judgement, the latest first (none for those who may not read them)."""
    if not user.roles & READERS:
        return []
    return list(db.session.scalars(select(CumulativeJudgement)
                                   .where(CumulativeJudgement.programme_key == folded(programme))
                                   .order_by(CumulativeJudgement.version_number.desc())))


def latest_of(judgement: CumulativeJudgement) -> CumulativeJudgement:
    return db.session.scalar(select(CumulativeJudgement)
                             .where(CumulativeJudgement.programme_key == judgement.programme_key)
                             .order_by(CumulativeJudgement.version_number.desc()).limit(1))


@dataclass(frozen=True)
class Snapshot:
    """The assessment versions the judgement covered, side by side as they were set when it was written, and
    for each one that has a newer version since, that version's reference (EQIA-2026-0001 v2)."""

    side_by_side: cumulative.SideBySide
    newer: dict[int, str]


def snapshot(judgement: CumulativeJudgement) -> Snapshot:
    """Two queries: the covered versions' impacts, and the newest version of each of their references."""
    covered = sorted((c.assessment for c in judgement.covered), key=lambda a: (a.reference, a.version_number))
    newest: dict[str, int] = {}
    if covered:
        newest = dict(db.session.execute(
            select(Assessment.reference, func.max(Assessment.version_number))
            .where(Assessment.reference.in_({a.reference for a in covered})).group_by(Assessment.reference)).all())
    newer = {a.id: f"{a.reference} v{newest[a.reference]}" for a in covered
             if newest.get(a.reference, 0) > a.version_number}
    side_by_side = cumulative.of_versions(judgement.programme, covered)
    as_signed = signed_cells(judgement)
    if as_signed is not None:  # what the versions found when it was signed, whatever a draft says now
        side_by_side = replace(side_by_side, cells={
            (key, assessment_id): cumulative.Judged(found.get("impact"), found.get("severity"))
            for assessment_id, groups in as_signed.items() for key, found in groups.items()})
    return Snapshot(side_by_side, newer)


def may(user: User, judgement: CumulativeJudgement, right: str = EDIT_JUDGEMENT) -> bool:
    with acting_on(CUMULATIVE_SUBJECT):
        return engine.right_role(user, judgement, right, definition_of(judgement)) is not None


def actions_for(user: User, judgement: CumulativeJudgement) -> list[Transition]:
    with acting_on(CUMULATIVE_SUBJECT):
        return engine.allowed_transitions(user, judgement, definition=definition_of(judgement))


def what_blocks(user: User, judgement: CumulativeJudgement, transition: Transition) -> list[Problem]:
    with acting_on(CUMULATIVE_SUBJECT):
        return engine.missing_requirements(judgement, transition) + engine.guard_problems(user, judgement,
                                                                                          transition)


def check_may_take(user: User, judgement: CumulativeJudgement, transition: Transition) -> None:
    with acting_on(CUMULATIVE_SUBJECT):
        engine.check_permission(user, judgement, transition, definition_of(judgement))


def may_write_new_version(user: User, judgement: CumulativeJudgement) -> bool:
    definition = definition_of(judgement)
    return may_write(user) and definition.is_frozen(judgement.state) and latest_of(judgement).id == judgement.id


def signature_holds(judgement: CumulativeJudgement) -> bool | None:
    """Whether the judgement still says, word for word and version for version, what was signed, and the
    content kept as signed is still that (None: not signed). A change made behind the service's back, in
    SQL, shows as False. What the covered versions found is read as signed: a draft covered may change since."""
    if not judgement.content_hash:
        return None
    return (digest(judgement.signed_content.encode("utf-8")) == judgement.content_hash
            and content_hash(judgement, signed_cells(judgement)) == judgement.content_hash)


@dataclass(frozen=True)
class JudgementCheck:
    judgement: CumulativeJudgement
    problems: list[str]  # the operator's words (`flask eqia verify-sign-offs`), as the EqIAs' checks say theirs

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_all() -> list[JudgementCheck]:
    """Every signed judgement: still what was signed (`signature_holds`), and its hash the one the signing
    event on the hash-chained trail vouches for. Four queries, whatever their number."""
    signed = db.session.scalars(select(CumulativeJudgement).where(CumulativeJudgement.content_hash != "")
                                .options(selectinload(CumulativeJudgement.groups),
                                         selectinload(CumulativeJudgement.covered))
                                .order_by(CumulativeJudgement.id)).all()
    vouched: dict[str, set[str]] = {}
    if signed:
        for about, details in db.session.execute(select(AuditEvent.assessment_reference, AuditEvent.details).where(
                AuditEvent.assessment_reference.in_([reference(j) for j in signed]))):
            if isinstance(details, dict) and details.get("content_sha256"):
                vouched.setdefault(about, set()).add(details["content_sha256"])
    checks = []
    for judgement in signed:
        problems = []
        ref = f"{reference(judgement)} ({judgement.programme}, version {judgement.version_number})"
        if not signature_holds(judgement):
            problems.append(f"{ref}: its content no longer hashes to what {judgement.signer_name} signed "
                            f"({judgement.content_hash})")
        if judgement.content_hash not in vouched.get(reference(judgement), set()):
            problems.append(f"{ref}: no signing event on the audit trail vouches for its hash "
                            f"({judgement.content_hash})")
        checks.append(JudgementCheck(judgement, problems))
    return checks


# ------------------------------------------------------------------ writing
def _cover(judgement: CumulativeJudgement, user: User) -> None:
    """Record the versions the programme's side by side shows now: what this writing of the judgement is based
    on (no more than the side by side sets out)."""
    shown = cumulative.side_by_side(user, judgement.programme)
    judgement.covered = [CumulativeCoverage(assessment_id=a.id) for a in shown.assessments]


@service_step
def create(user: User, programme: str) -> CumulativeJudgement:
    """The programme's judgement, version 1, in draft, based on its assessments as the side by side shows them."""
    definition = cumulative_workflows().current(CUMULATIVE_WORKFLOW)
    if not user.roles & definition.create_roles:
        raise Forbidden(NOT_A_WRITER)
    programme = programme.strip() if isinstance(programme, str) else ""
    shown = cumulative.side_by_side(user, programme) if programme and "\x00" not in programme else None
    if shown is None or not shown.assessments:
        raise Invalid(Problem(NO_PROGRAMME, field="programme"))
    if db.session.scalar(select(CumulativeJudgement.id).where(CumulativeJudgement.programme_key == folded(programme))
                         .limit(1)) is not None:
        raise NotPossible(ALREADY_WRITTEN)
    # Named as the assessments name it (the side by side's spelling), whatever case the request used.
    named = min((a.parent_programme for a in shown.assessments), key=lambda n: (n != programme, n))
    judgement = _new(user, definition, named, 1, None)
    judgement.covered = [CumulativeCoverage(assessment_id=a.id) for a in shown.assessments]
    db.session.flush()
    _record(user, access.held_role(user, definition.create_roles), judgement, CREATED,
            covered=[c.assessment_id for c in judgement.covered])
    return judgement


def _new(user: User, definition: WorkflowDefinition, programme: str, version: int,
         previous: CumulativeJudgement | None) -> CumulativeJudgement:
    now = utcnow()
    judgement = CumulativeJudgement(
        programme=programme, programme_key=folded(programme), version_number=version,
        previous_id=previous.id if previous else None, state=definition.initial, workflow_name=definition.name,
        workflow_version=definition.version, created_by_id=user.id, created_at=now, updated_at=now,
        conclusion=previous.conclusion if previous else "", mitigations=previous.mitigations if previous else "")
    if previous is not None:
        judgement.groups = [CumulativeGroupJudgement(characteristic_key=g.characteristic_key,
                                                     group_name=g.group_name, text=g.text) for g in previous.groups]
    db.session.add(judgement)
    db.session.flush()
    return judgement


def _lock(judgement_id: int, expected_lock_version: int | None) -> CumulativeJudgement:
    with acting_on(CUMULATIVE_SUBJECT):
        judgement = engine.lock(judgement_id)
    if judgement is None:
        raise NotFound(WORDING.not_found)
    if expected_lock_version is not None and expected_lock_version != judgement.lock_version:
        raise Conflict(judgement, WORDING.stale)
    return judgement


def _state_said(template: str, definition: WorkflowDefinition, state: str) -> LazyString:
    return LazyString(lambda: said(template).format(state=definition.states[state].phrase))


def check_editable(user: User, judgement: CumulativeJudgement) -> None:
    """Refuse, saying why, a user who may not write the judgement now."""
    if not can_view(user, judgement):
        raise NotFound(WORDING.not_found)
    definition = definition_of(judgement)
    right = definition.rights.get(EDIT_JUDGEMENT)
    if right is None or judgement.state not in right.states:
        raise NotPossible(_state_said(NOT_EDITABLE, definition, judgement.state))
    if not may(user, judgement):
        raise Forbidden(NOT_YOURS)


@service_step
def save(user: User, judgement_id: int, fields: Mapping, *,
         expected_lock_version: int | None = None) -> CumulativeJudgement:
    """Write the judgement: `groups` (group key -> the lead's words on it, for the groups the side by side
    shows), `conclusion` and `mitigations`, every problem at once. The versions it covers are taken again."""
    judgement = _lock(judgement_id, expected_lock_version)
    check_editable(user, judgement)
    problems: list[Problem] = []
    conclusion = checked_text(fields.get("conclusion"), JUDGEMENT_TEXT_MAX, TEXT_TOO_LONG, "conclusion", problems)
    mitigations = checked_text(fields.get("mitigations"), JUDGEMENT_TEXT_MAX, TEXT_TOO_LONG, "mitigations",
                               problems)
    shown = cumulative.side_by_side(user, judgement.programme)
    given = fields.get("groups") if isinstance(fields.get("groups"), Mapping) else {}
    texts = {g.key: (g.name, checked_text(given.get(g.key), JUDGEMENT_TEXT_MAX, TEXT_TOO_LONG, f"group-{g.key}",
                                          problems))
             for g in shown.groups}
    if problems:
        raise Invalid(*problems)
    changed = []
    if (conclusion, mitigations) != (judgement.conclusion, judgement.mitigations):
        changed += [f for f, new in (("conclusion", conclusion), ("mitigations", mitigations))
                    if getattr(judgement, f) != new]
        judgement.conclusion, judgement.mitigations = conclusion, mitigations
    # Words on a group the side by side no longer shows are kept: nothing typed is lost.
    before = {g.characteristic_key: g for g in judgement.groups}
    if any(text != (before[key].text if key in before else "") for key, (_, text) in texts.items()):
        changed.append("groups")
        for key, (name, text) in texts.items():
            if key in before:
                before[key].text, before[key].group_name = text, name
            elif text:
                judgement.groups.append(CumulativeGroupJudgement(characteristic_key=key, group_name=name, text=text))
    covered = sorted(a.id for a in shown.assessments)
    if covered != sorted(c.assessment_id for c in judgement.covered):
        changed.append("covered")
        judgement.covered = [CumulativeCoverage(assessment_id=i) for i in covered]
    judgement.updated_at = utcnow()
    db.session.flush()  # the lock version moves: whoever read it before must read it again
    with acting_on(CUMULATIVE_SUBJECT):
        role = engine.right_role(user, judgement, EDIT_JUDGEMENT, definition_of(judgement))
    assert role is not None, "check_editable let through someone without the right"
    _record(user, role, judgement, CHANGED, fields=changed, covered=covered)
    return judgement


@service_step
def new_version(user: User, judgement_id: int) -> CumulativeJudgement:
    """A new draft from the latest, signed, version: its words carried over, the versions covered taken now.
    The signed version is never touched."""
    signed = _lock(judgement_id, None)
    if not can_view(user, signed):
        raise NotFound(WORDING.not_found)
    definition = cumulative_workflows().current(CUMULATIVE_WORKFLOW)
    if not user.roles & definition.create_roles:
        raise Forbidden(NOT_A_WRITER)
    if not definition_of(signed).is_frozen(signed.state):
        raise NotPossible(_state_said(NOT_SIGNED, definition_of(signed), signed.state))
    if latest_of(signed).id != signed.id:
        raise NotPossible(NOT_LATEST)
    judgement = _new(user, definition, signed.programme, signed.version_number + 1, signed)
    _cover(judgement, user)
    db.session.flush()
    _record(user, access.held_role(user, definition.create_roles), judgement, CREATED,
            previous=signed.id, covered=[c.assessment_id for c in judgement.covered])
    return judgement


# ------------------------------------------------------------------ the workflow
def take(user: User, judgement_id: int, trigger: str, *, comment: str = "", expected_lock_version: int | None = None,
         attested: bool = False, password: str | None = None) -> CumulativeJudgement:
    """Take one of the judgement's transitions, through the engine (every rule of the definition applies)."""
    with acting_on(CUMULATIVE_SUBJECT):
        return engine.perform_transition(judgement_id, trigger, user, comment=comment,
                                         expected_lock_version=expected_lock_version, attested=attested,
                                         password=password)


def done_message(judgement: CumulativeJudgement, transition: Transition, before: str) -> str:
    with acting_on(CUMULATIVE_SUBJECT):
        return engine.done_message(definition_of(judgement), transition, before, judgement.state)


WAITING_SHOWN = 10


def waiting_for(user: User) -> list[tuple[CumulativeJudgement, list[Transition]]]:
    """The judgements waiting for this user to act (challenge, sign), longest waiting first, with the actions
    the definition offers them: at most WAITING_SHOWN, in a few queries whatever their number."""
    states = {s for d in cumulative_workflows() for r in user.roles for s in d.states_where_role_acts(r)}
    if not states:
        return []
    found = list(db.session.scalars(select(CumulativeJudgement).where(CumulativeJudgement.state.in_(states))
                                    .order_by(CumulativeJudgement.updated_at, CumulativeJudgement.id)
                                    .limit(WAITING_SHOWN * 3)))
    with acting_on(CUMULATIVE_SUBJECT):
        who = engine.participants_for(found)
        waiting = [(j, engine.allowed_transitions(user, j, who[j.id], definition_of(j))) for j in found]
    return [(j, actions) for j, actions in waiting if actions][:WAITING_SHOWN]
