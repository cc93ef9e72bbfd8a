"""The full-assessment sections in a real headless Chromium: a service manager
completes an EqIA with the keyboard alone, every form page passes axe (WCAG 2.2
AA) before and after it shows errors, and a stale save keeps the user's text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

import pytest

from eqia.extensions import db
from eqia.forms.completion import COMPLETION_MISSING
from eqia.forms.fields import date_not_real
from eqia.models import Assessment
from eqia.services import content
from eqia.services.workflow import STALE, perform_transition
from eqia.assessments.sections import (
    CONSULTATION_MISSING, EVIDENCE_KIND_MISSING, EVIDENCE_NONE, EVIDENCE_SOURCE_MISSING,
    EVIDENCE_SUMMARY_MISSING, INTERSECTIONAL_MISSING, OUTCOME_MISSING, action_owner_missing, impact_missing,
    judgement_reason_missing, not_marked_complete, screening_reason_missing)
from tests.conftest import PASSWORD
# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import SCREENSHOTS, Person, browser, check, live_server  # noqa: F401

pytestmark = pytest.mark.browser

# Enough presses to cross the longest page (a group page has about 40 stops);
# more means focus is lost or stuck somewhere.
MAX_TABS = 150


def full_assessment_with_empty_sections(world) -> Assessment:
    """Register details and screening completed, then into the full assessment
    through the service alone: `world.take` would fill in every section."""
    assessment = world.make_assessment(answer="yes")
    perform_transition(assessment.id, "start_full_assessment", world.author)
    db.session.commit()  # as the request would: the browser's server reads it on its own connection
    db.session.expire_all()
    return db.session.get(Assessment, assessment.id)


def current(assessment: Assessment) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment.id)


# ------------------------------------------------------------ the keyboard

def describe_focus(page) -> str:
    return page.evaluate("""() => {
        const e = document.activeElement;
        if (!e || e === document.body) return 'the page itself';
        const text = (e.innerText || e.value || '').trim().slice(0, 40);
        const id = e.id ? ' id=' + e.id : '', name = e.name ? ' name=' + e.name : '';
        return `<${e.tagName.toLowerCase()}${id}${name}> ${text}`;
    }""")


def focus_on(page, selector: str) -> None:
    """Press Tab until the focused element matches `selector`, as a keyboard
    user would, failing clearly (with where focus went) if it never does."""
    visited = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        visited.append(describe_focus(page))
    pytest.fail(f"{MAX_TABS} presses of Tab on {page.url} never reached {selector}; "
                f"focus went to: {' | '.join(dict.fromkeys(visited))}")


def follow(page, selector: str) -> None:
    """Tab to a link or a button and press Enter."""
    focus_on(page, selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page, selector: str, text: str) -> None:
    focus_on(page, selector)
    page.keyboard.type(text)


def type_date(page, field: str, when: date) -> None:
    for part, value in (("day", when.day), ("month", when.month), ("year", when.year)):
        type_into(page, f"#{field}-{part}", str(value))


def choose(page, name: str, value: str) -> None:
    """Tab into a radio group, then move through it with the arrow keys (which
    select as they move), as the GOV.UK radios expect."""
    focus_on(page, f"input[type=radio][name='{name}']")
    for _ in range(12):
        if page.evaluate("v => document.activeElement.value === v", value):
            break
        page.keyboard.press("ArrowDown")
    else:
        pytest.fail(f"the arrow keys never reached {name}={value} on {page.url}")
    if not page.evaluate("() => document.activeElement.checked"):
        page.keyboard.press("Space")
    assert page.locator(f"input[name='{name}'][value='{value}']").is_checked()


def tick(page, selector: str) -> None:
    focus_on(page, selector)
    page.keyboard.press("Space")
    assert page.locator(selector).is_checked()


def save(page) -> None:
    follow(page, "form button#submit")


def mark_completed_and_save(page) -> None:
    choose(page, "completed", "yes")
    save(page)


def assert_saved(page, message: str) -> None:
    if page.locator(".govuk-error-summary").count():
        pytest.fail(f"{page.url} refused the save: {page.locator('.govuk-error-summary').inner_text()}")
    assert message in page.locator(".govuk-notification-banner--success").inner_text()


def sign_in_with_keyboard(person: Person) -> None:
    person.go("/sign-in")
    check(person.page, "keyboard-sign-in")
    type_into(person.page, "#email", person.user.email)
    type_into(person.page, "#password", PASSWORD)
    with person.page.expect_navigation():
        person.page.keyboard.press("Enter")  # in a text input, Enter submits its form
    assert person.page.url.endswith("/my-work"), person.page.url


# -------------------------------------------------------------- the journey

def test_a_service_manager_completes_an_eqia_with_the_keyboard_only(live_server, browser, world):
    assessment = full_assessment_with_empty_sections(world)
    groups = [(row.characteristic_key, row.characteristic_label) for row in assessment.impacts]
    author = Person(browser, live_server, world.author)
    page = author.page
    sign_in_with_keyboard(author)
    author.go(f"/assessments/{assessment.id}/tasks")
    check(page, "keyboard-task-list-start")
    task = "a.govuk-task-list__link[href$='{}']".format

    # Evidence: one item, then the section marked completed.
    follow(page, task("/evidence"))
    check(page, "keyboard-evidence")
    follow(page, "a.govuk-button[href$='/evidence/add']")
    check(page, "keyboard-evidence-add")
    choose(page, "kind", "data")
    type_into(page, "#source", "Library visitor survey 2025")
    type_date(page, "dated", date.today() - timedelta(days=60))
    type_into(page, "#summary", "Who visits each branch, by age and disability")
    save(page)
    assert_saved(page, "added")
    check(page, "keyboard-evidence-with-item")
    mark_completed_and_save(page)
    assert_saved(page, "Evidence saved")

    # Consultation and engagement: one item, then completed.
    follow(page, task("/consultation"))
    check(page, "keyboard-consultation")
    follow(page, "a.govuk-button[href$='/consultation/add']")
    check(page, "keyboard-consultation-add")
    type_into(page, "#who", "Library users and the older people's forum")
    type_date(page, "held_from", date.today() - timedelta(days=30))
    type_into(page, "#method", "Online survey and two drop-in sessions")
    type_into(page, "#what_they_said", "Keep the mornings open")
    type_into(page, "#how_it_changed", "Morning opening was kept at every branch")
    save(page)
    assert_saved(page, "added")
    check(page, "keyboard-consultation-with-item")
    mark_completed_and_save(page)
    assert_saved(page, "Consultation and engagement saved")

    # Each group: neutral, with reasons, citing the evidence.
    for key, label in groups:
        follow(page, task(f"/groups/{key}"))
        check(page, f"keyboard-group-{key}")
        choose(page, "impact", "neutral")
        type_into(page, "#evidence_narrative", f"Use by {label.lower()} is even across the week")
        tick(page, "input[type=checkbox][name=evidence]")
        mark_completed_and_save(page)
        assert_saved(page, f"{label} saved")

    follow(page, task("/intersectional"))
    check(page, "keyboard-intersectional")
    type_into(page, "#intersectional_effects", "None found after checking the survey for combined groups")
    mark_completed_and_save(page)
    assert_saved(page, "Intersectional and cumulative effects saved")

    follow(page, task("/outcome"))
    check(page, "keyboard-outcome")
    tick(page, "input[name=outcomes][value=no_major_change]")
    mark_completed_and_save(page)
    assert_saved(page, "Outcome saved")

    # The action plan: one whole action, and a review after the decision.
    follow(page, task("/action-plan"))
    check(page, "keyboard-action-plan")
    follow(page, "a.govuk-button[href$='/action/add']")
    check(page, "keyboard-action-add")
    type_into(page, "#description", "Monitor visits by age and disability")
    type_into(page, "#owner", "Sam Lee, Libraries manager")
    action_due = date.today() + timedelta(days=90)
    type_date(page, "due_date", action_due)
    type_into(page, "#success_measure", "A quarterly report to the libraries board")
    save(page)
    assert_saved(page, "added")
    check(page, "keyboard-action-plan-with-item")
    review = assessment.planned_decision_date + timedelta(days=365)
    type_date(page, "review_date", review)
    mark_completed_and_save(page)
    assert_saved(page, "Action plan saved")

    check(page, "keyboard-task-list-done")
    # Every task but "Check your answers" itself, whose list has its own id prefix.
    items = page.locator(".govuk-task-list__item:not(:has([id^='task-check']))")
    shown = {item.locator(".govuk-task-list__name-and-hint").inner_text().strip():
             item.locator(".govuk-task-list__status").inner_text().strip() for item in items.all()}
    assert len(shown) == len(groups) + 7, shown
    assert set(shown.values()) == {"Completed"}, shown
    sections = len(groups) + 7
    assert f"You have completed {sections} of {sections} sections" in page.locator("#progress").inner_text()

    follow(page, task("/check"))
    check(page, "keyboard-check-answers")
    assert page.locator("h1").inner_text() == "Check your answers"
    assert page.locator("a.govuk-button", has_text="Submit for challenge review").is_visible()
    assert author.console_errors == [], author.console_errors

    # Nothing typed was lost on the way.
    saved = current(assessment)
    assert [e.source for e in saved.evidence_items] == ["Library visitor survey 2025"]
    assert [c.how_it_changed for c in saved.consultations] == ["Morning opening was kept at every branch"]
    assert [(a.owner, a.due_date) for a in saved.actions] == [("Sam Lee, Libraries manager", action_due)]
    assert saved.review_date == review
    assert {row.impact for row in saved.impacts} == {"neutral"}
    assert all(row.evidence for row in saved.impacts)


# --------------------------------------------------- every form page, twice

@dataclass(frozen=True)
class FormPage:
    name: str  # the screenshots are sections-<name>.png and sections-<name>-errors.png
    path: Callable[[Assessment], str]
    # Gets the page into a state that shows errors; returns the messages to expect.
    make_errors: Callable[..., list[str]]
    prepare: Callable[..., None] = lambda world, assessment: None
    messages_in: str = ".govuk-error-summary__list li"
    is_a_form: bool = True  # a form says "Error:" in its title and links each error to its field


def submit(page) -> None:
    with page.expect_navigation():
        page.click("form button#submit")


def fill_date(page, field: str, day: str, month: str, year: str) -> None:
    page.fill(f"#{field}-day", day)
    page.fill(f"#{field}-month", month)
    page.fill(f"#{field}-year", year)


def completed_yes_on_empty(message: str):
    def make_errors(page, world, assessment) -> list[str]:
        page.check("input[name=completed][value=yes]")
        submit(page)
        return [message]
    return make_errors


def add_evidence(world, assessment) -> None:
    content.save_item(content.EVIDENCE, assessment.id, world.author, current(assessment).lock_version, None, {
        "kind": "data", "source": "Library visitor survey 2025", "dated": date.today() - timedelta(days=60),
        "summary": "Who visits, by age and disability", "link": "https://example.test/survey"})


def add_unfinished_action(world, assessment) -> None:
    """What "Add an action to gather evidence" leaves: a description, nothing else yet."""
    content.save_item(content.ACTIONS, assessment.id, world.author, current(assessment).lock_version, None, {
        "description": "Gather evidence about the effect on Age", "owner": "", "due_date": None,
        "success_measure": "", "status": "not_started"})


def impossible_decision_date(page, world, assessment) -> list[str]:
    fill_date(page, "planned_decision_date", "31", "2", "2026")
    page.check("input[name=completed][value=no]")
    submit(page)
    return [date_not_real("Planned decision date")]


def screening_reason_removed(page, world, assessment) -> list[str]:
    label = assessment.screening_answers[0].characteristic_label
    page.fill(f"#reason_{assessment.screening_answers[0].characteristic_key}", "")
    page.check("input[name=completed][value=yes]")
    submit(page)
    return [screening_reason_missing(label)]


def empty_evidence_item(page, world, assessment) -> list[str]:
    submit(page)
    return [EVIDENCE_KIND_MISSING, EVIDENCE_SOURCE_MISSING, EVIDENCE_SUMMARY_MISSING]


def consultation_impossible_start(page, world, assessment) -> list[str]:
    page.fill("#who", "Library users")
    fill_date(page, "held_from", "31", "2", "2026")
    submit(page)
    return [date_not_real("Start date")]


def empty_group(page, world, assessment) -> list[str]:
    label = assessment.impacts[0].characteristic_label
    page.check("input[name=completed][value=yes]")
    submit(page)
    return [impact_missing(label), judgement_reason_missing(label)]


def no_completion_answer(page, world, assessment) -> list[str]:
    page.fill("#intersectional_effects", "Older disabled residents rely on the mobile library too")
    submit(page)
    return [COMPLETION_MISSING]


def impossible_review_date(page, world, assessment) -> list[str]:
    fill_date(page, "review_date", "31", "2", "2026")
    page.check("input[name=completed][value=yes]")
    submit(page)
    return [date_not_real("Review date")]


def unfinished_action_marked_completed(page, world, assessment) -> list[str]:
    fill_date(page, "review_date", "1", "4", str(assessment.planned_decision_date.year + 2))
    page.check("input[name=completed][value=yes]")
    submit(page)
    return [action_owner_missing(1)]


def action_impossible_due_date(page, world, assessment) -> list[str]:
    page.fill("#description", "Monitor visits by age")
    fill_date(page, "due_date", "31", "2", "2026")
    submit(page)
    return [date_not_real("Due date")]


def removed_after_someone_else_saved(page, world, assessment) -> list[str]:
    # Someone else saves the assessment while the confirmation is open.
    content.update_intersectional(assessment.id, world.co_author, current(assessment).lock_version,
                                  "Checked by a colleague", False)
    db.session.commit()  # their request's unit of work
    with page.expect_navigation():
        page.click("button:has-text('Yes, remove it')")
    return [STALE]


def start_without_finishing(page, world, assessment) -> None:
    """The task list and "check your answers" have no form of their own: their
    error state is an assessment with unfinished work, shown after a reload."""
    content.update_intersectional(assessment.id, world.author, current(assessment).lock_version,
                                  "Started, not finished", False)
    db.session.commit()  # that save's unit of work
    with page.expect_navigation():
        page.reload()


def task_in_progress(page, world, assessment) -> list[str]:
    start_without_finishing(page, world, assessment)
    return ["In progress"]


def what_is_missing(page, world, assessment) -> list[str]:
    start_without_finishing(page, world, assessment)
    missing = [EVIDENCE_NONE, not_marked_complete("Intersectional and cumulative effects")]
    if current(assessment).actions:
        missing.append(action_owner_missing(1))
    return missing


FORM_PAGES = [
    FormPage("register-details", lambda a: f"/assessments/{a.id}/details", impossible_decision_date),
    FormPage("screening", lambda a: f"/assessments/{a.id}/screening", screening_reason_removed),
    FormPage("evidence-list", lambda a: f"/assessments/{a.id}/evidence",
             completed_yes_on_empty(EVIDENCE_NONE)),
    FormPage("evidence-add", lambda a: f"/assessments/{a.id}/evidence/add", empty_evidence_item),
    FormPage("consultation-list", lambda a: f"/assessments/{a.id}/consultation",
             completed_yes_on_empty(CONSULTATION_MISSING)),
    FormPage("consultation-add", lambda a: f"/assessments/{a.id}/consultation/add",
             consultation_impossible_start),
    FormPage("group", lambda a: f"/assessments/{a.id}/groups/{a.impacts[0].characteristic_key}", empty_group),
    FormPage("intersectional", lambda a: f"/assessments/{a.id}/intersectional", no_completion_answer),
    FormPage("intersectional-empty", lambda a: f"/assessments/{a.id}/intersectional",
             completed_yes_on_empty(INTERSECTIONAL_MISSING)),
    FormPage("outcome", lambda a: f"/assessments/{a.id}/outcome", completed_yes_on_empty(OUTCOME_MISSING)),
    FormPage("action-plan", lambda a: f"/assessments/{a.id}/action-plan", impossible_review_date),
    FormPage("action-plan-unfinished-action", lambda a: f"/assessments/{a.id}/action-plan",
             unfinished_action_marked_completed, prepare=add_unfinished_action),
    FormPage("action-add", lambda a: f"/assessments/{a.id}/action/add", action_impossible_due_date),
    FormPage("remove-confirmation",
             lambda a: f"/assessments/{a.id}/evidence/{a.evidence_items[0].id}/remove",
             removed_after_someone_else_saved, prepare=add_evidence),
    FormPage("task-list", lambda a: f"/assessments/{a.id}/tasks", task_in_progress,
             messages_in=".govuk-task-list__status", is_a_form=False),
    FormPage("check-your-answers", lambda a: f"/assessments/{a.id}/check", what_is_missing,
             messages_in="#send ~ ul li", is_a_form=False),
    FormPage("check-your-answers-unfinished-action", lambda a: f"/assessments/{a.id}/check", what_is_missing,
             prepare=add_unfinished_action, messages_in="#send ~ ul li", is_a_form=False),
]


def assert_error_summary_links_land(page) -> None:
    """Each link in the error summary must take the user to something on the page."""
    links = page.locator(".govuk-error-summary__list a")
    for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        if href.startswith("#"):
            assert page.locator(f"[id='{href[1:]}']").count() == 1, f"error summary link {href} goes nowhere"


def picture_of_failure(page, name: str, message: str) -> None:
    """Keep a picture of what the user got instead, then fail."""
    page.screenshot(path=str(SCREENSHOTS / f"sections-{name}.png"), full_page=True)
    pytest.fail(message)


def navigation_status(page) -> int:
    return page.evaluate("() => performance.getEntriesByType('navigation')[0].responseStatus")


@pytest.mark.parametrize("form_page", FORM_PAGES, ids=[p.name for p in FORM_PAGES])
def test_every_form_page_passes_axe_including_with_errors(live_server, browser, world, form_page):
    assessment = full_assessment_with_empty_sections(world)
    form_page.prepare(world, assessment)
    db.session.commit()  # whatever preparing saved, as its own request would have
    author = Person(browser, live_server, world.author)
    author.sign_in()
    page = author.page
    path = form_page.path(current(assessment))
    status = page.goto(live_server + path).status
    if status != 200:
        picture_of_failure(page, form_page.name, f"{path} answered {status}")
    check(page, f"sections-{form_page.name}")

    expected = form_page.make_errors(page, world, current(assessment))
    status = navigation_status(page)
    if status not in (200, 409, 422):
        picture_of_failure(page, f"{form_page.name}-errors", f"{path} answered {status} to the submission")
    assert page.url.startswith(live_server + path), page.url
    check(page, f"sections-{form_page.name}-errors")
    shown = [text.strip() for text in page.locator(form_page.messages_in).all_inner_texts()]
    for message in expected:
        # "check your answers" lists the first problem on each page, then "(and N more on the same page)"
        assert any(text == message or text.startswith(message + " (and ") for text in shown), (message, shown)
    if form_page.is_a_form:
        assert page.title().startswith("Error: "), page.title()
        assert_error_summary_links_land(page)
    assert author.console_errors == [], author.console_errors


# ------------------------------------------------------------ a stale save

def test_a_stale_save_in_the_browser_keeps_the_users_text(live_server, browser, world):
    assessment = full_assessment_with_empty_sections(world)
    page_path = f"/assessments/{assessment.id}/intersectional"
    author = Person(browser, live_server, world.author)
    co_author = Person(browser, live_server, world.co_author)
    for person in (author, co_author):
        person.sign_in()
        person.go(page_path)
        assert person.page.locator("h1").inner_text() == "Intersectional and cumulative effects"

    theirs = "Older carers also lose the Saturday bus service (EQIA-0007)"
    co_author.page.fill("#intersectional_effects", theirs)
    co_author.page.check("input[name=completed][value=no]")
    submit(co_author.page)
    assert_saved(co_author.page, "Intersectional and cumulative effects saved")

    mine = "Disabled residents on low incomes are affected twice:\nby the hours and by the bus cuts."
    author.page.fill("#intersectional_effects", mine)
    author.page.check("input[name=completed][value=no]")
    submit(author.page)

    page = author.page
    assert page.locator("#conflict-title").inner_text().strip() == "Your changes have not been saved yet"
    assert page.input_value("#intersectional_effects") == mine
    assert page.locator("input[name=completed][value=no]").is_checked()
    assert page.locator("#saved-now").inner_text().startswith("What is saved now")
    saved_now = page.locator(".app-conflict-list").inner_text()
    assert theirs in saved_now, saved_now
    assert STALE in page.locator(".govuk-error-summary").inner_text()
    check(page, "sections-stale-save")
    assert current(assessment).intersectional_effects == theirs

    submit(page)
    assert_saved(page, "Intersectional and cumulative effects saved")
    # Browsers send a textarea's line breaks as CRLF (the HTML standard's form encoding).
    assert current(assessment).intersectional_effects.replace("\r\n", "\n") == mine
    author.go(page_path)
    assert author.page.input_value("#intersectional_effects") == mine
    for person in (author, co_author):
        assert person.console_errors == [], person.console_errors
