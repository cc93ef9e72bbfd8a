"""The monitoring report of a version (issue 16): its promised actions with their latest
progress and which are overdue, and the impacts it predicted against those its review
found; a page and a tagged PDF, readable by whoever may read the assessment."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.local_time import LOCAL_ZONE
from eqia.models import Assessment
from eqia.pdf import checks
from eqia.services import action_progress
from eqia.services.action_progress import ProgressInput, record_update
from eqia.services.review_outcomes import ReviewInput, update_review

HOSTILE = "<script>alert('x')</script> & \u202eevil"


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def text_of(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                         check=True)
    return out.stdout.decode("utf-8")


def set_clock(monkeypatch, day: date) -> None:
    """Noon in London on `day`: the day "overdue" is judged on."""
    moment = datetime.combine(day, time(12), LOCAL_ZONE)
    monkeypatch.setattr(action_progress, "utcnow", lambda: moment)


@pytest.fixture
def published(world) -> Assessment:
    """Version 1, signed and published, with progress recorded on its one action."""
    a = world.make_assessment("published")
    record_update(a.id, fresh(a.id).actions[0].id, world.author, ProgressInput(
        status="in_progress", note=f"Counting started {HOSTILE}", evidence="", dated=date.today()))
    db.session.commit()
    return fresh(a.id)


def reviewed(world, first: Assessment) -> Assessment:
    """Version 2 opened by a review, which records the impact seen on Age as worse than predicted."""
    world.take(first, "start_review")
    second = fresh(first.id).next_version
    world.write_screening(second, world.author)
    world.take(second, "start_full_assessment")  # writes the full assessment, with every group as predicted
    second = fresh(second.id)
    actuals = {i.characteristic_key: ("as_predicted", "Counts as expected") for i in first.impacts}
    actuals["age"] = ("worse_than_predicted", f"Visits by over-75s fell by a fifth {HOSTILE}")
    update_review(second.id, world.author, second.lock_version,
                  ReviewInput(actuals, "new_version", "Restore a morning for older readers"), True)
    db.session.commit()
    return fresh(second.id)


def test_the_report_shows_each_promised_action_with_its_latest_progress_and_flags_the_overdue(
        client, auth, world, published, monkeypatch):
    due = fresh(published.id).actions[0].due_date
    auth.sign_in(world.lead)
    set_clock(monkeypatch, due)
    shown = page(client.get(f"/assessments/{published.id}/monitoring"))
    assert shown.select_one("#overdue-count").get_text(" ", strip=True) == \
        f"No action is overdue on {due.day} {due:%B %Y}."
    assert not shown.select(".app-overdue")
    set_clock(monkeypatch, due + timedelta(days=1))
    shown = page(client.get(f"/assessments/{published.id}/monitoring"))
    assert " ".join(shown.select_one("#overdue-count").get_text(" ", strip=True).split()).startswith(
        "Overdue 1 of 1 action overdue on")
    action = shown.select_one("#action-1")
    assert action.select_one(".app-overdue").get_text(strip=True) == "Overdue"
    assert "Monitor visits by age" in action.get_text()
    assert "In progress" in action.get_text()
    assert f"Counting started {HOSTILE}" in action.get_text()  # shown as written
    assert "<script>alert" not in client.get(f"/assessments/{published.id}/monitoring").data.decode()
    assert "recorded by Author" in action.get_text()
    assert shown.select_one("#not-reviewed") is not None
    assert [td.get_text(strip=True) for td in shown.select("#impact-review tbody tr")[0].select("th, td")][:3] == \
        ["Age", "Neutral", "Not yet reviewed"]


def test_the_signed_page_links_to_the_report(client, auth, world, published):
    auth.sign_in(world.author)
    link = page(client.get(f"/assessments/{published.id}")).select_one("#monitoring")
    assert link["href"] == f"/assessments/{published.id}/monitoring"
    draft = world.make_assessment("full_assessment")
    assert page(client.get(f"/assessments/{draft.id}")).select_one("#monitoring") is None


def test_once_reviewed_the_report_puts_each_prediction_beside_what_was_seen(client, auth, world, published):
    second = reviewed(world, published)
    auth.sign_in(world.author)
    shown = page(client.get(f"/assessments/{published.id}/monitoring"))
    assert shown.select_one("#not-reviewed") is None
    rows = {tr.select_one("th, td").get_text(strip=True): [c.get_text(strip=True) for c in tr.select("th, td")]
            for tr in shown.select("#impact-review tbody tr")}
    assert rows["Age"][:4] == ["Age", "Neutral", "Worse than predicted",
                               f"Visits by over-75s fell by a fifth {HOSTILE}"]
    assert rows["Sex"][2] == "As predicted"
    assert "Change the activity and assess it again in a new version" in shown.get_text()
    # The review version's own page shows its review beside the prediction too.
    own = page(client.get(f"/assessments/{second.id}"))
    assert own.select_one("#review").get_text(strip=True) == "Review of version 1"
    assert "Worse than predicted" in own.get_text()


def test_the_report_as_a_pdf_is_tagged_and_says_what_the_page_says(client, auth, world, published, monkeypatch):
    reviewed(world, published)
    due = fresh(published.id).actions[0].due_date
    set_clock(monkeypatch, due + timedelta(days=1))
    auth.sign_in(world.lead)
    response = client.get(f"/assessments/{published.id}/monitoring.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'inline; filename="{published.reference}-v1-monitoring.pdf"'
    artifacts = PROJECT_ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "monitoring-report.pdf").write_bytes(response.data)
    assert checks.problems(response.data) == []
    words = " ".join(text_of(response.data).split())
    assert "Monitoring report" in words
    assert "Monitor visits by age" in words and "Overdue" in words
    assert "Counting started <script>alert('x')</script>" in words
    assert "Worse than predicted" in words and "Visits by over-75s fell by a fifth" in words


def test_someone_who_cannot_read_the_assessment_cannot_read_its_report(client, auth, world, published):
    auth.sign_in(world.outsider)
    assert client.get(f"/assessments/{published.id}").status_code == 404
    assert client.get(f"/assessments/{published.id}/monitoring").status_code == 404
    assert client.get(f"/assessments/{published.id}/monitoring.pdf").status_code == 404
    auth.sign_out()
    assert client.get(f"/assessments/{published.id}/monitoring").status_code == 302  # to sign in
