"""At review, in a real headless Chromium: an author records, for each group the previous
version assessed, the impact seen against the one predicted, and what happens next; the
monitoring report of the version reviewed then shows both. axe-core finds no WCAG 2.2 AA
violation on the review page (blank, with errors, filled) or on the monitoring report."""

from __future__ import annotations

import pytest

from eqia.extensions import db
from eqia.models import Assessment

# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401
from tests.test_review_outcomes import review_version

pytestmark = pytest.mark.browser


def test_an_author_records_actual_against_predicted_impacts(live_server, browser, world):  # noqa: F811
    second = review_version(world)
    first_id = second.previous_version_id
    groups = [(i.characteristic_key, i.characteristic_label) for i in second.previous_version.impacts]
    author = Person(browser, live_server, world.author)
    author.sign_in()
    author.go(f"/assessments/{second.id}/tasks")
    check(author.page, "review-task-list")
    author.page.click("a:has-text('Review of version 1')")
    author.page.wait_for_url(f"**/assessments/{second.id}/actual-impacts")
    assert "Predicted in version 1" in author.page.locator("#group-age + dl, #group-age ~ dl").first.inner_text()
    check(author.page, "review-blank")

    # Said to be finished with nothing said: every group's question in the error summary, nothing lost.
    author.page.fill("#evidence_age", "Visits by over-75s fell by a fifth")
    author.page.check("input[name=completed][value=yes]")
    author.page.click("button:has-text('Save and continue')")
    author.page.wait_for_selector(".govuk-error-summary")
    assert author.page.title().startswith("Error: ")
    assert "Select the actual impact on Age, against the impact predicted" in \
        author.page.locator(".govuk-error-summary").inner_text()
    assert author.page.input_value("#evidence_age") == "Visits by over-75s fell by a fifth"
    check(author.page, "review-errors")

    for key, label in groups:
        author.page.check(f"input[name=actual_{key}][value={'worse_than_predicted' if key == 'age' else 'as_predicted'}]")
        if key != "age":
            author.page.fill(f"#evidence_{key}", f"Library counts for {label}: as expected")
    author.page.check("input[name=next_step][value=new_version]")
    author.page.fill("#next_step_reason", "Restore a weekday morning for older readers")
    author.page.check("input[name=completed][value=yes]")
    author.page.click("button:has-text('Save and continue')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    assert "Review of version 1 saved" in author.page.locator(".govuk-notification-banner--success").inner_text()

    db.session.expire_all()
    saved = db.session.get(Assessment, second.id)
    assert saved.is_completed("actual_impacts")
    assert {r.characteristic_key: r.actual_impact for r in saved.review_outcomes}["age"] == "worse_than_predicted"

    author.go(f"/assessments/{second.id}/actual-impacts")
    check(author.page, "review-filled")
    author.go(f"/assessments/{second.id}/check")
    assert "Worse than predicted" in author.page.locator("#actual_impacts + table, #actual_impacts ~ table").first.inner_text()
    check(author.page, "review-check-answers")

    author.go(f"/assessments/{first_id}")
    author.page.click("#monitoring")
    author.page.wait_for_url(f"**/assessments/{first_id}/monitoring")
    report = author.page.locator("#impact-review").inner_text()
    assert "Worse than predicted" in report and "Visits by over-75s fell by a fifth" in report
    check(author.page, "monitoring-report")
