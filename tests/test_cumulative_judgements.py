"""The lead's cumulative judgement on a programme (issue 18): written beside the programme's assessments side
by side, challenged by another equality lead, signed by a decision-maker through its own workflow
(workflows/cumulative/, moved by the same engine as an EqIA), frozen once signed. The services, through a real
database."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from eqia.audit_words import words
from eqia.cumulative.record import content_hash
from eqia.cumulative.subject import CUMULATIVE_SUBJECT, cumulative_workflows
from eqia.extensions import db
from eqia.models import Assessment, AuditEvent, CharacteristicImpact, CumulativeJudgement
from eqia.services import cumulative_judgements as judgements
from eqia.services.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible
from eqia.workflow.subject import DEFAULT, current_subject_name
from tests.test_heat_map import judged
from tests.conftest import PASSWORD

BUDGET = "Budget savings 2027-28"
HOSTILE = "<script>alert(1)</script> ' OR 1=1 -- file:///etc/passwd"


@pytest.fixture
def budget(world):
    lighting = judged(world.make_assessment("full_assessment", answer="yes", title="Street lighting",
                                            parent_programme=BUDGET), age="negative", sex="positive")
    libraries = judged(world.make_assessment("full_assessment", answer="yes", title="Libraries",
                                             parent_programme="budget SAVINGS 2027-28"), age="negative")
    return lighting, libraries


def refused(error, call) -> list:
    with pytest.raises(error) as caught:
        call()
    db.session.rollback()
    return [(p.field, str(p.message)) for p in caught.value.problems]


def trail(judgement) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.assessment_reference == f"CUMUL-{judgement.id}").order_by(AuditEvent.seq)))


def written(world, user=None, **fields) -> CumulativeJudgement:
    made = judgements.create(user or world.lead, BUDGET)
    db.session.commit()
    judgements.save(user or world.lead, made.id, {
        "groups": {"age": "Older people lose street lighting and library hours together."},
        "conclusion": "Proceed, with the mitigations below.", "mitigations": "Keep two libraries open late.",
        **fields})
    db.session.commit()
    return fresh(made)


def fresh(judgement) -> CumulativeJudgement:
    db.session.expire_all()
    return db.session.get(CumulativeJudgement, judgement.id)


def take(user, judgement, trigger, **kwargs) -> CumulativeJudgement:
    judgements.take(user, judgement.id, trigger, **kwargs)
    db.session.commit()
    return fresh(judgement)


def signed(world, judgement) -> CumulativeJudgement:
    take(world.lead, judgement, "submit_judgement")
    take(world.lead2, judgement, "approve_judgement")
    return take(world.decider, judgement, "sign_judgement", attested=True, password=PASSWORD)


def test_its_workflow_is_its_own_and_the_engine_moves_it_by_name(app):
    assert [d.name for d in cumulative_workflows()] == ["cumulative_judgement"]
    assert "cumulative_judgement" not in [d.name for d in app.extensions["eqia"]["workflows"]]
    assert current_subject_name() == DEFAULT and CUMULATIVE_SUBJECT == "cumulative_judgement"


def test_a_lead_starts_the_judgement_on_the_versions_the_side_by_side_shows(world, budget):
    lighting, libraries = budget
    made = judgements.create(world.lead, "BUDGET savings 2027-28")
    db.session.commit()
    made = fresh(made)
    assert (made.programme.lower(), made.version_number, made.state) == (BUDGET.lower(), 1, "draft")
    assert sorted(c.assessment_id for c in made.covered) == sorted([lighting.id, libraries.id])
    [event] = trail(made)
    assert (event.action, event.kind, event.role, event.details["change"]) == (
        "programme:cumulative_created", "programme", "equality_lead", "cumulative_created")
    assert str(words(event)) == f"Cumulative judgement on {made.programme} started: version 1"
    assert refused(NotPossible, lambda: judgements.create(world.admin, BUDGET))


@pytest.mark.parametrize("who", ["author", "decider"])
def test_only_leads_and_admins_write_judgements(world, budget, who):
    assert refused(Forbidden, lambda: judgements.create(getattr(world, who), BUDGET))
    assert refused(Invalid, lambda: judgements.create(world.lead, "No such programme")) == [
        ("programme", "Choose a programme or budget round whose assessments have judged impacts")]
    made = written(world)
    assert refused(Forbidden, lambda: judgements.save(world.decider, made.id, {"conclusion": "Mine"}))
    assert refused(NotFound, lambda: judgements.get(world.author, made.id))
    assert judgements.get(world.decider, made.id).id == made.id


def test_the_words_are_kept_as_written_checked_all_at_once_and_each_change_is_on_the_record(world, budget):
    made = written(world, conclusion=HOSTILE)
    assert made.conclusion == HOSTILE and made.text_for("age").startswith("Older people")
    assert refused(Invalid, lambda: judgements.save(world.lead, made.id, {
        "groups": {"age": "x" * 10_001}, "conclusion": "y" * 10_001, "mitigations": "a\x00b"})) == [
        ("conclusion", "This must be 10,000 characters or fewer"), ("mitigations", "Remove the null character (\\0) from this answer: it cannot be stored"),
        ("group-age", "This must be 10,000 characters or fewer")]
    assert fresh(made).conclusion == HOSTILE
    events = trail(made)
    assert [e.details["change"] for e in events] == ["cumulative_created", "cumulative_changed"]
    assert str(words(events[-1])) == (f"Cumulative judgement on {made.programme}, version 1, changed: "
                                      "overall conclusion, what the council will do, the combined effect on groups")


def test_a_stale_save_is_refused_and_changes_nothing(world, budget):
    made = written(world)
    seen = made.lock_version
    judgements.save(world.lead, made.id, {"conclusion": "First", "mitigations": "m"}, expected_lock_version=seen)
    db.session.commit()
    assert refused(Conflict, lambda: judgements.save(world.admin, made.id, {"conclusion": "Second"},
                                                     expected_lock_version=seen))
    assert fresh(made).conclusion == "First"


def test_it_cannot_go_for_challenge_until_every_negatively_affected_group_is_judged(world, budget):
    made = judgements.create(world.lead, BUDGET)
    db.session.commit()
    transition = judgements.definition_of(made).transitions["submit_judgement"]
    assert [str(p.message) for p in judgements.what_blocks(world.lead, made, transition)] == [
        "Say what the combined effect is on Age: an assessment finds a negative impact on them",
        "Enter the overall conclusion", "Say what the council will do"]
    assert refused(NotPossible, lambda: judgements.take(world.lead, made.id, "submit_judgement"))
    assert fresh(made).state == "draft"


def test_another_lead_challenges_and_a_decision_maker_signs_bound_to_the_content(world, budget):
    made = written(world)
    assert [t.trigger for t in judgements.actions_for(world.lead, made)] == ["submit_judgement"]
    made = take(world.lead, made, "submit_judgement")
    # Segregation of duties: the lead who wrote and sent it may neither approve nor return it.
    assert judgements.actions_for(world.lead, made) == []
    assert refused(Forbidden, lambda: judgements.take(world.lead, made.id, "approve_judgement")) == [
        ("", "You cannot approve a judgement you wrote or sent for challenge. Another equality lead must review it.")]
    assert refused(Invalid, lambda: judgements.take(world.lead2, made.id, "return_judgement")) == [
        ("comment", "Enter a comment: What must change before the judgement is sent for challenge again?")]
    made = take(world.lead2, made, "return_judgement", comment="Say more about disabled people")
    assert made.state == "draft"
    judgements.save(world.lead, made.id, {"groups": {"age": "Revised"}, "conclusion": "c", "mitigations": "m"})
    db.session.commit()
    made = take(world.lead, made, "submit_judgement")
    made = take(world.lead2, made, "approve_judgement")
    assert made.state == "awaiting_sign_off"
    assert [j.id for j, _ in judgements.waiting_for(world.decider)] == [made.id]
    assert judgements.waiting_for(world.lead) == [] and judgements.waiting_for(world.author) == []
    assert refused(Invalid, lambda: judgements.take(world.decider, made.id, "sign_judgement")) == [
        ("attest", "Confirm the statement to sign: tick the box if it is true")]
    made = take(world.decider, made, "sign_judgement", attested=True, password=PASSWORD)
    assert (made.state, made.signed_by_id, made.signed_role) == ("signed", world.decider.id, "decision_maker")
    assert made.content_hash == content_hash(made) and judgements.signature_holds(made) is True
    assert json.loads(made.signed_content)["covers"][0]["reference"].startswith("EQIA-")
    assert made.attestation.startswith("I have read this cumulative judgement")
    events = trail(made)
    assert events[-1].details["content_sha256"] == made.content_hash and events[-1].role == "decision_maker"
    assert [e.details.get("trigger") for e in events if e.details["change"] == "cumulative_moved"] == [
        "submit_judgement", "return_judgement", "submit_judgement", "approve_judgement", "sign_judgement"]


def test_a_decision_maker_who_reviewed_it_cannot_sign(world, budget):
    both = world.make_user("both@example.test", "decision_maker", "equality_lead", commit=True)
    made = written(world)
    take(world.lead, made, "submit_judgement")
    made = take(both, made, "approve_judgement")
    assert refused(Forbidden, lambda: judgements.take(both, made.id, "sign_judgement", attested=True)) == [
        ("", "You cannot sign a judgement you wrote or reviewed. Another decision-maker must sign it.")]


def test_a_signed_judgement_is_frozen_and_a_change_made_behind_the_service_is_found(world, budget):
    made = signed(world, written(world))
    assert refused(NotPossible, lambda: judgements.save(world.lead, made.id, {"conclusion": "Later"})) == [
        ("", "The judgement cannot be changed while it is signed.")]
    db.session.execute(sa.update(CumulativeJudgement).where(CumulativeJudgement.id == made.id)
                       .values(conclusion="Quietly changed"))
    db.session.commit()
    assert judgements.signature_holds(fresh(made)) is False


def test_what_the_covered_versions_found_is_signed_and_shown_as_signed_when_a_draft_changes_later(world, budget):
    lighting, libraries = budget  # both still being written: their findings may change after the signature
    made = signed(world, written(world))
    as_signed = json.loads(made.signed_content)["covers"]
    assert {c["assessment"]: c["impacts"]["age"]["impact"] for c in as_signed} == {
        lighting.id: "negative", libraries.id: "negative"}
    db.session.execute(sa.update(CharacteristicImpact).where(CharacteristicImpact.assessment_id == lighting.id,
                                                             CharacteristicImpact.characteristic_key == "age")
                       .values(impact="positive"))
    db.session.commit()
    made = fresh(made)
    assert judgements.signature_holds(made) is True  # the judgement is unchanged; the draft it judged moved on
    cells = judgements.snapshot(made).side_by_side.cells
    assert (cells[("age", lighting.id)].impact, cells[("sex", lighting.id)].impact) == ("negative", "positive")
    # The content kept as signed is checked too: rewritten in SQL, it no longer matches its hash.
    db.session.execute(sa.update(CumulativeJudgement).where(CumulativeJudgement.id == made.id).values(
        signed_content=made.signed_content.replace('"negative"', '"neutral"')))
    db.session.commit()
    assert judgements.signature_holds(fresh(made)) is False


def test_verify_sign_offs_checks_signed_judgements_and_names_one_changed_behind_the_service(world, budget, runner):
    made = signed(world, written(world))
    still_draft = written_elsewhere(world)
    result = runner.invoke(args=["eqia", "verify-sign-offs"])
    assert result.exit_code == 0, result.output
    assert "Cumulative judgements verified: 1 signed judgement(s) checked" in result.output
    db.session.execute(sa.update(CumulativeJudgement).where(CumulativeJudgement.id == made.id)
                       .values(mitigations="Quietly dropped"))
    db.session.commit()
    result = runner.invoke(args=["eqia", "verify-sign-offs"])
    assert result.exit_code == 1
    assert "Cumulative judgements FAILED verification (1 of 1 signed judgement(s))" in result.output
    assert f"CUMUL-{made.id} ({BUDGET}, version 1): its content no longer hashes" in result.output
    assert f"CUMUL-{still_draft.id}" not in result.output


def test_a_change_after_signing_is_a_new_version_and_the_signed_one_still_says_what_it_judged(world, budget):
    lighting, _ = budget
    first = signed(world, written(world))
    assert refused(NotPossible, lambda: judgements.new_version(world.lead, written_elsewhere(world).id))
    # The street lighting assessment is reviewed: its next version (test data, set in SQL).
    later = world.make_assessment(title="Street lighting, reviewed")
    db.session.execute(sa.update(Assessment).where(Assessment.id == later.id)
                       .values(reference=lighting.reference, version_number=2))
    db.session.commit()
    assert judgements.snapshot(fresh(first)).newer == {lighting.id: f"{lighting.reference} v2"}
    second = judgements.new_version(world.lead, first.id)
    db.session.commit()
    second = fresh(second)
    assert (second.version_number, second.previous_id, second.state) == (2, first.id, "draft")
    assert second.conclusion == first.conclusion and second.text_for("age") == fresh(first).text_for("age")
    assert fresh(first).state == "signed" and judgements.signature_holds(fresh(first)) is True
    assert refused(NotPossible, lambda: judgements.new_version(world.lead, first.id)) == [
        ("", "This is not the latest version of the judgement.")]
    assert [j.version_number for j in judgements.versions_for(world.decider, BUDGET.upper())] == [2, 1]
    assert judgements.versions_for(world.author, BUDGET) == []


def written_elsewhere(world) -> CumulativeJudgement:
    """A judgement of another programme, still in draft."""
    judged(world.make_assessment("full_assessment", answer="yes", title="Parks", parent_programme="Parks plan"),
           race="negative")
    made = judgements.create(world.lead, "Parks plan")
    db.session.commit()
    return made


def test_each_writing_records_the_versions_the_side_by_side_shows_then(world, budget):
    made = written(world)
    assert trail(made)[-1].details["fields"] == ["conclusion", "mitigations", "groups"]
    parks = judged(world.make_assessment("full_assessment", answer="yes", title="Parks", parent_programme=BUDGET),
                   race="negative")
    assert parks.id not in [c.assessment_id for c in fresh(made).covered]
    judgements.save(world.lead, made.id, {"groups": {"age": "Same words"}, "conclusion": "c", "mitigations": "m"})
    db.session.commit()
    assert parks.id in [c.assessment_id for c in fresh(made).covered]
    assert "covered" in trail(made)[-1].details["fields"]
