"""The lead's cumulative judgement in a real headless Chromium (issue 18): an equality lead writes it beside a
budget round's side by side (a box too long is refused with every word kept), sends it for challenge, another
lead approves it, and a decision-maker signs it from My work. axe-core finds no WCAG 2.2 AA violation on any
page."""

from __future__ import annotations

import pytest

from eqia.extensions import db
from eqia.models import CumulativeJudgement
from eqia.models.cumulative import JUDGEMENT_TEXT_MAX
# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401
from tests.test_heat_map import judged
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

BUDGET = "Budget savings 2027-28"
AGE = "Older residents lose evening library hours and part-night lighting together <script>alert(1)</script>"


def test_a_lead_writes_the_judgement_another_challenges_it_and_a_decision_maker_signs_it(
        live_server, browser, world):  # noqa: F811
    judged(world.make_assessment("full_assessment", answer="yes", title="Street lighting", parent_programme=BUDGET),
           age="negative")
    judged(world.make_assessment("full_assessment", answer="yes", title="Libraries", parent_programme=BUDGET),
           age="negative")
    lead = Person(browser, live_server, world.lead)
    lead.sign_in()
    page = lead.page
    lead.go("/programme/cumulative?programme=Budget+savings+2027-28")
    check(page, "judgement-side-by-side")
    page.click("button:has-text('Write the cumulative judgement')")
    page.wait_for_url("**/edit")
    check(page, "judgement-edit")
    page.fill("#group-age", AGE)
    page.fill("#conclusion", "x" * (JUDGEMENT_TEXT_MAX + 1))
    page.fill("#mitigations", "Keep two libraries open late.")
    page.click("main button:has-text('Save the judgement')")
    lead.sees_errors("judgement-edit-errors")
    assert page.locator("#group-age").input_value() == AGE  # nothing typed is lost
    page.fill("#conclusion", "Proceed, with the mitigations below.")
    page.click("main button:has-text('Save the judgement')")
    page.wait_for_selector("h1:has-text('Budget savings 2027-28')")
    assert AGE in page.locator("main").inner_text()  # shown as text, never run
    check(page, "judgement-draft")
    judgement_page = page.url

    page.click("main a:has-text('Send for challenge')")
    page.wait_for_selector("main button:has-text('Send for challenge')")
    check(page, "judgement-send")
    page.click("main button:has-text('Send for challenge')")
    page.wait_for_selector(".govuk-notification-banner--success")

    reviewer = Person(browser, live_server, world.lead2)
    reviewer.sign_in()
    reviewer.page.goto(judgement_page)
    reviewer.page.click("main a:has-text('Approve for sign-off')")
    reviewer.page.wait_for_selector("main button:has-text('Approve for sign-off')")
    check(reviewer.page, "judgement-approve")
    reviewer.page.click("main button:has-text('Approve for sign-off')")
    reviewer.page.wait_for_selector(".govuk-notification-banner--success")

    decider = Person(browser, live_server, world.decider)
    decider.sign_in()
    check(decider.page, "judgement-my-work")
    decider.page.click("main a:has-text('Budget savings 2027-28')")
    decider.page.click("main a:has-text('Sign the judgement')")
    decider.page.wait_for_selector("#attestation")
    check(decider.page, "judgement-sign")
    decider.page.click("main button:has-text('Sign the judgement')")  # the statement not confirmed: told so
    decider.sees_errors("judgement-sign-errors")
    decider.page.check("input[name=attest]")
    decider.page.fill("#password", PASSWORD)
    decider.page.click("main button:has-text('Sign the judgement')")
    decider.page.wait_for_selector(".govuk-notification-banner--success")
    check(decider.page, "judgement-signed")
    db.session.expire_all()
    signed = db.session.query(CumulativeJudgement).one()
    assert (signed.state, signed.signed_by_id) == ("signed", world.decider.id)
    # Nothing failed in any browser but the refusals asked for above (a page answered 422 with its errors).
    for person in (lead, reviewer, decider):
        assert [e for e in person.console_errors if "status of 422" not in e] == []
