"""Progress on a signed version's actions (issue 16, first part): updates are
appended beside the signed plan, so the content, its hash and every signature
check stay as they were; who may record one is the definition's right."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from eqia.audit_words import ACTION_UPDATE, words
from eqia.extensions import db
from eqia.local_time import LOCAL_ZONE
from eqia.models import Action, ActionUpdate, Assessment, AuditEvent
from eqia.services import action_progress, record, signing
from eqia.services.action_progress import ProgressInput, progress, record_update
from eqia.services.errors import NUL_REFUSED, Forbidden, Invalid, NotFound, NotPossible
from eqia.services.audit import verify_chain

HOSTILE = "<script>alert('x')</script> & \u202e\U0001F600 ' \" %s {0}"


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def the_action(assessment: Assessment) -> Action:
    return fresh(assessment.id).actions[0]


def update(assessment, user, status="in_progress", note="Ordered the large-print stock", evidence="",
           dated=None) -> ActionUpdate:
    done = record_update(assessment.id, the_action(assessment).id, user,
                         ProgressInput(status=status, note=note, evidence=evidence, dated=dated or date.today()))
    db.session.commit()
    return done


def problems_of(error) -> list[str]:
    return [p.message for p in error.value.problems]


@pytest.fixture
def signed(world) -> Assessment:
    return world.make_assessment("signed_off")


def test_updates_never_change_the_signed_content_or_its_hash_and_the_sign_offs_still_verify(world, signed,
                                                                                         runner):
    before = record.content_hash(fresh(signed.id))
    update(signed, world.author, "in_progress")
    update(signed, world.lead, "done", evidence="https://example.test/report")
    assessment = fresh(signed.id)
    assert record.content_hash(assessment) == before
    assert signing.verify(assessment).ok
    assert the_action(signed).status == "not_started"  # the plan, as signed
    [state] = progress(assessment)
    assert (state.status, state.closed, state.latest.evidence) == ("done", True, "https://example.test/report")
    result = runner.invoke(args=["eqia", "verify-sign-offs"])
    assert result.exit_code == 0, result.output
    assert verify_chain().ok


def test_an_update_is_on_the_audit_trail_as_facts_read_in_words(world, signed):
    update(signed, world.author, "done", note="Stock on the shelves", evidence="Invoice 42",
           dated=date.today() - timedelta(days=1))
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == signed.id)
                               .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    dated = event.details["dated"]
    assert (event.action, event.kind, event.role, event.from_state, event.to_state) == (
        "update_action", ACTION_UPDATE, "author", "signed_off", "signed_off")
    assert event.details == {"action": 1, "status": "done", "dated": dated, "evidence": "Invoice 42"}
    assert event.user_comment == "Stock on the shelves"
    day = date.fromisoformat(dated)
    assert words(event) == (f"Stock on the shelves\nAction 1: Done, as at {day.day} {day:%B %Y}\n"
                            "Evidence of completion: Invoice 42")


def test_a_closed_action_takes_no_more_updates(world, signed):
    update(signed, world.author, "dropped", note="The service closed")
    with pytest.raises(NotPossible) as refused:
        update(signed, world.lead, "in_progress")
    assert problems_of(refused) == ["This action is dropped: no more progress can be recorded on it."]


def test_only_those_the_definition_allows_may_update(world, signed):
    with pytest.raises(Forbidden):
        update(signed, world.decider)  # a decision-maker is not given the right
    with pytest.raises(NotFound):
        update(signed, world.outsider)  # an author of another directorate may not see it
    assert not action_progress.may_update(world.decider, fresh(signed.id))
    assert action_progress.may_update(world.author, fresh(signed.id))
    assert db.session.execute(sa.select(sa.func.count()).select_from(ActionUpdate)).scalar_one() == 0


def test_an_unsigned_assessment_takes_no_progress_updates(world):
    assessment = world.make_assessment("full_assessment")
    world.write_full_assessment(assessment)
    with pytest.raises(NotPossible) as refused:
        update(assessment, world.author)
    assert problems_of(refused) == [
        "Progress on actions cannot be recorded while the assessment is in full assessment."]


def test_an_action_of_another_version_is_not_found(world, signed):
    with pytest.raises(NotFound):
        record_update(signed.id, 10_000, world.author, ProgressInput("done", "", "", date.today()))


@pytest.mark.parametrize("status,note,evidence,dated,expected", [
    (None, "", "", date.today(), ["Select the action\u2019s status"]),
    ("finished", "", "", date.today(), ["Select the action\u2019s status"]),
    ("dropped", "   ", "", date.today(), ["Say why the action was dropped"]),
    ("in_progress", "x" * 10_001, "", date.today(), ["Progress note must be 10,000 characters or fewer"]),
    ("in_progress", "", "y" * 2_001, date.today(), ["Evidence of completion must be 2,000 characters or fewer"]),
    ("in_progress", "a\x00b", "", date.today(), [NUL_REFUSED]),
    ("in_progress", "", "", None, ["Enter the date of this update"]),
    ("in_progress", "", "", date.today() + timedelta(days=2),
     ["The date of this update must be today or in the past"]),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(world, signed, status, note, evidence,
                                                                       dated, expected):
    count = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
    with pytest.raises(Invalid) as refused:
        record_update(signed.id, the_action(signed).id, world.author, ProgressInput(status, note, evidence, dated))
    db.session.rollback()
    assert problems_of(refused) == expected
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one() == count
    assert db.session.execute(sa.select(sa.func.count()).select_from(ActionUpdate)).scalar_one() == 0


def test_hostile_input_is_stored_verbatim(world, signed):
    update(signed, world.author, "in_progress", note=HOSTILE, evidence=HOSTILE)
    [state] = progress(fresh(signed.id))
    assert (state.latest.note, state.latest.evidence) == (HOSTILE, HOSTILE)


def test_an_action_past_its_due_date_and_not_closed_is_overdue_on_the_london_date(world, signed, monkeypatch):
    due = the_action(signed).due_date
    assessment = fresh(signed.id)
    assert not progress(assessment, due)[0].overdue
    assert progress(assessment, due + timedelta(days=1))[0].overdue
    # 23:30 UTC on the due date in summer is already the next day in London.
    late = datetime(due.year, due.month, due.day, 23, 30, tzinfo=timezone.utc)
    monkeypatch.setattr(action_progress, "utcnow", lambda: late)
    assert progress(assessment)[0].overdue == (late.astimezone(LOCAL_ZONE).date() > due)
    monkeypatch.undo()
    update(signed, world.author, "done")
    assert not progress(fresh(signed.id), due + timedelta(days=1))[0].overdue


def test_a_review_starts_its_plan_from_where_each_action_got_to_and_leaves_the_signed_one_alone(world):
    published = world.make_assessment("published")
    before = record.content_hash(fresh(published.id))
    update(published, world.author, "in_progress")
    world.take(fresh(published.id), "start_review")
    old = fresh(published.id)
    new = old.next_version
    assert [a.status for a in new.actions] == ["in_progress"]
    assert [a.status for a in old.actions] == ["not_started"]  # the plan, as signed
    assert record.content_hash(old) == before and signing.verify(old).ok


def test_a_dropped_action_keeps_its_plan_status_in_the_review(world):
    published = world.make_assessment("published")
    update(published, world.author, "dropped", note="The service closed")
    world.take(fresh(published.id), "start_review")
    assert [a.status for a in fresh(published.id).next_version.actions] == ["not_started"]
