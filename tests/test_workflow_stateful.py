"""Random sequences of triggers, edits and users (Hypothesis), checking after
every step that: a signed version's signer took no part in it that the
definition's sign-off rule excludes (wrote, submitted, challenged, answered
a challenge...); nothing changes after sign-off; the audit chain verifies."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from eqia.extensions import db
from eqia.models import Assessment, AuditEvent
from eqia.roles import ADMIN, AUTHOR, DECISION_MAKER, EQUALITY_LEAD
from eqia.services import challenge
from eqia.services.assessments import ScreeningInput, update_register_details, update_screening
from eqia.services.audit import verify_chain
from eqia.services.errors import ServiceError
from eqia.services.workflow import allowed_transitions, perform_transition
from eqia.workflow.definition import SOD_PARTIES
from tests.conftest import DB_KIND, PASSWORD, STANDARD

TRIGGERS = sorted(t.trigger for t in STANDARD.transitions.values() if not t.system)
FROZEN = {k for k, s in STANDARD.states.items() if s.frozen}
# What each kind of participant leaves on this system's trail, read here independently
# of the code that decides (eqia.assessments.subject.participants_for).
KIND_ACTIONS = {"creator": {"create", "create_version", "import"}, "editors": set(), "importers": {"import"},
                "restorers": set(), "challengers": {"challenge_points"}, "responders": {"challenge_answers"}}
SIGN_OFF_EXCLUDES = STANDARD.segregation["sign_off"].excluded
SIGNER_MAY_NOT_BE = {action for kind in SIGN_OFF_EXCLUDES
                     for action in (KIND_ACTIONS[kind] if kind in SOD_PARTIES else {kind})}


def content_of(assessment: Assessment) -> tuple:
    return (
        assessment.title, assessment.aims, assessment.lead_officer, assessment.decision_maker,
        assessment.planned_decision_date, assessment.screening_relevance, assessment.screening_conclusion,
        tuple((a.characteristic_key, a.affects, a.reason) for a in assessment.screening_answers),
    )


@pytest.mark.slow
def test_random_workflows_keep_the_invariants(world):
    multi = world.make_user("multi@example.test", AUTHOR, EQUALITY_LEAD, DECISION_MAKER, commit=True)
    everything = world.make_user("all@example.test", AUTHOR, EQUALITY_LEAD, DECISION_MAKER, ADMIN, commit=True)
    people = world.crew + [multi, everything]
    authors = [world.author, world.co_author, multi, everything]

    class RandomWork(RuleBasedStateMachine):
        assessments = Bundle("assessments")

        def __init__(self) -> None:
            super().__init__()
            self.frozen_content: dict[int, tuple] = {}
            self.started = 0

        # A few assessments per run, so the steps go into moving them along.
        @precondition(lambda self: self.started < 3)
        @rule(target=assessments, author=st.sampled_from(authors),
              answer=st.sampled_from(["yes", "no", "dont_know"]))
        def start(self, author, answer):
            self.started += 1
            assessment = world.make_assessment(author=author, answer=answer)
            return assessment.id

        @rule(assessment_id=assessments, trigger=st.sampled_from(TRIGGERS), who=st.sampled_from(people),
              comment=st.sampled_from(["", "Reasons"]))
        def act(self, assessment_id, trigger, who, comment):
            try:
                perform_transition(assessment_id, trigger, who, comment=comment, attested=True, password=PASSWORD)
            except ServiceError:
                pass

        @rule(assessment_id=assessments, data=st.data())
        def move_on(self, assessment_id, data):
            # Mostly someone allowed takes a trigger possible now, so random runs
            # reach sign-off and beyond instead of bouncing off refusals.
            db.session.expire_all()
            assessment = db.session.get(Assessment, assessment_id)
            options: dict[str, list] = {}
            for person in people:
                for t in allowed_transitions(person, assessment):
                    if t.trigger == "withdraw":  # still reachable through act(); here it would end most runs early
                        continue
                    options.setdefault(t.trigger, []).append(person)
            if assessment.state == "full_assessment":
                world.write_full_assessment(assessment, assessment.created_by)
                world.answer_challenge(assessment)
            if options:
                trigger = data.draw(st.sampled_from(sorted(options)))
                self.act(assessment_id, trigger, data.draw(st.sampled_from(options[trigger])), "Reasons")

        @rule(assessment_id=assessments, who=st.sampled_from(people))
        def answer(self, assessment_id, who):
            # Anyone may try to answer a returned challenge; whoever can becomes a responder.
            db.session.expire_all()
            current = db.session.get(Assessment, assessment_id)
            points = challenge.unanswered(current)
            if points:
                try:
                    challenge.save_answers(assessment_id, who, current.lock_version, {
                        p.id: challenge.AnswerInput("accepted", "Changed it") for p in points})
                except ServiceError:
                    pass

        @rule(assessment_id=assessments, who=st.sampled_from(people),
              text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
        def edit(self, assessment_id, who, text):
            db.session.expire_all()
            current = db.session.get(Assessment, assessment_id)
            try:
                if len(text) % 2:
                    update_register_details(assessment_id, who, {"aims": text}, current.lock_version, complete=True)
                else:
                    update_screening(assessment_id, who, ScreeningInput(answers={}, relevance="high",
                                                                        conclusion=text,
                                                                        proposal=current.screening_proposal),
                                     current.lock_version, complete=True)
            except ServiceError:
                pass

        @invariant()
        def signer_is_independent(self):
            events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id.is_not(None))
                                        ).scalars().all()
            by_assessment: dict[int, list[AuditEvent]] = {}
            for e in events:
                by_assessment.setdefault(e.assessment_id, []).append(e)
            for assessment_id, trail in by_assessment.items():
                signers = {e.actor_id for e in trail if e.action == "sign_off"}
                involved = {e.actor_id for e in trail if e.action in SIGNER_MAY_NOT_BE
                            or ("editors" in SIGN_OFF_EXCLUDES and e.action.startswith("edit:"))}
                assert not signers & involved, (assessment_id, signers, involved)

        @invariant()
        def nothing_changes_after_sign_off(self):
            db.session.expire_all()
            for assessment in db.session.execute(sa.select(Assessment).where(Assessment.state.in_(FROZEN))
                                                 ).scalars():
                snapshot = content_of(assessment)
                assert self.frozen_content.setdefault(assessment.id, snapshot) == snapshot

        @invariant()
        def audit_chain_verifies(self):
            report = verify_chain()
            assert report.ok, report.problems

    run_state_machine_as_test(RandomWork, settings=settings(
        max_examples=12 if DB_KIND == "postgres" else 20, stateful_step_count=40, deadline=None, database=None,
        # The same walks every run: random ones sometimes never reached a sign-off (seen once in 12 on PostgreSQL),
        # and the assertion below then failed though no rule was broken.
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ))
    # The invariants above must have been tested on signed versions, not only drafts.
    signed = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                                .where(AuditEvent.action == "sign_off")).scalar_one()
    reached = db.session.execute(sa.select(AuditEvent.action, sa.func.count()).group_by(AuditEvent.action)).all()
    assert signed > 0, reached
