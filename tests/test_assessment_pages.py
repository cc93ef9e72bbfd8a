"""Starting an assessment and changing its content through the pages: bad and
hostile input gets a clear message or is stored verbatim and shown escaped;
a stale save never overwrites anyone and keeps the user's text."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.forms.base import NUL_CHARACTER
from eqia.forms.fields import date_missing_parts, date_not_real
from eqia.models import Assessment, AuditEvent
from eqia.services.assessments import OWN_DIRECTORATE_ONLY
from eqia.assessments.sections import DECISION_BEFORE_REGARD, screen_out_blocked_by_unknown, screening_answer_missing
from tests.conftest import audit_count

HOSTILE = [
    "<script>alert('x')</script>",
    "'; DROP TABLE assessment; --",
    "file:///etc/passwd",
    "Cymraeg: Asesiad Effaith Cydraddoldeb ŵŷ",
    "اردو: مساوات کے اثرات کا جائزہ",
    "Emoji \U0001F469\u200D\U0001F9BD and \u202Eright-to-left override",
    "x" * 100_000,
]


def form_data(world, **overrides) -> dict:
    data = {
        "title": "Library opening hours", "directorate_id": str(world.directorate.id), "service": "Libraries",
        "lead_officer": "Sam Lee", "activity_kind": "change", "aims": "Save money",
        "people_affected": "Residents", "decision_maker": "Cabinet Member", "decision_forum": "Cabinet",
        "due_regard_started_on": ["1", "3", "2026"], "planned_decision_date": ["1", "6", "2030"],
        "parent_programme": "", "completed": "no",
    }
    data.update(overrides)
    return data


def errors_on(response) -> list[str]:
    page = BeautifulSoup(response.data, "html.parser")
    return [li.get_text(strip=True) for li in page.select(".govuk-error-summary__list li")]


def test_author_starts_an_assessment_with_a_reference(client, auth, world):
    auth.sign_in(world.author)
    response = client.post("/assessments/new", data=form_data(world))
    assert response.status_code == 302
    assessment = db.session.execute(sa.select(Assessment)).scalar_one()
    assert assessment.reference.startswith("EQIA-") and assessment.reference.endswith("-0001")
    assert assessment.state == "screening" and assessment.version_number == 1
    assert len(assessment.screening_answers) == 13  # the statutory nine and four local additions
    page = client.get(response.headers["Location"]).data.decode()
    assert "Library opening hours" in page and "Register details" in page and "Cannot start yet" in page


def test_only_authors_may_start_one(client, auth, world):
    auth.sign_in(world.decider)
    assert client.get("/assessments/new").status_code == 403
    assert client.post("/assessments/new", data=form_data(world)).status_code == 403


def test_an_author_cannot_start_one_for_another_directorate(client, auth, world):
    auth.sign_in(world.author)
    response = client.post("/assessments/new", data=form_data(world, directorate_id=str(world.other_directorate.id)))
    assert response.status_code == 200
    assert errors_on(response) == [OWN_DIRECTORATE_ONLY]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one() == 0


@pytest.mark.parametrize("parts,message", [
    (["", "3", "2026"], date_missing_parts("Planned decision date", ["day"])),
    (["1", "", ""], date_missing_parts("Planned decision date", ["month", "year"])),
    (["31", "2", "2030"], date_not_real("Planned decision date")),
    (["1", "13", "2030"], date_not_real("Planned decision date")),
    (["one", "3", "2030"], date_not_real("Planned decision date")),
    (["1", "3", "30"], date_not_real("Planned decision date")),
    (["1"], date_missing_parts("Planned decision date", ["month", "year"])),
    ([], None),
])
def test_dates_with_missing_or_impossible_parts_get_a_field_error(client, auth, world, parts, message):
    auth.sign_in(world.author)
    data = form_data(world)
    data["planned_decision_date"] = parts
    response = client.post("/assessments/new", data=data)
    if message is None:  # a date left out entirely is allowed in a draft
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert errors_on(response) == [message]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one() == 0
    assert "Library opening hours" in response.data.decode()  # nothing typed is lost


def test_decision_cannot_come_before_due_regard_started(client, auth, world):
    auth.sign_in(world.author)
    response = client.post("/assessments/new", data=form_data(world, due_regard_started_on=["1", "6", "2030"],
                                                              planned_decision_date=["1", "5", "2030"]))
    assert errors_on(response) == [DECISION_BEFORE_REGARD]


def test_empty_title_and_overlong_title_are_refused_clearly(client, auth, world):
    auth.sign_in(world.author)
    assert errors_on(client.post("/assessments/new", data=form_data(world, title=""))) == \
        ["Enter the title of the activity being assessed"]
    assert errors_on(client.post("/assessments/new", data=form_data(world, title="t" * 1001))) == \
        ["Title must be 1,000 characters or fewer"]
    assert errors_on(client.post("/assessments/new", data=form_data(world, title="nul\x00byte"))) == \
        [NUL_CHARACTER]


@pytest.mark.parametrize("text", HOSTILE, ids=["script", "sql", "file-url", "welsh", "urdu", "emoji", "100k"])
def test_hostile_and_odd_text_is_stored_verbatim_and_shown_escaped(client, auth, world, text):
    auth.sign_in(world.author)
    response = client.post("/assessments/new", data=form_data(world, title=text[:1000], aims=text))
    assert response.status_code == 302
    assessment = db.session.execute(sa.select(Assessment)).scalar_one()
    assert assessment.aims == text and assessment.title == text[:1000]
    for url in (f"/assessments/{assessment.id}", f"/assessments/{assessment.id}/tasks",
                f"/assessments/{assessment.id}/check"):
        page = client.get(url).data.decode()
        assert "<script>alert" not in page
        if "<script>" in text:
            assert "&lt;script&gt;alert(" in page
    assert client.get("/assessments").status_code == 200


def test_a_stale_save_keeps_the_users_text_and_overwrites_nothing(client, auth, world):
    assessment = world.make_assessment()
    auth.sign_in(world.author)
    seen = client.get(f"/assessments/{assessment.id}/details").data.decode()
    lock = BeautifulSoup(seen, "html.parser").find("input", {"name": "lock_version"})["value"]
    # The co-author saves first.
    from eqia.services.assessments import update_register_details
    update_register_details(assessment.id, world.co_author, {"aims": "The co-author's aims"}, int(lock))
    response = client.post(f"/assessments/{assessment.id}/details",
                           data=form_data(world, aims="My own carefully written aims", lock_version=lock))
    assert response.status_code == 200
    page = response.data.decode()
    assert "Your changes have not been saved yet" in page
    assert "Co Author saved changes" in page
    assert "My own carefully written aims" in page  # still in the form, to re-apply
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).aims == "The co-author's aims"
    # Saving again, deliberately, from the refreshed form succeeds.
    new_lock = BeautifulSoup(page, "html.parser").find("input", {"name": "lock_version"})["value"]
    again = client.post(f"/assessments/{assessment.id}/details",
                        data=form_data(world, aims="My own carefully written aims", lock_version=new_lock))
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).aims == "My own carefully written aims"


def test_changing_the_planned_decision_date_is_on_the_record(client, auth, world):
    assessment = world.make_assessment()
    before = assessment.planned_decision_date
    auth.sign_in(world.author)
    response = client.post(f"/assessments/{assessment.id}/details",
                           data=form_data(world, planned_decision_date=["2", "6", "2031"],
                                          lock_version=str(assessment.lock_version)))
    assert response.status_code == 302
    event = db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert event.action == "edit:register_details"
    assert f"Planned decision date changed from {before.isoformat()} to 2031-06-02" in event.comment


def test_content_is_read_only_outside_the_editing_states(client, auth, world):
    assessment = world.make_assessment("challenge")
    auth.sign_in(world.author)
    page = client.get(f"/assessments/{assessment.id}").data.decode()
    assert f"/assessments/{assessment.id}/details" not in page
    shown = client.get(f"/assessments/{assessment.id}/details")
    assert shown.status_code == 302
    assert shown.headers["Location"].endswith(f"/assessments/{assessment.id}/check#register_details")
    answers = BeautifulSoup(client.get(shown.headers["Location"]).data, "html.parser")
    assert "read-only" in answers.get_text() and not answers.select(".govuk-summary-list__actions a")
    before = audit_count()
    response = client.post(f"/assessments/{assessment.id}/details",
                           data=form_data(world, aims="Sneaky", lock_version=str(assessment.lock_version)))
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).aims != "Sneaky" and audit_count() == before


def test_screening_saves_every_group_and_dont_know_blocks_a_screen_out(client, auth, world):
    assessment = world.make_assessment(answer="no")
    auth.sign_in(world.author)
    data = {"lock_version": str(assessment.lock_version), "relevance": "low", "conclusion": "Unsure about age",
            "proposal": "screen_out", "completed": "no"}
    for row in assessment.screening_answers:
        data[f"answer_{row.characteristic_key}"] = "no"
        data[f"reason_{row.characteristic_key}"] = f"Checked {row.characteristic_label}"
        data[f"advances_{row.characteristic_key}"] = "no"
    data["answer_age"] = "dont_know"
    # A draft may say anything; marking it complete applies the rule.
    assert client.post(f"/assessments/{assessment.id}/screening", data=data).status_code == 302
    db.session.expire_all()
    data["lock_version"] = str(db.session.get(Assessment, assessment.id).lock_version)
    refused = client.post(f"/assessments/{assessment.id}/screening", data={**data, "completed": "yes"})
    assert errors_on(refused) == [screen_out_blocked_by_unknown(["Age"])]
    response = client.post(f"/assessments/{assessment.id}/actions/propose_screen_out",
                           data={"comment": "No impact"})
    assert response.status_code == 409
    assert screen_out_blocked_by_unknown(["Age"]).replace("\u201c", "&#8220;") in response.data.decode() or \
        "Still unknown: Age." in response.data.decode()
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).state == "screening"


def test_required_fields_are_listed_with_links_before_moving_on(client, auth, world):
    auth.sign_in(world.author)
    client.post("/assessments/new", data=form_data(world, aims="", decision_maker=""))
    assessment = db.session.execute(sa.select(Assessment)).scalar_one()
    page = client.get(f"/assessments/{assessment.id}/actions/start_full_assessment").data.decode()
    assert "Enter the aims of the activity" in page and "Enter who will make the decision" in page
    assert f"/assessments/{assessment.id}/details#aims" in page
    response = client.post(f"/assessments/{assessment.id}/actions/start_full_assessment", data={})
    assert response.status_code == 409
    assert screening_answer_missing("Age") in errors_on(response)


def test_a_comment_is_required_where_the_workflow_says_so(client, auth, world):
    assessment = world.make_assessment("challenge")
    auth.sign_in(world.lead)
    response = client.post(f"/assessments/{assessment.id}/actions/withdraw", data={"comment": "   "})
    assert response.status_code == 422
    assert errors_on(response) == ["Enter a comment: Why is this assessment being withdrawn?"]


def test_my_work_shows_each_role_its_queue(client, auth, world):
    waiting = world.make_assessment("challenge", title="Waiting for challenge")
    auth.sign_in(world.lead)
    page = client.get("/my-work").data.decode()
    assert "As equality lead" in page and "Waiting for challenge" in page and "Approve for sign-off" in page
    auth.sign_out()
    auth.sign_in(world.decider)
    assert "Waiting for challenge" not in client.get("/my-work").data.decode()
    world.drive(waiting, "awaiting_sign_off")
    assert "Waiting for challenge" in client.get("/my-work").data.decode()
    auth.sign_out()
    # Being able to withdraw it does not put it in the lead's queue.
    auth.sign_in(world.lead)
    assert "Waiting for challenge" not in client.get("/my-work").data.decode()


def test_the_workflow_page_draws_the_definition(client, auth, world):
    auth.sign_in(world.author)
    page = client.get("/workflow/").data.decode()
    assert '<svg' in page and 'role="img"' in page
    assert "Approve for sign-off" in page and "Nobody checks their own work" in page


@pytest.mark.parametrize("value", ["²", "9" * 5000, "-1", "abc", "<script>", "1 OR 1=1"])
def test_the_list_ignores_a_directorate_that_is_not_one(client, auth, world, value):
    world.make_assessment(title="Listed anyway")
    auth.sign_in(world.admin)
    response = client.get("/assessments", query_string={"directorate": value})
    assert response.status_code == 200
    assert "Listed anyway" in response.data.decode()


def test_the_list_filters_by_directorate(client, auth, world):
    world.make_assessment(title="Adult social care one")
    auth.sign_in(world.admin)
    page = client.get("/assessments", query_string={"directorate": str(world.other_directorate.id)}).data.decode()
    assert "Adult social care one" not in page
    page = client.get("/assessments", query_string={"directorate": str(world.directorate.id)}).data.decode()
    assert "Adult social care one" in page


def test_the_leads_queue_is_oldest_first_by_when_each_reached_its_state(client, auth, world):
    from eqia.services import challenge

    first = world.make_assessment("challenge", title="Submitted first")
    world.make_assessment("challenge", title="Submitted second")
    # Recording a point later does not restart the wait.
    challenge.save_points(first.id, world.lead, {"outcome": challenge.PointInput("acceptable", "Fine")})
    auth.sign_in(world.lead2)
    page = BeautifulSoup(client.get("/my-work").data, "html.parser")
    titles = [a.get_text(strip=True) for a in page.select("table a.govuk-link")]
    assert titles.index("Submitted first") < titles.index("Submitted second")
    row = next(tr for tr in page.select("table tr") if "Submitted first" in tr.get_text())
    assert "Less than an hour" in row.get_text()


@pytest.mark.parametrize("delta,said", [
    (timedelta(minutes=5), "Less than an hour"), (timedelta(hours=1), "1 hour"), (timedelta(hours=5), "5 hours"),
    (timedelta(days=1), "1 day"), (timedelta(days=13), "13 days"), (timedelta(days=15), "2 weeks"),
    (timedelta(days=70), "10 weeks"),
])
def test_how_long_something_has_waited_reads_as_a_person_would_say_it(delta, said):
    from eqia.templating import waited

    assert waited(delta) == said
