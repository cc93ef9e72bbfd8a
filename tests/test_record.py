"""The content record: one canonical serialisation of everything an EqIA says,
which a signature's SHA-256 covers.

The record must hold every field the author, the equality lead and the
challenge ledger wrote, and nothing that is not content. Each column is changed
in SQL, one at a time, on a fully written assessment that has been through a
round of challenge: the hash must change, `changes_between` (through
`signing.changed_tasks`) must name exactly the task the column belongs to (or
`signing.changed_parts` the other part of the record: the ledger), and
putting the value back must give the same hash again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.assessments.shape import REGISTER_FIELDS
from eqia.models import Assessment
from eqia.services import challenge, record
from eqia.services import content as full_content
from eqia.services.record import FieldChange, changes_between, content_hash, content_record, sections_record
from eqia.services.signing import changed_parts, changed_tasks
from eqia.services.workflow import perform_transition
from eqia.assessments.sections import completion_key

AGE = completion_key("characteristics", "age")


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def challenged(world) -> Assessment:
    """Fully written, returned once with a point to correct and an overall
    comment, answered, and approved: every table of the record has rows."""
    assessment = world.make_assessment("challenge")
    challenge.save_points(assessment.id, world.lead, {
        "evidence": challenge.PointInput("to_correct", "Add the census figures"),
        AGE: challenge.PointInput("could_be_improved", "Say which ages use the library most")})
    perform_transition(assessment.id, "return_to_author", world.lead, comment="Two points to answer")
    world.answer_challenge(assessment)
    # A second consultation, and an action tied to a group: no column of the record is left empty.
    full_content.save_item(full_content.CONSULTATION, assessment.id, world.author,
                           fresh(assessment.id).lock_version, None, {
                               "who": "Older residents' forum", "method": "Meeting",
                               "held_from": date.today() - timedelta(days=20),
                               "held_to": date.today() - timedelta(days=19),
                               "what_they_said": "Keep Saturdays", "how_it_changed": "Saturdays kept"})
    full_content.add_gathering_action(assessment.id, world.author, fresh(assessment.id).lock_version, "age")
    gathering = fresh(assessment.id).actions[-1]
    full_content.save_item(full_content.ACTIONS, assessment.id, world.author,
                           fresh(assessment.id).lock_version, gathering.id, {
                               "due_date": date.today() + timedelta(days=60),
                               "success_measure": "Visits counted by age"})
    full_content.save_consultation_page(assessment.id, world.author, fresh(assessment.id).lock_version, "",
                                        True)
    now = fresh(assessment.id)
    full_content.save_action_plan_page(assessment.id, world.author, now.lock_version, now.review_date, True)
    world.take(assessment, "submit_for_challenge")
    world.take(assessment, "approve")
    return fresh(assessment.id)


# ------------------------------------------------------- the record's contents

def test_the_record_holds_every_field_of_a_fully_written_assessment(world):
    assessment = world.write_full_assessment(world.make_assessment("full_assessment"))
    made = content_record(assessment)
    sections = made["sections"]
    assert made["format"] == record.RECORD_FORMAT
    assert (made["reference"], made["version"]) == (assessment.reference, 1)
    register = sections["register_details"]
    assert set(register) == set(REGISTER_FIELDS)
    assert register["title"] == "Library opening hours" and register["directorate_id"] == world.directorate.id
    assert register["planned_decision_date"] == assessment.planned_decision_date.isoformat()
    screening = sections["screening"]
    assert [a["characteristic"] for a in screening["answers"]] == [r.characteristic_key
                                                                    for r in assessment.screening_answers]
    assert screening["answers"][0] == {"characteristic": "age", "label": "Age", "affects": "no",
                                       "reason": "Checked against service data", "advances_equality": "no",
                                       "advances_reason": ""}
    assert (screening["relevance"], screening["conclusion"], screening["proposal"]) == \
        ("low", "Considered each group", "screen_out")
    [evidence] = sections["evidence"]["items"]
    assert evidence == {"kind": "data", "source": "Library visitor survey 2025",
                        "dated": (date.today() - timedelta(days=60)).isoformat(),
                        "summary": "Who visits, by age and disability", "link": "https://example.test/survey"}
    [consultation] = sections["consultation"]["items"]
    assert consultation["who"] == "Library users" and consultation["held_to"] is None
    assert sections[AGE] == {"label": "Age", "impact": "neutral", "severity": None, "aims": ["a"],
                             "reasons": "Usage is even", "evidence_cited": [1], "no_evidence_reason": "",
                             "mitigation": ""}
    # Marriage and civil partnership is asked about aim (a) only (section 149(7)).
    assert sections[completion_key("characteristics", "marriage_civil_partnership")]["aims"] == ["a"]
    assert {k for k in sections if k.startswith("characteristic:")} == \
        {completion_key("characteristics", i.characteristic_key) for i in assessment.impacts}
    assert sections["intersectional"] == {"effects": "None found after checking"}
    assert sections["outcome"] == {"outcomes": ["no_major_change"], "justification": ""}
    [action] = sections["action_plan"]["items"]
    assert action["description"] == "Monitor visits by age" and action["characteristic"] is None
    assert sections["action_plan"]["review_date"] == assessment.review_date.isoformat()
    assert made["challenge"] == []


def test_the_challenge_ledger_is_in_the_record(world):
    assessment = challenged(world)
    first, second = content_record(assessment)["challenge"]
    assert (first["number"], first["decision"], first["challenger"]) == (1, "return_to_author", world.lead.id)
    assert first["overall_comment"] == "Two points to answer"
    assert [(p["task"], p["status"], p["response"]) for p in first["points"]] == [
        ("evidence", "to_correct", "accepted"), (AGE, "could_be_improved", "accepted"),
        ("overall", "overall", "accepted")]
    assert first["points"][0]["comment"] == "Add the census figures"
    assert first["points"][0]["response_text"] == "Changed the evidence section to answer this"
    assert first["opened_at"].endswith("Z") and first["closed_at"] >= first["opened_at"]
    assert (second["number"], second["decision"], second["points"]) == (2, "approve", [])


def test_the_same_content_gives_the_same_bytes_after_a_reload(world):
    assessment = challenged(world)
    made = record.canonical(content_record(assessment))
    db.session.remove()  # a new session: nothing cached
    again = db.session.get(Assessment, assessment.id)
    assert record.canonical(content_record(again)) == made
    assert content_hash(again) == record.digest(made)
    # Sorted keys, no spaces, non-ASCII text as itself.
    assert made.startswith(b'{"challenge":[') and b": " not in made[:200]


def test_non_latin_text_is_kept_as_itself(world):
    assessment = world.make_assessment("full_assessment")
    full_content.update_intersectional(assessment.id, world.author, assessment.lock_version,
                                       "مساوات کے اثرات — “quoted”", None)
    data = record.canonical(content_record(fresh(assessment.id)))
    assert "مساوات کے اثرات — “quoted”".encode("utf-8") in data


def test_a_replaced_characteristic_set_leaves_the_labels_and_the_hash_as_they_were(world, make_app, tmp_path):
    assessment = world.write_full_assessment(world.make_assessment("full_assessment"))
    before = content_hash(assessment)
    original = (PROJECT_ROOT / "eqia" / "data" / "characteristics.yaml").read_text(encoding="utf-8")
    assert "    name: Age\n" in original
    replaced = tmp_path / "characteristics.yaml"
    replaced.write_text(original.replace("    name: Age\n", "    name: Age group\n"), encoding="utf-8")
    other = make_app(EQIA_CHARACTERISTICS=str(replaced))
    with other.app_context():
        from eqia.loaded_definitions import characteristics

        assert characteristics().get("age").name == "Age group"
        same = db.session.get(Assessment, assessment.id)
        assert content_record(same)["sections"][AGE]["label"] == "Age"
        assert content_hash(same) == before


def test_renaming_a_directorate_or_a_challenger_leaves_the_hash_unchanged(world):
    """Neither changes what the assessment says, so neither may make a signed one fail its check."""
    assessment = challenged(world)
    original = content_hash(assessment)
    world.directorate.name = "Adults and Health"
    world.lead.name = "Lead Renamed"
    db.session.commit()
    assert content_hash(fresh(assessment.id)) == original


# ------------------------------------------- every column, changed one at a time

def other_value(column: sa.Column, value, world):
    """A different value of the column's type."""
    if column.name == "directorate_id":
        return world.other_directorate.id
    if column.name == "challenger_id":
        return world.lead2.id
    if isinstance(column.type, sa.Boolean):
        return not value
    if isinstance(column.type, sa.Integer):
        return value + 10
    if isinstance(column.type, sa.Date):
        return (value or date(2030, 1, 1)) + timedelta(days=1)
    if isinstance(column.type, sa.DateTime) or isinstance(getattr(column.type, "impl", None), sa.DateTime):
        return value + timedelta(seconds=1)
    return f"{value} (changed)" if value else "changed"


# (table, column) -> the part of the record it belongs to; "*" for every column of a table not named.
ASSESSMENT_PARTS = {
    **{field: "register_details" for field in REGISTER_FIELDS},
    "screening_relevance": "screening", "screening_conclusion": "screening",
    "screening_proposal": "screening",
    "no_consultation_reason": "consultation", "intersectional_effects": "intersectional",
    "outcome_justification": "outcome", "review_date": "action_plan",
    "reference": "reference", "version_number": "version",
    # A review version's review of the version before (only in a record that has one).
    "review_next_step": "review", "review_next_step_reason": "review",
}
CHILD_PARTS = {
    "screening_answer": "screening", "evidence_item": "evidence", "consultation": "consultation",
    "assessment_outcome": "outcome", "action": "action_plan", "characteristic_impact": AGE,
    "challenge_round": "challenge", "challenge_comment": "challenge", "impact_aim": AGE,
    "review_outcome": "review",
}
# Not content, with the reason. Anything else a column of these tables holds must be in the record.
NOT_CONTENT = {
    # Keys and order: rows are read in their stored order, tested below.
    "*": {"id", "assessment_id", "position", "round_id", "impact_id"},
    # Workflow and bookkeeping: publishing or superseding must leave the hash as it was.
    "assessment": {"previous_version_id", "workflow_name", "workflow_version", "state", "lock_version",
                   "restricted", "created_by_id", "created_at", "updated_at", "published_at",
                   # Not content but how content is read: a restored version's ids as its record named them.
                   "restored_identity",
                   # How the groups were read: the profile named; the groups' keys and labels, which are
                   # content, are on each group's row. Signatures made before profiles stay valid.
                   "profile_key", "profile_version",
                   # Where an imported version's source document came from: a fact about the file, shown
                   # beside the content, not something the assessment says (frozen with it all the same).
                   "provenance_title", "provenance_organisation", "provenance_url", "provenance_published_on"},
    # The owner's account, if the owner has one: whom to remind and who may record progress. The
    # plan, as signed, names the owner by name (the `owner` column).
    "action": {"owner_user_id"},
    # Derived from the sections at submission, to show what changed between rounds.
    "challenge_round": {"content_snapshot"},
    # Who recorded and answered each point, and when, is on the audit trail.
    "challenge_comment": {"reviewed_by_id", "reviewed_at", "responded_by_id", "responded_at"},
}


def content_columns() -> list[tuple[str, str, str]]:
    tables = db.metadata.tables
    found = [("assessment", c.name, ASSESSMENT_PARTS[c.name]) for c in tables["assessment"].columns
             if c.name not in NOT_CONTENT["*"] | NOT_CONTENT["assessment"]]
    for name, part in CHILD_PARTS.items():
        found += [(name, c.name, part) for c in tables[name].columns
                  if c.name not in NOT_CONTENT["*"] | NOT_CONTENT.get(name, set())]
    return found


def test_every_content_column_is_in_the_record_or_named_as_not_content(app):
    """A column added to a content table later fails here until it is placed."""
    tables = db.metadata.tables
    named = set(ASSESSMENT_PARTS) | NOT_CONTENT["*"] | NOT_CONTENT["assessment"]
    assert {c.name for c in tables["assessment"].columns} <= named
    assert set(ASSESSMENT_PARTS) <= {c.name for c in tables["assessment"].columns}
    # Every table holding an assessment's words is one the record reads.
    # (An assessment_id that names another kind of assessment, a Framework self-assessment's, is not one.)
    owned = {name for name, t in tables.items()
             if name == "challenge_comment" or ("assessment_id" in t.c and any(
                 fk.column.table.name == "assessment" for fk in t.c.assessment_id.foreign_keys))}
    # assessment_document holds renderings of the record (the PDF), not part of it; a restored
    # version's trail from another system is a trail, as audit_event is. action_update is progress
    # recorded after sign-off beside the signed plan: never part of what was signed. A notification
    # tells someone of it, and a draft render is the state of a PDF being made of it. An identity
    # confirmation is a signer's fresh sign-in at the provider, waiting to be used for a signature. A
    # cumulative judgement's coverage names the versions the judgement is of: its content, not theirs.
    assert owned - set(CHILD_PARTS) == {"assessment_viewer", "section_completion", "sign_off",
                                        "outbox_message", "audit_event", "assessment_document",
                                        "restored_audit_event", "action_update", "notification",
                                        "draft_render", "identity_confirmation", "cumulative_coverage"}
    assert len(content_columns()) >= 50


def row_of(table: sa.Table, assessment: Assessment):
    """The row a change is made to: the first of the assessment's rows (the age
    group's, for per-group tables)."""
    if table.name == "assessment":
        return table.c.id == assessment.id
    if table.name == "challenge_comment":
        return table.c.id == assessment.challenge_rounds[0].comments[0].id
    if table.name == "characteristic_impact":
        return table.c.id == assessment.impact_for("age").id
    if table.name == "impact_aim":  # the age group's aim (a): relevant, as the factory writes it
        return table.c.id == next(x.id for x in assessment.impact_for("age").aim_answers if x.aim_key == "a")
    if table.name == "screening_answer":
        return table.c.id == assessment.screening_answers[0].id
    first = getattr(assessment, {"evidence_item": "evidence_items", "consultation": "consultations",
                                 "assessment_outcome": "outcomes", "action": "actions",
                                 "challenge_round": "challenge_rounds",
                                 "review_outcome": "review_outcomes"}[table.name])[0]
    return table.c.id == first.id


def reviewed(world) -> Assessment:
    """A version 2 with its review of version 1 written, and the rest of it."""
    from tests.test_review_outcomes import review_version

    second = review_version(world)
    world.write_full_assessment(second)  # the review with it
    return fresh(second.id)


@pytest.mark.parametrize("review", [False, True], ids=["first version", "review version"])
def test_changing_any_one_column_changes_the_hash_and_names_exactly_its_task(review, world, subtests):
    # A first version has no review to change; a review version's review columns are changed on one.
    assessment = reviewed(world) if review else challenged(world)
    original = content_hash(assessment)
    signed = content_record(assessment)
    tables = db.metadata.tables
    for table_name, column_name, part in content_columns():
        if (part == "review") != review:
            continue
        with subtests.test(column=f"{table_name}.{column_name}"):
            table = tables[table_name]
            column = table.c[column_name]
            where = row_of(table, fresh(assessment.id))
            old = db.session.execute(sa.select(column).where(where)).scalar_one()
            new = other_value(column, old, world)
            db.session.execute(sa.update(table).where(where).values({column_name: new}))
            db.session.commit()
            changed = fresh(assessment.id)
            expected = [part]
            if (table_name, column_name) == ("characteristic_impact", "characteristic_key"):
                # The group's task is named by its key: the old task is gone and a new one appears.
                expected = [AGE, completion_key("characteristics", "age (changed)")]
            try:
                assert content_hash(changed) != original
                now = content_record(changed)
                assert changed_tasks(signed, now) + changed_parts(signed, now) == expected
            finally:
                db.session.execute(sa.update(table).where(where).values({column_name: old}))
                db.session.commit()
            assert content_hash(fresh(assessment.id)) == original


def test_citing_other_evidence_changes_only_that_groups_task(world):
    assessment = challenged(world)
    before = sections_record(assessment)
    links = db.metadata.tables["impact_evidence"]
    db.session.execute(sa.delete(links).where(links.c.impact_id == assessment.impact_for("age").id))
    db.session.commit()
    assert changes_between(before, sections_record(fresh(assessment.id))) == {
        AGE: [FieldChange("evidence_cited", [1], [])]}


def test_the_order_of_rows_is_content(world):
    assessment = challenged(world)
    before = sections_record(assessment)
    first, second = assessment.consultations
    table = db.metadata.tables["consultation"]
    for row, position in ((first, second.position), (second, first.position)):
        db.session.execute(sa.update(table).where(table.c.id == row.id).values(position=position))
    db.session.commit()
    found = changes_between(before, sections_record(fresh(assessment.id)))
    assert list(found) == ["consultation"]
    assert FieldChange("items[1].who", "Library users", "Older residents' forum") in found["consultation"]


def test_what_is_not_content_leaves_the_hash_unchanged(world):
    assessment = challenged(world)
    original = content_hash(assessment)
    table = db.metadata.tables["assessment"]
    db.session.execute(sa.update(table).where(table.c.id == assessment.id).values(
        restricted=True, updated_at=datetime(2031, 1, 1, tzinfo=timezone.utc),
        lock_version=table.c.lock_version + 5))
    completions = db.metadata.tables["section_completion"]
    db.session.execute(sa.delete(completions).where(completions.c.assessment_id == assessment.id))
    db.session.commit()
    assert content_hash(fresh(assessment.id)) == original


def test_changes_between_names_each_field_that_differs(world):
    assessment = world.write_full_assessment(world.make_assessment("full_assessment"))
    before = sections_record(assessment)
    item = assessment.evidence_items[0]
    full_content.save_item(full_content.EVIDENCE, assessment.id, world.author, assessment.lock_version,
                           item.id, {"summary": "Who visits, by age, disability and sex"})
    full_content.save_item(full_content.EVIDENCE, assessment.id, world.author,
                           fresh(assessment.id).lock_version, None, {
                               "kind": "research", "source": "Census 2021", "dated": date(2021, 3, 21),
                               "summary": "Population by age", "link": ""})
    found = changes_between(before, sections_record(fresh(assessment.id)))
    assert list(found) == ["evidence"]
    assert found["evidence"][0] == FieldChange("items[1].summary", "Who visits, by age and disability",
                                               "Who visits, by age, disability and sex")
    # An added row shows as its fields going from nothing.
    assert FieldChange("items[2].source", None, "Census 2021") in found["evidence"]
    assert changes_between(before, before) == {}
