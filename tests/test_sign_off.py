"""Sign-off: the decision-maker attests, gives their password again, and signs
exactly this content, before the decision. From then on the version can never
change, by any path: the pages, the services, the ORM underneath them; a change
made in SQL around all of them is found by recomputing the hash.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from sqlalchemy.exc import DatabaseError

from eqia.characteristics import ENGLAND_DUTY
from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.models import (
    Assessment,
    AssessmentOutcome,
    AuditEvent,
    ChallengeComment,
    EvidenceItem,
    SignOff,
    User,
    utcnow,
)
from eqia.roles import AUTHOR, DECISION_MAKER, EQUALITY_LEAD
from eqia.services import challenge, record, signing
from eqia.services import content as full_content
from eqia.services.assessments import NOT_EDITABLE, ScreeningInput, update_register_details, update_screening
from eqia.services.audit import verify_chain
from eqia.services.errors import Forbidden, Invalid, NotPossible
from eqia.services.freeze import Frozen, frozen_message
from eqia.services.workflow import (
    ATTESTATION_MISSING,
    NOT_POSSIBLE_NOW,
    PASSWORD_MISSING,
    PASSWORD_WRONG,
    perform_transition,
)
from eqia.assessments import rules
from eqia.local_time import LOCAL_ZONE
from tests.conftest import DB_KIND, PASSWORD, STANDARD, FreshRequestClient, World, audit_count
from tests.test_assessment_pages import errors_on

SIGN_OFF = STANDARD.transitions["sign_off"]
# The statement an England assessment's signatory confirms: the definition's words with
# {duty} filled from the England profile, the same words as before profiles had a say.
SIGNED_STATEMENT = (
    "I have read this assessment, including the impact on each group, the mitigations, the consultation and the "
    "challenge review, and I have paid due regard to the aims of the Public Sector Equality Duty (section 149 of "
    "the Equality Act 2010) before the decision is made.")
SEGREGATION = STANDARD.segregation["sign_off"].message


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def london_today() -> date:
    # The guard judges the date in London, whatever the server's zone.
    return utcnow().astimezone(LOCAL_ZONE).date()


def sign(assessment_id: int, user: User, **overrides) -> Assessment:
    return perform_transition(assessment_id, "sign_off", user,
                              **{"attested": True, "password": PASSWORD, **overrides})


def sign_off_rows(assessment_id: int) -> list[SignOff]:
    return db.session.execute(sa.select(SignOff).where(SignOff.assessment_id == assessment_id)
                              .order_by(SignOff.id)).scalars().all()


def last_event(assessment_id: int) -> AuditEvent:
    return db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == assessment_id)
                              .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()


def stored(assessment_id: int) -> dict:
    """Everything a write could change: every row that belongs to the assessment
    (its sign-offs, audit events and notifications included), its content hash,
    lock version and state, and the length of the whole audit trail."""
    tables = db.metadata.tables
    rows = {}
    for name, table in sorted(tables.items()):
        key = table.c.id if name == "assessment" else table.c.get("assessment_id")
        if key is not None:
            rows[name] = [tuple(r) for r in db.session.execute(
                sa.select(table).where(key == assessment_id).order_by(*table.primary_key.columns))]
    impacts, rounds = tables["characteristic_impact"], tables["challenge_round"]
    links, points = tables["impact_evidence"], tables["challenge_comment"]
    rows["impact_evidence"] = [tuple(r) for r in db.session.execute(
        sa.select(links).where(links.c.impact_id.in_(sa.select(impacts.c.id).where(
            impacts.c.assessment_id == assessment_id))).order_by(links.c.impact_id, links.c.evidence_id))]
    rows["challenge_comment"] = [tuple(r) for r in db.session.execute(
        sa.select(points).where(points.c.round_id.in_(sa.select(rounds.c.id).where(
            rounds.c.assessment_id == assessment_id))).order_by(points.c.id))]
    a = fresh(assessment_id)
    return {"state": a.state, "lock_version": a.lock_version, "hash": record.content_hash(a), "rows": rows,
            "audit": audit_count()}


def written(world: World, state: str) -> Assessment:
    """A fully written assessment with two actions (so one can be moved), moved to `state`."""
    assessment = world.make_assessment("full_assessment")
    full_content.save_item(full_content.ACTIONS, assessment.id, world.author,
                           fresh(assessment.id).lock_version, None, {
                               "description": "Count visits by disability", "owner": "Sam Lee",
                               "due_date": date.today() + timedelta(days=120),
                               "success_measure": "A report each quarter", "status": "in_progress"})
    now = fresh(assessment.id)
    full_content.save_action_plan_page(assessment.id, world.author, now.lock_version, now.review_date, True)
    if state != "full_assessment":
        world.drive(assessment, state)
    return fresh(assessment.id)


def state_label(state: str) -> str:
    """How messages name a state ("The assessment is now ...", "while it is ..."): its phrase."""
    return STANDARD.states[state].phrase


@pytest.fixture
def council(make_app, tmp_path):
    """A council whose standard workflow differs from ours by `(old, new)`
    replacements in its text: an app of its own, on this test's database, with
    a World made in it."""
    pushed = []

    def make(*replacements: tuple[str, str]):
        folder = tmp_path / f"workflows{len(pushed)}"
        folder.mkdir()
        shutil.copy(PROJECT_ROOT / "workflows" / "workflow.schema.json", folder)
        text = (PROJECT_ROOT / "workflows" / "standard.yaml").read_text(encoding="utf-8")
        for old, new in replacements:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        (folder / "standard.yaml").write_text(text, encoding="utf-8")
        app = make_app(EQIA_WORKFLOWS_DIR=str(folder))
        context = app.app_context()
        context.push()
        pushed.append(context)
        return app, World()

    yield make
    for context in reversed(pushed):
        db.session.remove()
        context.pop()


TWO_SIGNATURES = ("    signatures: 1\n", "    signatures: 2\n")


def signed_in_client(app, user: User):
    app.test_client_class = FreshRequestClient
    client = app.test_client()
    assert client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


# --------------------------------------------------------- what a signature records

def test_sign_off_records_the_signer_role_utc_time_version_and_the_hash_of_what_was_signed(world):
    assessment = world.make_assessment("awaiting_sign_off")
    expected = record.content_hash(assessment)
    before = utcnow()
    sign(assessment.id, world.decider, comment="Read with the consultation report")
    after = utcnow()
    signed = fresh(assessment.id)
    assert signed.state == "signed_off"
    [signature] = sign_off_rows(assessment.id)
    assert (signature.signer_id, signature.signer_name, signature.role) == \
        (world.decider.id, world.decider.name, DECISION_MAKER)
    assert signature.version_number == signed.version_number == 1
    assert before <= signature.signed_at <= after and signature.signed_at.utcoffset() == timedelta(0)
    assert signature.content_hash == expected == record.content_hash(signed)
    assert hashlib.sha256(signature.signed_content.encode("utf-8")).hexdigest() == signature.content_hash
    assert json.loads(signature.signed_content) == record.content_record(signed)
    # The words the signer confirmed, as the definition configures them, naming the profile's duty.
    assert signature.attestation == SIGNED_STATEMENT == SIGN_OFF.attestation_for(ENGLAND_DUTY.regard_text)
    assert SIGN_OFF.attestation.startswith("I have read this assessment, including the impact on each group")
    event = last_event(assessment.id)
    assert (event.action, event.actor_id, event.role, event.from_state, event.to_state, event.comment) == \
        ("sign_off", world.decider.id, DECISION_MAKER, "awaiting_sign_off", "signed_off",
         f"Read with the consultation report\nContent SHA-256: {expected}")
    check = signing.verify(signed)
    assert check.ok and check.current_hash == expected and signing.is_signed(signed)


def test_the_hash_signed_is_a_fact_on_the_trail_and_the_pages_and_pdf_say_it_as_before(world, app):
    """The trail stores what was signed as data beside the signer's own comment; the History
    and the PDF's appendix put it into the same words as before."""
    from eqia.services import version_pdfs
    from tests.test_pdf import text_of

    assessment = world.make_assessment("awaiting_sign_off")
    expected = record.content_hash(assessment)
    sign(assessment.id, world.decider, comment="Read with the consultation report")
    event = last_event(assessment.id)
    assert (event.kind, event.details, event.user_comment, event.hash_version) == \
        ("signature", {"content_sha256": expected}, "Read with the consultation report", 2)
    words = f"Read with the consultation report\nContent SHA-256: {expected}"
    page = BeautifulSoup(signed_in_client(app, world.decider).get(f"/assessments/{assessment.id}").data,
                         "html.parser")
    assert words in [span.get_text() for span in page.select("#history ~ table .app-preserve")]
    pdf = "".join(text_of(version_pdfs.pdf_for(fresh(assessment.id)).data).split())
    assert "Readwiththeconsultationreport" + f"ContentSHA-256:{expected}" in pdf


def test_publishing_marking_review_due_and_superseding_leave_the_signed_hash_unchanged(world):
    assessment = world.make_assessment("signed_off")
    [signature] = sign_off_rows(assessment.id)
    made = record.canonical(record.content_record(fresh(assessment.id)))
    assert made == signature.signed_content.encode("utf-8")
    for target in ("published", "review_due", "superseded"):
        world.drive(assessment, target)
        moved = fresh(assessment.id)
        assert moved.state == target
        assert record.content_hash(moved) == signature.content_hash
        assert signing.verify(moved).ok
    # The review that superseded it was signed as version 2, over its own content.
    following = fresh(assessment.id).next_version
    [second] = following.sign_offs
    assert second.version_number == following.version_number == 2
    assert second.content_hash == record.content_hash(following) != signature.content_hash
    assert [c.ok for c in signing.verify_all()] == [True, True]


def test_the_attestation_wording_is_configurable(council):
    app, world = council(("      I have read this assessment,",
                          "      As the accountable Director, I have read this assessment,"))
    assessment = world.make_assessment("awaiting_sign_off")
    wording = app.extensions["eqia"]["workflows"].current("standard").transitions["sign_off"] \
        .attestation_for(ENGLAND_DUTY.regard_text)
    assert wording.startswith("As the accountable Director, I have read this assessment,")
    assert wording.endswith("the aims of the Public Sector Equality Duty (section 149 of the Equality Act 2010) "
                            "before the decision is made.")
    client = signed_in_client(app, world.decider)
    page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/actions/sign_off").data, "html.parser")
    assert page.select_one("#attestation").get_text(" ", strip=True) == wording
    sign(assessment.id, world.decider)
    assert sign_off_rows(assessment.id)[0].attestation == wording


# ------------------------------------------------------------- re-authentication

@pytest.mark.parametrize("given,message,field", [
    pytest.param({"password": None}, PASSWORD_MISSING, "password", id="no-password"),
    pytest.param({"password": ""}, PASSWORD_MISSING, "password", id="empty-password"),
    pytest.param({"password": "wrong horse battery staple"}, PASSWORD_WRONG, "password", id="wrong-password"),
    pytest.param({"password": f" {PASSWORD}"}, PASSWORD_WRONG, "password", id="password-with-a-space"),
    pytest.param({"attested": False}, ATTESTATION_MISSING, "attest", id="statement-not-ticked"),
    pytest.param({"attested": False, "password": None}, ATTESTATION_MISSING, "attest", id="neither"),
])
def test_signing_needs_the_attestation_and_the_signers_password_again(world, given, message, field):
    assessment = world.make_assessment("awaiting_sign_off")
    before = stored(assessment.id)
    with pytest.raises(Invalid) as refused:
        sign(assessment.id, world.decider, **given)
    assert refused.value.status == 422
    assert [(p.message, p.field) for p in refused.value.problems] == [(message, field)]
    assert stored(assessment.id) == before


def test_someone_elses_password_does_not_sign(world):
    """A session left open is not a signature: the password must be the signer's own."""
    world.decider2.set_password("a different long passphrase")
    db.session.commit()
    assessment = world.make_assessment("awaiting_sign_off")
    before = stored(assessment.id)
    with pytest.raises(Invalid) as refused:
        sign(assessment.id, world.decider, password="a different long passphrase")
    assert [p.message for p in refused.value.problems] == [PASSWORD_WRONG]
    assert stored(assessment.id) == before


def test_the_sign_off_page_shows_the_summary_and_the_attestation_and_refuses_without_them(
        world, client, auth, subtests):
    assessment = world.make_assessment("awaiting_sign_off")
    auth.sign_in(world.decider)
    url = f"/assessments/{assessment.id}/actions/sign_off"
    shown = client.get(url)
    assert shown.status_code == 200
    page = BeautifulSoup(shown.data, "html.parser")
    assert page.select_one("#attestation").get_text(" ", strip=True) == SIGNED_STATEMENT
    # Bracking: the decision-maker is told the impacts on the page they sign.
    headings = [h.get_text(strip=True) for h in page.select(".app-summary h2, .app-summary h3")]
    assert headings == ["Summary for the decision-maker", "Adverse impacts", "Consultation themes", "Outcome",
                        "Challenge points the author did not accept"]
    password = page.select_one("input[name=password]")
    assert (password["type"], password["autocomplete"]) == ("password", "current-password")
    lock = page.select_one("input[name=lock_version]")["value"]
    for data, message in (({"attest": "y", "password": ""}, PASSWORD_MISSING),
                          ({"attest": "y", "password": "not my password"}, PASSWORD_WRONG),
                          ({"password": PASSWORD}, ATTESTATION_MISSING)):
        with subtests.test(message=message):
            before = stored(assessment.id)
            response = client.post(url, data={"comment": "", "lock_version": lock, **data})
            assert response.status_code == 422
            assert errors_on(response) == [message]
            again = BeautifulSoup(response.data, "html.parser")
            # A password typed is never sent back in the page.
            assert not again.select_one("input[name=password]").get("value")
            assert again.select_one("#attestation").get_text(" ", strip=True) == SIGNED_STATEMENT
            assert stored(assessment.id) == before
    response = client.post(url, data={"comment": "Read in full", "attest": "y", "password": PASSWORD,
                                      "lock_version": lock})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{assessment.id}")
    assert fresh(assessment.id).state == "signed_off"
    assert sign_off_rows(assessment.id)[0].signer_id == world.decider.id


# ---------------------------------------------------- regard before the decision

def awaiting_sign_off_when_decided(world, decision: date) -> Assessment:
    """Submitted while the decision was still ahead; the days have passed since (the
    date moved in SQL: submission itself refuses a date already reached)."""
    assessment = world.make_assessment("awaiting_sign_off", planned_decision_date=decision + timedelta(days=500),
                                       due_regard_started_on=decision - timedelta(days=10))
    table = db.metadata.tables["assessment"]
    db.session.execute(sa.update(table).where(table.c.id == assessment.id).values(planned_decision_date=decision))
    db.session.commit()
    return fresh(assessment.id)


@pytest.mark.parametrize("days", [0, -1, -400], ids=["on-the-decision-date", "the-day-after", "long-after"])
def test_sign_off_on_or_after_the_planned_decision_date_is_refused_with_the_reason(world, client, auth, days):
    decision = london_today() + timedelta(days=days)
    assessment = awaiting_sign_off_when_decided(world, decision)
    message = rules.sign_off_too_late(decision)
    assert f"({decision.day} {decision:%B %Y})" in message
    before = stored(assessment.id)
    with pytest.raises(NotPossible) as refused:
        sign(assessment.id, world.decider)
    assert refused.value.status == 409
    assert [p.message for p in refused.value.problems] == [message]
    assert stored(assessment.id) == before
    # The page says so before anyone types a password.
    auth.sign_in(world.decider)
    url = f"/assessments/{assessment.id}/actions/sign_off"
    page = BeautifulSoup(client.get(url).data, "html.parser")
    assert [li.get_text(strip=True) for li in page.select("#blocked li")] == [message]
    response = client.post(url, data={"attest": "y", "password": PASSWORD, "comment": ""})
    assert response.status_code == 409
    assert errors_on(response) == [message]
    assert stored(assessment.id) == before


def test_sign_off_the_day_before_the_planned_decision_date_is_allowed(world, client, auth):
    assessment = world.make_assessment("awaiting_sign_off",
                                       planned_decision_date=london_today() + timedelta(days=1))
    auth.sign_in(world.decider)
    page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/actions/sign_off").data, "html.parser")
    assert page.select("#blocked li") == []
    sign(assessment.id, world.decider)
    assert fresh(assessment.id).state == "signed_off"


def test_a_decision_that_moved_goes_back_and_the_new_date_is_on_the_record_before_it_is_signed(world):
    today = london_today()
    assessment = awaiting_sign_off_when_decided(world, today)
    with pytest.raises(NotPossible):
        sign(assessment.id, world.decider)
    perform_transition(assessment.id, "return_for_more_work", world.decider2,
                       comment="The decision moved to next month: change the planned decision date")
    later = today + timedelta(days=30)
    update_register_details(assessment.id, world.author, {"planned_decision_date": later},
                            fresh(assessment.id).lock_version, complete=True)
    event = last_event(assessment.id)
    assert (event.action, event.actor_id, event.role) == ("edit:register_details", world.author.id, AUTHOR)
    assert event.comment == f"Planned decision date changed from {today.isoformat()} to {later.isoformat()}"
    world.take(assessment, "submit_for_challenge")
    world.take(assessment, "approve")
    sign(assessment.id, world.decider)
    assert fresh(assessment.id).state == "signed_off"
    assert verify_chain().ok


@pytest.mark.parametrize("days", [0, -1], ids=["on-the-decision-date", "the-day-after"])
def test_submission_is_refused_once_sign_off_could_no_longer_come_before_the_decision(world, client, auth, days):
    decision = london_today() + timedelta(days=days)
    assessment = world.make_assessment("full_assessment", due_regard_started_on=decision - timedelta(days=10))
    world.write_full_assessment(assessment)
    update_register_details(assessment.id, world.author, {"planned_decision_date": decision},
                            fresh(assessment.id).lock_version, complete=True)
    message = rules.sign_off_would_be_too_late(decision)
    assert message == (f"Sign-off could no longer come before the planned decision date ({decision.day} "
                       f"{decision:%B %Y}): due regard must be paid before the decision is made. If the decision "
                       "has moved, change the planned decision date in the register details first.")
    before = stored(assessment.id)
    with pytest.raises(NotPossible) as refused:
        perform_transition(assessment.id, "submit_for_challenge", world.author)
    assert [p.message for p in refused.value.problems] == [message]
    assert stored(assessment.id) == before
    # The page links the author to the date to change.
    auth.sign_in(world.author)
    response = client.post(f"/assessments/{assessment.id}/actions/submit_for_challenge",
                           data={"lock_version": str(before["lock_version"])})
    assert response.status_code == 409
    links = {a.get_text(strip=True): a["href"] for a in
             BeautifulSoup(response.data, "html.parser").select(".govuk-error-summary__list a")}
    assert links == {message: f"/assessments/{assessment.id}/details#planned_decision_date"}
    assert stored(assessment.id) == before


def test_the_author_is_warned_when_the_decision_date_entered_is_today_or_past(world, client, auth):
    """A warning, not a refusal: the author may be recording a date that is about to move."""
    today = london_today()
    auth.sign_in(world.author)
    new = {"title": "Library opening hours", "directorate_id": str(world.directorate.id),
           "due_regard_started_on": [str(today.day - 0), str(today.month), str(today.year - 1)],
           "planned_decision_date": [str(today.day), str(today.month), str(today.year)]}
    created = client.post("/assessments/new", data=new)
    assert created.status_code == 302, errors_on(created)
    tasks_page = BeautifulSoup(client.get(created.headers["Location"]).data, "html.parser")
    warning = rules.late_decision_warning(today)
    assert warning == (f"The planned decision date ({today.day} {today:%B %Y}) is today or has passed: this "
                       "assessment could not be signed off before the decision. If the decision has moved, change "
                       "the planned decision date.")
    assert warning in tasks_page.select_one("#late-decision").get_text(" ", strip=True)
    assessment_id = int(created.headers["Location"].rstrip("/").split("/")[-2])
    details = BeautifulSoup(client.get(f"/assessments/{assessment_id}/details").data, "html.parser")
    assert warning in details.select_one("#late-decision").get_text(" ", strip=True)
    # A date still ahead warns nobody; nor does a version already signed.
    ahead = world.make_assessment()
    assert BeautifulSoup(client.get(f"/assessments/{ahead.id}/tasks").data, "html.parser").select(
        "#late-decision") == []
    signed = awaiting_sign_off_when_decided(world, today + timedelta(days=1))
    sign(signed.id, world.decider)
    table = db.metadata.tables["assessment"]
    db.session.execute(sa.update(table).where(table.c.id == signed.id).values(planned_decision_date=today))
    db.session.commit()
    assert BeautifulSoup(client.get(f"/assessments/{signed.id}/tasks").data, "html.parser").select(
        "#late-decision") == []


def test_a_missing_planned_decision_date_is_asked_for_before_signing(world):
    assessment = world.make_assessment("awaiting_sign_off")
    table = db.metadata.tables["assessment"]
    db.session.execute(sa.update(table).where(table.c.id == assessment.id).values(planned_decision_date=None))
    db.session.commit()
    with pytest.raises(NotPossible) as refused:
        sign(assessment.id, world.decider)
    assert [p.message for p in refused.value.problems] == [rules.NO_DECISION_DATE]


# ------------------------------------------- every write path refuses a signed version

def register_change(world, a, user):
    return update_register_details(a.id, user, {"title": "Changed after signing", "aims": "New aims"},
                                   a.lock_version)


def decision_date_change(world, a, user):
    return update_register_details(a.id, user, {"planned_decision_date": a.planned_decision_date
                                                + timedelta(days=7)}, a.lock_version, complete=True)


def screening_change(world, a, user):
    return update_screening(a.id, user, ScreeningInput(
        answers={"age": ("yes", "Older people use mornings most", "no")}, relevance="high",
        conclusion="Changed after signing", proposal="full"), a.lock_version)


NEW_EVIDENCE = {"kind": "research", "source": "Census 2021", "dated": date(2021, 3, 21),
                "summary": "Population by age", "link": ""}
NEW_CONSULTATION = {"who": "Older residents' forum", "held_from": date.today() - timedelta(days=3),
                    "held_to": None, "method": "Meeting", "what_they_said": "Keep Saturdays",
                    "how_it_changed": "Saturdays kept"}
NEW_ACTION = {"description": "Survey carers", "owner": "Sam Lee",
              "due_date": date.today() + timedelta(days=50), "success_measure": "A survey report",
              "status": "not_started"}
KINDS = {"evidence": (full_content.EVIDENCE, NEW_EVIDENCE, {"summary": "Changed after signing"}),
         "consultation": (full_content.CONSULTATION, NEW_CONSULTATION, {"what_they_said": "Changed"}),
         "action": (full_content.ACTIONS, NEW_ACTION, {"owner": "Someone else"})}


def first_item(a, name):
    return getattr(a, KINDS[name][0].collection)[0]


def item_paths() -> dict[str, Callable]:
    paths = {}
    for name, (kind, new, change) in KINDS.items():
        paths[f"add {name}"] = lambda w, a, u, kind=kind, new=new: full_content.save_item(
            kind, a.id, u, a.lock_version, None, new)
        paths[f"change {name}"] = lambda w, a, u, kind=kind, change=change, name=name: full_content.save_item(
            kind, a.id, u, a.lock_version, first_item(a, name).id, change)
        paths[f"remove {name}"] = lambda w, a, u, kind=kind, name=name: full_content.remove_item(
            kind, a.id, u, a.lock_version, first_item(a, name).id)
    return paths


IMPACT = full_content.ImpactInput(impact="positive", severity=None, aims=frozenset({"a", "b"}),
                                  evidence_narrative="Changed after signing", cited_evidence_ids=frozenset(),
                                  no_evidence_reason="No evidence yet", mitigation="")

SERVICE_PATHS: dict[str, Callable] = {
    "register details": register_change,
    "planned decision date": decision_date_change,
    "screening": screening_change,
    **item_paths(),
    "move an action": lambda w, a, u: full_content.move_action(a.id, u, a.lock_version, a.actions[0].id, 1),
    "evidence page": lambda w, a, u: full_content.save_section_page(
        "evidence", a.id, u, a.lock_version, False),
    "consultation page": lambda w, a, u: full_content.save_consultation_page(
        a.id, u, a.lock_version, "No one to consult", False),
    "action plan page": lambda w, a, u: full_content.save_action_plan_page(
        a.id, u, a.lock_version, a.review_date + timedelta(days=1), False),
    "impact on a group": lambda w, a, u: full_content.update_impact(
        a.id, u, a.lock_version, "age", IMPACT, None),
    "action to gather evidence": lambda w, a, u: full_content.add_gathering_action(
        a.id, u, a.lock_version, "age"),
    "intersectional": lambda w, a, u: full_content.update_intersectional(
        a.id, u, a.lock_version, "Changed", None),
    "outcome": lambda w, a, u: full_content.update_outcome(a.id, u, a.lock_version, ["adjust"], "", None),
}
CHALLENGE_PATHS: dict[str, Callable] = {
    "challenge points": lambda w, a, u: challenge.save_points(
        a.id, u, {"evidence": challenge.PointInput("to_correct", "Changed after signing")}),
    "challenge answers": lambda w, a, u: challenge.save_answers(a.id, u, a.lock_version, {}),
}


@pytest.mark.parametrize("path", SERVICE_PATHS, ids=str)
def test_each_content_write_saves_on_a_version_being_written(world, path):
    """The control for the test below: each call changes a version in full assessment."""
    assessment = written(world, "full_assessment")
    before = stored(assessment.id)
    _, changes = SERVICE_PATHS[path](world, assessment, world.author)
    assert changes
    after = stored(assessment.id)
    assert after["lock_version"] > before["lock_version"] and after["audit"] > before["audit"]


@pytest.mark.parametrize("state", ["signed_off", "published"])
def test_every_write_path_refuses_a_signed_version_whoever_asks(world, subtests, state):
    assessment = written(world, state)
    before = stored(assessment.id)
    for path, call in {**SERVICE_PATHS, **CHALLENGE_PATHS}.items():
        expected = (challenge.NOT_UNDER_REVIEW if path == "challenge points" else NOT_EDITABLE).format(
            state=state_label(state))
        for user in (world.author, world.co_author, world.lead, world.decider, world.admin):
            with subtests.test(path=path, user=user.email):
                with pytest.raises(NotPossible) as refused:
                    call(world, fresh(assessment.id), user)
                assert refused.value.status == 409
                assert [p.message for p in refused.value.problems] == [expected]
                assert stored(assessment.id) == before


def test_a_signed_version_cannot_be_signed_or_sent_back_again(world):
    assessment = world.make_assessment("signed_off")
    before = stored(assessment.id)
    for trigger, user in (("sign_off", world.decider2), ("return_for_more_work", world.decider2),
                          ("submit_for_challenge", world.author), ("withdraw", world.author)):
        with pytest.raises(NotPossible) as refused:
            perform_transition(assessment.id, trigger, user, comment="Again", attested=True,
                               password=PASSWORD)
        assert [p.message for p in refused.value.problems] == \
            [NOT_POSSIBLE_NOW.format(state=state_label("signed_off"))], trigger
    assert stored(assessment.id) == before


# ----------------------------------------------------------------- the pages

def parts(value: date | None) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)] if value else ["", "", ""]


def details_form(a: Assessment) -> dict:
    return {"title": "Changed after signing", "directorate_id": str(a.directorate_id), "service": a.service,
            "lead_officer": a.lead_officer, "activity_kind": a.activity_kind or "", "aims": a.aims,
            "people_affected": a.people_affected, "decision_maker": a.decision_maker,
            "decision_forum": a.decision_forum, "due_regard_started_on": parts(a.due_regard_started_on),
            "planned_decision_date": parts(a.planned_decision_date), "parent_programme": a.parent_programme,
            "completed": "no"}


def screening_form(a: Assessment) -> dict:
    data = {"relevance": a.screening_relevance or "", "proposal": a.screening_proposal or "",
            "conclusion": "Changed after signing", "completed": "no"}
    for row in a.screening_answers:
        data[f"answer_{row.characteristic_key}"] = row.affects or ""
        data[f"reason_{row.characteristic_key}"] = row.reason
        if row.advances_equality:
            data[f"advances_{row.characteristic_key}"] = row.advances_equality
    return data


def impact_form(a: Assessment, **extra) -> dict:
    row = a.impact_for("age")
    return {"impact": "positive", "evidence_narrative": "Changed after signing", "no_evidence_reason": "",
            "mitigation": "", "aims_relevant": ["a", "b"], "evidence": [str(e.id) for e in row.evidence],
            "completed": "no", **extra}


def item_form(values: dict) -> dict:
    return {k: parts(v) if isinstance(v, date) or (v is None and k in ("held_to",)) else v
            for k, v in values.items()}


def evidence_form(a: Assessment, item=None) -> dict:
    base = {k: getattr(item, k) for k in NEW_EVIDENCE} if item else NEW_EVIDENCE
    return item_form({**base, "summary": "Changed after signing"} if item else base)


def consultation_form(a: Assessment, item=None) -> dict:
    base = {k: getattr(item, k) for k in NEW_CONSULTATION} if item else NEW_CONSULTATION
    return item_form({**base, "what_they_said": "Changed after signing"} if item else base)


def action_form(a: Assessment, item=None) -> dict:
    base = {k: getattr(item, k) for k in NEW_ACTION} if item else NEW_ACTION
    return item_form({**base, "owner": "Someone else"} if item else base)


@dataclass(frozen=True)
class PagePost:
    endpoint: str
    path: Callable[[Assessment], str]  # after /assessments/<id>/
    data: Callable[[Assessment], dict]
    signed: int = 409  # what posting it to a signed version answers
    control: bool = True  # whether it saves on a version in full assessment (the control)
    label: str = ""

    @property
    def id(self) -> str:
        return self.label or self.endpoint.removeprefix("assessments.")


def item_id(collection: str) -> Callable[[Assessment], int]:
    return lambda a: getattr(a, collection)[0].id


PAGES = [
    PagePost("assessments.edit_details", lambda a: "details", details_form),
    PagePost("assessments.edit_screening", lambda a: "screening", screening_form),
    PagePost("assessments.evidence", lambda a: "evidence", lambda a: {"completed": "no"}),
    PagePost("assessments.add_evidence", lambda a: "evidence/add", evidence_form),
    PagePost("assessments.edit_evidence", lambda a: f"evidence/{a.evidence_items[0].id}",
             lambda a: evidence_form(a, a.evidence_items[0])),
    PagePost("assessments.remove_evidence", lambda a: f"evidence/{a.evidence_items[0].id}/remove",
             lambda a: {}),
    PagePost("assessments.consultation", lambda a: "consultation",
             lambda a: {"no_consultation_reason": "", "completed": "no"}),
    PagePost("assessments.add_consultation", lambda a: "consultation/add", consultation_form),
    PagePost("assessments.edit_consultation", lambda a: f"consultation/{a.consultations[0].id}",
             lambda a: consultation_form(a, a.consultations[0])),
    PagePost("assessments.remove_consultation", lambda a: f"consultation/{a.consultations[0].id}/remove",
             lambda a: {}),
    PagePost("assessments.edit_impact", lambda a: "groups/age", impact_form),
    PagePost("assessments.edit_impact", lambda a: "groups/age", lambda a: impact_form(a, gather="1"),
             label="edit_impact-gather"),
    PagePost("assessments.intersectional", lambda a: "intersectional",
             lambda a: {"intersectional_effects": "Changed after signing", "completed": "no"}),
    PagePost("assessments.outcome", lambda a: "outcome",
             lambda a: {"outcomes": ["adjust"], "outcome_justification": "", "completed": "no"}),
    PagePost("assessments.action_plan", lambda a: "action-plan",
             lambda a: {"review_date": parts(a.review_date + timedelta(days=1)), "completed": "no"}),
    PagePost("assessments.add_action", lambda a: "action/add", action_form),
    PagePost("assessments.edit_action", lambda a: f"action/{a.actions[0].id}",
             lambda a: action_form(a, a.actions[0])),
    PagePost("assessments.remove_action", lambda a: f"action/{a.actions[0].id}/remove", lambda a: {}),
    # Refused with a message on the plan it goes back to.
    PagePost("assessments.move_action", lambda a: f"action/{a.actions[0].id}/move/down", lambda a: {},
             signed=302),
    PagePost("assessments.review", lambda a: "review",
             lambda a: {"status_evidence": "to_correct", "comment_evidence": "Changed after signing"},
             control=False),
    # There is nothing to answer on a signed version: back to the assessment.
    PagePost("assessments.respond", lambda a: "respond", lambda a: {}, signed=302, control=False),
    # (Every configured group is already on this version, so there is no control.)
    PagePost("assessments.add_group", lambda a: "add-group", lambda a: {"characteristic": "age"}, control=False),
    PagePost("assessments.take_action", lambda a: "actions/submit_for_challenge", lambda a: {"comment": ""},
             label="submit_for_challenge"),
    PagePost("assessments.take_action", lambda a: "actions/withdraw",
             lambda a: {"comment": "No longer needed"}, label="withdraw"),
]


def post(client, assessment: Assessment, page: PagePost):
    return client.post(f"/assessments/{assessment.id}/{page.path(assessment)}",
                       data={**page.data(assessment), "lock_version": str(assessment.lock_version)})


def test_every_page_that_posts_to_an_assessment_is_tried(app):
    """A page added later that writes to an assessment fails here until it is in PAGES."""
    # (The API's writes are tried elsewhere: its action endpoint in every state, signed ones
    # included, by the matrix in tests/test_api.py; PUT and the challenge ledger's on a signed
    # version by tests/test_interchange.py; adding a group, through the service the page uses, on a
    # frozen version by tests/test_missing_groups.py.)
    api_writes = {"api.action", "api.challenge_points", "api.challenge_answers", "api.add_group"}
    # Progress on an action is recorded on a signed version by design, beside its content and never in
    # it: tests/test_action_progress.py checks the content hash and `verify-sign-offs` stay as they were
    # (tests/test_api_actions.py records it through the API).
    beside_the_signature = {"assessments.action_progress_update", "api.action_updates"}
    # The review of the version before exists only on a version that follows another (these pages post to a
    # first version): tests/test_review_outcomes.py posts it to a signed review version.
    review_version_only = {"assessments.actual_impacts"}
    # Sends the signer to the sign-on provider to confirm who they are; it changes no assessment
    # (tests/test_single_sign_on.py).
    to_the_provider = {"sso.confirm"}
    # Says which activity of the register the EqIA assesses: a link by its reference, in the register's own
    # table, never a change to a version; its author may make it only while they may edit the version
    # (tests/test_author_links_activity.py refuses it on a signed one).
    in_the_register = {"assessments.link_activity"}
    posting = {rule.endpoint for rule in app.url_map.iter_rules()
               if "POST" in rule.methods and "assessment_id" in rule.arguments
               and rule.endpoint not in api_writes | beside_the_signature | review_version_only | to_the_provider
               | in_the_register}
    assert posting == {page.endpoint for page in PAGES}


@pytest.mark.parametrize("page", [p for p in PAGES if p.control], ids=lambda p: p.id)
def test_each_page_post_saves_on_a_version_being_written(world, client, auth, page):
    """The control for the test below: the same posts do change a version in full assessment."""
    assessment = written(world, "full_assessment")
    auth.sign_in(world.author)
    before = stored(assessment.id)
    response = post(client, assessment, page)
    assert response.status_code == 302, errors_on(response)
    assert stored(assessment.id)["lock_version"] > before["lock_version"]


def test_every_page_refuses_to_change_a_signed_version(world, client, auth, subtests):
    assessment = written(world, "signed_off")
    before = stored(assessment.id)
    for user in (world.author, world.lead, world.admin):
        auth.sign_in(user)
        for page in PAGES:
            with subtests.test(page=page.id, user=user.email):
                response = post(client, fresh(assessment.id), page)
                assert response.status_code == page.signed
                if page.endpoint == "assessments.review":
                    assert challenge.NOT_UNDER_REVIEW.format(state="signed off") in response.data.decode()
                elif page.endpoint == "assessments.take_action":
                    assert errors_on(response) == [NOT_POSSIBLE_NOW.format(state="signed off")]
                elif page.signed == 409:
                    assert errors_on(response) == [NOT_EDITABLE.format(state="signed off")]
                assert stored(assessment.id) == before
        auth.sign_out()


def test_the_pages_of_a_signed_version_lead_to_the_answers_read_only(world, client, auth, subtests):
    assessment = written(world, "signed_off")
    auth.sign_in(world.author)
    for page in PAGES:
        if page.endpoint in ("assessments.take_action", "assessments.move_action"):
            continue
        with subtests.test(page=page.id):
            response = client.get(f"/assessments/{assessment.id}/{page.path(assessment)}")
            if page.endpoint == "assessments.review":
                assert response.status_code == 409
            elif page.endpoint == "assessments.respond":
                assert response.status_code == 302
                assert response.headers["Location"].startswith(f"/assessments/{assessment.id}")
            else:
                assert response.status_code == 302
                assert response.headers["Location"].startswith(f"/assessments/{assessment.id}/check#")
    assert client.get(f"/assessments/{assessment.id}/check").status_code == 200


# ------------------------------------------------- the ORM underneath the services

def _title(a):
    a.title = "Changed after signing"


def _title_after_a_commit(a):
    # The row expired by the commit: its stored state is not in memory.
    db.session.commit()
    a.title = "Changed after signing"


def _title_with_state_unloaded(a):
    db.session.expire(a, ["state"])
    a.title = "Changed after signing"


def _decision_date(a):
    a.planned_decision_date = a.planned_decision_date + timedelta(days=7)


def _back_to_full_assessment(a):
    a.state = "full_assessment"


def _evidence_appended(a):
    a.evidence_items.append(EvidenceItem(position=5, kind="data", source="Added", summary="Added later"))


def _evidence_row_added(a):
    db.session.add(EvidenceItem(assessment_id=a.id, position=5, kind="data", source="Added", summary="Added"))


def _evidence_changed_alone(a):
    evidence_id = a.evidence_items[0].id
    db.session.expunge_all()
    item = db.session.execute(sa.select(EvidenceItem).where(EvidenceItem.id == evidence_id)).scalar_one()
    item.summary = "Changed after signing"


def _action_deleted(a):
    db.session.delete(a.actions[0])


def _action_removed_from_the_plan(a):
    a.actions.remove(a.actions[0])


def _evidence_no_longer_cited(a):
    a.impact_for("age").evidence = []


def _aim_changed(a):
    a.impact_for("age").aim_answers[0].relevant = not a.impact_for("age").aim_answers[0].relevant


def _aim_said_of_a_group(a):
    a.impact_for("age").set_aims({"c": True})


def _aim_no_longer_said(a):
    a.impact_for("age").set_aims({"a": None})


def _screening_answer(a):
    a.screening_answers[0].reason = "Changed after signing"


def _outcome_added(a):
    a.outcomes.append(AssessmentOutcome(outcome="adjust"))


def _challenge_point_added(a):
    a.challenge_rounds[-1].comments.append(ChallengeComment(section_key="evidence", status="acceptable",
                                                            comment="Added after signing"))


def _challenge_comment_changed(a):
    a.challenge_rounds[-1].overall_comment = "Changed after signing"


ORM_CHANGES = [_title, _title_after_a_commit, _title_with_state_unloaded, _decision_date,
               _back_to_full_assessment, _evidence_appended, _evidence_row_added, _evidence_changed_alone,
               _action_deleted, _action_removed_from_the_plan, _evidence_no_longer_cited, _aim_changed,
               _aim_said_of_a_group, _aim_no_longer_said, _screening_answer,
               _outcome_added, _challenge_point_added, _challenge_comment_changed]


@pytest.mark.parametrize("change", ORM_CHANGES, ids=lambda f: f.__name__.strip("_"))
def test_a_change_made_through_the_orm_is_refused_at_the_flush_with_nothing_written(world, change):
    assessment = written(world, "signed_off")
    before = stored(assessment.id)
    change(fresh(assessment.id))
    with pytest.raises(Frozen) as refused:
        db.session.commit()
    db.session.rollback()
    assert isinstance(refused.value, NotPossible) and refused.value.status == 409
    assert [p.message for p in refused.value.problems] == [frozen_message(assessment.display_reference,
                                                                          "signed off")]
    assert stored(assessment.id) == before
    assert signing.verify(fresh(assessment.id)).ok


# ----------------------------------------------------------- changes made in SQL

TAMPERING = [
    pytest.param("UPDATE assessment SET aims = 'Rewritten in SQL' WHERE id = :id", ["register_details"], [],
                 id="register-details"),
    pytest.param("UPDATE screening_answer SET reason = 'Rewritten in SQL' "
                 "WHERE assessment_id = :id AND characteristic_key = 'age'", ["screening"], [],
                 id="screening-answer"),
    pytest.param("UPDATE evidence_item SET summary = 'Rewritten in SQL' WHERE assessment_id = :id",
                 ["evidence"], [], id="evidence-row"),
    pytest.param("DELETE FROM impact_evidence WHERE impact_id IN (SELECT id FROM characteristic_impact "
                 "WHERE assessment_id = :id AND characteristic_key = 'disability')",
                 ["characteristic:disability"], [], id="evidence-cited"),
    pytest.param("UPDATE impact_aim SET relevant = NOT relevant WHERE impact_id IN (SELECT id FROM "
                 "characteristic_impact WHERE assessment_id = :id AND characteristic_key = 'disability')",
                 ["characteristic:disability"], [], id="aim-relevance"),
    pytest.param("DELETE FROM impact_aim WHERE impact_id IN (SELECT id FROM characteristic_impact "
                 "WHERE assessment_id = :id AND characteristic_key = 'disability')",
                 ["characteristic:disability"], [], id="aims-deleted"),
    pytest.param("DELETE FROM action WHERE assessment_id = :id", ["action_plan"], [], id="actions-deleted"),
    pytest.param("UPDATE challenge_round SET overall_comment = 'Rewritten in SQL' WHERE assessment_id = :id",
                 [], ["challenge"], id="challenge-ledger"),
]


@pytest.mark.parametrize("statement,tasks,parts_changed", TAMPERING)
def test_a_change_made_in_sql_is_found_naming_what_changed(world, runner, client, auth, statement, tasks,
                                                           parts_changed):
    assessment = world.make_assessment("signed_off")
    ok = runner.invoke(args=["eqia", "verify-sign-offs"])
    assert ok.exit_code == 0, ok.output
    [signature] = sign_off_rows(assessment.id)
    db.session.execute(sa.text(statement), {"id": assessment.id})
    db.session.commit()
    tampered = fresh(assessment.id)
    check = signing.verify(tampered)
    assert not check.ok
    assert check.problems == [signing.signed_hash_mismatch(tampered.display_reference, signature.content_hash,
                                                           record.content_hash(tampered))]
    assert (check.changed_tasks, check.changed_parts) == (tasks, parts_changed)
    result = runner.invoke(args=["eqia", "verify-sign-offs"])
    assert result.exit_code == 1
    assert f"- {check.problems[0]}" in result.output
    assert f"changed since it was signed: {', '.join(tasks + parts_changed)}" in result.output
    assert tampered.display_reference in result.output
    assert signing.verify_all()[0].problems == check.problems
    # The assessment's own page says so too.
    auth.sign_in(world.decider)
    page = client.get(f"/assessments/{assessment.id}")
    assert page.status_code == 200
    assert "The content no longer matches what was signed." in page.data.decode()


def test_an_untampered_database_verifies(world, runner):
    empty = runner.invoke(args=["eqia", "verify-sign-offs"])
    assert empty.exit_code == 0 and "0 signed version(s) checked" in empty.output
    world.make_assessment("signed_off")
    world.make_assessment("published")
    world.make_assessment("awaiting_sign_off")
    result = runner.invoke(args=["eqia", "verify-sign-offs"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("Sign-offs verified: 2 signed version(s) checked, each unchanged "
                                     "since it was signed.")


def test_the_same_tampering_on_one_of_several_names_only_that_one(world, runner):
    kept = world.make_assessment("signed_off")
    changed = world.make_assessment("published")
    db.session.execute(sa.text("UPDATE assessment SET title = 'Rewritten' WHERE id = :id"),
                       {"id": changed.id})
    db.session.commit()
    result = runner.invoke(args=["eqia", "verify-sign-offs"])
    assert result.exit_code == 1
    assert "1 of 2 signed version(s)" in result.output
    assert fresh(changed.id).display_reference in result.output
    assert fresh(kept.id).display_reference not in result.output


@pytest.mark.parametrize("statement", ["UPDATE sign_off SET content_hash = 'forged'",
                                       "UPDATE sign_off SET signer_name = 'Someone else'",
                                       "UPDATE sign_off SET signed_content = ''",
                                       "DELETE FROM sign_off"])
def test_the_database_refuses_to_alter_or_remove_a_signature(world, statement):
    assessment = world.make_assessment("signed_off")
    [signature] = sign_off_rows(assessment.id)
    kept = (signature.id, signature.content_hash, signature.signer_name, signature.signed_content)
    with pytest.raises(DatabaseError):
        db.session.execute(sa.text(statement))
        db.session.flush()
    db.session.rollback()
    db.session.expire_all()
    after = [(s.id, s.content_hash, s.signer_name, s.signed_content) for s in sign_off_rows(assessment.id)]
    assert after == [kept]


def test_the_orm_cannot_alter_a_signature_either(world):
    assessment = world.make_assessment("signed_off")
    [signature] = sign_off_rows(assessment.id)
    signature.signer_name = "Someone else"
    with pytest.raises(DatabaseError):
        db.session.commit()
    db.session.rollback()
    assert sign_off_rows(assessment.id)[0].signer_name == world.decider.name


def drop_sign_off_triggers() -> None:
    """What someone with rights over the database would do first."""
    if DB_KIND == "postgres":
        db.session.execute(sa.text("ALTER TABLE sign_off DISABLE TRIGGER USER"))
    else:
        db.session.execute(sa.text("DROP TRIGGER sign_off_no_update"))


def restore_sign_off_triggers() -> None:
    if DB_KIND == "postgres":
        # The database outlives the test: put the triggers back for the tests after it.
        db.session.rollback()
        db.session.execute(sa.text("ALTER TABLE sign_off ENABLE TRIGGER USER"))
        db.session.commit()


def test_a_signed_record_altered_behind_the_triggers_is_reported(world):
    """Someone who can drop the triggers can edit the stored record; its own hash no longer matches."""
    assessment = world.make_assessment("signed_off")
    drop_sign_off_triggers()
    try:
        db.session.execute(sa.text("UPDATE sign_off SET signed_content = "
                                   "replace(signed_content, 'Usage is even', 'Usage is uneven')"))
        db.session.commit()
    finally:
        restore_sign_off_triggers()
    check = signing.verify(fresh(assessment.id))
    assert check.problems == [signing.stored_record_altered(assessment.display_reference, world.decider.name)]


# --------------------------------------------------------- two signatories

def signatures_line(client, assessment: Assessment) -> str:
    page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/actions/sign_off").data, "html.parser")
    return page.select_one("#signatures").get_text(" ", strip=True)


def test_two_signatories_each_a_different_person_none_the_author_a_challenger_or_the_approver(council):
    app, world = council(TWO_SIGNATURES)
    assert app.extensions["eqia"]["workflows"].current("standard").transitions["sign_off"].signatures == 2
    # Each of these also holds the decision-maker role: only segregation of duties stops them.
    author = world.make_user("author-dm@example.test", AUTHOR, DECISION_MAKER, commit=True)
    challenger = world.make_user("challenger-dm@example.test", EQUALITY_LEAD, DECISION_MAKER, commit=True)
    approver = world.make_user("approver-dm@example.test", EQUALITY_LEAD, DECISION_MAKER, commit=True)
    assessment = world.make_assessment("full_assessment", author=author)
    perform_transition(assessment.id, "submit_for_challenge", author)
    challenge.save_points(assessment.id, challenger,
                          {"evidence": challenge.PointInput("acceptable", "Well sourced")})
    perform_transition(assessment.id, "approve", approver)
    content_hash = record.content_hash(fresh(assessment.id))

    sign(assessment.id, world.decider)
    first = fresh(assessment.id)
    assert first.state == "awaiting_sign_off"
    assert [s.signer_id for s in signing.valid_signatures(first)] == [world.decider.id]
    assert (last_event(assessment.id).from_state, last_event(assessment.id).to_state) == \
        ("awaiting_sign_off", "awaiting_sign_off")
    client = signed_in_client(app, world.decider2)
    assert signatures_line(client, first) == ("This needs 2 signatures from different people. 1 of 2 given "
                                              f"so far: {world.decider.name}.")

    before = stored(assessment.id)
    with pytest.raises(NotPossible) as again:
        sign(assessment.id, world.decider)
    assert [p.message for p in again.value.problems] == [rules.ALREADY_SIGNED]
    for excluded in (author, challenger, approver):
        with pytest.raises(Forbidden) as refused:
            sign(assessment.id, excluded)
        assert [p.message for p in refused.value.problems] == [SEGREGATION], excluded.email
    assert stored(assessment.id) == before

    sign(assessment.id, world.decider2)
    done = fresh(assessment.id)
    assert done.state == "signed_off"
    rows = sign_off_rows(assessment.id)
    assert [s.signer_id for s in rows] == [world.decider.id, world.decider2.id]
    assert {s.content_hash for s in rows} == {content_hash} == {record.content_hash(done)}
    assert signing.verify(done).ok


def test_a_signature_given_before_the_assessment_was_sent_back_no_longer_counts(council):
    app, world = council(TWO_SIGNATURES)
    assessment = world.make_assessment("awaiting_sign_off")
    sign(assessment.id, world.decider)
    stale = record.content_hash(fresh(assessment.id))
    perform_transition(assessment.id, "return_for_more_work", world.decider2,
                       comment="Say how the mornings were chosen")
    full_content.update_intersectional(assessment.id, world.author, fresh(assessment.id).lock_version,
                                       "Older disabled people rely on the mornings most", True)
    world.take(assessment, "submit_for_challenge")
    world.take(assessment, "approve")
    resubmitted = fresh(assessment.id)
    assert record.content_hash(resubmitted) != stale
    assert signing.valid_signatures(resubmitted) == []
    client = signed_in_client(app, world.decider)
    assert signatures_line(client, resubmitted) == \
        "This needs 2 signatures from different people. 0 of 2 given so far."

    # The first signer may sign the new content; it is one signature of the two needed.
    sign(assessment.id, world.decider)
    assert fresh(assessment.id).state == "awaiting_sign_off"
    sign(assessment.id, world.decider2)
    done = fresh(assessment.id)
    assert done.state == "signed_off"
    rows = sign_off_rows(assessment.id)
    assert [(s.signer_id, s.content_hash == stale) for s in rows] == \
        [(world.decider.id, True), (world.decider.id, False), (world.decider2.id, False)]
    assert [s.signer_id for s in signing.valid_signatures(done)] == [world.decider.id, world.decider2.id]
    assert signing.verify(done).ok


# --------------------------------------------- the audit trail vouches for each signature

def test_a_signature_row_forged_in_sql_is_caught_by_the_audit_trail(world, runner):
    assessment = world.make_assessment("signed_off")
    drop_sign_off_triggers()
    try:
        # Someone with database rights rewrites the content and the signature to match.
        db.session.execute(sa.text("UPDATE assessment SET title = 'Quietly changed' WHERE id = :id"),
                           {"id": assessment.id})
        db.session.commit()
        tampered = fresh(assessment.id)
        data = record.canonical(record.content_record(tampered))
        db.session.execute(sa.text("UPDATE sign_off SET content_hash = :h, signed_content = :c "
                                   "WHERE assessment_id = :id"),
                           {"h": record.digest(data), "c": data.decode("utf-8"), "id": assessment.id})
        db.session.commit()
    finally:
        restore_sign_off_triggers()
    check = signing.verify(fresh(assessment.id))
    assert check.problems == [signing.signature_not_on_trail(tampered.display_reference, world.decider.name)]
    result = runner.invoke(args=["eqia", "verify-sign-offs"])
    assert result.exit_code == 1 and tampered.display_reference in result.output


def test_a_signed_version_moved_back_in_sql_is_caught(world):
    assessment = world.make_assessment("published")
    db.session.execute(sa.text("UPDATE assessment SET state = 'full_assessment' WHERE id = :id"),
                       {"id": assessment.id})
    db.session.commit()
    moved = fresh(assessment.id)
    assert signing.verify(moved).problems == [
        signing.state_not_on_trail(moved.display_reference, "full_assessment", "published")]
