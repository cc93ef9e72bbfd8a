"""The screening page's review date in a real headless Chromium: the error summary for a
date already past, then the screen-out's date on its page; axe-core finds no WCAG 2.2 AA
violation on the way."""

from __future__ import annotations

import pytest

from eqia.extensions import db
from eqia.models import Assessment
from eqia.assessments.sections import SCREENING_REVIEW_DATE_NOT_FUTURE

# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401

pytestmark = pytest.mark.browser


def test_an_author_gives_the_screen_out_s_review_date(live_server, browser, world):  # noqa: F811
    assessment = world.make_assessment()
    due = db.session.get(Assessment, assessment.id).review_date
    author = Person(browser, live_server, world.author)
    author.sign_in()
    author.go(f"/assessments/{assessment.id}/screening")
    check(author.page, "screening-review-date")
    author.page.fill("#review_date-year", "2001")
    author.page.click("button:has-text('Save')")
    author.page.wait_for_selector(".govuk-error-summary")
    assert str(SCREENING_REVIEW_DATE_NOT_FUTURE) in author.page.locator(".govuk-error-summary").inner_text()
    check(author.page, "screening-review-date-error")
    author.page.fill("#review_date-year", str(due.year))
    author.page.click("button:has-text('Save')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    author.go(f"/assessments/{assessment.id}/check")
    assert f"{due.day} {due:%B %Y}" in author.page.inner_text("main")
