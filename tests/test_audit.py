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


# ------------------------------------------------- TRUNCATE, and an anchor outside the rows

APPEND_ONLY_TABLES = ("audit_event", "sign_off", "restored_audit_event")


def head_row() -> dict:
    return dict(db.session.execute(sa.text("SELECT * FROM audit_chain_head WHERE id = 1")).mappings().one())


def put_head(row: dict) -> None:
    """The attacker moves the head (every column they can see)."""
    sets = ", ".join(f"{name} = :{name}" for name in row if name != "id")
    db.session.execute(sa.text(f"UPDATE audit_chain_head SET {sets} WHERE id = 1"), row)


def bypass_all_append_only_triggers() -> None:
    if DB_KIND == "postgres":
        for table in ("audit_event", "sign_off"):
            db.session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        for name in ("audit_event_no_update", "audit_event_no_delete", "sign_off_no_update", "sign_off_no_delete"):
            db.session.execute(sa.text(f"DROP TRIGGER {name}"))
    db.session.commit()


@pytest.fixture
def sign_off_triggers_restored(app):
    yield
    if DB_KIND == "postgres":
        db.session.rollback()
        db.session.execute(sa.text("ALTER TABLE sign_off ENABLE TRIGGER USER"))
        db.session.commit()


def rewrite_from(seq: int, change) -> None:
    """Change events from `seq` on and recompute every hash after it, as an
    attacker who has read eqia/services/audit.py would; then move the head."""
    from eqia.services.audit import compute_hash

    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.seq >= seq)
                                .order_by(AuditEvent.seq)).scalars().all()
    prev = db.session.execute(sa.select(AuditEvent.hash).where(AuditEvent.seq == seq - 1)).scalar_one()
    for event in events:
        change(event)
        event.prev_hash = prev
        event.hash = prev = compute_hash(event)
    db.session.flush()
    db.session.execute(sa.text("UPDATE audit_chain_head SET seq = :s, hash = :h WHERE id = 1"),
                       {"s": events[-1].seq, "h": prev})
    db.session.commit()


def published_anchor(client) -> tuple[str, str]:
    """The event count and head hash the public register page shows."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/register").data, "html.parser")
    return (page.select_one("#audit-anchor-count").get_text(strip=True),
            page.select_one("#audit-anchor-head").get_text(strip=True))


def test_the_database_refuses_to_truncate_the_append_only_tables(world):
    """PostgreSQL's row triggers do not fire on TRUNCATE: a statement trigger refuses it.
    SQLite has no TRUNCATE; its nearest, DELETE without WHERE, meets the row triggers."""
    assessment = world.make_assessment("signed_off")
    last = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    db.session.execute(sa.text(
        "INSERT INTO restored_audit_event (assessment_id, position, chain, seq, assessment_reference, actor_email, "
        "actor_name, role, action, from_state, to_state, occurred_at, workflow_name, workflow_version, comment, "
        "prev_hash, hash) VALUES (:id, 1, :chain, 1, '', '', '', '', 'create', '', '', :at, '', 0, '', :chain, "
        ":chain)"), {"id": assessment.id, "chain": "a" * 64, "at": last.occurred_at.replace(tzinfo=None)})
    db.session.commit()
    for table in APPEND_ONLY_TABLES:
        before = db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        assert before
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(sa.text(f"TRUNCATE {table} CASCADE" if DB_KIND == "postgres"
                                       else f"DELETE FROM {table}"))
            db.session.flush()
        db.session.rollback()
        assert db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() == before, table


def test_the_register_page_publishes_the_trails_head_and_count_and_verify_audit_checks_them(world, client, runner):
    world.make_assessment("published")
    count, head = published_anchor(client)
    last = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert (count, head) == (str(last.seq), last.hash)
    world.make_assessment("challenge")  # the trail grows: an older anchor still holds
    result = runner.invoke(args=["eqia", "verify-audit", "--expect-count", count, "--expect-head", head])
    assert result.exit_code == 0, result.output
    assert f"matches the published anchor: event {count} is {head}" in result.output
    wrong = runner.invoke(args=["eqia", "verify-audit", "--expect-count", count, "--expect-head", "e" * 64])
    assert wrong.exit_code == 1
    from eqia.services.audit import anchor_contradicted
    assert anchor_contradicted(int(count), "e" * 64, head) in wrong.output


def test_the_signed_pdf_carries_the_trail_as_it_stood_at_sign_off(app, world):
    from eqia.models import AssessmentDocument
    from tests.conftest import keep_records
    from tests.test_pdf import text_of

    assessment = world.make_assessment("signed_off")
    world.make_assessment("challenge")  # the trail goes on after the signature, before its record is made
    assert keep_records(app) == [assessment.id]
    [stored] = db.session.execute(sa.select(AssessmentDocument).where(
        AssessmentDocument.assessment_id == assessment.id)).scalars().all()
    sign_off = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == assessment.id)
                                  .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert sign_off.action == "sign_off"
    text = text_of(stored.data)
    assert f"held {sign_off.seq} events" in text and sign_off.hash in text.replace(" ", "")


def test_verify_audit_catches_the_whole_trail_truncated_and_the_head_reset(world, client, runner):
    genesis = head_row()  # what an attacker who read the database early could put back
    assessment = world.make_assessment("published")
    count, head = published_anchor(client)
    if DB_KIND == "postgres":
        # A superuser can switch the triggers off for the session: nothing else stops TRUNCATE.
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        # (The in-app notifications point at the e-mails queued with them: they go too.)
        db.session.execute(sa.text("TRUNCATE audit_event, outbox_message, notification"))
    else:
        bypass_append_only_triggers()
        db.session.execute(sa.text("DELETE FROM notification"))
        db.session.execute(sa.text("DELETE FROM outbox_message"))
        db.session.execute(sa.text("DELETE FROM audit_event"))
    put_head(genesis)
    db.session.commit()
    assert verify_chain().ok is False
    result = runner.invoke(args=["eqia", "verify-audit"])
    assert result.exit_code == 1
    from eqia.services.audit import assessments_off_the_trail
    assert assessments_off_the_trail([assessment.display_reference]) in result.output
    anchored = runner.invoke(args=["eqia", "verify-audit", "--expect-count", count, "--expect-head", head])
    assert anchored.exit_code == 1
    from eqia.services.audit import anchor_beyond_the_trail
    assert anchor_beyond_the_trail(int(count), 0) in anchored.output


def test_verify_audit_catches_a_rewrite_with_every_later_hash_recomputed(world, runner):
    world.make_assessment("challenge")
    bypass_append_only_triggers()
    rewrite_from(3, lambda e: setattr(e, "comment", "Nothing to see") if e.seq == 3 else None)
    result = runner.invoke(args=["eqia", "verify-audit"])
    assert result.exit_code == 1
    from eqia.services.audit import HEAD_SEAL_MISMATCH
    assert HEAD_SEAL_MISMATCH in result.output


def test_verify_audit_catches_a_forged_event_appended_with_a_good_hash(world, runner):
    from eqia.services.audit import compute_hash

    world.make_assessment("challenge")
    last = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    forged = AuditEvent(seq=last.seq + 1, assessment_id=last.assessment_id,
                        assessment_reference=last.assessment_reference, actor_id=None,
                        actor_email="forger@example.test", actor_name="Forger", role="decision_maker",
                        action="sign_off", from_state="challenge", to_state="signed_off",
                        occurred_at=last.occurred_at, workflow_name=last.workflow_name,
                        workflow_version=last.workflow_version, comment="", prev_hash=last.hash)
    forged.hash = compute_hash(forged)
    db.session.add(forged)
    db.session.flush()
    db.session.execute(sa.text("UPDATE audit_chain_head SET seq = :s, hash = :h WHERE id = 1"),
                       {"s": forged.seq, "h": forged.hash})
    db.session.commit()
    result = runner.invoke(args=["eqia", "verify-audit"])
    assert result.exit_code == 1
    from eqia.services.audit import HEAD_SEAL_MISMATCH
    assert HEAD_SEAL_MISMATCH in result.output


def test_a_tampered_head_stays_evident_after_the_service_appends_to_it(world, runner):
    """Cutting events off the end and putting back an earlier head (seal and all)
    is only caught by a published anchor; but a head moved without its seal is not
    blessed by the next event the service appends."""
    world.make_assessment("challenge")
    bypass_append_only_triggers()
    rewrite_from(3, lambda e: setattr(e, "comment", "Nothing to see") if e.seq == 3 else None)
    world.make_assessment("screening")  # the service goes on appending
    result = runner.invoke(args=["eqia", "verify-audit"])
    assert result.exit_code == 1
    from eqia.services.audit import HEAD_SEAL_BROKEN
    assert HEAD_SEAL_BROKEN in result.output


def test_a_deleted_sign_off_of_a_published_version_is_caught_by_both_checks(world, runner,
                                                                           sign_off_triggers_restored):
    assessment = world.make_assessment("published")
    bypass_all_append_only_triggers()
    db.session.execute(sa.text("DELETE FROM sign_off WHERE assessment_id = :id"), {"id": assessment.id})
    db.session.commit()
    for command in ("verify-audit", "verify-sign-offs"):
        result = runner.invoke(args=["eqia", command])
        assert result.exit_code == 1, command
        from eqia.services.signing import sign_off_missing
        assert sign_off_missing(assessment.display_reference, world.decider.name) in result.output, command


def test_a_changed_key_is_reported_and_resealed_only_against_a_published_anchor(app, world, client, runner):
    from eqia.services.audit import HEAD_SEAL_MISMATCH, anchor_contradicted

    world.make_assessment("challenge")
    count, head = published_anchor(client)
    app.config["EQIA_AUDIT_KEY"] = "the-next-key"  # rotated, or the old one lost
    changed = runner.invoke(args=["eqia", "verify-audit"])
    assert changed.exit_code == 1 and HEAD_SEAL_MISMATCH in changed.output
    blind = runner.invoke(args=["eqia", "reseal-audit-head"])
    assert blind.exit_code == 2 and "Give the newest anchor you hold" in blind.output
    wrong = runner.invoke(args=["eqia", "reseal-audit-head", "--expect-count", count, "--expect-head", "d" * 64])
    assert wrong.exit_code == 1
    assert "Not resealed" in wrong.output and anchor_contradicted(int(count), "d" * 64, head) in wrong.output
    resealed = runner.invoke(args=["eqia", "reseal-audit-head", "--expect-count", count, "--expect-head", head])
    assert resealed.exit_code == 0, resealed.output
    after = runner.invoke(args=["eqia", "verify-audit", "--expect-count", count, "--expect-head", head])
    assert after.exit_code == 0, after.output
    last = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert (last.seq, last.action) == (int(count) + 1, "reseal_audit_head")


def test_a_rewritten_trail_is_not_resealed_against_an_anchor_published_before(world, client, runner):
    from eqia.services.audit import anchor_contradicted

    world.make_assessment("challenge")
    count, head = published_anchor(client)
    bypass_append_only_triggers()
    rewrite_from(3, lambda e: setattr(e, "comment", "Nothing to see") if e.seq == 3 else None)
    now = db.session.execute(sa.select(AuditEvent.hash).where(AuditEvent.seq == int(count))).scalar_one()
    result = runner.invoke(args=["eqia", "reseal-audit-head", "--expect-count", count, "--expect-head", head])
    assert result.exit_code == 1
    assert "Not resealed" in result.output and anchor_contradicted(int(count), head, now) in result.output


# Text methods that would read a fact back out of an event's words or its action code.
READING_TEXT = {"contains", "like", "ilike", "startswith", "endswith", "splitlines", "removeprefix", "split"}


def test_no_code_reads_facts_back_out_of_audit_words_or_action_codes():
    """Signatures, edits and restores are found by an event's kind and details, never by
    searching its comment or the shape of its action code (STYLE.md, habit 14)."""
    import ast

    from eqia.config import PROJECT_ROOT

    found = []
    for path in sorted((PROJECT_ROOT / "eqia").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in READING_TEXT):
                continue
            target = node.func.value
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
            if name in ("comment", "action", "user_comment"):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {ast.unparse(node)[:80]}")
    assert found == []


@pytest.mark.parametrize("action,kind,details,comment", [
    ("sign_off", "signature", {"content_sha256": "c" * 64}, "Read it twice"),
    ("sign_off", "signature", {"content_sha256": "c" * 64}, ""),
    ("restore", "restore", {"reference": "EQIA-2025-0009 v1", "source": "", "state": "awaiting_sign_off",
                            "events": 12, "trail_sha256": "d" * 64, "content_sha256": "e" * 64}, ""),
    ("restore", "restore", {"reference": "EQIA-2025-0009 v3", "source": "backups/2026, March.json",
                            "state": "published", "events": 1, "trail_sha256": "d" * 64, "content_sha256": "e" * 64},
     ""),
    ("edit:register_details", "edit", {"section": "register_details"}, "Title changed"),
    ("submit_for_challenge", "", {}, "Ready, Content SHA-256: is in the record"),
])
def test_an_old_events_words_give_back_the_facts_a_new_event_reads_as_those_words(action, kind, details, comment):
    """The words the catalogue gives an event's facts are the words the service wrote before it stored them,
    so the facts read from an old event (migration 0018, verify-audit) are the facts a new one stores."""
    from types import SimpleNamespace

    from eqia.audit_words import words
    from eqia.services.audit import legacy_facts

    new = SimpleNamespace(user_comment=comment, kind=kind, details=details, hash_version=2)
    assert legacy_facts(action, words(new)) == (kind, details)
