"""An equality action plan in a real headless Chromium (issue 18): the equality lead makes a plan, has a
malformed spreadsheet refused with its rows and columns named, imports the peer challenge layout, is told
what stops the plan being agreed, completes the rows and agrees it; a decision-maker adopts it; a row's
owner records progress on their own row; the lead downloads the plan and its committee report. axe-core
finds no WCAG 2.2 AA violation on any page."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from eqia.extensions import db
from eqia.models import PlanRow
# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401
from tests.test_pdf import docx_text, text_of
from tests.test_plan_sheets import HEADINGS, LAYOUT, as_csv, as_xlsx
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

TITLE = "Equality Peer Challenge action plan 2026 to 2028"
FRAMEWORK = ["Understanding and working with your communities",
             "Leadership, partnership and organisational commitment",
             "Responsive services and customer care", "Diverse and engaged workforce"]
NOTE = "Champion named at full council <script>alert(1)</script>"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _upload(name: str, data: bytes, kind: str) -> dict:
    return {"name": name, "mimeType": kind, "buffer": data}


def _recommendations(page, theme: str) -> list[str]:
    """The recommendations the plan's page lists under a theme, in order."""
    rows = page.locator(f"[role=region][aria-label='{theme}'] tbody tr")
    return [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]


def _saved(page) -> str:
    """Wait for the next page's success banner (the click returns before it loads) and say what it says."""
    page.wait_for_selector(".govuk-notification-banner--success", timeout=15_000)
    return page.locator(".govuk-notification-banner").inner_text()


def _downloaded(page, click: str) -> tuple[str, str, bytes]:
    """Click, and catch the file the browser saved: its name, its bytes and the type the server sends it
    as. A download never reaches the page's responses (nor its routes), so the type is read by asking for
    the same address again with the same session."""
    with page.expect_download() as saved:
        page.click(click)
    with open(saved.value.path(), "rb") as handle:
        data = handle.read()
    kind = page.request.get(saved.value.url).headers["content-type"]
    return saved.value.suggested_filename, kind, data


def _opened(page, click: str):
    """Click, and catch what the browser opened in its own viewer (a PDF is sent inline)."""
    with page.expect_response(lambda r: r.request.is_navigation_request()) as opened:
        page.click(click)
    return opened.value


def test_a_plan_is_imported_agreed_adopted_updated_and_reported(live_server, browser, world):  # noqa: F811
    lead = Person(browser, live_server, world.lead)
    lead.sign_in()
    lead.page.click(".govuk-service-navigation a:has-text('Programme')")
    lead.page.wait_for_url("**/programme")
    lead.page.click("main a:has-text('Equality action plans')")
    lead.page.wait_for_url("**/programme/plans")
    check(lead.page, "plans-empty")
    lead.page.click("a:has-text('Make an action plan')")
    check(lead.page, "plans-new")
    lead.page.fill("#title", TITLE)
    lead.page.fill("#source", "LGA Equality Peer Challenge, March 2027")
    lead.page.click("button:has-text('Make the plan')")
    assert f"Action plan \u201c{TITLE}\u201d made." in _saved(lead.page)
    plan_page = lead.page.url
    assert lead.page.locator("main h2.govuk-heading-m").all_inner_texts() == FRAMEWORK
    check(lead.page, "plan-new")

    # A malformed file is refused as a whole, each problem named by its row and column.
    lead.page.click("a:has-text('Import recommendations')")
    check(lead.page, "plan-import")
    broken = [HEADINGS + ["Theme"],
              ["", "Agreed", "Publish the gaps", "May 2027", "HR", "Diverse and engaged workforce"],
              ["Publish pay gaps", "Agreed", "HR to publish", "a" * 201, "HR", "Diverse and engaged workforce"]]
    lead.page.set_input_files("#file", _upload("plan.csv", as_csv(broken), "text/csv"))
    lead.page.click("button:has-text('Import recommendations')")
    lead.sees_errors("plan-import-errors")
    assert lead.page.locator(".govuk-error-summary__list li").all_inner_texts() == [
        "Row 2, Recommendation: Enter the recommendation", "Row 3, By when: This must be 200 characters or fewer"]
    assert "Correct each problem listed at the top of the page" in lead.page.locator("#file-error").inner_text()
    lead.page.set_input_files("#file", _upload("plan.txt", b"Recommendation\tBy whom\n", "text/plain"))
    lead.page.click("button:has-text('Import recommendations')")
    lead.sees_errors("plan-import-not-a-spreadsheet")
    assert lead.page.locator(".govuk-error-summary__list li").all_inner_texts() == [
        "The file must be a spreadsheet saved as .xlsx or .csv"]
    lead.page.goto(plan_page)
    assert lead.page.locator("main table").count() == 0
    assert lead.page.locator("main p:has-text('No recommendations under this theme.')").count() == 4

    # The seeds' layout: a theme in a row of its own, its heading row, its recommendations.
    lead.page.click("a:has-text('Import recommendations')")
    lead.page.set_input_files("#file", _upload("peer-challenge.xlsx", as_xlsx(LAYOUT), XLSX))
    lead.page.click("button:has-text('Import recommendations')")
    assert "5 recommendations imported." in _saved(lead.page)
    assert _recommendations(lead.page, FRAMEWORK[1]) == ["Name a lead officer for equality work",
                                                         "Set up a members' equality champion"]
    assert _recommendations(lead.page, FRAMEWORK[0]) == ["Map smaller communities using the new Census data",
                                                         "Open a youth forum on racism"]
    assert _recommendations(lead.page, "Transport and Access") == [LAYOUT[-1][0]]  # hostile, shown as written
    assert lead.page.locator("main h2.govuk-heading-m").all_inner_texts() == FRAMEWORK + ["Transport and Access"]
    check(lead.page, "plan-imported")
    # The council's words for row 4 gave no response; they are shown, for the lead to choose one from.
    unanswered = lead.page.locator("main tbody tr", has_text="Set up a members' equality champion")
    assert unanswered.locator("td").nth(1).inner_text().split("\n") == ["Not given yet",
                                                                         "To be considered by Cabinet."]

    # Two rows began "To be considered" and with a formula: no response was read from them.
    lead.page.click(".govuk-button-group a:has-text('Agree the plan')")
    lead.page.wait_for_selector("#blocked")
    # Rows are named by their place down the page, theme by theme (communities' two come first).
    assert lead.page.locator("#blocked li").all_inner_texts() == ["Row 4: give the management response",
                                                                   "Row 5: give the management response"]
    check(lead.page, "plan-agree-blocked")
    lead.page.click("form button:has-text('Agree the plan')")
    lead.sees_errors("plan-agree-refused")
    assert lead.page.locator(".govuk-error-summary__list li").all_inner_texts() == [
        "Row 4: give the management response", "Row 5: give the management response"]
    lead.page.click(".govuk-back-link")
    lead.page.get_by_role("link", name="Change recommendation 4").click()
    lead.page.wait_for_selector("h1:has-text('Change the recommendation')")
    check(lead.page, "plan-row-change")
    lead.page.check("input[name=response][value=agreed_in_part]")
    lead.page.fill("#response_reason", "Agreed in part: an officer champion first, a member after the elections.")
    lead.page.fill("#due_on-day", "31")
    lead.page.fill("#due_on-month", "7")
    lead.page.fill("#due_on-year", "2027")
    lead.page.fill("#due_condition", "")
    lead.page.fill("#owner", "Democratic services")
    lead.page.select_option("#owner_user_id", label=f"{world.author.name} ({world.author.email})")
    lead.page.click("button:has-text('Save recommendation')")
    assert "The changes to the recommendation have been saved." in _saved(lead.page)
    lead.page.get_by_role("link", name="Change recommendation 5").click()
    lead.page.wait_for_selector("h1:has-text('Change the recommendation')")
    lead.page.check("input[name=response][value=agreed]")
    lead.page.click("button:has-text('Save recommendation')")
    _saved(lead.page)
    lead.page.click(".govuk-button-group a:has-text('Agree the plan')")
    lead.page.wait_for_selector("h1:has-text('Agree the plan')")
    assert lead.page.locator("#blocked").count() == 0
    check(lead.page, "plan-agree")
    lead.page.fill("#comment", "Agreed with the directors on 12 March.")
    lead.page.click("form button:has-text('Agree the plan')")
    assert "Plan agreed" in _saved(lead.page)
    assert "Agreed by the equality lead" in lead.page.locator("main .govuk-tag").first.inner_text()
    check(lead.page, "plan-agreed")
    lead.page.click("button:has-text('Sign out')")
    lead.page.wait_for_url("**/sign-in")

    # A decision-maker adopts it, confirming they have read it.
    decider = Person(browser, live_server, world.decider)
    decider.sign_in()
    decider.go("/programme/plans")
    check(decider.page, "plans-to-adopt")
    decider.page.click(f"main a:has-text('{TITLE}')")
    decider.page.click(".govuk-button-group a:has-text('Adopt the plan')")
    decider.page.wait_for_selector("#attestation")
    check(decider.page, "plan-adopt")
    decider.page.click("form button:has-text('Adopt the plan')")
    decider.sees_errors("plan-adopt-errors")
    decider.page.check("input[name=attest]")
    decider.page.fill("#password", PASSWORD)
    decider.page.click("form button:has-text('Adopt the plan')")
    assert "Plan adopted" in _saved(decider.page)
    assert "Adopted" in decider.page.locator("main .govuk-tag").first.inner_text()
    check(decider.page, "plan-adopted")

    # The owner of row 4 updates their own row, and only theirs.
    [owned] = db.session.scalars(sa.select(PlanRow).where(PlanRow.owner_user_id == world.author.id)).all()
    owner = Person(browser, live_server, world.author)
    alerts: list[str] = []
    owner.page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    owner.sign_in()
    owner.go("/programme/plans")
    check(owner.page, "plans-owner")
    owner.page.click(f"main a:has-text('{TITLE}')")
    updates = owner.page.locator("main a:has-text('Update progress')")
    assert updates.count() == 1
    assert owner.page.locator(f"#row-{owned.id} a:has-text('Update progress')").count() == 1
    check(owner.page, "plan-owner")
    updates.click()
    owner.page.wait_for_selector("h1:has-text('Progress on recommendation 4')")
    check(owner.page, "plan-progress")
    owner.page.check("input[name=status][value=in_progress]")
    owner.page.fill("#note", NOTE)
    owner.page.click("button:has-text('Save progress')")
    assert "Progress recorded." in _saved(owner.page)
    status = owner.page.locator(f"#row-{owned.id} td").last.inner_text()
    assert "In progress" in status and NOTE in status  # the text as written, so not run as markup
    assert owner.page.locator("main script").count() == 0 and alerts == []
    check(owner.page, "plan-progress-recorded")

    # The lead downloads the plan and its progress report for the committee.
    lead.sign_in()
    lead.page.goto(plan_page)
    name, kind, data = _downloaded(lead.page, "a:has-text('Download the plan (.xlsx)')")
    assert (name, kind) == (f"action-plan-{owned.plan_id}.xlsx", XLSX)
    sheet = load_workbook(io.BytesIO(data)).active
    assert [(row[0], row[2]) for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        (FRAMEWORK[0], "Map smaller communities using the new Census data"),
        (FRAMEWORK[0], "Open a youth forum on racism"),
        (FRAMEWORK[1], "Name a lead officer for equality work"), (FRAMEWORK[1], "Set up a members' equality champion"),
        ("Transport and Access", LAYOUT[-1][0])]  # as the page has them, theme by theme
    # Only the refusals above (422, and 409 for the plan not yet complete enough to agree); checked before
    # the PDF, as Chromium's PDF viewer asks for a /favicon.ico, which the service does not serve.
    for person in (lead, decider, owner):
        assert [e for e in person.console_errors if "status of 422" not in e and "status of 409" not in e] == []
    lead.page.click("a:has-text('Progress report for a committee')")
    lead.page.wait_for_selector("#period")
    check(lead.page, "plan-report")
    lead.page.fill("#period", "Quarter 1, 2027 to 2028")
    pdf = _opened(lead.page, "button:has-text('Download as PDF')")
    assert (pdf.status, pdf.headers["content-type"], pdf.headers["content-disposition"]) == (
        200, "application/pdf", f'inline; filename="action-plan-{owned.plan_id}-progress.pdf"')
    # What the page holds is Chromium's viewer around the PDF: the PDF itself is read from the same address.
    data = lead.page.request.get(pdf.url).body()
    assert data.startswith(b"%PDF-")
    text = "".join(text_of(data).split())  # a word too long for its column breaks across lines
    for words in (TITLE, "Quarter 1, 2027 to 2028", NOTE, "Set up a members' equality champion"):
        assert "".join(words.split()) in text, words
    lead.page.go_back()
    lead.page.wait_for_selector("#period")
    name, kind, data = _downloaded(lead.page, "button:has-text('Download as Word')")
    assert (name, kind) == (f"action-plan-{owned.plan_id}-progress.docx", DOCX)
    assert TITLE in docx_text(data) and NOTE in docx_text(data)
