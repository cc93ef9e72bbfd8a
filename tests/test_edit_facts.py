"""Facts as data, words when read: an edit's audit event keeps what changed as
codes and values (no sentence the system wrote), and reads in the same words as
before on the History page, the PDF and the export; events written before keep
their words and still verify. A notification is queued as what to say and
written in words when it is sent."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import date, timedelta

import sqlalchemy as sa

from eqia.audit_words import EDIT, FACTS_FORM, words
from eqia.extensions import db
from eqia.interchange.exporter import export
from eqia.interchange.schema import schema
from eqia.models import Assessment, AuditEvent, OutboxMessage
from eqia.notifications import kinds, messages
from eqia.notifications.messages import written
from eqia.services import content as full_content
from eqia.services.assessments import update_register_details
from eqia.services.audit import append_event, compute_hash, verify_chain
from eqia.services.workflow import perform_transition
from tests.conftest import STANDARD
from tests.test_notifications import Mailbox, send

# Pieces of the sentences an edit's comment was written in before its changes were stored as
# facts; the codes that replace them are single words.
SENTENCES = ("; ", " changed", "marked as", " added", " removed", "moved ", "Title", "Evidence", "Action")


def no_sentence(details: str) -> bool:
    return not [piece for piece in SENTENCES if piece in details]


def read(received) -> tuple[str, str]:
    """A received e-mail's subject and body as its reader sees them."""
    parsed = email.message_from_bytes(received.as_bytes(), policy=email.policy.default)
    body = parsed.get_body(preferencelist=("plain",))  # the plain-text part of a text + HTML e-mail
    return str(parsed["Subject"]), body.get_content().replace("\r\n", "\n")


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def edits(assessment_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.assessment_id == assessment_id, AuditEvent.kind == EDIT).order_by(AuditEvent.seq)).scalars().all()


def stored(event: AuditEvent) -> tuple[str, str]:
    """The comment and details columns as the database holds them."""
    return db.session.execute(sa.text("SELECT comment, details FROM audit_event WHERE id = :id"),
                              {"id": event.id}).one()


def test_an_edit_is_stored_as_codes_and_values_and_reads_as_before(world):
    assessment = world.make_assessment()
    before = fresh(assessment.id).planned_decision_date
    later = before + timedelta(days=7)
    update_register_details(assessment.id, world.author, {"title": "Library hours", "planned_decision_date": later},
                            fresh(assessment.id).lock_version)
    db.session.commit()
    event = edits(assessment.id)[-1]
    comment, details = stored(event)
    assert comment == "" and event.user_comment == ""
    assert json.loads(details) == {"section": "register_details", "changes": [
        {"change": "changed", "about": "title"},
        {"change": "changed", "about": "planned_decision_date", "from": before.isoformat(), "to": later.isoformat()},
        {"change": "in_progress", "about": "register_details"}]}
    assert no_sentence(details)
    assert event.comment == (f"Title changed; Planned decision date changed from {before.isoformat()} to "
                             f"{later.isoformat()}; Register details marked as in progress")
    assert event.hash_version == FACTS_FORM and verify_chain().ok


def test_every_kind_of_change_reads_in_the_words_it_was_written_in(world):
    assessment = world.make_assessment("full_assessment", answer="yes")
    world.write_full_assessment(assessment)
    a = fresh(assessment.id)
    evidence = a.evidence_items[0]
    dated = evidence.dated
    full_content.save_item(full_content.EVIDENCE, a.id, world.author, a.lock_version, evidence.id,
                           {"summary": "Visits by age", "dated": None})
    db.session.commit()
    a = fresh(a.id)
    full_content.save_item(full_content.ACTIONS, a.id, world.author, a.lock_version, None, {
        "description": "Ask carers", "owner": "Sam Lee", "due_date": date.today() + timedelta(days=30),
        "success_measure": "A report", "status": "not_started"})
    db.session.commit()
    a = fresh(a.id)
    first = min(a.actions, key=lambda x: x.position)
    full_content.move_action(a.id, world.author, a.lock_version, first.id, 1)
    db.session.commit()
    a = fresh(a.id)
    full_content.remove_item(full_content.ACTIONS, a.id, world.author, a.lock_version, first.id)
    db.session.commit()
    a = fresh(a.id)
    full_content.add_gathering_action(a.id, world.author, a.lock_version, "age")
    db.session.commit()
    said = [e.comment for e in edits(a.id)]
    age = next(r for r in fresh(a.id).impacts if r.characteristic_key == "age").characteristic_label
    assert said[-5:] == [
        f"Evidence summary changed; Evidence date changed from {dated.isoformat()} to (blank); "
        "Evidence marked as in progress",
        "Action added; Action plan marked as in progress",
        "Action moved down",
        "Action removed",
        f"Action added to gather evidence about {age}",
    ]
    assert f"{age}: impact changed; {age}: reasons for the judgement changed; {age}: aim (a) changed; " \
           f"{age}: aim (b) changed; {age}: aim (c) changed; {age}: cited evidence changed; " \
           f"{age} marked as completed" in said
    assert "Intersectional and cumulative effects changed; Intersectional and cumulative effects marked as " \
           "completed" in said
    assert "Outcome changed; Outcome marked as completed" in said
    for event in edits(a.id):
        comment, details = stored(event)
        assert comment == "" and no_sentence(details)
    assert verify_chain().ok


def test_an_edit_written_with_its_words_in_its_comment_still_reads_and_verifies(world):
    """Events stored before the changes were facts keep the words as written (and their hash)."""
    assessment = world.make_assessment()
    old = append_event(action="edit:register_details", actor=world.author, role="author", assessment=assessment,
                       comment="Title changed; Register details marked as in progress", kind=EDIT,
                       details={"section": "register_details"})
    db.session.commit()
    db.session.expire_all()
    old = db.session.get(AuditEvent, old.id)
    assert old.comment == "Title changed; Register details marked as in progress"
    assert verify_chain().ok


def test_the_hash_covers_the_changes(world):
    assessment = world.make_assessment()
    update_register_details(assessment.id, world.author, {"title": "Library hours"}, fresh(assessment.id).lock_version)
    db.session.commit()
    event = edits(assessment.id)[-1]
    assert compute_hash(event) == event.hash
    db.session.expunge(event)
    event.details = {**event.details, "changes": [{"change": "changed", "about": "aims"}]}
    assert compute_hash(event) != event.hash and words(event) == "Aims of the activity changed"


def test_the_export_carries_the_changes_the_schema_accepts_them_and_the_words_match(world):
    from jsonschema import Draft202012Validator

    assessment = world.make_assessment()
    update_register_details(assessment.id, world.author, {"title": "Library hours"}, fresh(assessment.id).lock_version)
    db.session.commit()
    doc = export(fresh(assessment.id))
    exported = [e for e in doc["audit"] if e.get("kind") == EDIT][-1]
    assert exported["details"]["changes"][0] == {"change": "changed", "about": "title"}
    assert exported["comment"] == "Title changed; Register details marked as in progress"
    assert "user_comment" in exported and exported["user_comment"] == ""
    assert list(Draft202012Validator(schema()).iter_errors(doc)) == []


def test_challenge_points_and_answers_are_stored_as_codes_and_read_as_before(world):
    from eqia.services import challenge
    from eqia.services.challenge import AnswerInput, PointInput

    assessment = world.make_assessment("challenge")
    age = next(r for r in assessment.impacts if r.characteristic_key == "age").characteristic_label
    challenge.save_points(assessment.id, world.lead, {
        "evidence": PointInput("to_correct", "Add census data"), "outcome": PointInput("acceptable", "Clear"),
        "characteristic:age": PointInput("could_be_improved", "Say more")})
    db.session.commit()
    challenge.save_points(assessment.id, world.lead, {"outcome": PointInput(None, "")})
    db.session.commit()
    perform_transition(assessment.id, "return_to_author", world.lead, comment="One gap")
    db.session.commit()
    returned = fresh(assessment.id)
    points = {p.section_key: p for p in challenge.unanswered(returned)}
    challenge.save_answers(assessment.id, world.author, returned.lock_version, {
        points["evidence"].id: AnswerInput("accepted", "Added the census table"),
        points["overall"].id: AnswerInput("not_accepted", "The survey covers it")})
    db.session.commit()
    challenge.save_answers(assessment.id, world.author, fresh(assessment.id).lock_version, {
        points["overall"].id: AnswerInput(None, "")})
    db.session.commit()
    db.session.expire_all()
    events = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.assessment_id == assessment.id, AuditEvent.action.in_(["challenge_points", "challenge_answers"]))
        .order_by(AuditEvent.seq)).scalars().all()
    assert [e.comment for e in events] == [
        f"Round 1: Evidence: To correct; {age}: Could be improved; Outcome: Acceptable",
        "Round 1: Outcome: removed",
        "Round 1: Evidence: Accepted; Overall comment: Not accepted",
        "Round 1: Overall comment: answer removed",
    ]
    for event in events:
        comment, details = stored(event)
        assert comment == "" and no_sentence(details) and "To correct" not in details and "Overall" not in details
    assert json.loads(stored(events[0])[1])["points"][0] == {"about": "evidence", "status": "to_correct"}
    assert verify_chain().ok


def test_an_import_is_recorded_as_facts_and_reads_as_before(world):
    import hashlib

    from eqia.interchange.importer import import_document

    doc = export(world.make_assessment("published"))
    made = import_document(world.author, doc, source="council.json")
    db.session.commit()
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == made.assessment.id)
                               .order_by(AuditEvent.seq)).scalars().first()
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    assert stored(event)[0] == "" and event.details == {
        "source": "council.json", "reference": doc["reference"], "version": doc["version"], "state": "published",
        "document_sha256": digest}
    assert event.comment == (f"Imported from council.json: {doc['reference']} version {doc['version']}, published "
                             f"there (document SHA-256 {digest})")
    assert verify_chain().ok


def test_a_review_and_a_reseal_are_recorded_as_facts_and_read_as_before(app, world, runner):
    from eqia.services.audit import anchor

    published = world.make_assessment("published")
    world.take(published, "start_review")
    review = fresh(published.id).next_version
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == review.id)
                               .order_by(AuditEvent.seq)).scalars().first()
    assert (stored(event)[0], event.details, event.comment) == ("", {"version": 1}, "Review of version 1")

    held = anchor()
    app.config["EQIA_AUDIT_KEY"] = "the-next-key"
    resealed = runner.invoke(args=["eqia", "reseal-audit-head", "--expect-count", str(held.count),
                                   "--expect-head", held.head])
    assert resealed.exit_code == 0, resealed.output
    db.session.expire_all()
    last = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert (stored(last)[0], last.details) == ("", {"count": held.count, "head": held.head})
    assert last.comment == (f"Head resealed with the current EQIA_AUDIT_KEY; event {held.count} checked against a "
                            f"published anchor ({held.head})")
    assert verify_chain().ok


def test_a_superseded_version_records_which_version_was_published_as_a_fact(world):
    first = world.make_assessment("superseded")
    db.session.expire_all()
    event = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.assessment_id == first.id, AuditEvent.action == "supersede")).scalar_one()
    assert (event.actor_id, event.role, event.to_state) == (None, "system", "superseded")
    assert (stored(event)[0], event.kind, event.details) == ("", "superseded", {"version": 2})
    assert event.comment == "Version 2 published"
    from jsonschema import Draft202012Validator

    document = export(fresh(first.id))
    assert list(Draft202012Validator(schema()).iter_errors(document)) == []
    assert [e["comment"] for e in document["audit"] if e["action"] == "supersede"] == ["Version 2 published"]
    assert verify_chain().ok


# ------------------------------------------------------------ the outbox

def test_a_transition_queues_what_to_say_and_the_email_reads_as_before(app, runner, world):
    assessment = world.make_assessment()
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    perform_transition(assessment.id, "propose_screen_out", world.author, comment="No group is affected")
    db.session.commit()
    rows = db.session.execute(sa.text("SELECT kind, details, subject, body FROM outbox_message")).all()
    assert rows and {(r.kind, r.subject, r.body) for r in rows} == {(kinds.HANDED_OVER, None, None)}
    assert json.loads(rows[0].details) == {
        "assessment_id": assessment.id, "reference": assessment.display_reference, "title": assessment.title,
        "actor": world.author.name, "workflow": assessment.workflow_name,
        "workflow_version": assessment.workflow_version, "trigger": "propose_screen_out",
        "state": "screen_out_proposed", "comment": "No group is affected"}
    state, transition = STANDARD.states["screen_out_proposed"], STANDARD.transitions["propose_screen_out"]
    reference = assessment.display_reference
    with Mailbox() as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        assert send(runner).exit_code == 0
    # Written from the facts in the definition's words (the e-mail's template: templates/email).
    [(subject, body)] = {read(m) for m in mailbox.received}
    assert subject == f"{reference}: {transition.done} \u2013 now {state.phrase}"
    for said in (f"{reference} \u201c{assessment.title}\u201d", f"It is now: {state.label}. {state.description}",
                 "Comment:\nNo group is affected", f"http://127.0.0.1:5000/assessments/{assessment.id}"):
        assert said in body, (said, body)


def test_a_message_is_written_in_the_words_of_the_day_it_is_sent(app, world, monkeypatch):
    assessment = world.make_assessment()
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    perform_transition(assessment.id, "propose_screen_out", world.author, comment="Nothing differs")
    db.session.commit()
    queued = db.session.execute(sa.select(OutboxMessage)).scalars().first()
    monkeypatch.setattr(messages, "SUBJECT", "%(reference)s: %(done)s (%(phrase)s)")
    assert written(queued, "http://x").subject.endswith(f"({STANDARD.states['screen_out_proposed'].phrase})")
    assert "Comment:\nNothing differs" in written(queued, "http://x").body


def test_a_message_queued_with_its_words_still_sends_them(app, runner, world):
    world.make_assessment()
    event_id = db.session.execute(sa.select(sa.func.max(AuditEvent.id))).scalar_one()
    db.session.execute(sa.delete(OutboxMessage))
    db.session.add(OutboxMessage(audit_event_id=event_id, recipient="old@example.test", subject="Written then",
                                 body="As it was written"))
    db.session.commit()
    with Mailbox() as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        assert send(runner).exit_code == 0
    assert [read(m) for m in mailbox.received] == [("Written then", "As it was written\n")]
