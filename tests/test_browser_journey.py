"""The whole standard workflow in a real headless Chromium, by the three roles,
with CSRF on, and axe-core checking every page against WCAG 2.2 AA."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from eqia.config import PROJECT_ROOT
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(make_app, world):
    app = make_app(SERVER_NAME=None, WTF_CSRF_ENABLED=True, TESTING=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


class Person:
    """One browser context per person, as if each sat at their own desk."""

    def __init__(self, browser, base: str, user) -> None:
        # axe is injected as a script; the page's own CSP would (rightly) block it.
        self.context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.base = base
        self.user = user
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def sign_in(self) -> None:
        self.go("/sign-in")
        check(self.page, "sign-in")
        self.page.fill("#email", self.user.email)
        self.page.fill("#password", PASSWORD)
        self.page.click("button:has-text('Sign in')")
        self.page.wait_for_url("**/my-work")

    def sees_errors(self, name: str) -> None:
        """The page came back with its error summary, the title says so, and it passes axe."""
        self.page.wait_for_selector(".govuk-error-summary")
        assert self.page.title().startswith("Error: ")
        check(self.page, name)

    def open_from_my_work(self, title: str) -> None:
        self.go("/my-work")
        check(self.page, f"my-work-{self.user.email.split('@')[0]}")
        self.page.click(f"a:has-text('{title}')")

    def take(self, label: str, comment: str = "") -> None:
        self.page.click(f".app-actions a:has-text('{label}')")
        check(self.page, f"action-{label.lower().replace(' ', '-')}")
        if comment:
            self.page.fill("#comment", comment)
        self.page.click(f"form button:has-text('{label}')")
        # Wait for the next page: counting at once can look at the page being left.
        self.page.wait_for_selector(".govuk-notification-banner--success", timeout=15_000)


def check(page, name: str) -> None:
    """Screenshot the page and fail on any WCAG 2.2 AA violation axe finds."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    problems = [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
                f"{', '.join(n['target'][0] for n in v['nodes'][:3])})" for v in result["violations"]]
    assert not problems, f"{name}: " + "; ".join(problems)


def test_three_roles_take_an_assessment_from_start_to_publication(live_server, browser, world):
    title = "Mobile library service redesign"
    author = Person(browser, live_server, world.author)
    author.sign_in()

    # Start, first with a mistake to see the error summary.
    author.go("/assessments/new")
    author.page.click("button:has-text('Save and continue')")
    author.sees_errors("new-assessment-with-errors")
    author.page.fill("#title", title)
    author.page.fill("#lead_officer", "Sam Lee")
    author.page.select_option("#activity_kind", "change")
    author.page.fill("#aims", "Keep rural access while reducing running costs.")
    author.page.fill("#people_affected", "About 2,000 people in villages without a library.")
    author.page.fill("#decision_maker", "Cabinet Member for Communities")
    author.page.fill("#decision_forum", "Cabinet")
    for field, (day, month, year) in (("due_regard_started_on", ("1", "9", "2026")),
                                      ("planned_decision_date", ("15", "1", "2031"))):
        author.page.fill(f"#{field}-day", day)
        author.page.fill(f"#{field}-month", month)
        author.page.fill(f"#{field}-year", year)
    author.page.click("button:has-text('Save and continue')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    check(author.page, "task-list-screening")
    tasks = author.page.url

    # The register details were saved as a draft: say they are finished.
    author.page.click(".govuk-task-list a:has-text('Register details')")
    author.page.check("input[name=completed][value=yes]")
    author.page.click("button:has-text('Save and continue')")
    author.page.wait_for_selector(".govuk-notification-banner--success")

    author.page.click(".govuk-task-list a:has-text('Screening')")
    check(author.page, "screening-form")
    for radio in author.page.locator("input[type=radio][name^=answer_][value=yes]").all():
        radio.check()
    for radio in author.page.locator("input[type=radio][name^=advances_][value=no]").all():
        radio.check()
    for reason in author.page.locator("textarea[id^=reason_]").all():
        reason.fill("Rural residents are older and more often disabled; stops are changing.")
    author.page.check("input[name=relevance][value=high]")
    author.page.check("input[name=proposal][value=full]")
    author.page.fill("#conclusion", "A full assessment is needed.")
    author.page.check("input[name=completed][value=yes]")
    author.page.click("button:has-text('Save and continue')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    assert author.page.url == tasks
    author.page.click("a:has-text('Back to the assessment')")
    overview = author.page.url
    author.take("Start full assessment")
    # The full assessment's pages have their own journey (test_browser_sections);
    # here the content is written through the same services, and the roles go on.
    world.write_full_assessment(world.assessment_titled(title), world.author)
    author.page.goto(overview)
    author.take("Submit for challenge review", "Ready for challenge.")

    lead = Person(browser, live_server, world.lead)
    lead.sign_in()
    lead.open_from_my_work(title)
    check(lead.page, "overview-challenge")
    # The challenge: a status and a comment per task, then return to the author.
    lead.page.click(".app-actions a:has-text('Review the assessment')")
    check(lead.page, "review-round-1")
    lead.page.check("input[name=status_evidence][value=to_correct]")
    lead.page.fill("#comment_evidence", "Add the 2025 user survey results for older people.")
    lead.page.check("input[name=status_intersectional][value=could_be_improved]")
    lead.page.fill("#comment_intersectional", "Say how rurality and age combine.")
    lead.page.check("input[name=status_outcome][value=acceptable]")
    lead.page.click("button:has-text('Save and return to author')")
    lead.page.wait_for_url("**/actions/return_to_author")
    check(lead.page, "action-return-to-author")
    lead.page.fill("#comment", "Two points to look at.")
    lead.page.click("form button:has-text('Return to author')")
    lead.page.wait_for_selector(".govuk-notification-banner--success", timeout=15_000)
    assert "Add the 2025 user survey results" in lead.page.locator("#round-1").text_content()

    # The author answers every point: accepted, saying what changed, or not, saying why.
    author.page.goto(overview)
    assert "3 points to answer" in author.page.content()
    check(author.page, "overview-returned")
    author.page.click("a:has-text('Answer the challenge')")
    check(author.page, "answer-the-challenge")
    author.page.click("button:has-text('Save answers')")  # nothing chosen yet: a draft, saved as it is
    author.page.wait_for_selector(".govuk-notification-banner--success")
    author.page.goto(overview)
    author.page.click("a:has-text('Answer the challenge')")
    points = author.page.locator(".app-challenge-point")
    # The click returns once the new page's address has committed, before its body has
    # been parsed: wait for the points themselves before counting them.
    points.first.wait_for()
    assert points.count() == 3
    for i in range(3):
        point = points.nth(i)
        heading = point.locator("h2").text_content()
        if "Intersectional" in heading:
            point.locator("input[value=not_accepted]").check()
            point.locator("textarea").fill("Rurality is covered under each age group already.")
        else:
            point.locator("input[value=accepted]").check()
            point.locator("textarea").fill("Added the survey results as evidence.")
    author.page.locator("textarea").nth(0).fill("")  # one answer with no text: refused, nothing lost
    author.page.click("button:has-text('Save answers')")
    author.page.wait_for_selector(".govuk-error-summary")
    check(author.page, "answer-the-challenge-with-errors")
    author.page.locator("textarea").nth(0).fill("Added the survey results as evidence.")
    author.page.click("button:has-text('Save answers')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    author.page.goto(overview)
    author.take("Submit for challenge review", "Survey results added.")

    lead2 = Person(browser, live_server, world.lead2)
    lead2.sign_in()
    lead2.open_from_my_work(title)
    lead2.page.click(".app-actions a:has-text('Review the assessment')")
    assert "Round 1: To correct" in lead2.page.locator("#task-evidence").text_content()
    check(lead2.page, "review-round-2")
    lead2.page.check("input[name=status_evidence][value=acceptable]")
    lead2.page.click("button:has-text('Save and approve for sign-off')")
    lead2.page.wait_for_url("**/actions/approve")
    lead2.page.fill("#comment", "The evidence now supports the conclusions.")
    lead2.page.click("form button:has-text('Approve for sign-off')")
    lead2.page.wait_for_selector(".govuk-notification-banner--success", timeout=15_000)

    # The decision-maker reads the summary, then signs with the attestation and their password.
    decider = Person(browser, live_server, world.decider)
    decider.sign_in()
    decider.open_from_my_work(title)
    decider.page.click(".app-actions a:has-text('Sign off')")
    summary = decider.page.locator(".app-summary").text_content()
    assert "Rurality is covered under each age group already." in summary  # the point not accepted
    check(decider.page, "sign-off-summary")
    decider.page.click("form button:has-text('Sign off')")
    decider.page.wait_for_selector(".govuk-error-summary")
    check(decider.page, "sign-off-with-errors")
    decider.page.check("input[name=attest]")
    decider.page.fill("#password", "not my password")
    decider.page.click("form button:has-text('Sign off')")
    assert "The password is not correct" in decider.page.locator(".govuk-error-summary").text_content()
    decider.page.check("input[name=attest]")
    decider.page.fill("#password", PASSWORD)
    decider.page.click("form button:has-text('Sign off')")
    decider.page.wait_for_selector(".govuk-notification-banner--success", timeout=15_000)
    assert decider.page.locator("#hash-verified").is_visible()
    check(decider.page, "overview-signed")

    lead.page.goto(overview)
    lead.take("Publish")
    assert lead.page.locator(".govuk-tag", has_text="Published").count() == 1
    check(lead.page, "overview-published")

    for path, name in (("/assessments", "all-assessments"), ("/workflow/", "workflow-diagram")):
        lead.go(path)
        check(lead.page, name)

    # No script errors and no missing assets anywhere on the way (CSP included).
    # The sign-off refused above answers 422, which Chromium logs as a failed load.
    refused = "the server responded with a status of 422"
    for person in (author, lead, lead2, decider):
        errors = [e for e in person.console_errors if refused not in e]
        assert errors == [], errors

    lead.go("/no-such-page")
    check(lead.page, "not-found")

    # The public, signed in as nobody, find it on the register.
    public = Person(browser, live_server, None)
    public.go("/register")
    check(public.page, "register")
    public.page.click(f"a:has-text('{title}')")
    assert title in public.page.locator("h1").text_content()
    check(public.page, "register-summary")
