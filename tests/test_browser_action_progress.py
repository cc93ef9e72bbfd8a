"""Recording progress on a signed action in a real headless Chromium: the update
page with its error summary, then the progress on the assessment's page; axe-core
finds no WCAG 2.2 AA violation on the way."""

from __future__ import annotations

from datetime import date

import pytest

from eqia.extensions import db
from eqia.models import Assessment

# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401

pytestmark = pytest.mark.browser


def test_an_author_records_progress_on_a_signed_action(live_server, browser, world):  # noqa: F811
    signed = world.make_assessment("signed_off")
    action_id = db.session.get(Assessment, signed.id).actions[0].id
    author = Person(browser, live_server, world.author)
    author.sign_in()
    author.go(f"/assessments/{signed.id}")
    check(author.page, "action-progress-overview")
    author.page.click(f"#action-progress-{action_id} a:has-text('Update progress')")
    author.page.wait_for_url(f"**/action/{action_id}/progress")
    check(author.page, "action-progress-update")
    author.page.check("input[name=status][value=dropped]")
    author.page.click("button:has-text('Save progress')")
    author.sees_errors("action-progress-error")
    author.page.check("input[name=status][value=in_progress]")
    author.page.fill("#note", "Counting by age began this month")
    today = date.today()
    author.page.fill("#dated-day", str(today.day))
    author.page.fill("#dated-month", str(today.month))
    author.page.fill("#dated-year", str(today.year))
    author.page.click("button:has-text('Save progress')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    assert "Counting by age began this month" in author.page.locator(f"#action-progress-{action_id}").inner_text()
    check(author.page, "action-progress-recorded")
