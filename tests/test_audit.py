"""The audit trail is append-only and tamper-evident."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from eqia.extensions import db
from eqia.models import AuditEvent
from eqia.services.audit import verify_chain
from tests.conftest import DB_KIND, STANDARD


def bypass_append_only_triggers() -> None:
    """What an attacker with database rights would do first."""
    if DB_KIND == "postgres":
        db.session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    else:
        db.session.execute(sa.text("DROP TRIGGER audit_event_no_update"))
        db.session.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
    db.session.commit()


@pytest.fixture(autouse=True)
def triggers_restored(app):
    """The PostgreSQL test database outlives each test: put the triggers back."""
    yield
    if DB_KIND == "postgres":
        db.session.rollback()
        db.session.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        db.session.commit()


def test_every_step_is_on_the_trail_with_who_what_when(world):
    assessment = world.make_assessment("challenge")
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == assessment.id)
                                .order_by(AuditEvent.seq)).scalars().all()
    actions = [e.action for e in events]
    assert actions[:4] == ["create", "edit:register_details", "edit:screening", "start_full_assessment"]
    assert {"edit:evidence", "edit:consultation", "edit:characteristics", "edit:intersectional", "edit:outcome",
            "edit:action_plan"} <= set(actions[4:-1]) and actions[-1] == "submit_for_challenge"
    submitted = events[-1]
    assert (submitted.actor_email, submitted.role) == ("author@example.test", "author")
    assert (submitted.from_state, submitted.to_state) == ("full_assessment", "challenge")
    assert submitted.workflow_name == "standard" and submitted.workflow_version == STANDARD.version
    assert submitted.occurred_at.tzinfo is not None
    assert submitted.prev_hash == events[-2].hash


def test_untouched_trail_verifies(world, runner):
    world.make_assessment("published")
    result = runner.invoke(args=["eqia", "verify-audit"])
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output


def test_database_refuses_to_update_or_delete_events(world):
    world.make_assessment("challenge")
    for statement in ("UPDATE audit_event SET comment = 'changed'", "DELETE FROM audit_event"):
        with pytest.raises(DatabaseError):
            db.session.execute(sa.text(statement))
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("tamper,expected", [
    ("UPDATE audit_event SET comment = 'Nothing to see' WHERE seq = 3", "event 3 was altered"),
    ("UPDATE audit_event SET actor_email = 'someone@else.test' WHERE seq = 2", "event 2 was altered"),
    ("DELETE FROM audit_event WHERE seq = 3", "event 3 is missing"),
    ("UPDATE audit_event SET seq = CASE seq WHEN 2 THEN 3 WHEN 3 THEN 2 END WHERE seq IN (2, 3)",
     "does not follow the event before it"),
    ("DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)", "deleted from the end"),
])
def test_tampering_in_sql_is_detected(world, runner, tamper, expected):
    world.make_assessment("challenge")
    bypass_append_only_triggers()
    if "CASE seq" in tamper:
        # Swap two events through a free number (the column is unique).
        db.session.execute(sa.text("UPDATE audit_event SET seq = -1 WHERE seq = 2"))
        db.session.execute(sa.text("UPDATE audit_event SET seq = 2 WHERE seq = 3"))
        db.session.execute(sa.text("UPDATE audit_event SET seq = 3 WHERE seq = -1"))
    else:
        if tamper.startswith("DELETE"):
            # Notifications point at events; a thorough attacker removes those too.
            db.session.execute(sa.text("DELETE FROM outbox_message WHERE audit_event_id IN (SELECT id FROM "
                                       "audit_event WHERE " + tamper.split(" WHERE ", 1)[1] + ")"))
        db.session.execute(sa.text(tamper))
    db.session.commit()
    result = runner.invoke(args=["eqia", "verify-audit"])
    assert result.exit_code == 1
    assert expected in result.output


def test_an_inserted_event_is_detected(world, runner):
    world.make_assessment("challenge")
    bypass_append_only_triggers()
    last = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    db.session.execute(sa.text(
        "INSERT INTO audit_event (seq, assessment_reference, actor_email, actor_name, role, action, from_state, "
        "to_state, occurred_at, workflow_name, workflow_version, comment, prev_hash, hash) VALUES "
        "(:seq, '', 'forger@example.test', 'Forger', 'decision_maker', 'sign_off', 'awaiting_sign_off', "
        "'signed_off', :at, 'standard', 1, '', :prev, :hash)"),
        {"seq": last.seq + 1, "at": last.occurred_at.replace(tzinfo=None), "prev": last.hash, "hash": "f" * 64})
    db.session.commit()
    report = verify_chain()
    assert not report.ok
    assert any(f"event {last.seq + 1} was altered" in p for p in report.problems)
    assert any("chain head records event" in p for p in report.problems)
