"""At review (issue 16): a review version records, for each group its previous version
assessed, the impact seen against the one predicted, with evidence, and what happens next.
It is part of the new version's record and document; a first version has none of it, and
its record's bytes are what they always were."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from jsonschema import Draft202012Validator

from eqia.assessments import sections
from eqia.assessments.shape import LONG
from eqia.extensions import db
from eqia.forms.fields import too_long
from eqia.interchange.exporter import export
from eqia.interchange.importer import import_document
from eqia.interchange.schema import schema
from eqia.models import Assessment
from eqia.services import record, signing
from eqia.services.assessments import NOT_EDITABLE
from eqia.services.errors import NUL_REFUSED, NotPossible
from eqia.services.freeze import Frozen
from eqia.services.review_outcomes import ReviewInput, update_review
from eqia.services.workflow import perform_transition
from eqia.workflow.engine import missing_requirements
from eqia.loaded_definitions import definition_for

HOSTILE = "<script>alert('x')</script> & \u202e\U0001F600 ' \" %s {0}"


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def review_version(world) -> Assessment:
    """Version 1 published, then reviewed: version 2 in full assessment, its review not yet written."""
    first = world.make_assessment("published")
    world.take(first, "start_review")
    second = fresh(first.id).next_version
    world.write_screening(second, world.author)
    perform_transition(second.id, "start_full_assessment", world.author, comment="Annual review")
    db.session.commit()
    return fresh(second.id)


def submit_problems(assessment: Assessment) -> list[str]:
    """What submitting for challenge still needs of the review (the other sections aside)."""
    transition = definition_for(assessment).transitions["submit_for_challenge"]
    return [p.message for p in missing_requirements(fresh(assessment.id), transition)
            if p.page == sections.REVIEW_PAGE]


def page_errors(response) -> list[str]:
    page = BeautifulSoup(response.data, "html.parser")
    return [li.get_text(strip=True) for li in page.select(".govuk-error-summary__list li")]


def form_for(assessment: Assessment, completed: str = "no", **overrides) -> dict:
    data = {"lock_version": str(assessment.lock_version), "completed": completed,
            "next_step": "", "next_step_reason": ""}
    for impact in assessment.previous_version.impacts:
        data[f"actual_{impact.characteristic_key}"] = ""
        data[f"evidence_{impact.characteristic_key}"] = ""
    data.update(overrides)
    return data


def filled(assessment: Assessment, completed: str = "yes") -> dict:
    data = form_for(assessment, completed, next_step="new_version", next_step_reason="Older readers visit less")
    for impact in assessment.previous_version.impacts:
        data[f"actual_{impact.characteristic_key}"] = "as_predicted"
        data[f"evidence_{impact.characteristic_key}"] = f"Counts for {impact.characteristic_label}"
    data["actual_age"] = "worse_than_predicted"
    return data


@pytest.fixture
def second(world) -> Assessment:
    return review_version(world)


def test_a_first_version_has_no_review_task_and_submits_without_one(client, auth, world):
    first = world.make_assessment("full_assessment")
    auth.sign_in(world.author)
    page = client.get(f"/assessments/{first.id}/tasks").data.decode()
    assert "Review of version" not in page
    assert submit_problems(first) == []
    assert client.get(f"/assessments/{first.id}/actual-impacts").status_code == 404
    assert "review" not in record.content_record(fresh(first.id))["sections"]
    assert "review" not in export(fresh(first.id))


def test_a_review_version_needs_the_review_before_challenge(world, second):
    reviewed = second.previous_version
    problems = submit_problems(second)
    names = [i.characteristic_label for i in reviewed.impacts]
    assert problems == [*(message for name in names for message in (sections.actual_missing(name),
                                                                       sections.actual_evidence_missing(name))),
                        sections.NEXT_STEP_MISSING, sections.NEXT_STEP_REASON_MISSING]


def test_the_review_page_shows_each_prediction_beside_the_question_and_is_on_the_task_list(client, auth, world,
                                                                                            second):
    auth.sign_in(world.author)
    tasks = client.get(f"/assessments/{second.id}/tasks").data.decode()
    assert "Review of version 1" in tasks
    page = BeautifulSoup(client.get(f"/assessments/{second.id}/actual-impacts").data, "html.parser")
    assert page.h1.get_text(strip=True) == "Review of version 1"
    age = page.find(id="group-age").find_next("dl")
    assert "Predicted in version 1" in age.get_text() and "Neutral" in age.get_text()
    assert page.find("input", {"name": "actual_age", "value": "worse_than_predicted"}) is not None


def test_a_draft_keeps_what_is_given_and_completing_checks_every_group(client, auth, world, second):
    auth.sign_in(world.author)
    url = f"/assessments/{second.id}/actual-impacts"
    response = client.post(url, data=form_for(second, actual_age="better_than_predicted",
                                              evidence_age="Fewer complaints"))
    assert response.status_code == 302
    a = fresh(second.id)
    assert [(r.characteristic_key, r.actual_impact, r.evidence_seen) for r in a.review_outcomes] == [
        ("age", "better_than_predicted", "Fewer complaints")]
    # Marking it completed with a group unanswered: the page again, with the rule's words, nothing lost.
    data = filled(fresh(second.id))
    data["evidence_disability"] = "   "
    response = client.post(url, data=data)
    assert response.status_code == 200
    assert page_errors(response) == [sections.actual_evidence_missing("Disability")]
    page = BeautifulSoup(response.data, "html.parser")
    assert page.find("textarea", {"name": "evidence_age"}).get_text() == "Counts for Age"
    assert not fresh(second.id).is_completed("actual_impacts")
    response = client.post(url, data=filled(fresh(second.id)))
    assert response.status_code == 302
    a = fresh(second.id)
    assert a.is_completed("actual_impacts") and a.review_next_step == "new_version"
    assert submit_problems(a) == []


def test_too_long_evidence_and_unknown_choices_are_refused_in_words_and_nothing_is_lost(client, auth, world,
                                                                                        second):
    auth.sign_in(world.author)
    url = f"/assessments/{second.id}/actual-impacts"
    data = form_for(second, evidence_age="x" * (LONG + 1), evidence_sex="Kept", next_step_reason="Kept too")
    response = client.post(url, data=data)
    assert page_errors(response) == [too_long("The evidence about Age", LONG)]
    page = BeautifulSoup(response.data, "html.parser")
    assert page.find("textarea", {"name": "evidence_sex"}).get_text() == "Kept"
    response = client.post(url, data=form_for(second, actual_age="much_better", next_step="carry_on"))
    assert response.status_code == 200
    assert page_errors(response) == [sections.actual_missing("Age"), sections.NEXT_STEP_MISSING]
    assert fresh(second.id).review_outcomes == []
    response = client.post(url, data=form_for(second, evidence_age="bad\x00byte"))
    assert page_errors(response) == [NUL_REFUSED]


def test_hostile_evidence_is_stored_verbatim_and_shown_escaped(client, auth, world, second):
    auth.sign_in(world.author)
    url = f"/assessments/{second.id}/actual-impacts"
    assert client.post(url, data=form_for(second, evidence_age=HOSTILE, actual_age="as_predicted",
                                          next_step_reason=HOSTILE)).status_code == 302
    a = fresh(second.id)
    assert a.review_outcomes[0].evidence_seen == HOSTILE and a.review_next_step_reason == HOSTILE
    for page in (client.get(url).data.decode(), client.get(f"/assessments/{second.id}/check").data.decode()):
        assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_the_review_is_in_the_version_record_and_frozen_once_signed(client, auth, world, second):
    world.write_full_assessment(second)  # the review with it
    world.drive(second, "signed_off")
    signed = fresh(second.id)
    review = record.content_record(signed)["sections"]["review"]
    assert review["next_step"] == "no_change" and review["next_step_reason"] == "The impacts were as predicted"
    assert review["groups"][0] == {"characteristic": "age", "label": "Age", "actual": "as_predicted",
                                   "evidence": "Visitor counts match the prediction"}
    assert len(review["groups"]) == len(signed.previous_version.impacts)
    assert signing.verify(signed).ok
    with pytest.raises(NotPossible):
        update_review(signed.id, world.author, signed.lock_version,
                      ReviewInput({"age": ("worse_than_predicted", "Changed")}, "stop", "Changed"), True)
    db.session.rollback()
    # The page refuses it too, in words, and shows the answers read-only to whoever asks for the form.
    auth.sign_in(world.author)
    response = client.post(f"/assessments/{second.id}/actual-impacts", data=filled(fresh(second.id), "no"))
    assert response.status_code == 409
    assert page_errors(response) == [NOT_EDITABLE.format(state="signed off")]
    response = client.get(f"/assessments/{second.id}/actual-impacts")
    assert response.status_code == 302 and response.headers["Location"].endswith("/check#actual_impacts")
    signed = fresh(second.id)
    signed.review_outcomes[0].evidence_seen = "Rewritten after sign-off"
    with pytest.raises(Frozen):
        db.session.flush()
    db.session.rollback()
    assert fresh(second.id).review_outcomes[0].evidence_seen == "Visitor counts match the prediction"


def test_the_review_goes_out_in_the_document_and_comes_back_in_with_an_import(world, second):
    a = fresh(second.id)
    update_review(a.id, world.author, a.lock_version, ReviewInput(
        {"age": ("worse_than_predicted", HOSTILE)}, "stop", "Too costly"), False)
    db.session.commit()
    doc = export(fresh(second.id))
    assert not list(Draft202012Validator(schema()).iter_errors(doc))
    assert doc["review"]["next_step"] == "stop"
    age = next(g for g in doc["review"]["groups"] if g["characteristic"] == "age")
    assert age == {"characteristic": "age", "label": "Age", "actual_impact": "worse_than_predicted",
                   "evidence": HOSTILE}
    made = import_document(world.author, doc).assessment
    db.session.commit()
    made = fresh(made.id)
    assert export(made)["review"] == doc["review"]
    assert record.content_record(made)["sections"]["review"] == \
        record.content_record(fresh(second.id))["sections"]["review"]


def test_a_document_naming_a_group_twice_in_its_review_is_refused(world, second):
    a = fresh(second.id)
    update_review(a.id, world.author, a.lock_version, ReviewInput(
        {"age": ("as_predicted", "Counts"), "sex": ("as_predicted", "Counts")}, None, ""), False)
    db.session.commit()
    doc = export(fresh(second.id))
    doc["review"]["groups"][1]["characteristic"] = "age"
    from eqia.interchange.importer import check
    assert [p.path for p in check(doc)] == ["$.review.groups[1].characteristic"]


def test_a_version_one_record_and_document_have_no_review(world):
    first = world.make_assessment("signed_off")
    assert "review" not in record.content_record(fresh(first.id))["sections"]
    doc = export(fresh(first.id))
    assert "review" not in doc
    assert not list(Draft202012Validator(schema()).iter_errors(doc))
    assert signing.verify(fresh(first.id)).ok


def test_the_review_versions_pdf_sets_each_prediction_beside_what_was_seen(client, auth, world, second):
    from eqia.config import PROJECT_ROOT
    from eqia.pdf import checks
    from tests.test_monitoring_report import text_of

    world.write_full_assessment(second)  # the review with it: every group as predicted
    a = fresh(second.id)
    update_review(a.id, world.author, a.lock_version, ReviewInput(
        {"age": ("worse_than_predicted", f"Fewer older readers {HOSTILE}")}, "new_version", "Restore a morning"),
        None)
    db.session.commit()
    auth.sign_in(world.author)
    data = client.get(f"/assessments/{second.id}/pdf").data
    artifacts = PROJECT_ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "review-version.pdf").write_bytes(data)
    assert checks.problems(data) == []
    words = " ".join(text_of(data).split())
    assert "Review of version 1" in words
    assert "Age Neutral Worse than predicted Fewer older readers <script>alert('x')</script>" in words
    assert "What happens next: Change the activity and assess it again in a new version" in words
    first = fresh(second.id).previous_version
    assert "Review of version" not in " ".join(text_of(client.get(f"/assessments/{first.id}/pdf").data).split())


def test_the_api_changes_the_review_with_a_put_and_names_a_refused_value_by_its_path(client, world, second):
    from tests.test_api import Api, is_problem

    api = Api(client).as_user(world.author)
    doc = api.get(f"/assessments/{second.id}").get_json()
    assert "review" not in doc  # nothing said of it yet
    a = fresh(second.id)
    doc["review"] = {"groups": [{"characteristic": "age", "label": "Age", "actual_impact": "better_than_predicted",
                                 "evidence": HOSTILE}], "next_step": "no_change", "next_step_reason": "Working"}
    response = api.put(f"/assessments/{second.id}", json=doc, headers={"If-Match": f'"{a.lock_version}"'})
    assert response.status_code == 200, response.data[:500]
    a = fresh(second.id)
    assert [(r.characteristic_key, r.actual_impact, r.evidence_seen) for r in a.review_outcomes] == [
        ("age", "better_than_predicted", HOSTILE)]
    assert (a.review_next_step, a.review_next_step_reason) == ("no_change", "Working")
    doc = api.get(f"/assessments/{second.id}").get_json()
    doc["review"]["groups"][0]["actual_impact"] = "much_better"
    response = api.put(f"/assessments/{second.id}", json=doc, headers={"If-Match": f'"{a.lock_version}"'})
    body = is_problem(response, 422)
    assert [e["path"] for e in body["errors"]] == ["$.review.groups[0].actual_impact"]
    assert fresh(second.id).review_outcomes[0].actual_impact == "better_than_predicted"
