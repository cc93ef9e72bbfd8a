"""The rules that make each section of an EqIA complete, told as the author
meets them on the pages: every rule is checked by its exact message, imported
from where it is written, and every refusal leaves the assessment as it was."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.forms.completion import COMPLETION_MISSING
from eqia.forms.fields import date_missing_parts, date_not_real
from eqia.local_time import local_date
from eqia.models import Assessment, utcnow
from eqia.loaded_definitions import characteristics
from eqia.services import content
from eqia.services.assessments import NOT_EDITABLE, SECTION_NOT_OPEN
from eqia.services.errors import Invalid, NotPossible
from eqia.services.workflow import perform_transition
from eqia.assessments.rules import SCREENING_SAYS_FULL
from eqia.assessments.sections import (
    ACTIONS_MISSING,
    CONSULTATION_END_BEFORE_START,
    CONSULTATION_MISSING,
    EVIDENCE_DATE_FUTURE,
    EVIDENCE_KIND_MISSING,
    EVIDENCE_NONE,
    EVIDENCE_SOURCE_MISSING,
    EVIDENCE_SUMMARY_MISSING,
    INTERSECTIONAL_MISSING,
    JUSTIFICATION_MISSING,
    LINK_NOT_WEB,
    OUTCOME_MISSING,
    REVIEW_BEFORE_DECISION,
    REVIEW_DATE_MISSING,
    action_due_missing,
    action_measure_missing,
    action_owner_missing,
    advances_missing,
    aim_not_applicable,
    asks_about_advancing,
    evidence_not_cited,
    gathering_action_description,
    gathering_action_missing,
    impact_missing,
    judgement_reason_missing,
    mitigation_missing,
    not_marked_complete,
    outcome_beside_adverse,
    outcomes_contradict,
    problems_for,
    screen_out_blocked_by_unknown,
    screening_reason_missing,
    severity_missing,
)
from eqia.interchange.exporter import CONTENT_KEYS
from eqia.interchange.importer import import_document
from tests.conftest import audit_count
from tests.test_api import api  # noqa: F401  (a fixture)
from tests.test_assessment_pages import errors_on

MARRIAGE = "marriage_civil_partnership"
TODAY = date.today()


def parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def record(assessment_id: int) -> dict:
    """Everything a section page can change, and the audit trail: equal before
    and after a refused save means nothing was saved."""
    a = fresh(assessment_id)
    return {
        "lock_version": a.lock_version, "audit": audit_count(a.id), "state": a.state,
        "completed": sorted(c.section_key for c in a.completions),
        "screening": [(s.affects, s.reason, s.advances_equality) for s in a.screening_answers]
        + [a.screening_proposal, a.screening_conclusion],
        "evidence": [(e.kind, e.source, e.dated, e.summary, e.link) for e in a.evidence_items],
        "consultations": [(c.who, c.held_from, c.held_to) for c in a.consultations],
        "impacts": [(i.impact, i.severity, i.evidence_narrative, i.mitigation, i.aim_eliminate_discrimination,
                     i.aim_advance_equality, i.aim_foster_good_relations, [e.id for e in i.evidence])
                    for i in a.impacts],
        "outcomes": sorted(o.outcome for o in a.outcomes), "justification": a.outcome_justification,
        "actions": [(x.description, x.owner, x.due_date, x.success_measure) for x in a.actions],
        "review_date": a.review_date, "intersectional": a.intersectional_effects,
    }


def post(client, assessment: Assessment, path: str, data: dict):
    """Send a page as the user would, built from the lock version saved now."""
    return client.post(f"/assessments/{assessment.id}/{path}",
                       data={"lock_version": str(fresh(assessment.id).lock_version), **data})


def refused(client, assessment: Assessment, path: str, data: dict) -> list[str]:
    """Post, check the page came back with its problems and saved nothing, and return the problems."""
    before = record(assessment.id)
    response = post(client, assessment, path, data)
    assert response.status_code == 200
    assert record(assessment.id) == before
    return errors_on(response)


@pytest.fixture
def started(world, auth) -> Assessment:
    """An assessment just moved on to full assessment, nothing in it yet, its author signed in."""
    assessment = world.make_assessment()
    perform_transition(assessment.id, "start_full_assessment", world.author)
    # The screen-out it proposed gave a review date; this one starts without any, as a first screening
    # proposing a full assessment does.
    db.session.execute(sa.update(Assessment).where(Assessment.id == assessment.id).values(review_date=None))
    db.session.commit()
    auth.sign_in(world.author)
    return fresh(assessment.id)


def add_evidence(assessment: Assessment, author) -> int:
    lock = fresh(assessment.id).lock_version
    done, _ = content.save_item(content.EVIDENCE, assessment.id, author, lock, None, {
        "kind": "data", "source": "Library visitor survey 2025", "dated": TODAY - timedelta(days=60),
        "summary": "Daytime visits by age", "link": ""})
    return done.evidence_items[-1].id


# ------------------------------------------------------------------- screening

def screening_answers(assessment: Assessment, **overrides) -> dict:
    review = local_date(utcnow()) + timedelta(days=365)
    data = {"relevance": "low", "conclusion": "Considered each group", "proposal": "screen_out",
            "completed": "yes", "review_date": [str(review.day), str(review.month), str(review.year)]}
    for row in fresh(assessment.id).screening_answers:
        key = row.characteristic_key
        data |= {f"answer_{key}": "no", f"reason_{key}": f"Checked {row.characteristic_label}"}
        if asks_about_advancing(key, characteristics()):
            data[f"advances_{key}"] = "no"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("overrides,message", [
    ({"answer_age": "dont_know", "answer_carers": "dont_know"},
     screen_out_blocked_by_unknown(["Age", "Carers"])),
    ({"reason_disability": "  "}, screening_reason_missing("Disability")),
    ({"advances_race": None}, advances_missing("Race")),
])
def test_screening_cannot_be_marked_complete_until_every_rule_is_met(client, auth, world, overrides, message):
    assessment = world.make_assessment()
    auth.sign_in(world.author)
    assert refused(client, assessment, "screening", screening_answers(assessment, **overrides)) == [message]
    # The same answers save as a draft.
    assert post(client, assessment, "screening", screening_answers(assessment, **overrides, completed="no")
                ).status_code == 302
    assert not fresh(assessment.id).is_completed("screening")


def test_marriage_and_civil_partnership_is_not_asked_about_advancing_equality(client, auth, world):
    assessment = world.make_assessment()
    auth.sign_in(world.author)
    page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/screening").data, "html.parser")
    assert page.find(attrs={"name": "advances_age"}) is not None
    assert page.find(attrs={"name": f"advances_{MARRIAGE}"}) is None
    data = screening_answers(assessment, reason_age="Older people use the library by day")
    assert f"advances_{MARRIAGE}" not in data
    assert post(client, assessment, "screening", data).status_code == 302
    answer = next(a for a in fresh(assessment.id).screening_answers if a.characteristic_key == MARRIAGE)
    assert answer.advances_equality is None and fresh(assessment.id).is_completed("screening")


def test_a_screen_out_is_refused_once_a_dont_know_has_slipped_into_a_draft(client, auth, world):
    assessment = world.make_assessment()
    auth.sign_in(world.author)
    draft = screening_answers(assessment, answer_age="dont_know", completed="no")
    assert post(client, assessment, "screening", draft).status_code == 302
    before = record(assessment.id)
    response = post(client, assessment, "actions/propose_screen_out", {"comment": "No impact"})
    assert response.status_code == 409
    # Once in the error summary: the screening's own check and the workflow's guard say the same thing.
    assert errors_on(response) == [screen_out_blocked_by_unknown(["Age"])]
    assert record(assessment.id) == before


def test_a_screen_out_is_refused_when_the_screening_says_a_full_assessment_is_needed(client, auth, world):
    assessment = world.make_assessment(answer="yes")
    auth.sign_in(world.author)
    before = record(assessment.id)
    response = post(client, assessment, "actions/propose_screen_out", {"comment": "No impact"})
    assert response.status_code == 409
    assert errors_on(response) == [SCREENING_SAYS_FULL]
    assert record(assessment.id) == before


def test_both_screen_out_guards_speak_through_the_workflow_service(world):
    assessment = world.make_assessment(answer="dont_know")  # a complete screening proposing a full assessment
    before = record(assessment.id)
    with pytest.raises(NotPossible) as refusal:
        perform_transition(assessment.id, "propose_screen_out", world.author, comment="No impact")
    names = [row.characteristic_label for row in assessment.screening_answers]
    assert [p.message for p in refusal.value.problems] == \
        [SCREENING_SAYS_FULL, screen_out_blocked_by_unknown(names)]
    assert record(assessment.id) == before


# ------------------------------------------------------------- each group

def group_answers(**overrides) -> dict:
    data = {"impact": "neutral", "evidence_narrative": "Older and younger people visit equally",
            "no_evidence_reason": "", "mitigation": "", "completed": "yes"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("rule,cite,gathering,overrides", [
    (judgement_reason_missing, True, False, {"evidence_narrative": ""}),
    (evidence_not_cited, False, True, {}),
    (gathering_action_missing, False, False, {"no_evidence_reason": "No survey has asked about age"}),
], ids=["no-reason", "no-evidence-no-explanation", "no-evidence-no-action"])
def test_a_neutral_judgement_needs_reasons_and_evidence(client, world, started, rule, cite, gathering,
                                                       overrides):
    overrides = dict(overrides)
    if cite:
        overrides["evidence"] = [str(add_evidence(started, world.author))]
    if gathering:
        content.add_gathering_action(started.id, world.author, fresh(started.id).lock_version, "age")
    assert refused(client, started, "groups/age", group_answers(**overrides)) == [rule("Age")]


def test_an_impact_not_yet_known_needs_an_action_to_find_out_even_with_evidence(client, world, started):
    """Bridges v South Wales Police (2020): evidence cited does not excuse not knowing
    the impact. "Not yet known" needs an action to gather the evidence, as no evidence does."""
    answers = group_answers(impact="not_known", evidence=[str(add_evidence(started, world.author))])
    assert refused(client, started, "groups/age", answers) == [gathering_action_missing("Age", impact_unknown=True)]
    content.add_gathering_action(started.id, world.author, fresh(started.id).lock_version, "age")
    done = post(client, started, "groups/age", answers)
    assert done.status_code == 302, errors_on(done)
    assert fresh(started.id).is_completed("characteristic:age")


def test_the_gather_button_saves_the_draft_and_adds_one_action(client, world, started):
    answers = group_answers(evidence_narrative="Draft: daytime users are older", completed=None)
    response = post(client, started, "groups/age", {**answers, "gather": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{started.id}/groups/age#gather")
    assert post(client, started, "groups/age", {**answers, "gather": "1"}).status_code == 302  # pressed twice
    saved = fresh(started.id)
    assert saved.impact_for("age").evidence_narrative == "Draft: daytime users are older"
    assert [(a.description, a.characteristic_key) for a in saved.actions] == \
        [(gathering_action_description("Age"), "age")]
    done = post(client, started, "groups/age",
                group_answers(no_evidence_reason="No survey has asked about age"))
    assert done.status_code == 302, errors_on(done)
    assert fresh(started.id).is_completed("characteristic:age")


@pytest.mark.parametrize("mitigation,outcomes,justification,accepted", [
    ("", [], "", False),
    ("Keep one late opening a week", [], "", True),
    ("", ["continue"], "The saving is needed and no branch closes", True),
    ("", ["continue"], "", False),
    ("", ["adjust"], "The saving is needed and no branch closes", False),
], ids=["nothing", "mitigation", "continue-justified", "continue-unjustified", "other-outcome"])
def test_a_negative_impact_is_reduced_or_continued_with_justification(client, world, started, mitigation,
                                                                      outcomes, justification, accepted):
    content.update_outcome(started.id, world.author, fresh(started.id).lock_version, outcomes, justification,
                           None)
    answers = group_answers(impact="negative", severity="high", mitigation=mitigation,
                            evidence=[str(add_evidence(started, world.author))])
    if accepted:
        assert post(client, started, "groups/age", answers).status_code == 302
        assert fresh(started.id).is_completed("characteristic:age")
    else:
        assert refused(client, started, "groups/age", answers) == [mitigation_missing("Age")]


def test_a_negative_impact_needs_its_severity(client, world, started):
    answers = group_answers(impact="negative", mitigation="Keep one late opening a week",
                            evidence=[str(add_evidence(started, world.author))])
    assert refused(client, started, "groups/age", answers) == [severity_missing("Age")]


@pytest.mark.parametrize("aims", [["a", "b"], ["c"], ["b", "c"]])
def test_the_duty_covers_marriage_and_civil_partnership_for_aim_a_only(client, started, aims):
    covered = aim_not_applicable("Marriage and civil partnership", [characteristics().aims["a"]])
    assert f"\u201c{characteristics().aims['a']}\u201d only" in covered
    answers = group_answers(aims_relevant=aims, completed="no")
    assert refused(client, started, f"groups/{MARRIAGE}", answers) == [covered]
    assert post(client, started, f"groups/{MARRIAGE}", group_answers(aims_relevant=["a"], completed="no")
                ).status_code == 302
    row = fresh(started.id).impact_for(MARRIAGE)
    assert (row.aim_eliminate_discrimination, row.aim_advance_equality, row.aim_foster_good_relations) == \
        (True, None, None)


def test_the_aims_service_refuses_an_aim_that_does_not_apply(world, started):
    before = record(started.id)
    with pytest.raises(Invalid) as refusal:
        content.update_impact(started.id, world.author, before["lock_version"], MARRIAGE, content.ImpactInput(
            impact="neutral", severity=None, aims=frozenset({"b"}), evidence_narrative="",
            cited_evidence_ids=frozenset(), no_evidence_reason="", mitigation=""), None)
    assert [p.message for p in refusal.value.problems] == \
        [aim_not_applicable("Marriage and civil partnership", [characteristics().aims["a"]])]
    assert record(started.id) == before


def test_the_aims_problem_links_to_the_aims_question(client, started):
    """The GOV.UK error summary links each message to the question to put right."""
    response = post(client, started, f"groups/{MARRIAGE}", group_answers(aims_relevant=["b"], completed="no"))
    page = BeautifulSoup(response.data, "html.parser")
    links = [a["href"] for a in page.select(".govuk-error-summary__list a")]
    assert len(links) == 1 and page.select_one("input[name=aims_relevant]") is not None
    assert page.find(id=links[0].lstrip("#")) is not None, f"{links[0]} is not on the page"


# -------------------------------------------------------------------- outcome

@pytest.mark.parametrize("outcomes,justification,message", [
    ([], "", OUTCOME_MISSING),
    (["continue"], "", JUSTIFICATION_MISSING),
    (["continue", "adjust"], "   ", JUSTIFICATION_MISSING),
])
def test_the_outcome_needs_a_choice_and_continuing_needs_a_justification(client, started, outcomes,
                                                                         justification, message):
    data = {"outcomes": outcomes, "outcome_justification": justification, "completed": "yes"}
    assert refused(client, started, "outcome", data) == [message]


def test_the_outcome_service_refuses_an_unjustified_continue(world, started):
    before = record(started.id)
    with pytest.raises(Invalid) as refusal:
        content.update_outcome(started.id, world.author, before["lock_version"], ["continue"], "", True)
    assert [p.message for p in refusal.value.problems] == [JUSTIFICATION_MISSING]
    assert record(started.id) == before


def test_outcomes_that_exclude_each_other_cannot_stand_together(client, world, started):
    data = {"outcomes": ["no_major_change", "stop"], "outcome_justification": "", "completed": "yes"}
    assert refused(client, started, "outcome", data) == [outcomes_contradict("no_major_change", "stop")]
    assert outcomes_contradict("no_major_change", "stop") == (
        "\u201cNo major change needed\u201d and \u201cStop and remove the activity\u201d contradict each other: "
        "choose the one that applies")
    # Continuing despite an adverse impact while adjusting the activity is one coherent outcome.
    both = {"outcomes": ["adjust", "continue"], "outcome_justification": "The saving is needed", "completed": "yes"}
    assert post(client, started, "outcome", both).status_code == 302
    assert fresh(started.id).is_completed("outcome")


def test_no_major_change_cannot_stand_beside_a_high_adverse_impact(client, world, started):
    evidence_id = add_evidence(started, world.author)
    content.update_impact(started.id, world.author, fresh(started.id).lock_version, "age", content.ImpactInput(
        impact="negative", severity="high", aims=frozenset({"a"}), evidence_narrative="Mornings cut",
        cited_evidence_ids=frozenset({evidence_id}), no_evidence_reason="",
        mitigation="Keep one late opening a week"), None)
    data = {"outcomes": ["no_major_change"], "outcome_justification": "", "completed": "yes"}
    message = outcome_beside_adverse("no_major_change", "Age", "High")
    assert message == ("\u201cNo major change needed\u201d cannot be the outcome while the impact on Age is negative "
                       "with high severity: choose another outcome, or change the judgement about Age if it is wrong")
    assert refused(client, started, "outcome", data) == [message]
    assert post(client, started, "outcome", {**data, "outcomes": ["adjust"]}).status_code == 302


def test_contradicting_outcomes_are_refused_through_the_api_and_after_an_import(world, api):
    """One rule, in the outcome section's checks: an API PUT that marks the outcome completed
    and an imported document meet the same message as the page."""
    a = world.make_assessment("full_assessment", answer="yes")
    world.write_full_assessment(a)
    api.as_user(world.author)
    response = api.get(f"/assessments/{a.id}")
    doc, etag = response.get_json(), response.headers["ETag"]
    doc["outcome"]["outcomes"] = ["no_major_change", "stop"]
    before = record(a.id)
    refusal = api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": etag})
    assert refusal.status_code == 422
    assert outcomes_contradict("no_major_change", "stop") in [e["message"] for e in refusal.get_json()["errors"]]
    assert record(a.id) == before
    imported = fresh(import_document(world.author, {k: v for k, v in doc.items()
                                                    if k in ("format", *CONTENT_KEYS)}).assessment.id)
    assert sorted(o.outcome for o in imported.outcomes) == ["no_major_change", "stop"]  # kept as written
    assert [p.message for p in problems_for(imported, "outcome", characteristics())] == \
        [outcomes_contradict("no_major_change", "stop")]


# ------------------------------------------------------------ evidence items

def evidence_item(**overrides) -> dict:
    data = {"kind": "data", "source": "Library visitor survey 2025",
            "dated": parts(TODAY - timedelta(days=3)), "summary": "Daytime visits by age",
            "link": "https://example.test/survey"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("overrides,message", [
    ({"kind": None}, EVIDENCE_KIND_MISSING),
    ({"source": "  "}, EVIDENCE_SOURCE_MISSING),
    ({"summary": ""}, EVIDENCE_SUMMARY_MISSING),
    ({"link": "file:///etc/passwd"}, LINK_NOT_WEB),
    ({"link": "javascript:alert(1)"}, LINK_NOT_WEB),
    ({"link": "https://"}, LINK_NOT_WEB),
    ({"dated": parts(TODAY + timedelta(days=2))}, EVIDENCE_DATE_FUTURE),
], ids=["no-kind", "no-source", "no-summary", "file", "javascript", "no-host", "future"])
def test_a_piece_of_evidence_is_refused_until_it_is_whole(client, started, overrides, message):
    assert refused(client, started, "evidence/add", evidence_item(**overrides)) == [message]
    assert fresh(started.id).evidence_items == []


def test_changing_a_link_to_a_script_keeps_the_saved_link(client, world, started):
    item_id = add_evidence(started, world.author)
    script = evidence_item(link="javascript:alert(1)")
    assert refused(client, started, f"evidence/{item_id}", script) == [LINK_NOT_WEB]
    before = record(started.id)
    with pytest.raises(Invalid) as refusal:
        content.save_item(content.EVIDENCE, started.id, world.author, before["lock_version"], item_id,
                          {"link": "file:///etc/passwd"})
    assert [p.message for p in refusal.value.problems] == [LINK_NOT_WEB]
    assert record(started.id) == before and fresh(started.id).evidence_items[0].link == ""


# --------------------------------------------------- consultation and actions

def test_a_consultation_cannot_end_before_it_starts(client, started):
    data = {"who": "Library users", "held_from": parts(TODAY - timedelta(days=5)),
            "held_to": parts(TODAY - timedelta(days=6)), "method": "Drop-in sessions",
            "what_they_said": "Keep mornings", "how_it_changed": "Mornings kept"}
    assert refused(client, started, "consultation/add", data) == [CONSULTATION_END_BEFORE_START]
    assert post(client, started, "consultation/add", {**data, "held_to": parts(TODAY - timedelta(days=5))}
                ).status_code == 302


def action_item(**overrides) -> dict:
    data = {"description": "Monitor visits by age", "owner": "Sam Lee",
            "due_date": parts(TODAY + timedelta(days=90)), "success_measure": "Quarterly report to Cabinet",
            "status": "not_started"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


REVIEW = {"review_date": parts(TODAY + timedelta(days=365)), "completed": "yes"}


@pytest.mark.parametrize("missing,rule", [
    ("owner", action_owner_missing), ("due_date", action_due_missing),
    ("success_measure", action_measure_missing)])
def test_every_action_needs_an_owner_a_due_date_and_a_measure(client, started, missing, rule):
    assert post(client, started, "action/add", action_item()).status_code == 302
    # An action saves with only part of it: the plan is checked when it is marked complete.
    assert post(client, started, "action/add", action_item(**{missing: None}, description="Second")
                ).status_code == 302
    second = fresh(started.id).actions[1].id
    before = record(started.id)
    response = post(client, started, "action-plan", REVIEW)
    assert response.status_code == 200
    assert record(started.id) == before
    page = BeautifulSoup(response.data, "html.parser")
    assert {a.get_text(strip=True): a["href"] for a in page.select(".govuk-error-summary__list a")} == \
        {rule(2): f"/assessments/{started.id}/action/{second}#{missing}"}


@pytest.mark.parametrize("review,message", [
    (None, REVIEW_DATE_MISSING),
    (timedelta(days=0), REVIEW_BEFORE_DECISION),
    (timedelta(days=-1), REVIEW_BEFORE_DECISION),
    (timedelta(days=1), None),
])
def test_the_review_comes_after_the_decision(client, started, review, message):
    assert post(client, started, "action/add", action_item()).status_code == 302
    data = {"completed": "yes"}
    if review is not None:
        data["review_date"] = parts(started.planned_decision_date + review)
    if message is None:
        assert post(client, started, "action-plan", data).status_code == 302
        assert fresh(started.id).is_completed("action_plan")
    else:
        assert refused(client, started, "action-plan", data) == [message]


def action_order(client, assessment: Assessment) -> list[tuple[str, str]]:
    page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/action-plan").data, "html.parser")
    cards = page.select("[id^=action-] .govuk-summary-card")
    return [(c.select_one(".govuk-summary-card__title").get_text(strip=True),
             c.select_one(".govuk-summary-list__value").get_text(strip=True)) for c in cards]


def test_actions_are_reordered_and_the_first_cannot_go_higher(client, started):
    for description in ("Gather evidence", "Monitor visits"):
        assert post(client, started, "action/add", action_item(description=description)).status_code == 302
    second = fresh(started.id).actions[1].id
    assert post(client, started, f"action/{second}/move/up", {}).status_code == 302
    assert action_order(client, started) == [("Action 1", "Monitor visits"), ("Action 2", "Gather evidence")]
    before = record(started.id)
    assert post(client, started, f"action/{second}/move/up", {}).status_code == 302
    assert record(started.id) == before
    assert action_order(client, started) == [("Action 1", "Monitor visits"), ("Action 2", "Gather evidence")]


def test_moving_the_first_action_up_does_not_say_it_moved(client, started):
    """The page offers no "Move up" on the first action; a request for it moves
    nothing and must not claim to."""
    for description in ("Gather evidence", "Monitor visits"):
        post(client, started, "action/add", action_item(description=description))
    first = fresh(started.id).actions[0].id
    response = post(client, started, f"action/{first}/move/up", {})
    assert "Action moved up" not in client.get(response.headers["Location"]).data.decode()


def test_an_unfinished_gathering_action_is_linked_from_check_your_answers_and_submit(client, started):
    # The one-click gathering action has no due date or measure yet: the pages that list what is
    # missing must link to it, not fail.
    post(client, started, "groups/age", {**group_answers(completed=None), "gather": "1"})
    action = fresh(started.id).actions[0].id
    for path in ("check", "actions/submit_for_challenge"):
        response = client.get(f"/assessments/{started.id}/{path}")
        assert response.status_code == 200, path
        assert f"/assessments/{started.id}/action/{action}#due_date" in response.data.decode()


# ---------------------------------------------------------- drafts and dates

@pytest.mark.parametrize("path,key,draft,message", [
    ("evidence", "evidence", {}, EVIDENCE_NONE),
    ("consultation", "consultation", {}, CONSULTATION_MISSING),
    ("intersectional", "intersectional", {"intersectional_effects": " "}, INTERSECTIONAL_MISSING),
    ("outcome", "outcome", {"outcomes": ["continue"]}, JUSTIFICATION_MISSING),
    ("action-plan", "action_plan", {"review_date": REVIEW["review_date"]}, ACTIONS_MISSING),
    ("groups/age", "characteristic:age", {"impact": "neutral"}, judgement_reason_missing("Age")),
])
def test_a_draft_saves_as_it_is_and_completing_runs_the_checks(client, started, path, key, draft, message):
    assert message in refused(client, started, path, {**draft, "completed": "yes"})
    assert post(client, started, path, {**draft, "completed": "no"}).status_code == 302
    assert not fresh(started.id).is_completed(key)


@pytest.mark.parametrize("path", ["screening", "evidence", "consultation", "groups/age", "intersectional",
                                  "outcome", "action-plan"])
def test_every_section_page_asks_whether_it_is_complete(client, started, path):
    assert refused(client, started, path, {}) == [COMPLETION_MISSING]


CONSULTED = {"who": "Library users", "method": "Survey", "what_they_said": "Keep mornings",
             "how_it_changed": "Mornings kept"}
DATE_FIELDS = [
    ("evidence/add", "dated", "Date of the evidence", evidence_item(dated=None)),
    ("consultation/add", "held_from", "Start date", CONSULTED),
    ("consultation/add", "held_to", "End date", {**CONSULTED, "held_from": parts(TODAY)}),
    ("action/add", "due_date", "Due date", action_item(due_date=None)),
    ("action-plan", "review_date", "Review date", {"completed": "no"}),
]


@pytest.mark.parametrize("path,field,label,rest", DATE_FIELDS, ids=[f[1] for f in DATE_FIELDS])
@pytest.mark.parametrize("posted,problem", [
    (["", "3", "2026"], lambda label: date_missing_parts(label, ["day"])),
    (["5", "", ""], lambda label: date_missing_parts(label, ["month", "year"])),
    ("5", lambda label: date_missing_parts(label, ["month", "year"])),
    (["30", "2", "2026"], date_not_real),
], ids=["no-day", "no-month-or-year", "one-part", "not-real"])
def test_a_date_with_missing_or_impossible_parts_is_a_field_error(client, started, path, field, label, rest,
                                                                  posted, problem):
    assert refused(client, started, path, {**rest, field: posted}) == [problem(label)]


# ------------------------------------------------------------------ read-only

SECTION_PAGES = [
    ("details", "register_details"), ("screening", "screening"), ("evidence", "evidence"),
    ("evidence/add", "evidence"), ("evidence/{evidence}", "evidence"), ("consultation", "consultation"),
    ("consultation/add", "consultation"), ("groups/age", "group-age"), ("intersectional", "intersectional"),
    ("outcome", "outcome"), ("action-plan", "action_plan"), ("action/add", "action_plan"),
    ("action/{action}", "action_plan"),
]


@pytest.mark.parametrize("path,anchor", SECTION_PAGES, ids=[p for p, _ in SECTION_PAGES])
def test_in_challenge_every_section_is_read_only(client, auth, world, path, anchor):
    assessment = world.make_assessment("challenge")
    path = path.format(evidence=assessment.evidence_items[0].id, action=assessment.actions[0].id)
    auth.sign_in(world.author)
    shown = client.get(f"/assessments/{assessment.id}/{path}")
    assert shown.status_code == 302
    assert shown.headers["Location"].endswith(f"/assessments/{assessment.id}/check#{anchor}")
    before = record(assessment.id)
    data = {"completed": "no", "source": "Sneaky", "description": "Sneaky",
            "intersectional_effects": "Sneaky"}
    assert post(client, assessment, path, data).status_code == 409
    assert record(assessment.id) == before
    auth.sign_out()
    auth.sign_in(world.outsider)
    assert client.get(f"/assessments/{assessment.id}/{path}").status_code == 404
    assert post(client, assessment, path, data).status_code == 404
    assert record(assessment.id) == before


# ---------------------------------------------------------- task list, submit

def tasks_on(client, assessment: Assessment) -> dict[str, tuple[str, str | None]]:
    """Each task's title -> (its status, where its link goes)."""
    page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/tasks").data, "html.parser")
    found = {}
    for item in page.select(".govuk-task-list__item"):
        link = item.select_one("a.govuk-task-list__link")
        title = item.select_one(".govuk-task-list__name-and-hint").get_text(" ", strip=True)
        found[title] = (item.select_one(".govuk-task-list__status").get_text(strip=True),
                        link["href"] if link else None)
    return found


def test_the_full_assessment_tasks_open_once_it_starts(client, auth, world):
    assessment = world.make_assessment()
    auth.sign_in(world.author)
    tasks = tasks_on(client, assessment)
    assert tasks["Screening"] == ("Completed", f"/assessments/{assessment.id}/screening")
    assert tasks["Evidence"] == ("Cannot start yet", None)
    world.drive(assessment, "full_assessment")
    assert tasks_on(client, assessment)["Evidence"] == ("Completed", f"/assessments/{assessment.id}/evidence")


def test_the_task_list_has_one_task_per_configured_group(client, started):
    tasks = tasks_on(client, started)
    for group in characteristics().characteristics:
        assert tasks[group.name] == ("Not yet started", f"/assessments/{started.id}/groups/{group.key}")
    consultation = ("Not yet started", f"/assessments/{started.id}/consultation")
    assert tasks["Consultation and engagement"] == consultation
    assert post(client, started, "consultation",
                {"no_consultation_reason": "A statutory change", "completed": "yes"}).status_code == 302
    assert tasks_on(client, started)["Consultation and engagement"][0] == "Completed"


def test_submitting_an_empty_assessment_lists_each_problem_with_a_link_to_it(client, started):
    post(client, started, "intersectional", {"intersectional_effects": "None found", "completed": "no"})
    before = record(started.id)
    response = post(client, started, "actions/submit_for_challenge", {})
    assert response.status_code == 409
    assert record(started.id) == before
    page = BeautifulSoup(response.data, "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in page.select(".govuk-error-summary__list a")}
    here = f"/assessments/{started.id}"
    assert links[EVIDENCE_NONE] == f"{here}/evidence#add"
    assert links[CONSULTATION_MISSING] == f"{here}/consultation#no_consultation_reason"
    assert links[impact_missing("Age")] == f"{here}/groups/age#impact"
    assert links[gathering_action_missing("Armed forces community")] == f"{here}/groups/armed_forces#gather"
    assert links[not_marked_complete("Intersectional and cumulative effects")] == \
        f"{here}/intersectional#completed"
    assert links[OUTCOME_MISSING] == f"{here}/outcome#outcomes"
    assert links[ACTIONS_MISSING] == f"{here}/action-plan#add"
    assert links[REVIEW_DATE_MISSING] == f"{here}/action-plan#review_date"
    # The confirmation page says the same before the button is pressed.
    before_pressing = BeautifulSoup(client.get(f"{here}/actions/submit_for_challenge").data, "html.parser")
    listed = before_pressing.select("ul.govuk-list--bullet a")
    assert {a.get_text(strip=True): a["href"] for a in listed} == links


# ------------------------------------------------ the state moves under the author

def test_a_save_after_the_state_moved_on_is_refused_and_keeps_the_text(client, world, started):
    """The author's page was built in full assessment; meanwhile it went for
    challenge. The save is refused with the reason, and what they typed stays."""
    seen = fresh(started.id).lock_version
    world.write_full_assessment(started)
    world.take(started, "submit_for_challenge")
    before = record(started.id)
    response = client.post(f"/assessments/{started.id}/intersectional",
                           data={"lock_version": str(seen), "completed": "no",
                                 "intersectional_effects": "A long paragraph I must not lose"})
    assert response.status_code == 409
    assert errors_on(response) == [NOT_EDITABLE.format(state="in challenge review")]
    assert "A long paragraph I must not lose" in response.data.decode()
    assert record(started.id) == before


def test_a_section_the_state_does_not_need_yet_cannot_be_written(client, auth, world):
    """In screening, the evidence task says "Cannot start yet": its pages lead
    back to the task list, and a save is refused (the equality lead agreeing a
    screen-out would never see it)."""
    assessment = world.make_assessment()
    auth.sign_in(world.author)
    shown = client.get(f"/assessments/{assessment.id}/evidence/add")
    assert shown.status_code == 302 and shown.headers["Location"].endswith(f"/assessments/{assessment.id}/tasks")
    before = record(assessment.id)
    response = post(client, assessment, "evidence/add", {"kind": "data", "source": "Census", "summary": "Ages"})
    assert response.status_code == 409
    assert errors_on(response) == [SECTION_NOT_OPEN.format(title="Evidence", state="in screening")]
    assert record(assessment.id) == before
    with pytest.raises(NotPossible):
        content.update_intersectional(assessment.id, world.author, fresh(assessment.id).lock_version, "Early", True)


def test_a_review_copies_every_content_column_into_the_new_version(world):
    """A review starts from what was signed: nothing the author wrote is dropped
    (the screening proposal once was). Completion marks are not copied: a review
    is a fresh look."""
    assessment = world.make_assessment("published")
    world.take(assessment, "start_review")
    db.session.expire_all()
    old = db.session.get(Assessment, assessment.id)
    new = old.next_version
    skip = {"id", "reference", "version_number", "previous_version_id", "workflow_name", "workflow_version",
            "state", "lock_version", "created_by_id", "created_at", "updated_at", "published_at"}
    for column in Assessment.__table__.columns:
        if column.key not in skip:
            assert getattr(new, column.key) == getattr(old, column.key), column.key
    assert new.screening_proposal == old.screening_proposal is not None
    assert [(e.kind, e.source) for e in new.evidence_items] == [(e.kind, e.source) for e in old.evidence_items]
    assert [[e.source for e in i.evidence] for i in new.impacts] == [[e.source for e in i.evidence] for i in old.impacts]
    assert new.completions == []
