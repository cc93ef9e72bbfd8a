"""The whole author journey in Welsh, in a real headless Chromium (issue 17): a service
manager switches the service to Cymraeg with the switch on the page, starts an EqIA
(a mistake first, to see the Welsh error summary), screens it, starts the full
assessment, completes every section with the keyboard, checks the answers and submits
it for challenge. Every page is `lang="cy"`, passes axe-core (WCAG 2.2 AA), and says
what the catalogue says in Welsh; the choice stays on the account after signing out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from eqia.extensions import db
from eqia.i18n import translations_for
from eqia.models import Assessment, User
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401
from tests.test_browser_sections import (choose, follow, mark_completed_and_save, save, sign_in_with_keyboard,
                                         tick, type_date, type_into)

pytestmark = pytest.mark.browser


def cy(english: str) -> str:
    """The Welsh the catalogue gives for an English string of the service."""
    welsh = translations_for("cy").gettext(english)
    assert welsh != english, f"no Welsh for {english!r}"
    return welsh


def in_welsh(person: Person, name: str) -> None:
    assert person.page.locator("html").get_attribute("lang") == "cy", person.page.url
    check(person.page, f"welsh-{name}")


def saved_without_errors(page) -> None:
    if page.locator(".govuk-error-summary").count():
        pytest.fail(f"{page.url} refused the save: {page.locator('.govuk-error-summary').inner_text()}")
    assert page.locator(".govuk-notification-banner--success").count() == 1, page.url


@pytest.mark.slow
def test_the_whole_author_journey_in_welsh(live_server, browser, world):
    author = Person(browser, live_server, world.author)
    page = author.page
    sign_in_with_keyboard(author)
    assert page.locator("html").get_attribute("lang") == "en-GB"

    # The switch on the page: a button, since the choice is kept on the account.
    with page.expect_navigation():
        page.click(".app-language-switch button:has-text('Cymraeg')")
    assert page.url.endswith("/my-work")
    in_welsh(author, "my-work")
    db.session.expire_all()
    assert db.session.get(User, world.author.id).language == "cy"

    # A new assessment, first with nothing filled in.
    author.go("/assessments/new")
    in_welsh(author, "new")
    save(page)
    assert page.title().startswith("Gwall: ")
    in_welsh(author, "new-with-errors")
    assert page.locator(".govuk-error-summary__title").inner_text().strip() == cy("There is a problem")
    type_into(page, "#title", "Gwasanaeth llyfrgell symudol")
    type_into(page, "#lead_officer", "Sam Lee")
    page.select_option("#activity_kind", "change")
    type_into(page, "#aims", "Cadw mynediad gwledig a lleihau costau.")
    type_into(page, "#people_affected", "Tua 2,000 o bobl mewn pentrefi heb lyfrgell.")
    type_into(page, "#decision_maker", "Aelod Cabinet dros Gymunedau")
    type_into(page, "#decision_forum", "Cabinet")
    type_date(page, "due_regard_started_on", date.today() - timedelta(days=5))
    type_date(page, "planned_decision_date", date.today() + timedelta(days=120))
    save(page)
    saved_without_errors(page)
    in_welsh(author, "task-list-screening")
    assessment = db.session.execute(db.select(Assessment).where(
        Assessment.title == "Gwasanaeth llyfrgell symudol")).scalar_one()
    task = "a.govuk-task-list__link[href$='{}']".format

    follow(page, task("/details"))
    in_welsh(author, "details")
    mark_completed_and_save(page)
    saved_without_errors(page)

    follow(page, task("/screening"))
    in_welsh(author, "screening")
    for radio in page.locator("input[type=radio][name^=answer_][value=yes]").all():
        radio.check()
    for radio in page.locator("input[type=radio][name^=advances_][value=no]").all():
        radio.check()
    for reason in page.locator("textarea[id^=reason_]").all():
        reason.fill("Mae trigolion gwledig yn hŷn ac yn amlach yn anabl.")
    page.check("input[name=relevance][value=high]")
    page.check("input[name=proposal][value=full]")
    page.fill("#conclusion", "Mae angen asesiad llawn.")
    mark_completed_and_save(page)
    saved_without_errors(page)

    # Into the full assessment, with the workflow's own button in Welsh.
    author.go(f"/assessments/{assessment.id}")
    in_welsh(author, "overview-screening")
    page.click(f".app-actions a:has-text('{cy('Start full assessment')}')")
    in_welsh(author, "start-full-assessment")
    page.click(f"form button:has-text('{cy('Start full assessment')}')")
    page.wait_for_selector(".govuk-notification-banner--success")
    author.go(f"/assessments/{assessment.id}/tasks")
    in_welsh(author, "task-list-full")

    follow(page, task("/evidence"))
    follow(page, "a.govuk-button[href$='/evidence/add']")
    in_welsh(author, "evidence-add")
    choose(page, "kind", "data")
    type_into(page, "#source", "Arolwg defnyddwyr llyfrgell 2025")
    type_date(page, "dated", date.today() - timedelta(days=60))
    type_into(page, "#summary", "Pwy sy’n ymweld, yn ôl oedran ac anabledd")
    save(page)
    saved_without_errors(page)
    mark_completed_and_save(page)
    saved_without_errors(page)

    follow(page, task("/consultation"))
    follow(page, "a.govuk-button[href$='/consultation/add']")
    in_welsh(author, "consultation-add")
    type_into(page, "#who", "Defnyddwyr y llyfrgell")
    type_date(page, "held_from", date.today() - timedelta(days=30))
    type_into(page, "#method", "Arolwg ar-lein")
    type_into(page, "#what_they_said", "Cadw’r boreau ar agor")
    type_into(page, "#how_it_changed", "Cadwyd y boreau")
    save(page)
    saved_without_errors(page)
    mark_completed_and_save(page)
    saved_without_errors(page)

    db.session.expire_all()
    for row in db.session.get(Assessment, assessment.id).impacts:
        follow(page, task(f"/groups/{row.characteristic_key}"))
        in_welsh(author, f"group-{row.characteristic_key}")
        choose(page, "impact", "neutral")
        type_into(page, "#evidence_narrative", "Mae’r defnydd yn gyfartal")
        tick(page, "input[type=checkbox][name=evidence]")
        mark_completed_and_save(page)
        saved_without_errors(page)

    follow(page, task("/intersectional"))
    in_welsh(author, "intersectional")
    type_into(page, "#intersectional_effects", "Dim wedi’u canfod")
    mark_completed_and_save(page)
    saved_without_errors(page)

    follow(page, task("/outcome"))
    in_welsh(author, "outcome")
    tick(page, "input[name=outcomes][value=no_major_change]")
    mark_completed_and_save(page)
    saved_without_errors(page)

    follow(page, task("/action-plan"))
    follow(page, "a.govuk-button[href$='/action/add']")
    in_welsh(author, "action-add")
    type_into(page, "#description", "Monitro ymweliadau yn ôl oedran")
    type_into(page, "#owner", "Sam Lee")
    type_date(page, "due_date", date.today() + timedelta(days=90))
    type_into(page, "#success_measure", "Adroddiad chwarterol")
    save(page)
    saved_without_errors(page)
    type_date(page, "review_date", date.today() + timedelta(days=500))
    mark_completed_and_save(page)
    saved_without_errors(page)
    in_welsh(author, "task-list-done")
    statuses = {s.strip() for s in page.locator(".govuk-task-list__status").all_inner_texts() if s.strip()}
    assert cy("Completed") in statuses and "Completed" not in statuses, statuses

    follow(page, task("/check"))
    in_welsh(author, "check-answers")
    assert page.locator("h1").inner_text() == cy("Check your answers")
    page.click(f"a.govuk-button:has-text('{cy('Submit for challenge review')}')")
    in_welsh(author, "submit-for-challenge")
    page.click(f"form button:has-text('{cy('Submit for challenge review')}')")
    page.wait_for_selector(".govuk-notification-banner--success")
    in_welsh(author, "submitted")
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).state == "challenge"
    assert author.console_errors == [], author.console_errors

    # The choice is the account's: after signing out and in again, still Welsh.
    with page.expect_navigation():
        page.click(".app-account__button")
    author.context.clear_cookies()  # the switch's cookie too: only the account remembers now
    sign_in_with_keyboard(author)
    assert page.locator("html").get_attribute("lang") == "cy"
