"""Equality action plans (issue 18): made, written, agreed and adopted through their own
workflow (workflows/plans/, moved by the same engine as an EqIA), then tracked row by row.
The services, through a real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from eqia.audit_words import words
from eqia.extensions import db
from eqia.models import ActionPlan, AuditEvent, Notification, PlanRow, PlanRowUpdate
from eqia.plans.subject import PLAN_SUBJECT, plan_workflows
from eqia.services import plans
from eqia.services.action_progress import ProgressInput
from eqia.services.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible
from eqia.workflow.subject import DEFAULT, current_subject_name
from tests.conftest import PASSWORD

HOSTILE = "<script>alert(1)</script> ' OR 1=1 -- file:///etc/passwd"


def make(world, user=None, **fields):
    plan = plans.create(user or world.lead, {"title": "Equality Peer Challenge action plan", "source": "LGA, 2026",
                                             **fields})
    db.session.commit()
    return plan


def row_fields(plan, **overrides) -> dict:
    values = {"theme_id": plan.themes[0].id, "number": "R1",
              "recommendation": "Publish workforce data by protected characteristic",
              "response": "agreed", "response_reason": "", "next_steps": "HR to publish the data annually",
              "due_on": date(2027, 3, 31), "due_condition": "", "owner": "Head of HR", "owner_user_id": None}
    values.update(overrides)
    return values


def add_row(world, plan, user=None, **overrides) -> PlanRow:
    row = plans.add_row(user or world.lead, plan.id, row_fields(plan, **overrides))
    db.session.commit()
    return row


def refused(error, call) -> list:
    with pytest.raises(error) as caught:
        call()
    db.session.rollback()
    return [(p.field, str(p.message)) for p in caught.value.problems]


def trail(plan) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.assessment_reference == f"PLAN-{plan.id}")
                                   .order_by(AuditEvent.seq)))


def adopted(world, plan) -> ActionPlan:
    plans.take(world.lead, plan.id, "agree_plan")
    db.session.commit()
    plans.take(world.decider, plan.id, "adopt_plan", attested=True, password=PASSWORD)
    db.session.commit()
    return db.session.get(ActionPlan, plan.id)


# ------------------------------------------------------------------ making and writing
def test_a_lead_makes_a_plan_themed_by_the_four_framework_modules_and_it_is_on_the_record(world):
    plan = make(world, title=HOSTILE)
    db.session.expire_all()
    plan = db.session.get(ActionPlan, plan.id)
    assert (plan.title, plan.state, plan.workflow_name, plan.workflow_version) == (HOSTILE, "draft", "action_plan", 1)
    assert [t.module for t in plan.themes] == ["communities", "leadership", "services", "workforce"]
    assert [str(t.shown_title) for t in plan.themes][0] == "Understanding and working with your communities"
    [event] = trail(plan)
    assert (event.action, event.kind, event.details["change"], event.role) == (
        "programme:plan_created", "programme", "plan_created", "equality_lead")
    assert str(words(event)) == f"Action plan created: {HOSTILE}"


@pytest.mark.parametrize("who", ["author", "decider"])
def test_only_leads_and_admins_make_plans(world, who):
    assert refused(Forbidden, lambda: plans.create(getattr(world, who), {"title": "Mine"}))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionPlan)) == 0
    make(world, user=world.admin)


def test_a_plan_needs_a_title_within_its_limit_and_no_nul(world):
    assert refused(Invalid, lambda: plans.create(world.lead, {"title": "  "})) == [
        ("title", "Enter the plan\u2019s title")]
    assert refused(Invalid, lambda: plans.create(world.lead, {"title": "x" * 201, "source": "y" * 10_001})) == [
        ("title", "The title must be 200 characters or fewer"),
        ("source", "What the plan answers must be 10,000 characters or fewer")]
    assert refused(Invalid, lambda: plans.create(world.lead, {"title": "a\x00b"}))[0][0] == "title"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionPlan)) == 0


def test_rows_are_checked_all_at_once_and_nothing_is_half_written(world):
    plan = make(world)
    other = make(world, title="Another")
    problems = refused(Invalid, lambda: plans.add_row(world.lead, plan.id, row_fields(
        plan, theme_id=other.themes[0].id, recommendation=" ", response="maybe", number="n" * 201,
        next_steps="s" * 10_001, owner_user_id=-1)))
    assert [field for field, _ in problems] == ["theme_id", "number", "recommendation", "response", "next_steps",
                                               "owner_user_id"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRow)) == 0
    assert [e.action for e in trail(plan)] == ["programme:plan_created"]


def test_a_row_is_stored_as_written_and_each_change_is_on_the_record(world):
    plan = make(world)
    row = add_row(world, plan, recommendation=HOSTILE, owner_user_id=world.author.id, owner="")
    db.session.expire_all()
    row = db.session.get(PlanRow, row.id)
    assert (row.recommendation, row.owner, row.owner_user_id) == (HOSTILE, world.author.name, world.author.id)
    plans.change_row(world.lead, plan.id, row.id, row_fields(plan, response="not_agreed",
                                                              response_reason="Funding ends in 2027"))
    db.session.commit()
    events = trail(plan)
    assert [e.details["change"] for e in events] == ["plan_created", "plan_row_added", "plan_row_changed"]
    assert str(words(events[-1])) == ("Row R1 of the action plan Equality Peer Challenge action plan changed: "
                                      "owner, by whom, recommendation, management response, reason")
    plans.remove_row(world.lead, plan.id, row.id)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRow)) == 0
    assert trail(plan)[-1].details["change"] == "plan_row_removed"


def test_the_trail_records_the_role_that_gave_the_right_not_another_the_user_holds(world):
    # A decision-maker who is also an equality lead makes and changes a plan as the lead: the role recorded is
    # the one the definition's create roles and edit right name, as the engine records for a transition.
    both = world.make_user("both@example.test", "decision_maker", "equality_lead", commit=True)
    plan = make(world, user=both)
    add_row(world, plan, user=both)
    assert [(e.details["change"], e.role) for e in trail(plan)] == [
        ("plan_created", "equality_lead"), ("plan_row_added", "equality_lead")]


def test_rows_without_numbers_are_labelled_down_the_page_theme_by_theme(world):
    # Added (or imported) in another order than the page shows them: the labels still read 1, 2, 3 down the page.
    plan = make(world)
    for theme, text in ((1, "Second theme's row"), (0, "First theme's row"), (1, "Second theme's other row")):
        add_row(world, plan, number="", theme_id=plan.themes[theme].id, recommendation=text)
    db.session.expire_all()
    plan = db.session.get(ActionPlan, plan.id)
    assert [(r.label, r.row.recommendation) for r in plans.progress(plan)] == [
        ("1", "First theme's row"), ("2", "Second theme's row"), ("3", "Second theme's other row")]


def test_a_row_written_on_a_plan_someone_changed_meanwhile_is_refused(world):
    plan = make(world)
    seen = plan.lock_version
    add_row(world, plan, user=world.lead2)
    assert refused(Conflict, lambda: plans.add_row(world.lead, plan.id, row_fields(plan, number="R2"),
                                                   expected_lock_version=seen))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRow)) == 1


@pytest.mark.parametrize("who", ["author", "decider"])
def test_only_those_with_the_definitions_edit_right_change_rows(world, who):
    plan = make(world)
    assert refused(Forbidden, lambda: plans.add_row(getattr(world, who), plan.id, row_fields(plan))) \
        if who == "decider" else refused(NotFound, lambda: plans.add_row(world.author, plan.id, row_fields(plan)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRow)) == 0


# ------------------------------------------------------------------ the workflow
def test_a_plan_is_agreed_by_the_lead_and_adopted_by_a_decision_maker_through_the_engine(world):
    plan = make(world)
    add_row(world, plan)
    assert [t.trigger for t in plans.actions_for(world.lead, plan)] == ["agree_plan"]
    assert plans.actions_for(world.decider, plan) == []
    plans.take(world.lead, plan.id, "agree_plan", comment="Services have agreed their rows")
    db.session.commit()
    assert current_subject_name() == DEFAULT  # the engine's default (the EqIA) again outside the plan's calls
    assert [t.trigger for t in plans.actions_for(world.decider, plan)] == ["return_plan", "adopt_plan"]
    problems = refused(Invalid, lambda: plans.take(world.decider, plan.id, "adopt_plan"))
    assert [field for field, _ in problems] == ["attest"]
    plans.take(world.decider, plan.id, "adopt_plan", attested=True, password=PASSWORD)
    db.session.commit()
    db.session.expire_all()
    plan = db.session.get(ActionPlan, plan.id)
    assert plan.state == "adopted"
    moved = [e for e in trail(plan) if e.details["change"] == "plan_moved"]
    assert [(e.action, e.from_state, e.to_state, e.role) for e in moved] == [
        ("programme:agree_plan", "draft", "agreed", "equality_lead"),
        ("programme:adopt_plan", "agreed", "adopted", "decision_maker")]
    assert moved[0].user_comment == "Services have agreed their rows"
    # What the engine announces of a plan is told in the plan's own kind only: the decision-makers were told
    # it waited for them once agreed (tests/test_programme_notifications.py), and nothing in the EqIA's kinds.
    assert {n.kind for n in db.session.scalars(sa.select(Notification))} == {"programme_handed_over"}
    # Once adopted, the rows are fixed.
    assert refused(NotPossible, lambda: plans.add_row(world.lead, plan.id, row_fields(plan)))


def test_a_plan_cannot_be_agreed_until_every_row_says_what_by_when_and_by_whom(world):
    plan = make(world)
    assert refused(NotPossible, lambda: plans.take(world.lead, plan.id, "agree_plan")) == [
        ("", "Add at least one recommendation to the plan")]
    add_row(world, plan, response="", due_on=None, owner="")
    add_row(world, plan, number="", response="agreed_in_part", response_reason="")
    assert refused(NotPossible, lambda: plans.take(world.lead, plan.id, "agree_plan")) == [
        ("", "Row R1: give the management response"), ("", "Row R1: say by when (a date or a condition)"),
        ("", "Row R1: say by whom (a person or a team)"),
        ("", "Row 2: say why the recommendation is not agreed in full")]
    assert db.session.get(ActionPlan, plan.id).state == "draft"


def test_whoever_wrote_the_plan_cannot_adopt_it(world):
    both = world.make_user("both@example.test", "equality_lead", "decision_maker", commit=True)
    plan = make(world, user=both)
    add_row(world, plan)
    plans.take(world.lead, plan.id, "agree_plan")
    db.session.commit()
    assert refused(Forbidden, lambda: plans.take(both, plan.id, "adopt_plan", attested=True, password=PASSWORD)) == [
        ("", "You cannot adopt a plan you wrote or changed. Another decision-maker must adopt it.")]
    assert "adopt_plan" not in [t.trigger for t in plans.actions_for(both, plan)]


def test_whoever_changed_a_row_cannot_adopt_the_plan_though_someone_else_wrote_it(world):
    both = world.make_user("both@example.test", "equality_lead", "decision_maker", commit=True)
    plan = make(world)
    row = add_row(world, plan)
    plans.change_row(both, plan.id, row.id, row_fields(plan, next_steps="Publish it each April"))
    db.session.commit()
    plans.take(world.lead, plan.id, "agree_plan")
    db.session.commit()
    assert refused(Forbidden, lambda: plans.take(both, plan.id, "adopt_plan", attested=True, password=PASSWORD))
    plans.take(world.decider, plan.id, "adopt_plan", attested=True, password=PASSWORD)  # who took no part may
    db.session.commit()


def test_returning_a_plan_needs_a_reason_and_opens_it_for_change_again(world):
    plan = make(world)
    add_row(world, plan)
    plans.take(world.lead, plan.id, "agree_plan")
    db.session.commit()
    assert refused(Invalid, lambda: plans.take(world.decider, plan.id, "return_plan"))[0][0] == "comment"
    plans.take(world.decider, plan.id, "return_plan", comment="R1 needs a date the service can meet")
    db.session.commit()
    assert db.session.get(ActionPlan, plan.id).state == "draft"
    add_row(world, plan, number="R2")


def test_the_plan_workflow_is_apart_from_the_eqias(app, world):
    # No EqIA list, filter or count reads a plan's states.
    from eqia.loaded_definitions import workflows

    assert "adopted" not in workflows().states()
    assert [d.name for d in plan_workflows()] == ["action_plan"]
    assert PLAN_SUBJECT != DEFAULT


# ------------------------------------------------------------------ progress once adopted
def test_progress_is_recorded_on_an_adopted_plans_rows_by_the_lead_or_the_rows_owner(world):
    plan = make(world)
    mine = add_row(world, plan, owner_user_id=world.author.id, due_on=date(2020, 1, 31))
    theirs = add_row(world, plan, number="R2", owner_user_id=world.co_author.id)
    today = date.today()
    assert refused(NotPossible, lambda: plans.record_progress(
        world.lead, plan.id, mine.id, ProgressInput("in_progress", "Begun", "", today)))
    adopted(world, plan)
    assert plans.progress(db.session.get(ActionPlan, plan.id))[0].overdue
    plans.record_progress(world.author, plan.id, mine.id, ProgressInput("done", HOSTILE, "https://x.test", today))
    db.session.commit()
    assert refused(Forbidden, lambda: plans.record_progress(
        world.author, plan.id, theirs.id, ProgressInput("in_progress", "", "", today)))
    assert refused(NotPossible, lambda: plans.record_progress(
        world.lead, plan.id, mine.id, ProgressInput("in_progress", "", "", today)))
    problems = refused(Invalid, lambda: plans.record_progress(
        world.lead, plan.id, theirs.id, ProgressInput("dropped", "", "", today + timedelta(days=1))))
    assert [field for field, _ in problems] == ["note", "dated"]
    rows = plans.progress(db.session.get(ActionPlan, plan.id))
    assert [(r.label, r.status, r.overdue) for r in rows] == [("R1", "done", False), ("R2", "not_started", False)]
    [update] = db.session.scalars(sa.select(PlanRowUpdate)).all()
    assert (update.note, update.evidence, update.recorded_by_id) == (HOSTILE, "https://x.test", world.author.id)
    event = trail(plan)[-1]
    assert (event.details["change"], event.role, event.user_comment) == ("plan_progress", "owner", HOSTILE)
    assert str(words(event)).endswith(f"row R1: Done, as at {today.day} {today:%B %Y}")


def test_a_row_owner_sees_only_the_plans_they_own_a_row_of(world):
    plan = make(world)
    make(world, title="Someone else's")
    assert refused(NotFound, lambda: plans.get(world.author, plan.id)) == [("", "Action plan not found")]
    add_row(world, plan, owner_user_id=world.author.id)
    assert plans.get(world.author, plan.id).id == plan.id
    assert [s.plan.id for s in plans.page_of_plans(world.author, 1).items] == [plan.id]
    assert len(plans.page_of_plans(world.decider, 1).items) == 2


def test_the_list_of_plans_counts_each_plans_rows_by_their_status_now(world):
    plan = make(world)
    first = add_row(world, plan, due_on=date(2020, 1, 1))
    add_row(world, plan, number="R2", due_on=date(2020, 1, 1))
    add_row(world, plan, number="R3", due_on=None, due_condition="After the Census release")
    adopted(world, plan)
    plans.record_progress(world.lead, plan.id, first.id, ProgressInput("done", "", "", date.today()))
    db.session.commit()
    [summary] = plans.page_of_plans(world.lead, 1).items
    assert (summary.rows, summary.statuses, summary.overdue) == (3, {"done": 1, "not_started": 2}, 1)
