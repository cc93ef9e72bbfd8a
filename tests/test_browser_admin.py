"""Administration in a real headless Chromium: an admin finds their way from the
header, keeps the directorates, sees the failed notifications and the
configuration, and deactivates an author, whose open browser session and API
token stop working at once. axe-core finds no WCAG 2.2 AA violation on any page."""

from __future__ import annotations

import pytest

from eqia.extensions import db
from eqia.models import Notification, OutboxMessage, utcnow
from eqia.notifications import kinds
from eqia.services import tokens
from tests.test_browser_account import api_status
# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401

pytestmark = pytest.mark.browser


def test_an_admin_keeps_the_service_and_deactivating_an_author_ends_their_session_and_token(
        live_server, browser, world):  # noqa: F811
    _, token = tokens.create_token(world.author, "Committee papers system")
    db.session.add(OutboxMessage(recipient="gone@example.test", subject="Assessment returned", body="Body",
                                 failed_at=utcnow(), attempts=10, failure="refused", smtp_code=550,
                                 last_error="5.1.1 mailbox unavailable"))
    db.session.commit()
    author = Person(browser, live_server, world.author)
    author.sign_in()
    assert api_status(live_server, token) == 200

    admin = Person(browser, live_server, world.admin)
    admin.sign_in()
    admin.page.click(".govuk-service-navigation a:has-text('Administration')")
    admin.page.wait_for_url("**/admin")
    check(admin.page, "admin")

    admin.page.click("a:has-text('Directorates and services')")
    admin.page.wait_for_url("**/admin/directorates")
    check(admin.page, "admin-directorates")
    admin.page.click("button:has-text('Add directorate')")  # no name: the error summary says what to do
    admin.sees_errors("admin-directorates-error")
    admin.page.fill("#name", "Libraries and Archives")
    admin.page.click("button:has-text('Add directorate')")
    admin.page.wait_for_selector(".govuk-notification-banner--success")
    check(admin.page, "admin-directorate")
    admin.page.fill("form[action$='/services'] #name", "Mobile libraries")
    admin.page.click("button:has-text('Add service')")
    admin.page.wait_for_selector("#services a:has-text('Mobile libraries')")
    admin.page.click("#services a:has-text('Mobile libraries')")
    check(admin.page, "admin-service")

    admin.go("/admin/notifications/failed")
    assert "gone@example.test" in admin.page.locator("#failed").inner_text()
    check(admin.page, "admin-failed-notifications")
    admin.go("/admin/configuration")
    check(admin.page, "admin-configuration")

    admin.go("/admin/users")
    check(admin.page, "admin-users")
    admin.page.fill("#q", "author@")
    admin.page.click("button:has-text('Find users')")
    admin.page.click(f"#users a:has-text('{world.author.name}')")
    admin.page.wait_for_url(f"**/admin/users/{world.author.id}")
    check(admin.page, "admin-user")
    admin.page.click("button:has-text('Deactivate account')")
    admin.page.wait_for_selector(".govuk-notification-banner--success")
    check(admin.page, "admin-user-deactivated")

    # At once: the author's open browser is signed out and their token refused.
    author.go("/my-work")
    author.page.wait_for_url("**/sign-in**")
    assert api_status(live_server, token) == 401
    # The forms sent empty answers 422, which Chromium logs as a failed load; nothing else may be logged.
    for person in (admin, author):
        assert [e for e in person.console_errors if "status of 422" not in e] == []


def nav_rows(page) -> set[int]:
    """The heights at which the header's navigation items sit: one for a single line."""
    items = page.locator(".govuk-service-navigation__item")
    return {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}


def test_an_admins_header_fits_on_one_line_at_1100_px_and_opens_as_a_menu_on_a_phone(
        live_server, browser, world):  # noqa: F811
    # Unread notifications lengthen an item: twelve, in English and in Welsh.
    assessment = world.make_assessment()
    db.session.add_all(Notification(user_id=world.admin.id, kind=kinds.HANDED_OVER, assessment_id=assessment.id,
                                    delivery=kinds.IMMEDIATELY) for _ in range(12))
    db.session.commit()
    admin = Person(browser, live_server, world.admin)
    admin.sign_in()
    admin.page.set_viewport_size({"width": 1100, "height": 800})
    assert "Notifications (12)" in admin.page.locator(".govuk-service-navigation").inner_text()
    assert len(nav_rows(admin.page)) == 1
    admin.page.click(".app-language-switch button:has-text('Cymraeg')")
    admin.page.wait_for_selector(".app-language-switch button:has-text('English')")
    assert "Hysbysiadau (12)" in admin.page.locator(".govuk-service-navigation").inner_text()
    assert len(nav_rows(admin.page)) == 1
    admin.page.click(".app-language-switch button:has-text('English')")
    admin.page.wait_for_selector(".app-language-switch button:has-text('Cymraeg')")
    # An equality lead's header (with overdue actions, which an admin reaches from Administration) too.
    db.session.add_all(Notification(user_id=world.lead.id, kind=kinds.HANDED_OVER, assessment_id=assessment.id,
                                    delivery=kinds.IMMEDIATELY) for _ in range(12))
    world.lead.language = "cy"
    db.session.commit()
    lead = Person(browser, live_server, world.lead)
    lead.sign_in()
    lead.page.set_viewport_size({"width": 1100, "height": 800})
    assert "Hysbysiadau (12)" in lead.page.locator(".govuk-service-navigation").inner_text()
    assert "Rhaglen" in lead.page.locator(".govuk-service-navigation").inner_text()
    assert len(nav_rows(lead.page)) == 1
    # The public register stays a click away for staff, in the footer of every page.
    assert lead.page.locator(".govuk-footer a:has-text('Cofrestr gyhoeddus')").is_visible()

    admin.page.set_viewport_size({"width": 375, "height": 800})
    admin.go("/my-work")
    assert not admin.page.locator(".govuk-service-navigation__list").is_visible()
    admin.page.click(".govuk-service-navigation__toggle")
    assert admin.page.locator(".govuk-service-navigation a:has-text('Administration')").is_visible()
    check(admin.page, "admin-menu-phone")
    admin.page.click(".govuk-service-navigation a:has-text('Administration')")
    admin.page.wait_for_url("**/admin")
    admin.page.click("main a:has-text('Overdue actions')")
    admin.page.wait_for_url("**/actions/overdue")
    check(admin.page, "admin-overdue-phone")
