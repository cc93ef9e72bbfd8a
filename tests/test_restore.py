"""Restore: an exported version taken in by another service as it was.

Each test exports from this test's service and restores into a second service
on a database of its own (another council's system, or a rebuilt one), as an
admin there. What comes back out must be the file that went in, but for the
id the second service assigned; a file whose trail, signatures or content were
altered is refused whole, naming where.
"""

from __future__ import annotations

import copy
import json

import pytest
import sqlalchemy as sa

from eqia import create_app
from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.interchange.exporter import backup, export
from eqia.interchange.importer import BadDocument
from eqia.interchange.restore import restore_documents
from eqia.interchange.schema import assigned_paths
from eqia.models import Assessment, AuditEvent, RestoredAuditEvent, User
from eqia.roles import ADMIN, AUTHOR
from eqia.services import signing
from eqia.services.audit import compute_hash, verify_chain
from eqia.services.errors import Forbidden
from eqia.services.record import canonical, content_hash, digest
from tests.conftest import DB_KIND, PASSWORD, STANDARD, PostgresDatabases, SQLiteDatabases, base_config
from tests.test_interchange import SCREENED_OUT, fresh, full

SIGNED = ("signed_off", "published", "review_due", "unpublished")


@pytest.fixture(scope="session")
def other_databases(tmp_path_factory):
    dbs = PostgresDatabases() if DB_KIND == "postgres" else SQLiteDatabases(tmp_path_factory.mktemp("elsewhere"))
    yield dbs
    dbs.close()


def _service(url: str):
    other = create_app(base_config(url))
    with other.app_context():
        admin = User(email="restorer@elsewhere.test", name="Rhys Restorer")
        admin.set_roles([ADMIN])
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
    return other


def _close(other) -> None:
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def elsewhere(other_databases):
    """A second service with a database of its own, and an admin there."""
    other = _service(other_databases.fresh())
    yield other
    _close(other)


@pytest.fixture(scope="session")
def third_databases(tmp_path_factory):
    dbs = PostgresDatabases() if DB_KIND == "postgres" else SQLiteDatabases(tmp_path_factory.mktemp("third"))
    yield dbs
    dbs.close()


def restore_there(other, data, admin_email: str = "restorer@elsewhere.test"):
    """Restore `data` in the other service; its exports and checks, as plain data."""
    with other.app_context():
        admin = db.session.execute(sa.select(User).where(User.email == admin_email)).scalar_one()
        restored = restore_documents(json.loads(json.dumps(data)), admin, source="a test")
        db.session.commit()  # the restore command's unit of work: the service flushes, the caller commits
        db.session.expire_all()
        out = []
        for a, notes in restored:
            a = db.session.get(Assessment, a.id)
            check = signing.verify(a)
            out.append({"export": export(a), "notes": notes, "problems": check.problems,
                        "valid_signatures": len(signing.valid_signatures(a))})
        assert verify_chain().ok
        return out


def counts(other) -> tuple[int, int, int, int]:
    with other.app_context():
        return tuple(db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
                     for model in (Assessment, AuditEvent, RestoredAuditEvent, User))


def but_the_id(doc: dict) -> dict:
    assert "$.id" in assigned_paths()
    return {k: v for k, v in doc.items() if k != "id"}


@pytest.mark.parametrize("state", [s for s in STANDARD.states if s != "superseded"])
def test_a_restore_in_every_state_exports_the_file_it_came_from(state, world, elsewhere):
    if state in SCREENED_OUT:
        a = world.make_assessment(state)
    else:
        a = full(world, state)
    doc = export(a)
    [result] = restore_there(elsewhere, doc)
    assert but_the_id(result["export"]) == but_the_id(doc)
    assert result["problems"] == []
    if state in SIGNED:
        assert result["valid_signatures"] == len(doc["sign_offs"]) >= 1
    # The people it names have accounts there that cannot sign in until an admin says so.
    with elsewhere.app_context():
        made = db.session.execute(sa.select(User).where(User.email == world.author.email)).scalar_one()
        assert not made.active and made.roles == frozenset()
        restore_event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "restore")).scalar_one()
        assert restore_event.assessment_id is None and restore_event.assessment_reference == f"{doc['reference']} v1"


def as_exported_before_facts(doc: dict) -> dict:
    """`doc` as this service exported it before events kept their facts: each event in words
    alone, hashed on them (form 1), its chain's links made again."""
    from eqia.interchange.restore import _hashable

    doc, previous = copy.deepcopy(doc), None
    for e in doc["audit"]:
        for key in ("hash_version", "kind", "details", "user_comment"):
            e.pop(key, None)
        if previous is not None and (previous["chain"], previous["seq"] + 1) == (e["chain"], e["seq"]):
            e["prev_hash"] = previous["hash"]
        e["hash"] = compute_hash(_hashable(e))
        previous = e
    doc["audit_sha256"] = digest(canonical(doc["audit"]))
    return doc


def test_a_file_exported_before_events_kept_their_facts_restores_as_it_was(world, elsewhere):
    """Its events keep the hashes the other system gave them, in that system's form;
    its signatures are vouched for by the words of its trail, read once, as data."""
    doc = as_exported_before_facts(export(full(world, "published")))
    assert all("hash_version" not in e for e in doc["audit"])
    [result] = restore_there(elsewhere, doc)
    assert but_the_id(result["export"]) == but_the_id(doc)
    assert result["problems"] == [] and result["valid_signatures"] == len(doc["sign_offs"]) >= 1
    with elsewhere.app_context():
        signed = db.session.execute(sa.select(RestoredAuditEvent).where(RestoredAuditEvent.kind == "signature")
                                    ).scalar_one()
        assert signed.hash_version == 1 and signed.details == {"content_sha256": doc["sign_offs"][0]["content_hash"]}
        assert signed.comment == doc["audit"][_sign_off_event(doc)]["comment"]


def test_a_restored_old_events_facts_changed_behind_the_service_fail_the_check(world, elsewhere):
    """The facts read from an old event's words are not covered by its hash: the check holds them to the words."""
    [result] = restore_there(elsewhere, as_exported_before_facts(export(full(world, "published"))))
    with elsewhere.app_context():
        a_id = result["export"]["id"]
        if DB_KIND == "postgres":
            db.session.execute(sa.text("ALTER TABLE restored_audit_event DISABLE TRIGGER USER"))
        else:
            db.session.execute(sa.text("DROP TRIGGER restored_audit_event_no_update"))
        db.session.execute(sa.text("UPDATE restored_audit_event SET details = :d WHERE kind = 'signature'"),
                           {"d": '{"content_sha256":"' + "0" * 64 + '"}'})
        db.session.commit()
        try:
            problems = signing.verify(db.session.get(Assessment, a_id)).problems
            assert any("its kind or details no longer say what its words say" in p for p in problems), problems
        finally:
            if DB_KIND == "postgres":
                db.session.execute(sa.text("ALTER TABLE restored_audit_event ENABLE TRIGGER USER"))
                db.session.commit()


def test_a_signature_travels_as_a_fact_and_reads_in_the_same_words(world):
    doc = export(full(world, "published"))
    event = doc["audit"][_sign_off_event(doc)]
    assert (event["hash_version"], event["kind"], event["details"]) == (
        2, "signature", {"content_sha256": doc["sign_offs"][0]["content_hash"]})
    assert event["comment"] == "\n".join(filter(None, [event["user_comment"],
                                                        signing.NOTE_PREFIX + event["details"]["content_sha256"]]))


def test_a_backup_restores_every_version_in_order_and_links_them(world, elsewhere, client):
    first = world.make_assessment("superseded")
    second = first.next_version
    data = backup([first, second])
    results = restore_there(elsewhere, data)
    assert [but_the_id(r["export"]) for r in results] == [but_the_id(d) for d in data["assessments"]]
    assert results[0]["export"]["state"] == "superseded" and results[1]["export"]["previous_version"] == {
        "reference": first.reference, "version": 1}
    # The restored service issues new references after the restored ones, not over them.
    with elsewhere.app_context():
        author = User(email="new-author@elsewhere.test", name="New Author",
                      directorate_id=db.session.execute(sa.select(Assessment.directorate_id)).scalars().first())
        author.set_roles([AUTHOR])
        author.set_password(PASSWORD)
        db.session.add(author)
        db.session.commit()
        from eqia.services.assessments import create_assessment
        made = create_assessment(author, {"title": "After the restore", "directorate_id": author.directorate_id})
        assert made.reference != first.reference and made.reference > first.reference


def test_a_restored_signed_version_serves_a_signed_pdf_and_can_be_reviewed(world, elsewhere):
    doc = export(full(world, "published"))
    [result] = restore_there(elsewhere, doc)
    with elsewhere.app_context():
        from eqia.services import version_pdfs
        from eqia.services.workflow import perform_transition

        a = db.session.get(Assessment, result["export"]["id"])
        pdf = version_pdfs.pdf_for(a)
        assert pdf.signed and pdf.data.startswith(b"%PDF")
        assert version_pdfs.pdf_for(db.session.get(Assessment, a.id)).data == pdf.data  # stored, served again
        lead = User(email="lead@elsewhere.test", name="Lead", directorate_id=a.directorate_id)
        lead.set_roles(["equality_lead"])
        lead.set_password(PASSWORD)
        db.session.add(lead)
        db.session.commit()
        # Life goes on there: a review opens version 2; version 1's trail goes on after the restored one.
        before = export(db.session.get(Assessment, a.id))
        perform_transition(a.id, "start_review", lead, comment="Annual review")
        after = export(db.session.get(Assessment, a.id))
        assert after["next_version"] == {"reference": doc["reference"], "version": 2}
        assert after["state"] == "published" and after["audit"][:-1] == before["audit"]
        assert after["audit"][-1]["action"] == "start_review" and after["audit"][-1]["actor"]["email"] == lead.email
        assert signing.verify(db.session.get(Assessment, a.id)).ok
        # The History shows the trail from the other system, the restore, and what happened here since.
        browser = elsewhere.test_client()
        browser.post("/sign-in", data={"email": "restorer@elsewhere.test", "password": PASSWORD})
        page = browser.get(f"/assessments/{a.id}").get_data(as_text=True)
        assert page.index("Annual review") < page.index("Restored from a file") < page.index("Sign off")


def _sign_off_event(doc: dict) -> int:
    return next(n for n, e in enumerate(doc["audit"]) if signing.NOTE_PREFIX in e["comment"])


def _rehash(event: dict) -> None:
    from eqia.interchange.restore import _hashable

    event["hash"] = compute_hash(_hashable(event))


def _say(event: dict, words: str) -> None:
    """Make an exported event say other words, in what its hash covers too: an edit's words are
    written from its facts, and what its actor wrote travels as user_comment."""
    event.update(comment=words, **({"user_comment": words} if "user_comment" in event else {}))


TAMPERING = [
    # (what was done to the file, how, the path named, words in the message)
    ("an event's comment changed", lambda d: d["audit"][1].update(comment="Nothing to see"), "$.audit[1]",
     "was altered"),
    ("an event changed and its hash recomputed",
     lambda d: (_say(d["audit"][1], "Nothing to see"), _rehash(d["audit"][1])), "$.audit[2].prev_hash",
     "does not follow event"),
    ("an event taken out", lambda d: d["audit"].pop(2), "$.audit", "an event was taken out"),
    ("a move taken out and the trail's hash made again", lambda d: (
        d["audit"].pop(next(n for n, e in enumerate(d["audit"]) if e["action"] == "submit_for_challenge")),
        d.update(audit_sha256=digest(canonical(d["audit"])))), "$.audit[", "a step is missing"),
    ("two events swapped", lambda d: d["audit"].insert(1, d["audit"].pop(2)), "$.audit[", "reordered"),
    ("the state moved by hand", lambda d: d.update(state="review_due"), "$.state", "changed outside the service"),
    ("the title changed", lambda d: d["register_details"].update(title="A different policy"), "$.content_hash",
     "register_details"),
    ("the title and the content hash changed",
     lambda d: (d["register_details"].update(title="A different policy"), d.update(content_hash="0" * 64)),
     "$.content_hash", "no longer matches"),
    ("the signed record changed",
     lambda d: d["sign_offs"][0].update(signed_content=d["sign_offs"][0]["signed_content"].replace("a", "b", 1)),
     "$.sign_offs[0].signed_content", "was altered"),
    ("a signature not on the trail",
     lambda d: d["audit"][_sign_off_event(d)].update(comment="Signed"), "$.sign_offs[0]", "not on the file's audit"),
    ("an analysis changed", lambda d: d["characteristics"][0].update(mitigation="None needed"), "$.content_hash",
     "characteristic:"),
]


@pytest.mark.parametrize("what,tamper,path,words", TAMPERING, ids=[t[0] for t in TAMPERING])
def test_an_altered_file_is_refused_whole_and_says_where(what, tamper, path, words, world, elsewhere):
    doc = export(full(world, "published"))
    tamper(doc)
    before = counts(elsewhere)
    with pytest.raises(BadDocument) as refused:
        restore_there(elsewhere, doc)
    found = [(p.path, p.message) for p in refused.value.document_problems]
    assert any(p.startswith(path) and words in m for p, m in found), found
    assert counts(elsewhere) == before


def test_a_backup_with_one_altered_version_restores_none(world, elsewhere):
    good, bad = world.make_assessment("published"), full(world, "published")
    data = backup([good, bad])
    data["assessments"][1]["evidence"][0]["summary"] = "Rewritten after signing"
    before = counts(elsewhere)
    with pytest.raises(BadDocument) as refused:
        restore_there(elsewhere, data)
    assert refused.value.document_problems[0].path == "$.assessments[1].content_hash"
    assert counts(elsewhere) == before


def test_only_an_admin_restores_and_never_over_what_is_there(world, elsewhere):
    doc = export(world.make_assessment("published"))
    with elsewhere.app_context():
        author = User(email="someone@elsewhere.test", name="Someone")
        author.set_roles([AUTHOR])
        author.set_password(PASSWORD)
        db.session.add(author)
        db.session.commit()
    with pytest.raises(Forbidden):
        restore_there(elsewhere, doc, "someone@elsewhere.test")
    restore_there(elsewhere, doc)
    before = counts(elsewhere)
    with pytest.raises(BadDocument) as refused:
        restore_there(elsewhere, doc)
    assert "is already here" in refused.value.document_problems[0].message
    assert counts(elsewhere) == before
    # A later version whose earlier one is not there is refused too.
    later = copy.deepcopy(doc)
    later.update(version=2, previous_version={"reference": "EQIA-2020-0001", "version": 1})
    with pytest.raises(BadDocument) as refused:
        restore_there(elsewhere, later)
    assert refused.value.document_problems[0].path == "$.previous_version"


def test_restored_rows_changed_behind_the_service_fail_the_check(world, elsewhere):
    [result] = restore_there(elsewhere, export(full(world, "published")))
    with elsewhere.app_context():
        a_id = result["export"]["id"]
        # A forged extra event on the restored trail (inserts are not refused by the triggers).
        first = db.session.execute(sa.select(RestoredAuditEvent).where(RestoredAuditEvent.assessment_id == a_id)
                                   .order_by(RestoredAuditEvent.position)).scalars().first()
        db.session.add(RestoredAuditEvent(**{c.key: getattr(first, c.key) for c in RestoredAuditEvent.__table__.columns
                                             if c.key not in ("id", "position")}, position=999))
        db.session.commit()
        problems = signing.verify(db.session.get(Assessment, a_id)).problems
        assert any("restored audit trail is not the one its restore recorded" in p for p in problems)
        assert content_hash(db.session.get(Assessment, a_id)) == result["export"]["content_hash"]


def test_the_command_restores_as_an_admin_only(world, runner, tmp_path):
    doc = export(world.make_assessment("published"))
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    no_admin = runner.invoke(args=["eqia", "import", str(path), "--restore"])
    assert no_admin.exit_code != 0 and "--as EMAIL" in no_admin.output
    author = runner.invoke(args=["eqia", "import", str(path), "--restore", "--as", world.author.email])
    assert author.exit_code == 1 and "Only an admin can restore" in author.output
    here = runner.invoke(args=["eqia", "import", str(path), "--restore", "--as", world.admin.email])
    assert here.exit_code == 1 and f"$.reference: {doc['reference']} v1 is already here" in here.output


def test_a_restored_version_exported_again_restores_a_third_time(world, elsewhere, third_databases):
    """Backups of a service that holds restored versions restore too, whatever ids each service gave."""
    doc = export(full(world, "awaiting_sign_off"))
    with elsewhere.app_context():
        # Other ids there: directorates and people made before the restore.
        from eqia.models import Directorate
        db.session.add_all([Directorate(name=f"Earlier directorate {n}") for n in range(3)])
        for n in range(4):
            db.session.add(User(email=f"earlier{n}@elsewhere.test", name=f"Earlier {n}", password_hash="x"))
        db.session.commit()
    [there] = restore_there(elsewhere, doc)
    assert but_the_id(there["export"]) == but_the_id(doc)
    with elsewhere.app_context():
        from eqia.services.workflow import perform_transition

        a = db.session.get(Assessment, there["export"]["id"])
        decider = User(email="decider@elsewhere.test", name="Dee Cider", directorate_id=a.directorate_id)
        decider.set_roles(["decision_maker"])
        decider.set_password(PASSWORD)
        db.session.add(decider)
        db.session.commit()
        perform_transition(a.id, "sign_off", decider, attested=True, password=PASSWORD, comment="Signed there")
        second = export(db.session.get(Assessment, a.id))
    assert second["state"] == "signed_off" and len(second["sign_offs"]) == 1
    third = _service(third_databases.fresh())
    try:
        [result] = restore_there(third, second)
        assert but_the_id(result["export"]) == but_the_id(second)
        assert result["problems"] == [] and result["valid_signatures"] == 1
    finally:
        _close(third)


def test_a_signer_whose_address_changed_since_still_restores(world, elsewhere):
    a = full(world, "published")
    signer = db.session.get(User, a.sign_offs[0].signer_id)
    signer.email = "renamed.decider@newdomain.example"
    db.session.commit()
    [result] = restore_there(elsewhere, export(fresh(a.id)))
    assert result["problems"] == [] and result["valid_signatures"] == 1


@pytest.mark.parametrize("what,change,path", [
    ("a section marked twice", lambda d: d["completions"].insert(1, copy.deepcopy(d["completions"][0])),
     "$.completions[1].section"),
    ("a round twice", lambda d: d["challenge"].insert(1, copy.deepcopy(d["challenge"][0])), "$.challenge[1].number"),
    ("a viewer twice", lambda d: d.update(viewers=[{"email": "A@x.test", "name": "A"},
                                                   {"email": "a@x.test", "name": "A"}]), "$.viewers[1].email"),
    ("a version past the database", lambda d: d["sign_offs"][0].update(version=2**31), "$.sign_offs[0].version"),
    ("an id past the database", lambda d: d["audit"][0].update(actor_id=2**40), "$.audit[0].actor_id"),
])
def test_a_restore_the_database_could_not_hold_is_refused_with_its_path(what, change, path, world, elsewhere):
    doc = export(full(world, "published"))
    change(doc)
    before = counts(elsewhere)
    with pytest.raises(BadDocument) as refused:
        restore_there(elsewhere, doc)
    assert path in [p.path for p in refused.value.document_problems]
    assert counts(elsewhere) == before


# ------------------------------------------- signatures made before aims were rows

SIGNED_BEFORE_AIMS_WERE_ROWS = PROJECT_ROOT / "tests" / "data" / "signed_before_aims_were_rows.json"


def test_a_version_signed_before_aims_were_rows_restores_and_its_signature_still_verifies(elsewhere):
    """The file was exported, signed off, by the service as it was when each group's
    analysis held the duty's three aims in three columns (relevant, not, not yet
    said): its signed record lists the relevant aims as "a", "b", "c". Restored
    into rows of aims, the content must hash to what was signed, and export again
    as the same file."""
    doc = json.loads(SIGNED_BEFORE_AIMS_WERE_ROWS.read_text(encoding="utf-8"))
    signed = json.loads(doc["sign_offs"][-1]["signed_content"])
    assert signed["sections"]["characteristic:age"]["aims"] == ["a", "b", "c"]
    assert signed["sections"]["characteristic:disability"]["aims"] == ["b", "c"]
    assert signed["sections"]["characteristic:sex"]["aims"] == ["c"]
    [result] = restore_there(elsewhere, doc)
    assert result["problems"] == [] and result["valid_signatures"] == 1
    # Exported before progress on actions was kept: it comes back with none.
    assert but_the_id(result["export"]) == but_the_id({**doc, "action_progress": []})
    aims = {i["characteristic"]: i["aims"] for i in result["export"]["characteristics"]}
    assert aims["marriage_civil_partnership"] == {"eliminate_discrimination": True, "advance_equality": None,
                                                  "foster_good_relations": None}
    assert aims["race"] == {"eliminate_discrimination": False, "advance_equality": False,
                            "foster_good_relations": False}


def _progress_on(world, a: Assessment) -> None:
    """Three updates on the first action: the last closes it, with evidence."""
    from datetime import date

    from eqia.services.action_progress import ProgressInput, record_update

    db.session.expire_all()
    a = db.session.get(Assessment, a.id)
    first = a.actions[0].id
    for action_id, user, status, note, evidence in (
            (first, world.author, "in_progress", "Ordered the large-print stock <b>&</b>", ""),
            (first, world.author, "in_progress", "Training booked for March", ""),
            (first, world.lead, "done", "Stock in every library", "https://example.test/stock.pdf")):
        record_update(a.id, action_id, user, ProgressInput(status=status, note=note, evidence=evidence,
                                                           dated=date(2026, 11, 2)))
        db.session.commit()


def test_progress_on_the_actions_travels_with_a_restore_and_the_signatures_still_verify(world, elsewhere):
    a = full(world, "published")
    _progress_on(world, a)
    doc = export(fresh(a.id))
    assert [(u["action"], u["status"]) for u in doc["action_progress"]] == [
        (1, "in_progress"), (1, "in_progress"), (1, "done")]
    assert doc["action_progress"][0]["note"] == "Ordered the large-print stock <b>&</b>"
    [result] = restore_there(elsewhere, doc)
    assert but_the_id(result["export"]) == but_the_id(doc)
    assert result["problems"] == [] and result["valid_signatures"] >= 1
    with elsewhere.app_context():
        from eqia.services.action_progress import progress

        restored = db.session.get(Assessment, result["export"]["id"])
        states = progress(restored)
        assert states[0].status == "done" and states[0].closed
        assert states[0].latest.evidence == "https://example.test/stock.pdf"
        assert states[0].latest.recorded_by.email == world.lead.email


def test_a_file_exported_before_progress_was_kept_restores_with_none(world, elsewhere):
    doc = export(full(world, "published"))
    del doc["action_progress"]
    [result] = restore_there(elsewhere, doc)
    assert result["export"]["action_progress"] == [] and result["problems"] == []


@pytest.mark.parametrize("change,path,words", [
    (lambda u, n: u.update(action=n + 1), "$.action_progress[0].action", "the plan has no action"),
    (lambda u, n: u.update(dated="2026-02-30"), "$.action_progress[0].dated", "not a real day"),
    (lambda u, n: u.update(status="finished"), "$.action_progress[0].status", ""),
    (lambda u, n: u.update(recorded_at="yesterday"), "$.action_progress[0].recorded_at", ""),
], ids=["no such action", "no such day", "unknown status", "not a moment"])
def test_progress_the_restore_could_not_place_is_refused_whole(change, path, words, world, elsewhere):
    a = full(world, "published")
    _progress_on(world, a)
    doc = export(fresh(a.id))
    change(doc["action_progress"][0], len(doc["action_plan"]["items"]))
    before = counts(elsewhere)
    with pytest.raises(BadDocument) as refused:
        restore_there(elsewhere, doc)
    found = [(p.path, p.message) for p in refused.value.document_problems]
    assert any(p.startswith(path) and words in m for p, m in found), found
    assert counts(elsewhere) == before
