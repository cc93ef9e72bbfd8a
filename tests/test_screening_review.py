"""A screen-out's review date (issue 16): the author gives it on the screening page when
proposing a screen-out, and on it the engine moves the screening decision on by the
definition's timed transitions: a published one to review due (still on the register), one
never published to screening review due (never on the register). The tests set the clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.assessments.sections import (SCREENING_REVIEW_DATE_MISSING, SCREENING_REVIEW_DATE_NOT_FUTURE,
                                       SCREENING_REVIEW_DATE_TOO_FAR)
from eqia.extensions import db
from eqia.forms.fields import date_missing_parts, date_not_real
from eqia.local_time import local_date
from eqia.models import Assessment, AuditEvent, OutboxMessage, utcnow
from eqia.services.assessments import ScreeningInput
from eqia.services import assessments as register
from eqia.services.workflow import allowed_transitions
from tests.test_assessment_pages import HOSTILE as HOSTILE_VALUES, errors_on
from tests.test_sweep import TOLD, london, sweep

HOSTILE = HOSTILE_VALUES[0]
LABEL = "The date this screening decision should be reviewed"


def today() -> date:
    return local_date(utcnow())


def reload(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def screening_form(assessment: Assessment, review: date | None, **overrides) -> dict:
    """The screening page as an author proposing a screen-out fills it in."""
    data = {"lock_version": str(assessment.lock_version), "relevance": "low", "conclusion": HOSTILE,
            "proposal": "screen_out", "completed": "yes",
            # the day, month and year parts, posted under the one name
            "review_date": [str(review.day), str(review.month), str(review.year)] if review else ["", "", ""]}
    for row in assessment.screening_answers:
        data[f"answer_{row.characteristic_key}"] = "no"
        data[f"reason_{row.characteristic_key}"] = f"Checked {row.characteristic_label}"
        data[f"advances_{row.characteristic_key}"] = "no"
    data.update(overrides)
    return data


@pytest.fixture
def drafted(world, client, auth) -> Assessment:
    """An assessment whose register details are done, its screening not yet written."""
    assessment = world.make_assessment(answer="yes")
    db.session.execute(sa.update(Assessment).where(Assessment.id == assessment.id).values(review_date=None))
    db.session.commit()
    auth.sign_in(world.author)
    return reload(assessment.id)


def post_screening(client, assessment: Assessment, data: dict):
    return client.post(f"/assessments/{assessment.id}/screening", data=data)


# --- the date on the screening page ---------------------------------------------------------------

def test_the_screening_page_asks_when_the_screening_decision_should_be_reviewed(drafted, client):
    page = BeautifulSoup(client.get(f"/assessments/{drafted.id}/screening").data, "html.parser")
    legend = page.select_one("#review_date").find_parent("fieldset").select_one("legend")
    assert legend.get_text(strip=True) == "When should this screening decision be reviewed?"
    assert "within 3 years" in page.select_one("#review_date-hint").get_text()


def test_a_screen_out_date_in_the_future_is_kept_and_the_screen_out_can_be_proposed(drafted, client, world):
    due = today() + timedelta(days=400)
    assert post_screening(client, drafted, screening_form(drafted, due)).status_code == 302
    saved = reload(drafted.id)
    assert saved.review_date == due and saved.screening_conclusion == HOSTILE
    page = client.get(f"/assessments/{drafted.id}/check").get_data(as_text=True)
    assert f"{due.day} {due:%B %Y}" in page and HOSTILE not in page  # the conclusion shown escaped
    response = client.post(f"/assessments/{drafted.id}/actions/propose_screen_out", data={"comment": "No impact"})
    assert response.status_code == 302
    assert reload(drafted.id).state == "screen_out_proposed"


@pytest.mark.parametrize("shift, message", [
    (0, SCREENING_REVIEW_DATE_NOT_FUTURE),
    (-30, SCREENING_REVIEW_DATE_NOT_FUTURE),
    (3 * 366 + 1, SCREENING_REVIEW_DATE_TOO_FAR),
])
def test_a_date_today_past_or_too_far_is_refused_with_what_to_do_and_nothing_is_lost(drafted, client, shift,
                                                                                      message):
    before = drafted.lock_version
    response = post_screening(client, drafted, screening_form(drafted, today() + timedelta(days=shift)))
    assert response.status_code == 200 and errors_on(response) == [message]
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one("#conclusion").get_text() == HOSTILE  # what was typed is still there, escaped
    assert page.select_one("#review_date-year")["value"] == str((today() + timedelta(days=shift)).year)
    saved = reload(drafted.id)
    assert saved.lock_version == before and saved.review_date is None and saved.screening_conclusion != HOSTILE


@pytest.mark.parametrize("parts, message", [
    (["31", "2", "2027"], date_not_real(LABEL)),
    (["1", "", "2027"], date_missing_parts(LABEL, ["month"])),
    (["x", "4", "2027"], date_not_real(LABEL)),
    (["1"], date_missing_parts(LABEL, ["month", "year"])),
])
def test_a_malformed_date_is_refused_with_what_to_do(drafted, client, parts, message):
    response = post_screening(client, drafted, screening_form(drafted, None, review_date=parts))
    assert response.status_code == 200 and message in errors_on(response)
    assert reload(drafted.id).review_date is None


def test_a_screen_out_cannot_be_proposed_without_a_review_date(drafted, client):
    assert post_screening(client, drafted, screening_form(drafted, None)).status_code == 302
    assert reload(drafted.id).is_completed("screening")
    response = client.post(f"/assessments/{drafted.id}/actions/propose_screen_out", data={"comment": "No impact"})
    assert response.status_code == 409
    assert str(SCREENING_REVIEW_DATE_MISSING) in response.get_data(as_text=True)
    assert reload(drafted.id).state == "screening"


def test_a_date_that_passed_after_saving_stops_the_proposal(drafted, client):
    assert post_screening(client, drafted, screening_form(drafted, today() + timedelta(days=10))).status_code == 302
    db.session.execute(sa.update(Assessment).where(Assessment.id == drafted.id).values(review_date=today()))
    db.session.commit()
    response = client.post(f"/assessments/{drafted.id}/actions/propose_screen_out", data={"comment": "No impact"})
    assert response.status_code == 409 and reload(drafted.id).state == "screening"
    assert str(SCREENING_REVIEW_DATE_NOT_FUTURE) in response.get_data(as_text=True)


def test_a_caller_that_does_not_give_the_date_keeps_it(world):
    assessment = world.make_assessment()
    due = assessment.review_date
    register.update_screening(assessment.id, world.author, ScreeningInput(
        answers={}, relevance="low", conclusion="Changed", proposal="screen_out"), assessment.lock_version)
    db.session.commit()
    assert reload(assessment.id).review_date == due


# --- where the date is shown ---------------------------------------------------------------------

def test_the_date_is_in_the_screening_decision_s_pdf_and_on_its_register_entry(world, client):
    assessment = world.make_assessment("screening_published")
    due = assessment.review_date
    from tests.test_pdf import text_of
    from eqia.services import version_pdfs
    assert f"Review of the screening decision: {due.day} {due:%B %Y}" in \
        " ".join(text_of(version_pdfs.pdf_for(reload(assessment.id)).data).split())
    entry = BeautifulSoup(client.get(f"/register/{assessment.reference}/v1").data, "html.parser")
    rows = {r.select_one("dt").get_text(strip=True): r.select_one("dd").get_text(strip=True)
            for r in entry.select(".govuk-summary-list__row")}
    assert rows["Review date"] == f"{due.day} {due:%B %Y}"


# --- on the date ---------------------------------------------------------------------------------

def review_events(assessment_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.assessment_id == assessment_id, AuditEvent.to_state.in_(["review_due", "screening_review_due", "screening_decision_review_due"]))
    ).scalars().all()


def told(event: AuditEvent) -> list[str]:
    return sorted(db.session.execute(sa.select(OutboxMessage.recipient)
                                     .where(OutboxMessage.audit_event_id == event.id)).scalars())


def on_register(client, assessment: Assessment) -> bool:
    return client.get(f"/register/{assessment.reference}/v1").status_code == 200


def test_an_agreed_screen_out_falls_due_on_its_date_not_the_day_before_and_stays_off_the_register(world, client):
    assessment = world.make_assessment("screened_out")
    due = assessment.review_date
    assert sweep(london(due - timedelta(days=1), 23, 59)).counts["timed_transitions"] == 0
    assert reload(assessment.id).state == "screened_out"
    assert sweep(london(due, 0, 1)).counts["timed_transitions"] == 1
    assert reload(assessment.id).state == "screening_review_due"
    assert not on_register(client, assessment)
    [event] = review_events(assessment.id)
    assert (event.actor_id, event.role, event.action) == (None, "system", "screening_review_falls_due")
    # Whoever may start the review there: the authors who can see it and the equality leads (admins may
    # do nothing in that state, unlike review due, where they may take it off the register).
    assert told(event) == [e for e in TOLD if e != "admin@example.test"]
    sweep(london(due + timedelta(days=1)))
    assert len(review_events(assessment.id)) == 1


def test_a_published_screening_decision_falls_due_and_stays_on_the_register(world, client):
    assessment = world.make_assessment("screening_published")
    due = assessment.review_date
    sweep(london(due - timedelta(days=1)))
    assert reload(assessment.id).state == "screening_published"
    sweep(london(due))
    assert reload(assessment.id).state == "screening_decision_review_due"
    assert on_register(client, assessment)
    [event] = review_events(assessment.id)
    assert event.action == "published_screening_review_falls_due" and told(event) == TOLD
    message = db.session.execute(sa.select(OutboxMessage).where(
        OutboxMessage.audit_event_id == event.id, OutboxMessage.recipient == "author@example.test")).scalar_one()
    assert message.kind == "review_due"


def test_a_review_can_be_started_from_screening_review_due(world):
    assessment = world.make_assessment("screening_review_due")
    assert reload(assessment.id).state == "screening_review_due"
    author = reload(assessment.id)
    assert "start_review" in [t.trigger for t in allowed_transitions(world.author, author)]
    world.take(assessment, "start_review")
    following = reload(assessment.id).next_version
    assert following is not None and following.state == "screening"


def test_a_due_screening_decision_taken_off_the_register_is_a_screen_out_again_and_still_due(world, client):
    # Not "withdrawn from the register", from which publishing would make it a published full assessment.
    assessment = world.make_assessment("screening_published")
    due = assessment.review_date
    sweep(london(due))
    world.take(assessment, "withdraw_screening_publication")
    assert reload(assessment.id).state == "screened_out" and not on_register(client, assessment)
    sweep(london(due + timedelta(days=1)))
    assert reload(assessment.id).state == "screening_review_due" and not on_register(client, assessment)
