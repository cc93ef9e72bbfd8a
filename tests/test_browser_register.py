"""The public register in a real headless Chromium, by a member of the public who
never signs in: open the register, filter it, get a date wrong, open a summary,
with axe-core finding no WCAG 2.2 AA violation on any page."""

from __future__ import annotations

import pytest

from eqia.extensions import db
from eqia.forms.fields import date_not_real
from eqia.models import Assessment
from eqia.services import content
from eqia.services.content import ImpactInput
# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import browser, check, live_server  # noqa: F401

pytestmark = pytest.mark.browser


def published_with_adverse_impact(world, title: str, group: str) -> Assessment:
    a = world.make_assessment(title=title)
    world.drive(a, "full_assessment")
    db.session.expire_all()
    a = db.session.get(Assessment, a.id)
    content.update_impact(a.id, a.created_by, a.lock_version, group, ImpactInput(
        impact="negative", severity="high", aims=frozenset({"a"}),
        evidence_narrative="Older residents rely on the weekday service most",
        cited_evidence_ids=frozenset({a.evidence_items[0].id}), no_evidence_reason="",
        mitigation="A home delivery service for anyone who cannot reach a stop"), True)
    # "No major change" cannot stand beside a high adverse impact.
    db.session.expire_all()
    content.update_outcome(a.id, a.created_by, db.session.get(Assessment, a.id).lock_version, ["adjust"], "", True)
    world.drive(a, "published")
    db.session.expire_all()
    return db.session.get(Assessment, a.id)


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def visitor(browser, console_errors):  # noqa: F811
    """Someone at home, signed in to nothing; axe is injected, so the page's CSP is bypassed for it."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def test_a_member_of_the_public_finds_and_reads_a_published_assessment(
        live_server, visitor, console_errors, world):  # noqa: F811
    bus = published_with_adverse_impact(world, "Mobile library service redesign", "age")
    world.make_assessment("published", title="Street lighting hours")
    world.make_assessment("signed_off", title="Not yet published")

    visitor.goto(live_server + "/register")
    check(visitor, "public-register")
    assert visitor.title() == "Public register of equality impact assessments – EqIA – Demo Borough Council"
    assert visitor.locator("#results").inner_text() == "2 published assessments"
    assert "Not yet published" not in visitor.content()

    # Filter to the group the visitor cares about, by keyboard-friendly form controls.
    visitor.select_option("#characteristic", "age")
    visitor.fill("#q", "library")
    visitor.click("button:has-text('Apply filters')")
    visitor.wait_for_url(lambda url: "characteristic=age" in url)
    check(visitor, "public-register-filtered")
    assert visitor.locator("#results").inner_text() == "1 published assessment"
    assert visitor.locator("#register-results .govuk-summary-card").count() == 1
    groups_row = visitor.locator("#register-results .govuk-summary-list__row",
                                 has=visitor.locator(".govuk-summary-list__key", has_text="Groups with an adverse impact"))
    assert groups_row.locator(".govuk-summary-list__value").inner_text() == "Age"

    # A date that does not exist: the error summary takes focus and links to the field.
    visitor.fill("#published-from-day", "31")
    visitor.fill("#published-from-month", "2")
    visitor.fill("#published-from-year", "2026")
    visitor.click("button:has-text('Apply filters')")
    visitor.wait_for_selector(".govuk-error-summary")
    assert visitor.title().startswith("Error: ")
    check(visitor, "public-register-date-error")
    assert visitor.locator(".govuk-error-summary a").inner_text() == date_not_real("Published from date")
    assert visitor.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    visitor.click(".govuk-error-summary a")
    assert visitor.evaluate("document.activeElement.id") == "published-from-day"

    visitor.click("a:has-text('Mobile library service redesign')")
    visitor.wait_for_url(f"**/register/{bus.reference}/v1")
    check(visitor, "public-register-summary")
    assert visitor.locator("h1").inner_text() == "Mobile library service redesign"
    assert visitor.locator("#summary-adverse + table tbody tr").count() == 1
    assert visitor.locator("#sign-off ~ .govuk-summary-card").count() == 1
    signature = db.session.get(Assessment, bus.id).sign_offs[0]
    assert signature.content_hash in visitor.locator("#sign-off ~ .govuk-summary-card").inner_text()

    visitor.click("a:has-text('Back to the public register')")
    visitor.wait_for_url("**/register")
    assert console_errors == []

    visitor.goto(live_server + "/register/EQIA-1999-0001/v1")
    check(visitor, "public-register-not-found")
    assert visitor.locator("h1").inner_text() == "Page not found"


def test_the_register_reads_on_a_phone(live_server, browser, world):  # noqa: F811
    published_with_adverse_impact(world, "Mobile library service redesign", "age")
    context = browser.new_context(bypass_csp=True, viewport={"width": 375, "height": 800})
    phone = context.new_page()
    phone.goto(live_server + "/register")
    check(phone, "public-register-phone")
    # Nothing pushes the page sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.click("a:has-text('Mobile library service redesign')")
    phone.wait_for_selector("#sign-off")
    check(phone, "public-register-summary-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
