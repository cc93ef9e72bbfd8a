"""The signed record's bytes, pinned: every signature already given covers the
SHA-256 of these bytes, so the record of the same content must read the same
for ever (format eqia-content/1). The assessment here is written row by row
with fixed values (no clock, no ids of this database: a restored version's
identity maps them), so the bytes are the same on every run and every database.
A change to how the record is made that changes one byte fails here."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.models import (
    Action,
    Assessment,
    AssessmentOutcome,
    ChallengeComment,
    ChallengeRound,
    CharacteristicImpact,
    Consultation,
    EvidenceItem,
    ImpactAim,
    ScreeningAnswer,
)
from eqia.services.record import canonical, content_hash, content_record, digest

GOLDEN = PROJECT_ROOT / "tests" / "data" / "record_eqia_content_1.json"


def at(hour: int) -> datetime:
    return datetime(2026, 3, 4, hour, 5, 6, 789012, tzinfo=timezone.utc)


def filled(world) -> Assessment:
    """Every field of the record holds a value, several rows where there can be."""
    census = EvidenceItem(position=0, kind="data", source="Census 2021", dated=date(2021, 3, 21),
                          summary="Population by age — “quoted”", link="https://example.test/census")
    survey = EvidenceItem(position=1, kind="research", source="Visitor survey", dated=None,
                          summary="Who visits\non two lines", link="")
    age = CharacteristicImpact(characteristic_key="age", characteristic_label="Age", position=0, impact="negative",
                               severity="high", evidence_narrative="Older people use mornings",
                               no_evidence_reason="", mitigation="Keep mornings", evidence=[survey, census],
                               aim_answers=[ImpactAim(aim_key="c", relevant=True), ImpactAim(aim_key="a", relevant=True),
                                            ImpactAim(aim_key="b", relevant=False)])
    sex = CharacteristicImpact(characteristic_key="sex", characteristic_label="Sex", position=1, impact=None,
                               severity=None, evidence_narrative="", no_evidence_reason="None yet", mitigation="")
    a = Assessment(
        reference="EQIA-2026-0042", version_number=3, workflow_name="standard", workflow_version=2,
        state="full_assessment", created_by_id=world.author.id, created_at=at(1), updated_at=at(1),
        directorate_id=world.directorate.id, title="Library opening hours", service="Libraries",
        lead_officer="Sam Lee", activity_kind="change", aims="Save money\nkeep access", people_affected="Users",
        decision_maker="Cabinet Member", decision_forum="Cabinet", planned_decision_date=date(2026, 7, 14),
        due_regard_started_on=date(2026, 3, 27), parent_programme="Budget 2026",
        screening_relevance="high", screening_conclusion="مساوات", screening_proposal="full",
        no_consultation_reason="Not needed", intersectional_effects="Older disabled women",
        outcome_justification="Proportionate", review_date=date(2027, 4, 1),
        restored_identity=json.dumps({"directorates": {str(world.directorate.id): 7},
                                      "users": {str(world.lead.id): 42}}),
        screening_answers=[
            ScreeningAnswer(characteristic_key="age", characteristic_label="Age", position=0, affects="yes",
                            reason="Mornings", advances_equality="no", advances_reason="Not here"),
            ScreeningAnswer(characteristic_key="sex", characteristic_label="Sex", position=1, affects=None,
                            reason="", advances_equality=None, advances_reason="")],
        evidence_items=[census, survey],
        consultations=[Consultation(position=0, who="Forum", held_from=date(2026, 5, 12), held_to=date(2026, 5, 13),
                                    method="Meeting", what_they_said="Keep Saturdays", how_it_changed="Kept")],
        impacts=[age, sex],
        outcomes=[AssessmentOutcome(outcome="continue"), AssessmentOutcome(outcome="adjust")],
        actions=[Action(position=0, description="Count visits", owner="Sam", due_date=date(2026, 9, 30),
                        success_measure="Report", status="in_progress", characteristic_key="age"),
                 Action(position=1, description="Review", owner="", due_date=None, success_measure="",
                        status="not_started", characteristic_key=None)],
        challenge_rounds=[
            ChallengeRound(number=1, challenger_id=world.lead.id, opened_at=at(2), closed_at=at(3),
                           decision="return_to_author", overall_comment="Two points",
                           comments=[ChallengeComment(section_key="evidence", status="to_correct", comment="Add",
                                                      response="accepted", response_text="Added"),
                                     ChallengeComment(section_key="overall", status="overall", comment="See",
                                                      response=None, response_text="")]),
            ChallengeRound(number=2, challenger_id=None, opened_at=at(4), closed_at=None, decision=None,
                           overall_comment="")],
    )
    db.session.add(a)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Assessment, a.id)


def test_the_record_of_a_fully_filled_assessment_is_byte_for_byte_as_signed(world):
    made = canonical(content_record(filled(world)))
    assert made == GOLDEN.read_bytes().rstrip(b"\n")


def test_its_hash_is_the_one_signed(world):
    assert content_hash(filled(world)) == digest(GOLDEN.read_bytes().rstrip(b"\n")) == \
        "033a9b1bf240e9e346e4c78cfbd0fc5e04e7ae1a117df54147386a3af2454d5c"
