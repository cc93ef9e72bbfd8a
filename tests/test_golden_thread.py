"""The golden thread (issue 18): service plan objectives and indicators, EqIA actions and plan rows
tagged to them, and the report per service. The services, through a real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from eqia.audit_words import words
from eqia.extensions import db
from eqia.models import (Action, ActionUpdate, Assessment, AuditEvent, ObjectiveTag, PlanRow, PlanRowUpdate,
                         ServiceArea, ServiceObjective)
from eqia.services import golden_thread as thread
from eqia.services import record
from eqia.services.action_progress import ProgressInput, overdue, record_update, today
from eqia.services.errors import NUL_REFUSED, Forbidden, Invalid, NotFound, NotPossible
from tests.test_plans import HOSTILE, add_row, adopted, make


def service(world, name: str = "Reablement", directorate=None) -> ServiceArea:
    made = ServiceArea(name=name, directorate=directorate or world.directorate)
    db.session.add(made)
    db.session.commit()
    return made


def objective(world, area: ServiceArea, code: str = "ASC-PI-07", user=None, **fields) -> ServiceObjective:
    made = thread.add(user or world.lead, {"service_area_id": area.id, "kind": "indicator", "code": code,
                                           "title": "People still at home 91 days after reablement", **fields})
    db.session.commit()
    return made


def refused(error, call) -> list:
    with pytest.raises(error) as caught:
        call()
    db.session.rollback()
    return [(p.field, str(p.message)) for p in caught.value.problems]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def programme_events(change: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == f"programme:{change}")
                                   .order_by(AuditEvent.seq)))


@pytest.fixture
def area(world) -> ServiceArea:
    return service(world)


@pytest.fixture
def signed(world) -> Assessment:
    return world.make_assessment("signed_off")


def test_a_lead_adds_changes_and_retires_an_objective_each_on_the_trail_as_facts(world, area):
    made = objective(world, area, code=HOSTILE[:40], title=HOSTILE)
    assert (made.code, made.title, made.kind) == (HOSTILE[:40].strip(), HOSTILE, "indicator")
    thread.change(world.admin, made, {"service_area_id": area.id, "kind": "objective", "code": "ASC-1",
                                      "title": HOSTILE})
    db.session.commit()
    thread.retire(world.lead, made)
    db.session.commit()
    [added], [changed], [retired] = (programme_events(c) for c in ("objective_added", "objective_changed",
                                                                    "objective_retired"))
    assert changed.details == {"change": "objective_changed", "objective": made.id, "code": "ASC-1",
                               "fields": ["code", "kind"]}
    assert (added.role, changed.role) == ("equality_lead", "admin")
    assert words(changed) == "Service plan objective ASC-1 changed: code, kind"
    assert words(retired) == f"Service plan objective retired: ASC-1, {HOSTILE}"
    assert refused(NotPossible, lambda: thread.retire(world.lead, made)) == [
        ("", "This objective has already been retired")]


@pytest.mark.parametrize("who", ["author", "decider", "outsider"])
def test_only_leads_and_admins_keep_objectives_and_tags(world, area, signed, who):
    user = getattr(world, who)
    made = objective(world, area)
    fields = {"service_area_id": area.id, "kind": "objective", "code": "X", "title": "Y"}
    action = signed.actions[0]
    for call in (lambda: thread.add(user, fields), lambda: thread.change(user, made, fields),
                 lambda: thread.retire(user, made), lambda: thread.tag_action(user, action.id, made.id),
                 lambda: thread.service_report(user, area.id), lambda: list(thread.every_tag(user))):
        assert refused(Forbidden, call) == [
            ("", "Only equality leads and administrators can keep service plan objectives and their tags")]
    assert (count(ServiceObjective), count(ObjectiveTag)) == (1, 0)


def test_bad_objectives_are_refused_with_every_problem_and_nothing_saved(world, area):
    retired_area = ServiceArea(name="Old", directorate=world.directorate, retired_at=thread.utcnow())
    db.session.add(retired_area)
    db.session.commit()
    assert refused(Invalid, lambda: thread.add(world.lead, {"service_area_id": 99999999999, "kind": "goal",
                                                            "code": "  ", "title": "x" * 301})) == [
        ("service_area_id", "Select the service the objective belongs to"),
        ("kind", "Select whether it is a service plan objective or a performance indicator"),
        ("code", "Enter the objective\u2019s code, for example ASC-PI-07"),
        ("title", "The title must be 300 characters or fewer")]
    assert refused(Invalid, lambda: thread.add(world.lead, {"service_area_id": retired_area.id, "kind": "objective",
                                                            "code": "a\x00", "title": ["not text"]})) == [
        ("service_area_id", "Select a service that is in use"), ("code", str(NUL_REFUSED)),
        ("title", "Enter the objective\u2019s title")]
    assert count(ServiceObjective) == 0


def test_a_code_is_unique_among_a_services_live_objectives_whatever_its_case(world, area):
    first = objective(world, area, code="ASC-PI-07")
    assert refused(Invalid, lambda: objective(world, area, code="asc-pi-07")) == [
        ("code", "This service already has an objective with that code: enter a different code")]
    other = service(world, "Home care")
    objective(world, other, code="asc-pi-07")  # another service's code is its own
    thread.retire(world.lead, first)
    db.session.commit()
    again = objective(world, area, code="Asc-Pi-07")  # a retired objective's code is free again
    assert again.id != first.id
    with pytest.raises(sa.exc.IntegrityError):  # and the database holds the rule, whatever a service forgets
        db.session.add(ServiceObjective(service_area_id=area.id, kind="objective", code="ASC-PI-07", title="Twice",
                                        created_by_id=world.lead.id))
        db.session.flush()
    db.session.rollback()


def test_tagging_a_signed_assessments_action_changes_none_of_its_signed_content(world, area, signed):
    made = objective(world, area)
    before = (record.content_hash(signed), signed.lock_version, signed.state)
    action = signed.actions[0]
    tag = thread.tag_action(world.lead, action.id, made.id)
    db.session.commit()
    db.session.expire_all()
    after = db.session.get(Assessment, signed.id)
    assert (record.content_hash(after), after.lock_version, after.state) == before
    [event] = programme_events("action_tagged")
    assert event.details == {"change": "action_tagged", "objective": made.id, "code": "ASC-PI-07",
                             "action": action.id, "reference": f"{signed.reference} v1", "number": 1}
    assert words(event) == f"Action 1 of {signed.reference} v1 tagged to the objective ASC-PI-07"
    assert refused(Invalid, lambda: thread.tag_action(world.lead, action.id, made.id)) == [
        ("objective_id", "It is already tagged to that objective")]
    thread.untag(world.admin, tag.id)
    db.session.commit()
    db.session.expire_all()
    after = db.session.get(Assessment, signed.id)
    assert (record.content_hash(after), after.lock_version, after.state) == before
    assert count(ObjectiveTag) == 0 and len(programme_events("action_untagged")) == 1
    assert refused(NotPossible, lambda: thread.untag(world.admin, tag.id)) == [
        ("", "That tag has already been removed")]


def test_tagging_an_adopted_plans_row_leaves_the_plan_as_adopted(world, area):
    plan = make(world)
    row = add_row(world, plan)
    plan = adopted(world, plan)
    before = (plan.lock_version, plan.state, plan.updated_at)
    made = objective(world, area)
    thread.tag_row(world.lead, row.id, made.id)
    db.session.commit()
    db.session.expire_all()
    from eqia.models import ActionPlan
    again = db.session.get(ActionPlan, plan.id)
    assert (again.lock_version, again.state, again.updated_at) == before
    [event] = programme_events("plan_row_tagged")
    assert words(event) == f"Row R1 of PLAN-{plan.id} tagged to the objective ASC-PI-07"


def test_unknown_or_retired_objectives_and_unknown_items_are_refused(world, area, signed):
    made = objective(world, area)
    action = signed.actions[0]
    for bad in ("", "1", True, 0, 2**40, 999999):
        assert refused(Invalid, lambda: thread.tag_action(world.lead, action.id, bad)) == [
            ("objective_id", "Select an objective in use")]
    for bad in ("", "1", 2**40, 999999):
        assert refused(NotFound, lambda: thread.tag_action(world.lead, bad, made.id)) == [
            ("", "There is no such action")]
        assert refused(NotFound, lambda: thread.tag_row(world.lead, bad, made.id)) == [
            ("", "There is no such row in an action plan")]
    thread.retire(world.lead, made)
    db.session.commit()
    assert refused(Invalid, lambda: thread.tag_action(world.lead, action.id, made.id)) == [
        ("objective_id", "Select an objective in use")]
    assert count(ObjectiveTag) == 0


def test_the_database_holds_exactly_one_item_per_tag(world, area, signed):
    made = objective(world, area)
    for action_id, row_id in ((None, None), (signed.actions[0].id, 1)):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.add(ObjectiveTag(objective_id=made.id, action_id=action_id, plan_row_id=row_id,
                                        tagged_by_id=world.lead.id))
            db.session.flush()
        db.session.rollback()


def test_the_report_counts_each_objectives_items_as_a_direct_count_does(world, area, signed):
    on = today()
    late = objective(world, area, code="ASC-1", kind="objective")
    quiet = objective(world, area, code="ASC-2")
    elsewhere = objective(world, service(world, "Libraries", world.other_directorate), code="LIB-1")
    action = signed.actions[0]
    plan = make(world)
    rows = [add_row(world, plan, number=f"R{n}", due_on=on - timedelta(days=n)) for n in (1, 2, 3)]
    undated = add_row(world, plan, number="", due_on=None, due_condition="After the Census release")
    adopted(world, plan)
    from eqia.services import plans
    plans.record_progress(world.lead, plan.id, rows[0].id, ProgressInput("done", "", "", on))
    plans.record_progress(world.lead, plan.id, rows[1].id, ProgressInput("dropped", "No budget", "", on))
    db.session.commit()
    record_update(signed.id, action.id, world.lead, ProgressInput("in_progress", "Begun", "", on))
    db.session.commit()
    thread.tag_action(world.lead, action.id, late.id)
    for row in (*rows, undated):
        thread.tag_row(world.lead, row.id, late.id)
    thread.tag_row(world.lead, rows[2].id, elsewhere.id)
    db.session.commit()

    report = thread.service_report(world.lead, area.id)
    assert [o.objective.code for o in report.objectives] == ["ASC-1", "ASC-2"]
    first, second = report.objectives
    assert second.items == [] and second.objective.id == quiet.id
    by_number = {(i.kind, i.number): i for i in first.items}
    assert {k: (i.status, i.overdue) for k, i in by_number.items()} == {
        ("eqia_action", "1"): ("in_progress", overdue(action.due_date, "in_progress", on)),
        ("plan_row", "R1"): ("done", False), ("plan_row", "R2"): ("dropped", False),
        ("plan_row", "R3"): ("not_started", True), ("plan_row", "4"): ("not_started", False)}
    # A direct count, by the same rule, of the database's own rows.
    direct = {"done": 0, "on_track": 0, "overdue": 0, "dropped": 0}
    for tag in db.session.scalars(sa.select(ObjectiveTag).where(ObjectiveTag.objective_id == late.id)):
        if tag.action_id:
            item = db.session.get(Action, tag.action_id)
            updates = db.session.scalars(sa.select(ActionUpdate).where(ActionUpdate.action_id == item.id)
                                         .order_by(ActionUpdate.id)).all()
            status, due = (updates[-1].status if updates else item.status), item.due_date
        else:
            item = db.session.get(PlanRow, tag.plan_row_id)
            updates = db.session.scalars(sa.select(PlanRowUpdate).where(PlanRowUpdate.row_id == item.id)
                                         .order_by(PlanRowUpdate.id)).all()
            status, due = (updates[-1].status if updates else item.status), item.due_on
        key = ("overdue" if overdue(due, status, on) else "done" if status == "done"
               else "dropped" if status == "dropped" else "on_track")
        direct[key] += 1
    # The action is due in 90 days: on track, with the undated row.
    assert dict(first.counts) == direct == {"done": 1, "on_track": 2, "overdue": 1, "dropped": 1}
    assert sum(first.counts.values()) == 5
    # A retired objective with tags stays in the report (what it was for); without tags it goes.
    thread.retire(world.lead, quiet)
    thread.retire(world.lead, late)
    db.session.commit()
    assert [o.objective.code for o in thread.service_report(world.lead, area.id).objectives] == ["ASC-1"]
    everything = list(thread.every_tag(world.lead))
    assert [(r.directorate, r.service, r.objective.code, r.item.kind) for r in everything] == [
        ("Adult Social Care", "Reablement", "ASC-1", "eqia_action")] + [
        ("Adult Social Care", "Reablement", "ASC-1", "plan_row")] * 4 + [("Highways", "Libraries", "LIB-1", "plan_row")]
    assert refused(NotFound, lambda: thread.service_report(world.lead, 99999999)) == [("", "There is no such service")]


def test_a_removed_plan_row_takes_its_tags_with_it(world, area):
    plan = make(world)
    row = add_row(world, plan)
    thread.tag_row(world.lead, row.id, objective(world, area).id)
    db.session.commit()
    from eqia.services import plans
    plans.remove_row(world.lead, plan.id, row.id)
    db.session.commit()
    assert count(ObjectiveTag) == 0


def test_the_report_asks_as_many_queries_with_many_tags_as_with_few(world, area, signed):
    from tests.test_my_actions import Queries

    made = objective(world, area)
    plan = make(world)

    def tagged(n: int) -> None:
        for number in range(n):
            thread.tag_row(world.lead, add_row(world, plan, number=f"N{number}-{count(PlanRow)}").id, made.id)
        db.session.commit()

    def asked() -> int:
        db.session.expire_all()
        with Queries() as counted:
            report = thread.service_report(world.lead, area.id)
            [item.status for o in report.objectives for item in o.items]
        return counted.count

    thread.tag_action(world.lead, signed.actions[0].id, made.id)
    tagged(1)
    few = asked()
    objective(world, area, code="More")
    tagged(9)
    assert asked() == few


def test_a_review_carries_its_actions_tags_and_the_report_reads_the_tracked_version_once(world, area):
    made = objective(world, area)
    published = world.make_assessment("published")
    action = published.actions[0]
    thread.tag_action(world.lead, action.id, made.id)
    db.session.commit()
    record_update(published.id, action.id, world.lead, ProgressInput("in_progress", "Begun", "", today()))
    db.session.commit()

    world.take(published, "start_review")
    db.session.expire_all()
    review = db.session.get(Assessment, published.id).next_version
    copy = review.actions[0]
    # The copy carries the tag; the first version's tag stays as it was.
    assert {(t.action_id, t.objective_id) for t in db.session.scalars(sa.select(ObjectiveTag))} == {
        (action.id, made.id), (copy.id, made.id)}

    def listed() -> list[tuple[str, int, str]]:
        [found] = thread.service_report(world.lead, area.id).objectives
        return [(item.reference, item.item_id, item.status) for item in found.items]

    # While the review is written, progress is still recorded on the published version: it speaks, once.
    assert listed() == [(f"{published.reference} v1", action.id, "in_progress")]
    world.write_screening(review, review.created_by)
    world.drive(review, "published")
    db.session.expire_all()
    assert db.session.get(Assessment, published.id).state == "superseded"
    # The review, published, is tracked now: its copy speaks, with the status it carried on.
    assert listed() == [(f"{published.reference} v2", copy.id, "in_progress")]
    rows = list(thread.every_tag(world.lead))
    assert [(r.item.reference, r.item.item_id) for r in rows] == [(f"{published.reference} v2", copy.id)]
