"""The Equality Framework self-assessment (issue 18): frameworks as configuration, checked
when loaded; rating criteria with evidence; ratings beside last year's; and the gaps turned
into rows of a draft action plan. The services, through a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from eqia.audit_words import words
from eqia.extensions import db
from eqia.frameworks.definition import FRAMEWORKS_DIR, FrameworkConfigError, frameworks, load_framework
from eqia.models import ActionPlan, AuditEvent, FrameworkAssessment, FrameworkEvidence, FrameworkRating, PlanRow
from eqia.services import framework, plans
from eqia.services.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible
from tests.test_plans import HOSTILE, make

EFLG, EDS = "eflg_2021", "nhs_eds_2022"


def start(world, period="2026/27", user=None, **fields) -> FrameworkAssessment:
    made = framework.create(user or world.lead, {"framework": EFLG, "period": period, **fields})
    db.session.commit()
    return made


def rate(world, found, criterion, rating, user=None, **fields) -> FrameworkRating:
    row = framework.rate(user or world.lead, found.id, criterion, {"rating": rating, **fields})
    db.session.commit()
    return row


def refused(error, call) -> list:
    with pytest.raises(error) as caught:
        call()
    db.session.rollback()
    return [(p.field, str(p.message)) for p in caught.value.problems]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# ------------------------------------------------------------------ the frameworks as configuration
def test_both_frameworks_load_with_their_modules_and_scales():
    loaded = frameworks()
    eflg, eds = loaded[EFLG], loaded[EDS]
    assert [m.key for m in eflg.modules] == ["communities", "leadership", "services", "workforce"]
    assert [r.key for r in eflg.ratings] == ["developing", "achieving", "excellent"]
    assert [r.key for r in eds.ratings] == ["undeveloped", "developing", "achieving", "excellent"]
    assert [str(m.title) for m in eds.modules] == ["Commissioned or provided services",
                                                   "Workforce health and well-being", "Inclusive leadership"]
    assert [eds.is_gap(r) for r in ("", "undeveloped", "developing", "achieving", "excellent", "nonsense")] == [
        True, True, True, False, False, True]


def _broken(tmp_path: Path, old: str, new: str, name: str = EFLG) -> Path:
    text = (FRAMEWORKS_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, said", [
    ("meets: achieving", "meets: brilliant", "meets: 'brilliant' is not one of the ratings"),
    ("      - key: using_data", "      - key: community_data", "criteria: key 'community_data' is used twice"),
    ("        label: Leadership\n", "        label: ''\n", "modules[1].criteria[0].label: must be words"),
    ("  - key: workforce\n", "  - key: Workforce Module\n", "modules[3].key: must be a code"),
    ("        number: \"1.1\"\n", "        number: 1.1\n", "modules[0].criteria[0].number: must be text"),
    ("ratings:\n", "ratingz:\n", "(top).ratingz: is not a key a framework has"),
    ("key: eflg_2021", "key: eflg_2022", "key: must be the file's name"),
    ("modules:\n  - key: communities", "modules: []\nunused:\n  - key: communities", "(top).unused"),
])
def test_a_malformed_framework_is_refused_naming_its_file_and_key(tmp_path, old, new, said):
    path = _broken(tmp_path, old, new)
    with pytest.raises(FrameworkConfigError) as caught:
        load_framework(path)
    assert str(caught.value).startswith(f"{path}: ") and said in str(caught.value)


def test_a_file_that_is_not_yaml_is_refused_naming_it(tmp_path):
    path = tmp_path / "eflg_2021.yaml"
    path.write_text("key: [unclosed", encoding="utf-8")
    with pytest.raises(FrameworkConfigError, match=f"^{path}: not valid YAML"):
        load_framework(path)


# ------------------------------------------------------------------ making one
def test_a_lead_starts_a_self_assessment_compared_by_default_with_the_latest_of_its_framework(world):
    first = start(world, "2025/26")
    other = framework.create(world.admin, {"framework": EDS, "period": "2026/27"})
    db.session.commit()
    second = start(world, "2026/27")
    assert (second.previous_id, other.previous_id, first.previous_id) == (first.id, None, None)
    alone = start(world, "2027/28", previous="none")
    assert alone.previous_id is None
    [event] = [e for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.assessment_reference == f"FRAMEWORK-{second.id}"))]
    assert (event.action, event.details["change"], event.details["framework"]) == (
        "programme:framework_created", "framework_created", EFLG)
    assert str(words(event)) == "Equality Framework self-assessment started: 2026/27"


def test_a_bad_start_names_every_problem_and_saves_nothing(world):
    eds = framework.create(world.lead, {"framework": EDS, "period": "2026/27"})
    db.session.commit()
    assert refused(Invalid, lambda: framework.create(world.lead, {"framework": "eflg_1999", "period": ""})) == [
        ("framework", "Select the framework to assess against"), ("period", "Enter the period, for example 2026/27")]
    assert refused(Invalid, lambda: framework.create(world.lead, {"framework": EFLG, "period": "x" * 41,
                                                                  "previous": eds.id})) == [
        ("period", "The period must be 40 characters or fewer"),
        ("previous", "Select an earlier self-assessment against the same framework, or none")]
    assert refused(Invalid, lambda: framework.create(world.lead, {"framework": EDS, "period": " 2026/27 "})) == [
        ("period", "There is already a self-assessment against this framework for that period")]
    assert count(FrameworkAssessment) == 1


@pytest.mark.parametrize("who", ["author", "decider"])
def test_only_leads_and_admins_make_or_rate_and_the_service_says_so(world, who):
    found = start(world)
    user = getattr(world, who)
    refused(Forbidden, lambda: framework.create(user, {"framework": EFLG, "period": "2030/31"}))
    refused(Forbidden, lambda: framework.rate(user, found.id, "leadership", {"rating": "excellent"}))
    refused(Forbidden, lambda: framework.gaps_to_plan(user, found.id, {"plan": "new", "title": "Plan"}))
    assert framework.get(user, found.id).id == found.id  # but anyone signed in reads it
    assert count(FrameworkRating) == 0 and count(ActionPlan) == 0


# ------------------------------------------------------------------ rating
def test_a_rating_keeps_codes_its_evidence_verbatim_and_its_links(world):
    found = start(world)
    assessment = world.make_assessment()
    plan = make(world)
    row = rate(world, found, "engagement", "developing", evidence=HOSTILE,
               links=f"{assessment.reference.lower()}, PLAN-{plan.id}\n{assessment.reference}")
    db.session.expire_all()
    row = db.session.get(FrameworkRating, row.id)
    assert (row.criterion, row.rating, row.evidence) == ("engagement", "developing", HOSTILE)
    assert [(link.kind, link.target_id, link.reference) for link in row.links] == [
        ("eqia", None, assessment.reference), ("plan", plan.id, "")]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "programme:framework_rated")).one()
    assert (event.details["criterion"], event.details["rating"]) == ("engagement", "developing")
    assert str(words(event)) == "Self-assessment 2026/27, criterion 1.3 rated: Developing"


def test_rating_again_replaces_the_rating_and_its_links(world):
    found = start(world)
    plan = make(world)
    rate(world, found, "engagement", "developing", links=f"PLAN-{plan.id}")
    rate(world, found, "engagement", "", evidence="Not sure yet")
    assert count(FrameworkRating) == 1 and count(FrameworkEvidence) == 0
    assert db.session.scalars(sa.select(FrameworkRating)).one().rating == ""


def test_an_unknown_rating_criterion_or_reference_is_a_clear_refusal_and_nothing_is_saved(world):
    found = start(world)
    assert refused(Invalid, lambda: framework.rate(world.lead, found.id, "engagement", {
        "rating": "brilliant", "evidence": "x" * 10_001,
        "links": "EQIA-2099-9999 PLAN-999999 ACT-88 <script>"})) == [
        ("rating", "Select a rating, or leave it not rated yet"),
        ("evidence", "The evidence must be 10,000 characters or fewer"),
        ("links", "There is no assessment with the reference EQIA-2099-9999; There is no action plan PLAN-999999; "
                  "There is no activity ACT-88 in the register; There is no assessment with the reference <SCRIPT>")]
    refused(NotFound, lambda: framework.rate(world.lead, found.id, "no_such_criterion", {"rating": "achieving"}))
    assert refused(Invalid, lambda: framework.rate(world.lead, found.id, "engagement", {
        "links": " ".join(f"PLAN-{n}" for n in range(51))})) == [("links", "Link at most 50 things to one criterion")]
    assert count(FrameworkRating) == 0


def test_a_rating_over_someone_elses_change_is_refused(world):
    found = start(world)
    seen = found.lock_version
    rate(world, found, "leadership", "achieving", user=world.lead2)
    refused(Conflict, lambda: framework.rate(world.lead, found.id, "partnership", {"rating": "excellent"},
                                             expected_lock_version=seen))
    assert [r.criterion for r in db.session.scalars(sa.select(FrameworkRating))] == ["leadership"]


def test_each_criterion_is_shown_beside_last_years_rating(world):
    last = start(world, "2025/26")
    rate(world, last, "leadership", "developing")
    rate(world, last, "partnership", "excellent")
    found = start(world, "2026/27")
    rate(world, found, "leadership", "achieving")
    by_key = {r.criterion.key: (r.rating, r.previous_rating) for g in framework.compared(found) for r in g.rows}
    assert len(by_key) == 15
    assert (by_key["leadership"], by_key["partnership"], by_key["engagement"]) == (
        ("achieving", "developing"), ("", "excellent"), ("", ""))
    from eqia.services.framework_report import DOWN, NEW, SAME, UP, movement

    definition = framework.framework_of(found)
    moves = {r.criterion.key: movement(definition, r) for g in framework.compared(found) for r in g.rows}
    assert (moves["leadership"], moves["partnership"], moves["engagement"]) == (UP, SAME, SAME)
    rate(world, found, "partnership", "developing")
    rate(world, found, "engagement", "excellent")
    moves = {r.criterion.key: movement(definition, r) for g in framework.compared(found) for r in g.rows}
    assert (moves["partnership"], moves["engagement"]) == (DOWN, NEW)


# ------------------------------------------------------------------ gaps into an action plan
def test_the_gaps_become_rows_of_a_new_draft_plan_themed_by_their_module_in_one_step(world):
    found = start(world)
    for key in framework.framework_of(found).criteria:
        rate(world, found, key, "achieving")
    rate(world, found, "engagement", "developing")
    rate(world, found, "workforce_data", "")
    plan, added = framework.gaps_to_plan(world.lead, found.id, {"plan": "new", "title": HOSTILE})
    db.session.commit()
    plan = db.session.get(ActionPlan, plan.id)
    assert (added, plan.title, plan.state) == (2, HOSTILE, "draft")
    assert [t.module for t in plan.themes] == ["communities", "leadership", "services", "workforce"]
    assert [(r.number, r.theme.module, r.recommendation) for r in plan.rows] == [
        ("1.3", "communities", "Effective community engagement: rated developing in the 2026/27 self-assessment; "
                               "reach achieving"),
        ("4.1", "workforce", "Workforce data and pay gaps: not rated in the 2026/27 self-assessment; rate it and "
                             "reach achieving")]
    changes = [e.details["change"] for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq))
               if e.details and e.details.get("change", "").startswith(("plan_", "framework_gaps"))]
    assert changes == ["plan_created", "plan_rows_imported", "framework_gaps_planned"]


def test_the_gaps_go_into_a_chosen_draft_plan_adding_a_theme_for_a_domain_it_lacks(world):
    found = framework.create(world.lead, {"framework": EDS, "period": "2026/27"})
    db.session.commit()
    for key in framework.framework_of(found).criteria:
        rate(world, found, key, "excellent")
    rate(world, found, "free_from_abuse", "undeveloped")
    plan = make(world)
    _, added = framework.gaps_to_plan(world.lead, found.id, {"plan": plan.id})
    db.session.commit()
    plan = db.session.get(ActionPlan, plan.id)
    assert added == 1 and [t.title for t in plan.themes][-1] == "Workforce health and well-being"
    [row] = plan.rows
    assert (row.number, row.theme.title) == ("2B", "Workforce health and well-being")


def test_no_gaps_an_unknown_or_adopted_plan_or_a_failure_leaves_no_row_and_no_plan(world):
    found = start(world)
    for key in framework.framework_of(found).criteria:
        rate(world, found, key, "excellent")
    refused(NotPossible, lambda: framework.gaps_to_plan(world.lead, found.id, {"plan": "new", "title": "P"}))
    rate(world, found, "leadership", "developing")
    adopted_plan = make(world)
    plans.add_row(world.lead, adopted_plan.id, {"theme_id": adopted_plan.themes[0].id, "recommendation": "R",
                                                "response": "agreed", "due_condition": "Soon", "owner": "HR"})
    db.session.commit()
    plans.take(world.lead, adopted_plan.id, "agree_plan")
    db.session.commit()
    for chosen in (adopted_plan.id, 99_999_999, "", "1 OR 1=1"):
        assert refused(Invalid, lambda: framework.gaps_to_plan(world.lead, found.id, {"plan": chosen})) == [
            ("plan", "Select a draft action plan you can change, or a new plan")]
    assert refused(Invalid, lambda: framework.gaps_to_plan(world.lead, found.id, {"plan": "new", "title": " "})) == [
        ("title", "Enter the title of the new action plan")]
    assert count(ActionPlan) == 1 and count(PlanRow) == 1
