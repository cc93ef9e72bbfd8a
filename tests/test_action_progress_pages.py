"""The "Action plan progress" section of a signed assessment's page, and the page to update an action."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import ActionUpdate, Assessment
from eqia.services import record
from tests.test_assessment_pages import errors_on

HOSTILE = "<script>alert('x')</script> & \u202eevil"


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def action_of(assessment_id: int):
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id).actions[0]


def today_parts() -> list[str]:
    today = date.today()
    return [str(today.day), str(today.month), str(today.year)]


@pytest.fixture
def signed(world) -> Assessment:
    return world.make_assessment("signed_off")


def url(assessment: Assessment) -> str:
    return f"/assessments/{assessment.id}/action/{action_of(assessment.id).id}/progress"


def test_the_signed_assessment_shows_its_action_plan_progress_and_an_update_link(client, auth, world, signed):
    auth.sign_in(world.author)
    shown = page(client.get(f"/assessments/{signed.id}"))
    section = shown.select_one(f"#action-progress-{action_of(signed.id).id}")
    assert "Monitor visits by age" in section.get_text()
    assert "Not started" in section.select_one(".govuk-tag").get_text()
    assert not section.select(".app-overdue")
    assert section.select_one(f'a[href="{url(signed)}"]')


def test_an_update_is_recorded_and_shown_with_a_success_banner(client, auth, world, signed):
    hash_before = record.content_hash(db.session.get(Assessment, signed.id))
    auth.sign_in(world.author)
    response = client.post(url(signed), data={"status": "in_progress", "note": "Counting started",
                                              "evidence": "", "dated": today_parts()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{signed.id}#action-progress")
    shown = page(client.get(f"/assessments/{signed.id}"))
    assert "Progress on action 1 recorded" in shown.get_text()
    section = shown.select_one(f"#action-progress-{action_of(signed.id).id}")
    assert "In progress" in section.get_text() and "Counting started" in section.get_text()
    assert "Update progress on an action" in shown.select_one("#history").find_next("table").get_text()
    db.session.expire_all()
    assert record.content_hash(db.session.get(Assessment, signed.id)) == hash_before


def test_the_update_page_is_refused_to_those_without_the_right(client, auth, world, signed):
    auth.sign_in(world.decider)
    assert client.get(url(signed)).status_code == 403
    assert client.post(url(signed), data={"status": "done", "dated": today_parts()}).status_code == 403
    shown = page(client.get(f"/assessments/{signed.id}"))
    assert not shown.select(f'a[href="{url(signed)}"]')
    auth.sign_out()
    auth.sign_in(world.outsider)
    assert client.get(url(signed)).status_code == 404
    assert db.session.execute(sa.select(sa.func.count()).select_from(ActionUpdate)).scalar_one() == 0


def test_an_unsigned_assessment_has_no_progress_section_and_no_update_page(client, auth, world):
    assessment = world.make_assessment("full_assessment")
    world.write_full_assessment(assessment)
    auth.sign_in(world.author)
    assert not page(client.get(f"/assessments/{assessment.id}")).select("#action-progress")
    assert client.get(url(assessment)).status_code == 403


def test_bad_input_shows_the_error_summary_and_keeps_what_was_typed(client, auth, world, signed):
    auth.sign_in(world.author)
    response = client.post(url(signed), data={"status": "dropped", "note": "", "evidence": HOSTILE,
                                              "dated": ["31", "2", "2026"]})
    assert response.status_code == 200
    # Every problem at once: the form's (the date) and the service's (a reason for dropping).
    assert errors_on(response) == ["Say why the action was dropped", "Date of this update must be a real date"]
    response = client.post(url(signed), data={"status": "dropped", "note": "", "evidence": HOSTILE,
                                              "dated": today_parts()})
    assert errors_on(response) == ["Say why the action was dropped"]
    assert HOSTILE.encode() not in response.data  # escaped, never markup
    assert page(response).select_one("#evidence")["value"] == HOSTILE
    response = client.post(url(signed), data={"status": "", "note": "x" * 10_001, "dated": ["", "", ""]})
    assert errors_on(response) == ["Select the action\u2019s status", "Progress note must be 10,000 characters or fewer",
                                   "Enter the date of this update"]
    response = client.post(url(signed), data={"note": "a\x00b", "dated": today_parts()})
    assert response.status_code == 200 and errors_on(response)
    assert db.session.execute(sa.select(sa.func.count()).select_from(ActionUpdate)).scalar_one() == 0


def test_hostile_input_is_stored_verbatim_and_shown_escaped(client, auth, world, signed):
    auth.sign_in(world.lead)
    client.post(url(signed), data={"status": "done", "note": HOSTILE, "evidence": "javascript:alert(1)",
                                   "dated": today_parts()})
    [update] = db.session.execute(sa.select(ActionUpdate)).scalars()
    assert (update.note, update.evidence) == (HOSTILE, "javascript:alert(1)")
    response = client.get(f"/assessments/{signed.id}")
    assert HOSTILE.encode() not in response.data
    section = page(response).select_one(f"#action-progress-{action_of(signed.id).id}")
    assert HOSTILE in section.get_text()
    assert not section.select('a[href^="javascript"]')
    # Done closes the action: no link, and the page sends the user back.
    assert not section.select(f'a[href="{url(signed)}"]')
    assert client.get(url(signed)).status_code == 302


def test_an_overdue_action_is_flagged(client, auth, world, signed):
    db.session.execute(sa.update(type(action_of(signed.id))).values(due_date=date.today() - timedelta(days=3)))
    db.session.commit()
    auth.sign_in(world.author)
    section = page(client.get(f"/assessments/{signed.id}")).select_one(
        f"#action-progress-{action_of(signed.id).id}")
    assert section.select_one(".app-overdue").get_text(strip=True) == "Overdue"
