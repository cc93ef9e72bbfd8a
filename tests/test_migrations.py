"""Migrations carry existing data forward: run each step on a database holding
rows written under the previous schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import gc
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import DB_KIND, PG_ADMIN_URL, base_config
from eqia import create_app
from eqia.config import PROJECT_ROOT
from eqia.extensions import db

MIGRATIONS = str(PROJECT_ROOT / "migrations")


@pytest.fixture
def scratch_url(tmp_path):
    if DB_KIND != "postgres":
        yield f"sqlite:///{tmp_path / 'scratch.sqlite'}"
        return
    name = f"eqia_scratch_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    # Close the pools of the apps the test made on it first: dropped WITH (FORCE) under them, their
    # connections would be left for the garbage collector, which warns of each (an error at exit).
    for engine in [o for o in gc.get_objects() if isinstance(o, sa.engine.Engine)]:
        if engine.url.database == name:
            engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _rows(sql: str) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(sa.text(sql))]


def _one_assessment(state: str, lock_version: int = 1) -> None:
    """Assessment 1 in `state`, by user 1 in directorate 1, written with the columns the
    first schema had (every later migration keeps them), as a database of that time held it."""
    db.session.execute(sa.text("INSERT INTO directorate (id, name) VALUES (1, 'Libraries')"))
    db.session.execute(sa.text(
        "INSERT INTO user_account (id, email, name, password_hash, active, directorate_id, session_token, "
        "created_at) VALUES (1, 'a@example.test', 'A', 'x', TRUE, 1, 'tok', '2026-01-01 00:00:00')"))
    db.session.execute(sa.text(
        "INSERT INTO assessment (id, reference, version_number, title, directorate_id, service, lead_officer, "
        "aims, people_affected, decision_maker, decision_forum, parent_programme, screening_conclusion, "
        "no_consultation_reason, intersectional_effects, outcome_justification, workflow_name, "
        "workflow_version, state, lock_version, restricted, created_by_id, created_at, updated_at) VALUES "
        "(1, 'EQIA-2026-0001', 1, 'T', 1, '', '', '', '', '', '', '', '', '', '', '', 'standard', 1, "
        ":state, :lock_version, FALSE, 1, '2026-01-01 00:00:00', '2026-01-02 00:00:00')"),
        {"state": state, "lock_version": lock_version})


def test_0002_keeps_cited_evidence_and_carries_completed_impacts_over(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0001")
        _one_assessment("full_assessment")
        db.session.execute(sa.text(
            "INSERT INTO characteristic_impact (id, assessment_id, characteristic_key, characteristic_label, "
            "position, evidence_narrative, no_evidence_reason, mitigation, completed) VALUES "
            "(1, 1, 'age', 'Age', 0, '', '', '', TRUE), (2, 1, 'sex', 'Sex', 1, '', '', '', FALSE)"))
        db.session.execute(sa.text(
            "INSERT INTO evidence_item (id, assessment_id, position, kind, source, summary, link) VALUES "
            "(1, 1, 0, 'data', 'Census', 'Older residents', '')"))
        db.session.execute(sa.text("INSERT INTO impact_evidence (impact_id, evidence_id) VALUES (1, 1), (2, 1)"))
        db.session.commit()

        upgrade(directory=MIGRATIONS)

        # Rebuilding characteristic_impact must not cascade into its citations.
        assert sorted(_rows("SELECT impact_id, evidence_id FROM impact_evidence")) == [(1, 1), (2, 1)]
        assert _rows("SELECT assessment_id, section_key, completed_by_id FROM section_completion") == [
            (1, "characteristic:age", 1)]
        assert _rows("SELECT screening_proposal FROM assessment") == [(None,)]
        db.session.rollback()  # end the reading transaction: its locks would hold up the downgrade

        downgrade(directory=MIGRATIONS, revision="0001")
        assert sorted(_rows("SELECT characteristic_key, completed FROM characteristic_impact")) == [
            ("age", True), ("sex", False)]
        assert sorted(_rows("SELECT impact_id, evidence_id FROM impact_evidence")) == [(1, 1), (2, 1)]
        db.session.remove()
        db.engine.dispose()


def test_migrating_in_process_leaves_foreign_keys_on_for_the_app(scratch_url):
    """The SQLite migration turns foreign keys off to rebuild tables; the pooled
    connection it used must have them back on, or cascades silently stop."""
    if DB_KIND == "postgres":
        pytest.skip("a SQLite pragma")
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()


def test_0009_keeps_queued_messages_due_and_sent_ones_sent(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0006")
        db.session.execute(sa.text(
            "INSERT INTO audit_event (id, seq, assessment_reference, actor_email, actor_name, role, action, "
            "from_state, to_state, occurred_at, workflow_name, workflow_version, comment, prev_hash, hash) VALUES "
            "(1, 1, '', '', '', '', 'submit', '', '', '2026-01-01 00:00:00', 'standard', 1, '', 'p', 'h')"))
        db.session.execute(sa.text(
            "INSERT INTO outbox_message (id, audit_event_id, recipient, subject, body, created_at, sent_at, "
            "attempts, last_error) VALUES "
            "(1, 1, 'a@example.test', 'S', 'B', '2026-01-01 00:00:00', '2026-01-01 00:05:00', 1, ''), "
            "(2, 1, 'b@example.test', 'S', 'B', '2026-01-02 00:00:00', NULL, 7, '(550, b''No such user'')')"))
        db.session.commit()

        upgrade(directory=MIGRATIONS)

        assert _rows("SELECT id, attempts, last_error, failed_at, claimed_by, claimed_until, failure, smtp_code "
                     "FROM outbox_message ORDER BY id") == [
            (1, 1, "", None, "", None, "", None), (2, 7, "(550, b'No such user')", None, "", None, "", None)]
        # Each is due from when it was queued: the one still unsent goes with the next run.
        assert [str(r[0])[:19] for r in _rows("SELECT next_attempt_at FROM outbox_message ORDER BY id")] == [
            "2026-01-01 00:00:00", "2026-01-02 00:00:00"]
        db.session.rollback()

        downgrade(directory=MIGRATIONS, revision="0006")
        assert _rows("SELECT id, sent_at IS NULL, attempts FROM outbox_message ORDER BY id") == [
            (1, False, 1), (2, True, 7)]
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("profile,recorded", [(None, ("england", 1)), ("wales", ("wales", 1))])
def test_0014_records_the_running_profile_on_existing_assessments_and_no_provenance(scratch_url, profile, recorded):
    """Assessments made before profiles were made under the set the deployment ran
    (England's by default): they record it, and stay readable."""
    app = create_app({**base_config(scratch_url), **({"EQIA_PROFILE": profile} if profile else {})})
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0006")
        _one_assessment("screening")
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision="0014")
        assert _rows("SELECT profile_key, profile_version, provenance_title, provenance_url, "
                     "provenance_published_on FROM assessment") == [(*recorded, "", "", None)]
        db.session.rollback()
        downgrade(directory=MIGRATIONS, revision="0006")
        assert _rows("SELECT id, title FROM assessment") == [(1, "T")]
        db.session.remove()
        db.engine.dispose()


def test_0008_seals_the_head_as_it_stands_and_refuses_truncate(scratch_url):
    from eqia.services.audit import seal_for
    from tests.conftest import TEST_AUDIT_KEY

    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0006")
        db.session.execute(sa.text("UPDATE audit_chain_head SET seq = 7, hash = :h WHERE id = 1"), {"h": "ab" * 32})
        db.session.commit()

        upgrade(directory=MIGRATIONS, revision="0008")
        assert _rows("SELECT seq, hash, seal FROM audit_chain_head") == [
            (7, "ab" * 32, seal_for(7, "ab" * 32, key=TEST_AUDIT_KEY))]
        db.session.rollback()
        if DB_KIND == "postgres":
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                db.session.execute(sa.text("TRUNCATE sign_off"))
            db.session.rollback()

        downgrade(directory=MIGRATIONS, revision="0006")
        assert _rows("SELECT seq, hash FROM audit_chain_head") == [(7, "ab" * 32)]
        if DB_KIND == "postgres":
            db.session.execute(sa.text("TRUNCATE sign_off"))
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_0015_copies_the_three_aim_columns_into_rows_keeping_not_yet_said_and_the_signed_record(scratch_url):
    """Each group's three aims (relevant, not, not yet said) become rows under
    "a", "b", "c"; a NULL column becomes no row. The record a signature covers
    lists the relevant keys as it did ("a", "b", "c" in order), and a downgrade
    gives the columns back."""
    from eqia.models import Assessment
    from eqia.services.record import sections_record

    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0008")
        _one_assessment("full_assessment")
        db.session.execute(sa.text(
            "INSERT INTO characteristic_impact (id, assessment_id, characteristic_key, characteristic_label, "
            "position, evidence_narrative, no_evidence_reason, mitigation, aim_eliminate_discrimination, "
            "aim_advance_equality, aim_foster_good_relations) VALUES "
            "(1, 1, 'age', 'Age', 0, '', '', '', TRUE, FALSE, TRUE), "
            "(2, 1, 'marriage_civil_partnership', 'Marriage and civil partnership', 1, '', '', '', TRUE, NULL, NULL), "
            "(3, 1, 'sex', 'Sex', 2, '', '', '', NULL, NULL, NULL), "
            "(4, 1, 'race', 'Race', 3, '', '', '', FALSE, TRUE, TRUE)"))
        db.session.execute(sa.text("INSERT INTO evidence_item (id, assessment_id, position, kind, source, summary, "
                                   "link) VALUES (1, 1, 0, 'data', 'Census', 'Older residents', '')"))
        db.session.execute(sa.text("INSERT INTO impact_evidence (impact_id, evidence_id) VALUES (1, 1), (4, 1)"))
        db.session.commit()

        upgrade(directory=MIGRATIONS)  # to the head: the models below are the head's
        assert sorted(_rows("SELECT impact_id, aim_key, relevant FROM impact_aim")) == [
            (1, "a", True), (1, "b", False), (1, "c", True), (2, "a", True),
            (4, "a", False), (4, "b", True), (4, "c", True)]
        # Dropping the columns rebuilt the table (SQLite): its citations are kept.
        assert sorted(_rows("SELECT impact_id, evidence_id FROM impact_evidence")) == [(1, 1), (4, 1)]
        record = sections_record(db.session.get(Assessment, 1))
        assert [record[f"characteristic:{k}"]["aims"] for k in ("age", "marriage_civil_partnership", "sex",
                                                                 "race")] == [["a", "c"], ["a"], [], ["b", "c"]]
        assert db.session.get(Assessment, 1).impact_for("sex").aims == {}
        db.session.rollback()

        downgrade(directory=MIGRATIONS, revision="0008")
        assert sorted(_rows("SELECT id, aim_eliminate_discrimination, aim_advance_equality, "
                            "aim_foster_good_relations FROM characteristic_impact")) == [
            (1, True, False, True), (2, True, None, None), (3, None, None, None), (4, False, True, True)]
        db.session.remove()
        db.engine.dispose()


def _hash_before_0018(row: dict) -> str:
    """The chain's hash as it was computed before 0018 (the form every existing event keeps): written out
    here, apart from the app's code, so the test holds that form still, whatever the code becomes."""
    import hashlib
    import json

    names = ("seq", "assessment_id", "assessment_reference", "actor_id", "actor_email", "actor_name", "role",
             "action", "from_state", "to_state", "occurred_at", "workflow_name", "workflow_version", "comment",
             "prev_hash")
    content = json.dumps({n: row[n] for n in names}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(row["prev_hash"].encode("ascii") + b"\n" + content.encode("utf-8")).hexdigest()


OLD_TRAIL = [
    # (action, from_state, to_state, comment), as the service wrote them before 0018.
    ("create", "", "screening", ""),
    ("edit:evidence", "full_assessment", "full_assessment", "Evidence added"),
    ("sign_off", "awaiting_sign_off", "signed_off", "Read it twice\nContent SHA-256: " + "c" * 64),
]
OLD_RESTORE = ("Restored EQIA-2025-0009 v2 from backup.json, published, with 4 events of its trail (trail SHA-256 "
               + "d" * 64 + ") and content SHA-256 " + "e" * 64)


def test_0018_a_trail_written_before_it_verifies_after_it_and_its_facts_are_read_as_data(scratch_url):
    from eqia.models import Assessment, AuditEvent
    from eqia.services import signing
    from eqia.services.audit import RESTORE_ACTION, append_event, seal_for, verify_chain
    from eqia.services.workflow import participants_for
    from tests.conftest import TEST_AUDIT_KEY

    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0008")
        _one_assessment("signed_off")
        prev = "0" * 64
        trail = [(1, "EQIA-2026-0001", *event) for event in OLD_TRAIL]
        trail.append((None, "EQIA-2025-0009 v2", RESTORE_ACTION, "", "", OLD_RESTORE))
        for seq, (assessment_id, reference, action, from_state, to_state, comment) in enumerate(trail, start=1):
            row = {"seq": seq, "assessment_id": assessment_id, "assessment_reference": reference, "actor_id": 1,
                   "actor_email": "a@example.test", "actor_name": "A", "role": "author", "action": action,
                   "from_state": from_state, "to_state": to_state,
                   "occurred_at": f"2026-01-0{seq}T00:00:00.000000Z", "workflow_name": "standard",
                   "workflow_version": 1, "comment": comment, "prev_hash": prev}
            row["hash"] = _hash_before_0018(row)
            db.session.execute(sa.text(
                "INSERT INTO audit_event (seq, assessment_id, assessment_reference, actor_id, actor_email, "
                "actor_name, role, action, from_state, to_state, occurred_at, workflow_name, workflow_version, "
                "comment, prev_hash, hash) VALUES (:seq, :assessment_id, :assessment_reference, :actor_id, "
                ":actor_email, :actor_name, :role, :action, :from_state, :to_state, :when, :workflow_name, "
                ":workflow_version, :comment, :prev_hash, :hash)"),
                {**row, "when": f"2026-01-0{seq} 00:00:00"})
            prev = row["hash"]
        db.session.execute(sa.text("UPDATE audit_chain_head SET seq = :n, hash = :h, seal = :s WHERE id = 1"),
                           {"n": len(trail), "h": prev, "s": seal_for(len(trail), prev, key=TEST_AUDIT_KEY)})
        db.session.commit()

        upgrade(directory=MIGRATIONS, revision="0018")
        # The old events keep their form, their words and their hashes; their facts are now data.
        assert _rows("SELECT seq, hash_version, kind FROM audit_event ORDER BY seq") == [
            (1, 1, ""), (2, 1, "edit"), (3, 1, "signature"), (4, 1, "restore")]
        events = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        assert [e.details for e in events] == [
            {}, {"section": "evidence"}, {"content_sha256": "c" * 64},
            {"reference": "EQIA-2025-0009 v2", "source": "backup.json", "state": "published", "events": 4,
             "trail_sha256": "d" * 64, "content_sha256": "e" * 64}]
        assert [e.comment for e in events] == [c for *_, c in trail]
        report = verify_chain()
        assert report.ok and report.events == 4, report.problems
        assessment = db.session.get(Assessment, 1)
        assert signing.local_signatures(assessment) == {(1, "c" * 64)}
        assert 1 in participants_for([assessment])[1].by_kind["editors"]

        # Back to 0008 and up again: nothing new was written in the new form, so nothing is lost.
        db.session.rollback()
        downgrade(directory=MIGRATIONS, revision="0008")
        assert _rows("SELECT seq, hash FROM audit_event WHERE seq = 4") == [(4, prev)]
        db.session.rollback()
        upgrade(directory=MIGRATIONS, revision="0018")

        # New events are hashed with their facts, after the old ones, and the whole chain still verifies.
        append_event(action="edit:outcome", actor=None, assessment=assessment, comment="Outcome changed",
                     kind="edit", details={"section": "outcome"})
        db.session.commit()
        assert _rows("SELECT seq, hash_version FROM audit_event WHERE seq = 5") == [(5, 2)]
        assert verify_chain().ok
        # A trail holding the new form cannot go back to a schema that would not verify it.
        db.session.rollback()
        with pytest.raises(SystemExit):  # Flask-Migrate logs the reason and exits
            downgrade(directory=MIGRATIONS, revision="0008")
        db.session.rollback()
        assert _rows("SELECT seq, hash_version FROM audit_event WHERE seq = 5") == [(5, 2)]

        # An old event's facts are outside its hash: verify-audit holds them to its words.
        from eqia.services.audit import facts_not_as_written
        from tests.test_audit import bypass_append_only_triggers

        bypass_append_only_triggers()
        db.session.execute(sa.text("UPDATE audit_event SET details = :d WHERE seq = 3"),
                           {"d": '{"content_sha256":"' + "f" * 64 + '"}'})
        db.session.commit()
        assert verify_chain().problems == [facts_not_as_written(3)]
        db.session.remove()
        db.engine.dispose()


def test_0019_keeps_queued_words_and_a_downgrade_writes_the_words_of_messages_queued_as_facts(scratch_url):
    import json

    from eqia.notifications.messages import TRANSITION, transition_message
    from tests.conftest import STANDARD

    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0018")
        db.session.execute(sa.text(
            "INSERT INTO audit_event (id, seq, assessment_reference, actor_email, actor_name, role, action, "
            "from_state, to_state, occurred_at, workflow_name, workflow_version, comment, prev_hash, hash) VALUES "
            "(1, 1, '', '', '', '', 'submit', '', '', '2026-01-01 00:00:00', 'standard', 1, '', 'p', 'h')"))
        db.session.execute(sa.text(
            "INSERT INTO outbox_message (id, audit_event_id, recipient, subject, body, created_at, attempts, "
            "last_error, next_attempt_at, claimed_by, failure) VALUES "
            "(1, 1, 'a@example.test', 'S', 'B', '2026-01-01 00:00:00', 0, '', '2026-01-01 00:00:00', '', '')"))
        db.session.commit()

        upgrade(directory=MIGRATIONS, revision="0019")
        # Queued before: no kind, its words as written.
        assert _rows("SELECT id, kind, details, subject, body FROM outbox_message") == [(1, "", "{}", "S", "B")]
        facts = {"assessment_id": 7, "reference": "EQIA-2026-0007 v1", "title": "T", "actor": None,
                 "workflow": STANDARD.name, "workflow_version": STANDARD.version, "trigger": "propose_screen_out",
                 "state": "screen_out_proposed", "comment": ""}
        db.session.execute(sa.text(
            "INSERT INTO outbox_message (id, audit_event_id, recipient, kind, details, created_at, attempts, "
            "last_error, next_attempt_at, claimed_by, failure) VALUES "
            "(2, 1, 'b@example.test', :kind, :details, '2026-01-02 00:00:00', 0, '', '2026-01-02 00:00:00', '', "
            "'')"), {"kind": TRANSITION, "details": json.dumps(facts)})
        db.session.commit()

        downgrade(directory=MIGRATIONS, revision="0018")
        words = transition_message(facts, app.config["EQIA_BASE_URL"])
        assert _rows("SELECT id, subject, body FROM outbox_message ORDER BY id") == [
            (1, "S", "B"), (2, words.subject, words.body)]
        db.session.rollback()
        upgrade(directory=MIGRATIONS, revision="0019")
        assert _rows("SELECT id, kind, subject FROM outbox_message ORDER BY id") == [(1, "", "S"),
                                                                                     (2, "", words.subject)]
        db.session.remove()
        db.engine.dispose()


def test_0020_adds_action_updates_beside_the_plan_and_a_downgrade_leaves_the_plan_as_it_was(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0019")
        _one_assessment("signed_off")
        db.session.execute(sa.text(
            "INSERT INTO action (id, assessment_id, position, description, owner, success_measure, status) "
            "VALUES (1, 1, 0, 'Large print', 'Libraries', '', 'not_started')"))
        db.session.commit()

        upgrade(directory=MIGRATIONS, revision="0020")
        db.session.execute(sa.text(
            "INSERT INTO action_update (id, action_id, assessment_id, status, note, evidence, dated, "
            "recorded_by_id, recorded_at) VALUES (1, 1, 1, 'in_progress', 'Ordered', '', '2026-02-01', 1, "
            "'2026-02-01 10:00:00')"))
        db.session.commit()
        assert _rows("SELECT action_id, status, note FROM action_update") == [(1, "in_progress", "Ordered")]
        db.session.rollback()

        downgrade(directory=MIGRATIONS, revision="0019")
        assert "action_update" not in sa.inspect(db.engine).get_table_names()
        assert _rows("SELECT id, status FROM action") == [(1, "not_started")]
        db.session.rollback()
        upgrade(directory=MIGRATIONS, revision="0020")
        db.session.remove()
        db.engine.dispose()


def test_0025_adds_draft_renders_and_a_downgrade_only_forgets_renders_under_way(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0020")
        _one_assessment("screening", lock_version=3)
        db.session.commit()

        upgrade(directory=MIGRATIONS, revision="0025_draft_renders")
        db.session.execute(sa.text(
            "INSERT INTO draft_render (assessment_id, state, requests, queued_at, renders) "
            "VALUES (1, 'queued', 1, '2026-02-01 10:00:00', 0)"))
        db.session.commit()
        assert _rows("SELECT assessment_id, state FROM draft_render") == [(1, "queued")]
        db.session.rollback()

        downgrade(directory=MIGRATIONS, revision="0020")
        assert "draft_render" not in sa.inspect(db.engine).get_table_names()
        assert _rows("SELECT id, state, lock_version FROM assessment") == [(1, "screening", 3)]
        db.session.rollback()
        upgrade(directory=MIGRATIONS, revision="0025_draft_renders")


def test_0023_keeps_queued_messages_and_a_downgrade_refuses_to_lose_a_reminder_or_digest(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0020")
        db.session.execute(sa.text(
            "INSERT INTO audit_event (id, seq, assessment_reference, actor_email, actor_name, role, action, "
            "from_state, to_state, occurred_at, workflow_name, workflow_version, comment, prev_hash, hash) VALUES "
            "(1, 1, '', '', '', '', 'submit', '', '', '2026-01-01 00:00:00', 'standard', 1, '', 'p', 'h')"))
        db.session.execute(sa.text(
            "INSERT INTO outbox_message (id, audit_event_id, recipient, subject, body, created_at, attempts, "
            "last_error, next_attempt_at, claimed_by, failure) VALUES "
            "(1, 1, 'a@example.test', 'S', 'B', '2026-01-01 00:00:00', 0, '', '2026-01-01 00:00:00', '', '')"))
        db.session.commit()

        upgrade(directory=MIGRATIONS, revision="0023_notifications")
        # Queued before: its words and its event as they were, not yet sent.
        assert _rows("SELECT id, audit_event_id, kind, subject, body, once_key, sent_at FROM outbox_message") == [
            (1, 1, "", "S", "B", None, None)]
        assert _rows("SELECT COUNT(*) FROM notification") == [(0,)]
        # A digest has no event; two for one person and day cannot be queued.
        insert = ("INSERT INTO outbox_message (id, recipient, kind, details, created_at, attempts, last_error, "
                  "next_attempt_at, claimed_by, failure, once_key) VALUES (:id, 'a@example.test', 'daily_digest', "
                  "'{}', '2026-01-02 00:00:00', 0, '', '2026-01-02 00:00:00', '', '', 'digest:1:2026-01-02')")
        db.session.execute(sa.text(insert), {"id": 2})
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text(insert), {"id": 3})
            db.session.commit()
        db.session.rollback()

        # flask-migrate logs the refusal and exits: nothing is changed.
        with pytest.raises(SystemExit):
            downgrade(directory=MIGRATIONS, revision="0020")
        db.session.rollback()
        assert _rows("SELECT id FROM outbox_message ORDER BY id") == [(1,), (2,)]
        # Once sent, the digest is dropped by a downgrade: nothing waits on it.
        db.session.execute(sa.text("UPDATE outbox_message SET sent_at = '2026-01-02 08:00:00' WHERE id = 2"))
        db.session.commit()
        downgrade(directory=MIGRATIONS, revision="0020")
        assert "notification" not in sa.inspect(db.engine).get_table_names()
        assert _rows("SELECT id, audit_event_id, subject FROM outbox_message") == [(1, 1, "S")]
        db.session.rollback()
        upgrade(directory=MIGRATIONS, revision="0023_notifications")


def test_0021_lets_a_period_be_claimed_once_per_kind_and_a_downgrade_forgets_the_claims(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0021_periodic_runs")
        db.session.execute(sa.text(
            "INSERT INTO periodic_run (kind, period, started_at) VALUES ('daily_sweep', '2026-12-06', "
            "'2026-12-06 00:10:00'), ('daily_sweep', '2026-12-07', '2026-12-07 00:10:00'), "
            "('weekly_digest', '2026-12-06', '2026-12-06 00:10:00')"))
        db.session.commit()
        assert _rows("SELECT kind, period, details FROM periodic_run ORDER BY id")[0] == (
            "daily_sweep", "2026-12-06", "{}")
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text(
                "INSERT INTO periodic_run (kind, period, started_at) VALUES ('daily_sweep', '2026-12-06', "
                "'2026-12-06 00:20:00')"))
        db.session.rollback()

        downgrade(directory=MIGRATIONS, revision="0020")
        assert "periodic_run" not in sa.inspect(db.engine).get_table_names()
        db.session.rollback()
        upgrade(directory=MIGRATIONS, revision="0021_periodic_runs")
        assert _rows("SELECT count(*) FROM periodic_run") == [(0,)]
        db.session.remove()
        db.engine.dispose()


def test_0029_gives_existing_sessions_their_sign_in_as_last_use_and_a_downgrade_forgets_second_factors(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0025_draft_renders")
        db.session.execute(sa.text("INSERT INTO directorate (id, name) VALUES (1, 'Libraries')"))
        db.session.execute(sa.text(
            "INSERT INTO user_account (id, email, name, password_hash, active, directorate_id, session_token, "
            "created_at) VALUES (1, 'a@example.test', 'A', 'x', TRUE, 1, 'tok', '2026-01-01 00:00:00')"))
        db.session.execute(sa.text("INSERT INTO user_session (id, user_id, key_sha256, created_at) "
                                   "VALUES (1, 1, 'k', '2026-02-01 10:00:00')"))
        db.session.commit()

        upgrade(directory=MIGRATIONS, revision="0029_sessions_totp")
        assert [(r[0], str(r[1]), r[2]) for r in _rows("SELECT id, last_seen_at, browser FROM user_session")] == [
            (1, "2026-02-01 10:00:00", "other")]
        assert _rows("SELECT totp_secret, totp_last_step FROM user_account") == [(None, None)]
        db.session.execute(sa.text("UPDATE user_account SET totp_secret = 'S', totp_last_step = 1"))
        db.session.execute(sa.text("INSERT INTO recovery_code (user_id, code_sha256, created_at) "
                                   "VALUES (1, 'h', '2026-02-01 10:00:00')"))
        db.session.commit()

        downgrade(directory=MIGRATIONS, revision="0025_draft_renders")
        assert "recovery_code" not in sa.inspect(db.engine).get_table_names()
        assert _rows("SELECT id, user_id FROM user_session") == [(1, 1)]
        db.session.rollback()
        upgrade(directory=MIGRATIONS, revision="0029_sessions_totp")


def test_0026_adds_password_links_and_a_downgrade_only_forgets_links_under_way(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0029_sessions_totp")
        db.session.execute(sa.text(
            "INSERT INTO user_account (id, email, name, password_hash, active, session_token, created_at) "
            "VALUES (1, 'a@example.test', 'A', 'x', TRUE, 'tok', '2026-01-01 00:00:00')"))
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision="0026_password_links")
        db.session.execute(sa.text(
            "INSERT INTO password_link (user_id, purpose, token_sha256, created_at, expires_at) "
            "VALUES (1, 'reset', :h, '2026-02-01 10:00:00', '2026-02-01 11:00:00')"), {"h": "ab" * 32})
        db.session.commit()
        assert _rows("SELECT user_id, purpose FROM password_link") == [(1, "reset")]
        db.session.rollback()
        downgrade(directory=MIGRATIONS, revision="0029_sessions_totp")
        assert "password_link" not in sa.inspect(db.engine).get_table_names()
        assert _rows("SELECT id, email FROM user_account") == [(1, "a@example.test")]
        db.session.rollback()
        upgrade(directory=MIGRATIONS, revision="0026_password_links")
        db.session.remove()
        db.engine.dispose()


def test_0027_keeps_directorates_live_and_lets_a_retired_name_be_used_again(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0026_password_links")
        db.session.execute(sa.text("INSERT INTO directorate (id, name) VALUES (1, 'Libraries'), (2, 'Highways')"))
        db.session.commit()

        upgrade(directory=MIGRATIONS, revision="0027_administration")
        assert _rows("SELECT id, name, retired_at FROM directorate ORDER BY id") == [
            (1, "Libraries", None), (2, "Highways", None)]
        db.session.execute(sa.text("UPDATE directorate SET retired_at = '2026-12-01 00:00:00' WHERE id = 1"))
        db.session.execute(sa.text("INSERT INTO directorate (id, name) VALUES (3, 'Libraries')"))
        db.session.execute(sa.text("INSERT INTO service_area (id, directorate_id, name) VALUES (1, 3, 'Mobile')"))
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError):  # two live ones of a name: never
            db.session.execute(sa.text("INSERT INTO directorate (id, name) VALUES (4, 'Libraries')"))
            db.session.commit()
        db.session.rollback()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text("INSERT INTO service_area (directorate_id, name) VALUES (3, 'Mobile')"))
            db.session.commit()
        db.session.rollback()

        db.session.execute(sa.text("DELETE FROM service_area"))
        db.session.execute(sa.text("DELETE FROM directorate WHERE id = 3"))
        db.session.commit()
        downgrade(directory=MIGRATIONS, revision="0026_password_links")
        tables = sa.inspect(db.engine).get_table_names()
        assert "service_area" not in tables and "lead_directorate" not in tables
        assert _rows("SELECT id, name FROM directorate ORDER BY id") == [(1, "Libraries"), (2, "Highways")]
        db.session.rollback()
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()  # the scratch database is dropped next: leave no connection to it behind


def test_0028_ties_accounts_to_a_provider_identity_and_a_downgrade_keeps_the_accounts(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0027_administration")
        db.session.execute(sa.text(
            "INSERT INTO user_account (id, email, name, password_hash, active, session_token, created_at) "
            "VALUES (1, 'a@example.test', 'A', 'x', TRUE, 'tok1', '2026-01-01 00:00:00'), "
            "(2, 'b@example.test', 'B', 'x', TRUE, 'tok2', '2026-01-01 00:00:00')"))
        db.session.commit()

        upgrade(directory=MIGRATIONS, revision="0028_single_sign_on")
        assert _rows("SELECT id, oidc_issuer, oidc_subject FROM user_account ORDER BY id") == [
            (1, None, None), (2, None, None)]
        db.session.execute(sa.text("UPDATE user_account SET oidc_issuer = 'https://idp', oidc_subject = 's' "
                                   "WHERE id = 1"))
        db.session.commit()
        # One identity at the provider is one account.
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text("UPDATE user_account SET oidc_issuer = 'https://idp', oidc_subject = 's' "
                                       "WHERE id = 2"))
            db.session.commit()
        db.session.rollback()
        assert "identity_confirmation" in sa.inspect(db.engine).get_table_names()

        downgrade(directory=MIGRATIONS, revision="0027_administration")
        assert "identity_confirmation" not in sa.inspect(db.engine).get_table_names()
        assert _rows("SELECT id, email FROM user_account ORDER BY id") == [
            (1, "a@example.test"), (2, "b@example.test")]
        db.session.rollback()
        upgrade(directory=MIGRATIONS, revision="0028_single_sign_on")
        db.session.remove()
        db.engine.dispose()


def test_0031_makes_live_names_unique_in_any_case_and_stops_on_names_that_clash(scratch_url, capsys):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0030_language")
        db.session.execute(sa.text("INSERT INTO directorate (id, name) VALUES (1, 'Libraries'), (2, 'LIBRARIES')"))
        db.session.execute(sa.text("INSERT INTO service_area (id, directorate_id, name) VALUES (1, 1, 'Mobile')"))
        db.session.commit()
        with pytest.raises(SystemExit):  # flask db upgrade: the message, and exit status 1
            upgrade(directory=MIGRATIONS, revision="0031_names_any_case")
        assert "These live names differ only in case: libraries. Rename or retire one" in capsys.readouterr().err
        db.session.rollback()
        # Retired, the clash is no clash: the migration goes on, keeping every row.
        db.session.execute(sa.text("UPDATE directorate SET retired_at = '2026-12-01 00:00:00' WHERE id = 2"))
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision="0031_names_any_case")
        assert _rows("SELECT id, name FROM directorate ORDER BY id") == [(1, "Libraries"), (2, "LIBRARIES")]
        for clash in ("INSERT INTO directorate (id, name) VALUES (3, 'libraries')",
                      "INSERT INTO service_area (directorate_id, name) VALUES (1, 'MOBILE')"):
            with pytest.raises(sa.exc.IntegrityError):
                db.session.execute(sa.text(clash))
                db.session.commit()
            db.session.rollback()
        db.session.execute(sa.text("INSERT INTO service_area (directorate_id, name) VALUES (1, 'Mobile library')"))
        db.session.commit()
        downgrade(directory=MIGRATIONS, revision="0030_language")
        db.session.execute(sa.text("INSERT INTO directorate (id, name) VALUES (3, 'libraries')"))  # case apart again
        db.session.commit()
        db.session.execute(sa.text("DELETE FROM directorate WHERE id = 3"))
        db.session.commit()
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()


def test_0032_adds_the_activity_register_beside_what_was_there_and_a_downgrade_drops_only_it(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0031_names_any_case")
        _one_assessment("published")
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision="0032_activity_register")
        db.session.execute(sa.text(
            "INSERT INTO activity (id, name, kind, directorate_id, owner, relevance, needs_assessment, notes, "
            "created_at, created_by_id) VALUES (1, 'Libraries', 'policy', 1, '', 'high', TRUE, '', "
            "'2026-12-07 00:00:00', 1)"))
        db.session.execute(sa.text("INSERT INTO activity_assessment (reference, activity_id, linked_at, linked_by_id) "
                                   "VALUES ('EQIA-2026-0001', 1, '2026-12-07 00:00:00', 1)"))
        db.session.commit()
        for clash in ("INSERT INTO activity (name, kind, directorate_id, owner, relevance, needs_assessment, notes, "
                      "created_at, created_by_id) VALUES ('LIBRARIES', 'policy', 1, '', 'high', TRUE, '', "
                      "'2026-12-07 00:00:00', 1)",
                      "INSERT INTO activity_assessment (reference, activity_id, linked_at, linked_by_id) "
                      "VALUES ('EQIA-2026-0001', 1, '2026-12-07 00:00:00', 1)"):
            with pytest.raises(sa.exc.IntegrityError):
                db.session.execute(sa.text(clash))
                db.session.commit()
            db.session.rollback()
        downgrade(directory=MIGRATIONS, revision="0031_names_any_case")
        assert _rows("SELECT id, reference, state FROM assessment") == [(1, "EQIA-2026-0001", "published")]
        assert "activity" not in sa.inspect(db.engine).get_table_names()
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()


def test_0033_adds_action_plans_whose_rows_go_with_their_plan_and_a_downgrade_drops_only_them(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0032_activity_register")
        _one_assessment("published")
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision="0033_action_plans")
        db.session.execute(sa.text(
            "INSERT INTO action_plan (id, title, source, state, workflow_name, workflow_version, created_by_id, "
            "created_at, updated_at, lock_version) VALUES (1, 'Peer challenge', '', 'draft', 'action_plan', 1, 1, "
            "'2026-12-07 00:00:00', '2026-12-07 00:00:00', 1)"))
        db.session.execute(sa.text("INSERT INTO plan_theme (id, plan_id, position, module, title) "
                                   "VALUES (1, 1, 0, 'communities', '')"))
        db.session.execute(sa.text(
            "INSERT INTO plan_row (id, plan_id, theme_id, position, number, recommendation, response, "
            "response_reason, next_steps, due_condition, owner, status) VALUES (1, 1, 1, 0, 'R1', 'Publish data', "
            "'agreed', '', '', 'After the Census release', 'Policy team', 'not_started')"))
        db.session.execute(sa.text(
            "INSERT INTO plan_row_update (row_id, plan_id, status, note, evidence, dated, recorded_by_id, "
            "recorded_at) VALUES (1, 1, 'in_progress', 'Begun', '', '2026-12-07', 1, '2026-12-07 00:00:00')"))
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text(
                "INSERT INTO plan_row (plan_id, theme_id, position, number, recommendation, response, "
                "response_reason, next_steps, due_condition, owner, status) VALUES (1, 99, 0, '', 'x', '', '', '', "
                "'', '', 'not_started')"))
            db.session.commit()
        db.session.rollback()
        db.session.execute(sa.text("DELETE FROM action_plan WHERE id = 1"))
        db.session.commit()
        assert _rows("SELECT count(*) FROM plan_row") == [(0,)]
        assert _rows("SELECT count(*) FROM plan_row_update") == [(0,)]
        db.session.commit()  # the reads above hold locks a downgrade on its own connection would wait for
        downgrade(directory=MIGRATIONS, revision="0032_activity_register")
        assert _rows("SELECT id, reference, state FROM assessment") == [(1, "EQIA-2026-0001", "published")]
        assert not {"action_plan", "plan_theme", "plan_row", "plan_row_update"} & set(
            sa.inspect(db.engine).get_table_names())
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()


def test_0034_adds_self_assessments_whose_ratings_go_with_them_and_a_downgrade_drops_only_them(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0033_action_plans")
        _one_assessment("published")
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision="0034_framework_assessments")
        for period, previous in (("2025/26", None), ("2026/27", 1)):
            db.session.execute(sa.text(
                "INSERT INTO framework_assessment (framework, framework_version, period, previous_id, "
                "created_by_id, created_at, updated_at, lock_version) VALUES ('eflg_2021', 1, :period, :previous, 1, "
                "'2026-12-07 00:00:00', '2026-12-07 00:00:00', 1)"), {"period": period, "previous": previous})
        db.session.execute(sa.text(
            "INSERT INTO framework_rating (id, assessment_id, criterion, rating, evidence, rated_by_id, rated_at) "
            "VALUES (1, 2, 'leadership', 'developing', 'Cabinet champion', 1, '2026-12-07 00:00:00')"))
        db.session.execute(sa.text("INSERT INTO framework_evidence (rating_id, kind, target_id, reference) "
                                   "VALUES (1, 'eqia', NULL, 'EQIA-2026-0001')"))
        db.session.commit()
        for clash in ("INSERT INTO framework_assessment (framework, framework_version, period, created_by_id, "
                      "created_at, updated_at, lock_version) VALUES ('eflg_2021', 1, '2026/27', 1, "
                      "'2026-12-07 00:00:00', '2026-12-07 00:00:00', 1)",
                      "INSERT INTO framework_rating (assessment_id, criterion, rating, evidence, rated_by_id, "
                      "rated_at) VALUES (2, 'leadership', '', '', 1, '2026-12-07 00:00:00')"):
            with pytest.raises(sa.exc.IntegrityError):
                db.session.execute(sa.text(clash))
                db.session.commit()
            db.session.rollback()
        db.session.execute(sa.text("DELETE FROM framework_assessment WHERE id = 2"))
        db.session.commit()
        assert _rows("SELECT count(*) FROM framework_rating") == [(0,)]
        assert _rows("SELECT count(*) FROM framework_evidence") == [(0,)]
        db.session.execute(sa.text("UPDATE framework_assessment SET previous_id = 1 WHERE id = 1"))
        db.session.commit()  # the reads above hold locks a downgrade on its own connection would wait for
        downgrade(directory=MIGRATIONS, revision="0033_action_plans")
        assert _rows("SELECT id, reference, state FROM assessment") == [(1, "EQIA-2026-0001", "published")]
        assert not {"framework_assessment", "framework_rating", "framework_evidence"} & set(
            sa.inspect(db.engine).get_table_names())
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()


def test_0035_adds_objectives_whose_tags_name_exactly_one_item_and_a_downgrade_drops_only_them(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0033_action_plans")
        _one_assessment("signed_off")
        db.session.execute(sa.text("INSERT INTO service_area (id, directorate_id, name) VALUES (1, 1, 'Reablement')"))
        db.session.execute(sa.text(
            "INSERT INTO action (id, assessment_id, position, description, owner, success_measure, status) "
            "VALUES (1, 1, 0, 'Monitor visits', 'Sam', '', 'not_started')"))
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision="0035_golden_thread")
        db.session.execute(sa.text(
            "INSERT INTO service_objective (id, service_area_id, kind, code, title, created_by_id, created_at) "
            "VALUES (1, 1, 'indicator', 'ASC-PI-07', 'At home after 91 days', 1, '2026-12-07 00:00:00')"))
        db.session.execute(sa.text("INSERT INTO objective_tag (objective_id, action_id, tagged_by_id, tagged_at) "
                                   "VALUES (1, 1, 1, '2026-12-07 00:00:00')"))
        db.session.commit()
        for clash in ("INSERT INTO service_objective (service_area_id, kind, code, title, created_by_id, created_at) "
                      "VALUES (1, 'objective', 'asc-pi-07', 'Twice', 1, '2026-12-07 00:00:00')",
                      "INSERT INTO objective_tag (objective_id, action_id, tagged_by_id, tagged_at) "
                      "VALUES (1, 1, 1, '2026-12-07 00:00:00')",
                      "INSERT INTO objective_tag (objective_id, tagged_by_id, tagged_at) "
                      "VALUES (1, 1, '2026-12-07 00:00:00')"):
            with pytest.raises(sa.exc.IntegrityError):
                db.session.execute(sa.text(clash))
                db.session.commit()
            db.session.rollback()
        db.session.execute(sa.text("DELETE FROM action WHERE id = 1"))
        db.session.commit()
        assert _rows("SELECT count(*) FROM objective_tag") == [(0,)]
        db.session.commit()  # the reads above hold locks a downgrade on its own connection would wait for
        downgrade(directory=MIGRATIONS, revision="0034_framework_assessments")
        assert _rows("SELECT id, reference, state FROM assessment") == [(1, "EQIA-2026-0001", "signed_off")]
        assert not {"service_objective", "objective_tag"} & set(sa.inspect(db.engine).get_table_names())
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()


def test_0036_adds_cumulative_judgements_whose_parts_go_with_them_and_a_downgrade_drops_only_them(scratch_url):
    app = create_app(base_config(scratch_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0035_golden_thread")
        _one_assessment("signed_off")
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision="0036_cumulative_judgements")
        judgement = ("INSERT INTO cumulative_judgement (id, programme, programme_key, version_number, conclusion, "
                     "mitigations, state, workflow_name, workflow_version, created_by_id, created_at, updated_at, "
                     "lock_version, signer_name, signed_role, attestation, content_hash, signed_content) VALUES "
                     "(:id, 'Budget 2027', 'budget 2027', :version, '', '', 'draft', 'cumulative_judgement', 1, 1, "
                     "'2026-12-07 00:00:00', '2026-12-07 00:00:00', 1, '', '', '', '', '')")
        db.session.execute(sa.text(judgement), {"id": 1, "version": 1})
        db.session.execute(sa.text("INSERT INTO cumulative_group_judgement (judgement_id, characteristic_key, "
                                   "group_name, text) VALUES (1, 'age', 'Age', 'Older people lose most')"))
        db.session.execute(sa.text("INSERT INTO cumulative_coverage (judgement_id, assessment_id) VALUES (1, 1)"))
        db.session.commit()
        for clash, values in ((judgement, {"id": 2, "version": 1}),
                              ("INSERT INTO cumulative_coverage (judgement_id, assessment_id) VALUES (1, 99)", {}),
                              ("INSERT INTO cumulative_group_judgement (judgement_id, characteristic_key, group_name, "
                               "text) VALUES (1, 'age', 'Age', 'Twice')", {})):
            with pytest.raises(sa.exc.IntegrityError):
                db.session.execute(sa.text(clash), values)
                db.session.commit()
            db.session.rollback()
        db.session.execute(sa.text("DELETE FROM cumulative_judgement WHERE id = 1"))
        db.session.commit()
        assert _rows("SELECT count(*) FROM cumulative_group_judgement") == [(0,)]
        assert _rows("SELECT count(*) FROM cumulative_coverage") == [(0,)]
        db.session.commit()  # the reads above hold locks a downgrade on its own connection would wait for
        downgrade(directory=MIGRATIONS, revision="0035_golden_thread")
        assert _rows("SELECT id, reference, state FROM assessment") == [(1, "EQIA-2026-0001", "signed_off")]
        assert not {"cumulative_judgement", "cumulative_group_judgement", "cumulative_coverage"} & set(
            sa.inspect(db.engine).get_table_names())
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()
