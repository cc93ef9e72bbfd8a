"""An action's owner, with an account and no role, in a real headless Chromium: the
overdue action is in "My actions", they mark it done with a note; the equality
lead's list of overdue actions shows what is still overdue. axe-core finds no
WCAG 2.2 AA violation on either new page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from eqia.extensions import db
from eqia.models import Assessment
from eqia.services import action_lists
from tests.test_my_actions import at, plan

# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401

pytestmark = pytest.mark.browser


def test_an_owner_marks_an_overdue_action_done_and_the_lead_sees_what_is_still_overdue(
        live_server, browser, world, monkeypatch):  # noqa: F811
    owner = world.make_user("owner@example.test", directorate=world.other_directorate, commit=True)
    signed = plan(world, {"owner": owner, "due": 20, "description": "Print large-print timetables"},
                  {"owner": world.co_author, "due": 30, "description": "Brief the mobile library drivers"})
    mine, theirs = db.session.get(Assessment, signed.id).actions[1:]
    day = date.today() + timedelta(days=45)
    at(monkeypatch, day)  # the server runs in this process: its clock is the service's

    person = Person(browser, live_server, owner)
    person.sign_in()
    person.page.click(".govuk-service-navigation a:has-text('My actions')")
    person.page.wait_for_url("**/my-actions")
    row = person.page.locator("#my-actions tbody tr").first
    assert "Print large-print timetables" in row.inner_text() and "Overdue" in row.inner_text()
    assert person.page.locator("#my-actions tbody tr").count() == 1  # not the co-author's action
    check(person.page, "my-actions")

    row.locator("a:has-text('Record progress')").click()
    person.page.wait_for_url(f"**/action/{mine.id}/progress")
    person.page.check("input[name=status][value=done]")
    person.page.fill("#note", "Timetables printed and sent to every branch")
    person.page.fill("#dated-day", str(day.day))
    person.page.fill("#dated-month", str(day.month))
    person.page.fill("#dated-year", str(day.year))
    person.page.click("button:has-text('Save progress')")
    person.page.wait_for_selector(".govuk-notification-banner--success")
    assert "Timetables printed and sent to every branch" in person.page.locator(
        f"#action-progress-{mine.id}").inner_text()
    assert not person.page.locator(f"#action-progress-{theirs.id} a:has-text('Update progress')").count()

    person.go("/my-actions")
    done = person.page.locator("#my-actions tbody tr").first
    assert "Done" in done.inner_text() and "Overdue" not in done.inner_text()
    check(person.page, "my-actions-done")

    lead = Person(browser, live_server, world.lead)
    lead.sign_in()
    lead.page.click(".govuk-service-navigation a:has-text('Programme')")
    lead.page.wait_for_url("**/programme")
    lead.page.click("main a:has-text('Overdue actions')")
    lead.page.wait_for_url("**/actions/overdue")
    listed = lead.page.locator("#overdue-actions tbody").inner_text()
    assert "Brief the mobile library drivers" in listed and "15 days" in listed
    assert "Print large-print timetables" not in listed
    check(lead.page, "overdue-actions")
    lead.page.select_option("#directorate", str(world.other_directorate.id))
    lead.page.click("button:has-text('Filter')")
    lead.page.wait_for_url("**/actions/overdue?directorate=*")
    assert "No action is overdue in Highways." in lead.page.locator("main").inner_text()
    check(lead.page, "overdue-actions-filtered")
    assert action_lists.overdue_actions(world.lead, on=day).total == 1


def test_the_author_picks_an_owner_with_an_account_on_the_action_page(live_server, browser, world):  # noqa: F811
    owner = world.make_user("owner@example.test", directorate=world.other_directorate, commit=True)
    draft = world.make_assessment("full_assessment")
    author = Person(browser, live_server, world.author)
    author.sign_in()
    author.go(f"/assessments/{draft.id}/action/add")
    author.page.fill("#description", "Print large-print timetables")
    author.page.select_option("#owner_user_id", str(owner.id))
    author.page.fill("#owner", "Library services manager")
    author.page.click("button:has-text('Save')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    added = db.session.get(Assessment, draft.id)
    db.session.refresh(added)
    action = added.actions[-1]
    assert (action.owner, action.owner_user_id) == ("Library services manager", owner.id)
    author.go(f"/assessments/{draft.id}/action/{action.id}")
    assert author.page.locator("#owner_user_id").input_value() == str(owner.id)
    check(author.page, "action-owner-account")
