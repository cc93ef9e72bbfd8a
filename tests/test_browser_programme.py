"""The equality programme in a real headless Chromium (issue 18): an equality lead finds it from the header,
imports the register from a spreadsheet (a malformed one first), adds an activity by hand, links an
assessment, reads the coverage, follows a figure to the activities behind it and downloads them. axe-core
finds no WCAG 2.2 AA violation on any page."""

from __future__ import annotations

import csv
import io

import pytest

from eqia.extensions import db
from eqia.models import Activity
# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.conftest import work_out_figures
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401

pytestmark = pytest.mark.browser


def _file(text: str) -> dict:
    return {"name": "register.csv", "mimeType": "text/csv", "buffer": text.encode()}


def test_a_lead_keeps_the_register_and_reads_the_coverage(live_server, browser, world):  # noqa: F811
    published = world.make_assessment("published", title="Library opening hours",
                                      parent_programme="Budget savings 2027-28")
    lead = Person(browser, live_server, world.lead)
    lead.sign_in()
    lead.page.click(".govuk-service-navigation a:has-text('Programme')")
    lead.page.wait_for_url("**/programme")
    check(lead.page, "programme")

    lead.page.click("main a:has-text('Activity register')")
    lead.page.wait_for_url("**/programme/activities")
    check(lead.page, "programme-register-empty")
    lead.page.click("a:has-text('Import from a spreadsheet (CSV)')")
    lead.page.wait_for_url("**/programme/activities/import")
    check(lead.page, "programme-import")
    lead.page.set_input_files("#file", _file("name,directorate,kind,relevance,needs_eqia\n"
                                             "Libraries,Nowhere,policy,high,perhaps\n"))
    lead.page.click("button:has-text('Import activities')")
    lead.sees_errors("programme-import-errors")
    summary = lead.page.locator(".govuk-error-summary").inner_text()
    assert "Row 2, column \u201cdirectorate\u201d" in summary and "Row 2, column \u201cneeds_eqia\u201d" in summary
    assert "Correct each problem listed at the top of the page" in lead.page.locator("#file-error").inner_text()
    assert db.session.query(Activity).count() == 0
    lead.page.set_input_files("#file", _file(
        "name,directorate,kind,relevance,needs_eqia,assess_by,owner\n"
        "Library service,Adult Social Care,function,high,yes,2027-06-30,Head of Libraries\n"
        "Gritting routes,Highways,function,medium,yes,01/01/2020,Highways Maintenance\n"
        "Staff canteen menu,Highways,other,none,no,,Facilities\n"))
    lead.page.click("button:has-text('Import activities')")
    lead.page.wait_for_selector(".govuk-notification-banner--success")
    assert "3 activities imported." in lead.page.locator(".govuk-notification-banner").inner_text()
    check(lead.page, "programme-register")

    lead.page.click("a:has-text('Add an activity')")
    lead.page.click("button:has-text('Save activity')")
    lead.sees_errors("programme-add-errors")
    lead.page.fill("#name", "Home to school transport policy")
    lead.page.select_option("#kind", "policy")
    lead.page.select_option("#directorate_id", str(world.directorate.id))
    lead.page.fill("#owner", "Transport Eligibility Team")
    lead.page.check("#relevance")  # the first: high
    lead.page.check("#needs_assessment")  # yes
    lead.page.click("button:has-text('Save activity')")
    lead.page.wait_for_selector(".govuk-notification-banner--success")
    check(lead.page, "programme-activity")

    lead.page.fill("#reference", published.reference.lower())
    lead.page.click("button:has-text('Link assessment')")
    lead.page.wait_for_selector("#linked")
    assert "Library opening hours" in lead.page.locator("#linked").inner_text()
    assert "Current signed assessment" in lead.page.locator("#activity").inner_text()
    check(lead.page, "programme-activity-linked")
    lead.page.click("#linked a:has-text('Library opening hours')")
    lead.page.wait_for_url(f"**/assessments/{published.id}")
    assert "Home to school transport policy" in lead.page.locator("#activity").inner_text()

    work_out_figures()  # as the worker does once these changes have committed
    lead.go("/programme/coverage")
    check(lead.page, "programme-coverage")
    rows = lead.page.locator("#coverage tbody tr")
    assert rows.nth(0).inner_text().split()[-5:] == ["2", "1", "0", "0", "1"]  # Adult Social Care
    # Highways: one never assessed, past its date; the canteen menu needs no assessment and is not counted.
    highways = rows.nth(1)
    assert "Highways" in highways.inner_text() and highways.inner_text().split()[-5:] == ["1", "0", "0", "0", "1"]
    highways.locator("td").last.locator("a").click()
    lead.page.wait_for_url("**/programme/activities?*coverage=not_assessed*")
    listed = lead.page.locator("#activities tbody").inner_text()
    assert "Gritting routes" in listed and "Late" in listed and "Staff canteen menu" not in listed
    check(lead.page, "programme-register-filtered")
    with lead.page.expect_download() as waiting:
        lead.page.click("a:has-text('Download these activities as a spreadsheet (CSV)')")
    download = waiting.value
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert [row[0] for row in rows] == ["Activity", "Gritting routes"]

    lead.go("/programme")
    lead.page.click("main a:has-text('Pipeline')")
    lead.page.wait_for_url("**/programme/pipeline")
    assert "Published" in lead.page.locator("#states").inner_text()
    check(lead.page, "programme-pipeline")

    lead.go("/programme")
    lead.page.click("main a:has-text('Impacts by group')")
    lead.page.wait_for_url("**/programme/heat-map")
    check(lead.page, "programme-heat-map")
    lead.page.click("#heat-map tbody tr:first-child td a")
    lead.page.wait_for_url("**/programme/heat-map/assessments?*")
    assert "Library opening hours" in lead.page.locator("#assessments").inner_text()
    check(lead.page, "programme-heat-map-cell")

    lead.go("/programme")
    lead.page.click("main a:has-text('Overdue and coming due')")
    lead.page.wait_for_url("**/programme/follow-up")
    check(lead.page, "programme-follow-up")

    lead.go("/programme")
    lead.page.click("main a:has-text('Cumulative impact')")
    lead.page.wait_for_url("**/programme/cumulative")
    check(lead.page, "programme-cumulative")
    lead.page.click("#programmes a:has-text('Budget savings 2027-28')")
    lead.page.wait_for_selector("#side-by-side")
    assert "Library opening hours" in lead.page.locator("#side-by-side thead").inner_text()
    check(lead.page, "programme-cumulative-side-by-side")


def test_an_author_says_which_activity_their_assessment_assesses(live_server, browser, world):  # noqa: F811
    from eqia.services import activities

    for name in ("Home to school transport policy", "Library service"):
        activities.add(world.lead, {"name": name, "kind": "policy", "relevance": "high", "needs_assessment": "yes",
                                    "directorate_id": world.directorate.id})
    db.session.commit()
    assessment = world.make_assessment(title="Library opening hours")
    author = Person(browser, live_server, world.author)
    author.sign_in()
    author.go(f"/assessments/{assessment.id}")
    check(author.page, "overview-choose-activity")
    author.page.click("button:has-text('Link to this activity')")
    author.sees_errors("overview-choose-activity-errors")
    assert "Select the activity in the register" in author.page.locator("#activity_id-error").inner_text()
    author.page.select_option("#activity_id", label="Library service")
    author.page.click("button:has-text('Link to this activity')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    assert "Library service" in author.page.locator("#activity").inner_text()
    assert author.page.locator("#choose-activity").count() == 0
    check(author.page, "overview-activity-linked")
