"""An Equality Framework self-assessment in a real headless Chromium (issue 18): the equality lead starts one
from the programme page, rates a criterion with evidence and a link to an EqIA, turns the gaps into rows of a
new draft action plan, and downloads the committee report. axe-core finds no WCAG 2.2 AA violation on any
page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import ActionPlan, PlanRow
# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401
from tests.test_browser_plans import DOCX, _downloaded, _saved
from tests.test_pdf import docx_text

pytestmark = pytest.mark.browser

EVIDENCE = "Ward profiles published <script>alert(1)</script>"


def test_a_lead_rates_the_framework_and_turns_its_gaps_into_a_plan(live_server, browser, world):  # noqa: F811
    signed = world.make_assessment("signed_off")
    lead = Person(browser, live_server, world.lead)
    lead.sign_in()
    page = lead.page
    page.click(".govuk-service-navigation a:has-text('Programme')")
    page.wait_for_url("**/programme")
    page.click("main a:has-text('Equality Framework self-assessment')")
    page.wait_for_url("**/programme/framework")
    check(page, "framework-empty")
    page.click("a:has-text('Start a self-assessment')")
    check(page, "framework-new")
    page.click("button:has-text('Start the self-assessment')")  # nothing chosen: told what to do
    page.wait_for_selector(".govuk-error-summary")
    check(page, "framework-new-errors")
    page.check("input[name=framework][value=eflg_2021]")
    page.fill("#period", "2026/27")
    page.click("button:has-text('Start the self-assessment')")
    page.wait_for_selector("h1:has-text('Self-assessment 2026/27')")
    check(page, "framework-self-assessment")
    self_assessment = page.url
    criteria = page.locator("a:has-text('Rate')").count()
    assert criteria >= 12  # every criterion of the four modules, none rated yet

    page.locator("a:has-text('Rate')").first.click()
    page.wait_for_selector("input[name=rating]")
    check(page, "framework-rating")
    page.check("input[name=rating][value=achieving]")
    page.fill("#evidence", EVIDENCE)
    page.fill("#links", "NO-SUCH-1")
    page.click("button:has-text('Save the rating')")
    page.wait_for_selector(".govuk-error-summary")
    assert "NO-SUCH-1" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#evidence").input_value() == EVIDENCE  # what was typed stays
    check(page, "framework-rating-errors")
    page.fill("#links", signed.reference)
    page.click("button:has-text('Save the rating')")
    _saved(page)
    assert EVIDENCE in page.locator("main").inner_text()  # shown as text, never run
    assert page.locator(f"main a:has-text('{signed.reference}')").count() == 1

    page.click("a:has-text('Turn the gaps into action plan rows')")
    page.wait_for_selector("#gaps")
    check(page, "framework-gaps")
    gaps = page.locator("#gaps li").count()
    assert gaps == criteria - 1  # every criterion but the one rated achieving
    page.check("input[name=plan][value=new]")
    page.fill("#title", "Equality Framework action plan 2026/27")
    page.click("button:has-text('Add the rows to the plan')")
    page.wait_for_url("**/programme/plans/*")
    check(page, "framework-plan")
    db.session.expire_all()
    plan = db.session.scalars(sa.select(ActionPlan)).one()
    assert (plan.title, plan.state) == ("Equality Framework action plan 2026/27", "draft")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanRow)) == gaps

    page.goto(self_assessment)
    name, kind, data = _downloaded(page, "a:has-text('Report for a committee (Word)')")
    assert name.endswith(".docx") and kind == DOCX
    assert EVIDENCE in docx_text(data)
